using System.Security.Cryptography;

namespace LocalKms.Crypto;

/// <summary>
/// Unwraps EncryptedKeyMaterial with the private key of an import parameter set. Uses only .NET's own
/// cryptography: RSA-OAEP (OAEP hash = MGF1 hash, empty label) and, for RSA_AES_KEY_WRAP_SHA_*, the
/// RFC 5649 AES key unwrap with padding of .NET 10 (<see cref="Aes.DecryptKeyWrapPadded(ReadOnlySpan{byte})"/>).
/// Returns null when the material cannot be unwrapped (KMS answers InvalidCiphertextException).
/// </summary>
internal static class Unwrapper
{
    public static byte[]? Unwrap(string wrappingAlgorithm, byte[] wrappingPrivateKeyPkcs8, byte[] encrypted)
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(wrappingPrivateKeyPkcs8, out _);
        int k = rsa.KeySize / 8;
        try
        {
            switch (wrappingAlgorithm)
            {
                case "RSAES_OAEP_SHA_1":
                case "RSAES_OAEP_SHA_256":
                    if (encrypted.Length != k)
                    {
                        return null;
                    }

                    return rsa.Decrypt(encrypted, Padding(wrappingAlgorithm));

                case "RSA_AES_KEY_WRAP_SHA_1":
                case "RSA_AES_KEY_WRAP_SHA_256":
                    {
                        // PKCS#11 CKM_RSA_AES_KEY_WRAP layout: RSA-OAEP(ephemeral AES key) || RFC 5649 wrap(material).
                        int wrappedLength = encrypted.Length - k;
                        if (wrappedLength < 16 || wrappedLength % 8 != 0)
                        {
                            return null;
                        }

                        byte[] aesKey = rsa.Decrypt(encrypted.AsSpan(0, k).ToArray(), Padding(wrappingAlgorithm));
                        try
                        {
                            if (aesKey.Length != 32)
                            {
                                return null; // KMS expects an AES-256 ephemeral key
                            }

                            using var aes = Aes.Create();
                            aes.Key = aesKey;
                            return aes.DecryptKeyWrapPadded(encrypted.AsSpan(k));
                        }
                        finally
                        {
                            CryptographicOperations.ZeroMemory(aesKey);
                        }
                    }

                default:
                    return null;
            }
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static RSAEncryptionPadding Padding(string alg) =>
        alg.EndsWith("SHA_1", StringComparison.Ordinal) ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;
}
