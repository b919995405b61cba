using Xunit;
using System.Security.Cryptography;
using KmsImport;

namespace KmsImport.Core.Tests.Crypto.TestSupport;

/// <summary>
/// The test's own decoder of EncryptedKeyMaterial, independent of the product code: .NET's RSA (OpenSSL underneath on
/// Linux) for RSA-OAEP and .NET 10's Aes.DecryptKeyWrapPadded for RFC 5649 — what KMS does on its side.
/// </summary>
internal static class WrappedMaterialDecoder
{
    public static RSAEncryptionPadding Padding(WrappingAlgorithm algorithm) =>
        algorithm is WrappingAlgorithm.RSAES_OAEP_SHA_1 or WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1
            ? RSAEncryptionPadding.OaepSHA1
            : RSAEncryptionPadding.OaepSHA256;

    public static bool IsRsaAes(WrappingAlgorithm a) => a is WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1 or WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256;

    public static byte[] Unwrap(byte[] wrapped, RSA privateKey, WrappingAlgorithm algorithm)
    {
        var padding = Padding(algorithm);
        if (!IsRsaAes(algorithm)) return privateKey.Decrypt(wrapped, padding);
        int k = privateKey.KeySize / 8;
        byte[] kek = privateKey.Decrypt(wrapped.AsSpan(0, k).ToArray(), padding);
        try
        {
            using var aes = Aes.Create();
            aes.Key = kek;
            return aes.DecryptKeyWrapPadded(wrapped.AsSpan(k).ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>The RSA part R of an RSA_AES_KEY_WRAP output, decrypted: the transient AES key.</summary>
    public static byte[] TransientKey(byte[] wrapped, RSA privateKey, WrappingAlgorithm algorithm) =>
        privateKey.Decrypt(wrapped.AsSpan(0, privateKey.KeySize / 8).ToArray(), Padding(algorithm));

    public static KeySpec KeySpecOf(WrappingKeySpec w) => w switch
    {
        WrappingKeySpec.RSA_2048 => KeySpec.RSA_2048,
        WrappingKeySpec.RSA_3072 => KeySpec.RSA_3072,
        WrappingKeySpec.RSA_4096 => KeySpec.RSA_4096,
        _ => KeySpec.SM2,
    };
}
