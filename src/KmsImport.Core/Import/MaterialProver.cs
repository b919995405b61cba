using System;
using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// Proves, as far as KMS allows, that a key holds *this* material (facts file, "Proving that
    /// KMS holds the intended material"): HMAC by GenerateMac against a local HMAC; RSA and ECC by
    /// GetPublicKey against the locally derived public key, then a functional check (KMS signs and
    /// the signature verifies locally, or KMS decrypts what was encrypted locally). Symmetric keys
    /// have no local known-answer test: an Encrypt/Decrypt round trip shows the key works, and the
    /// report says that it does not identify the material.
    /// </summary>
    public static class MaterialProver
    {
        public static ProofResult Prove(KmsImportService service, KmsKeyDescription key, KeyMaterial material)
        {
            if (!string.Equals(key.KeySpec, KmsNames.Name(material.KeySpec), StringComparison.Ordinal))
                return new ProofResult(ProofMethods.None, false, $"The material is {material.KeySpec} but the key is {key.KeySpec}.");
            if (key.KeyState != KeyStates.Enabled)
                return new ProofResult(ProofMethods.None, false, $"KMS can use the key only when it is Enabled; it is {key.KeyState}.");

            var challenge = new byte[32];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(challenge);

            if (KeySpecRules.IsHmac(material.KeySpec))
            {
                var kmsMac = service.GenerateMac(key.KeyId, MaterialProof.MacAlgorithmFor(material.KeySpec), challenge);
                var localMac = MaterialProof.ComputeHmac(material, challenge);
                var same = MaterialProof.FixedTimeEquals(kmsMac, localMac);
                return new ProofResult(ProofMethods.GenerateMac, same, same
                    ? "KMS's HMAC of a random message equals the HMAC computed locally with this material."
                    : "KMS's HMAC of a random message differs from the local HMAC: the key holds other material.");
            }

            if (material.IsAsymmetric)
            {
                var localSpki = material.GetPublicKeySpki()!;
                var kmsSpki = service.GetPublicKey(key.KeyId);
                if (!MaterialProof.PublicKeysMatch(localSpki, kmsSpki))
                    return new ProofResult(ProofMethods.GetPublicKey, false, "KMS's public key differs from the one derived from this material: the key holds other material.");

                switch (key.KeyUsage)
                {
                    case nameof(KeyUsage.SIGN_VERIFY):
                        var algorithm = MaterialProof.SigningAlgorithmFor(material.KeySpec);
                        var signature = service.Sign(key.KeyId, algorithm, challenge);
                        var verified = MaterialProof.VerifySignature(localSpki, algorithm, challenge, signature);
                        return new ProofResult(ProofMethods.GetPublicKeySign, verified, verified
                            ? $"Public keys match, and KMS's {algorithm} signature of a random message verifies with the local public key."
                            : $"Public keys match, but KMS's {algorithm} signature does not verify locally.");
                    case nameof(KeyUsage.ENCRYPT_DECRYPT) when KeySpecRules.IsRsa(material.KeySpec):
                        var ciphertext = MaterialProof.EncryptOaepSha256(localSpki, challenge);
                        var plaintext = service.Decrypt(key.KeyId, ciphertext, "RSAES_OAEP_SHA_256");
                        var same = MaterialProof.FixedTimeEquals(plaintext, challenge);
                        return new ProofResult(ProofMethods.GetPublicKeyDecrypt, same, same
                            ? "Public keys match, and KMS decrypted a random message encrypted locally (RSAES_OAEP_SHA_256)."
                            : "Public keys match, but KMS's decryption differs from the message encrypted locally.");
                    default:
                        return new ProofResult(ProofMethods.GetPublicKey, true, $"Public keys match (numbers compared). No functional check exists for {key.KeyUsage} here.");
                }
            }

            var blob = service.Encrypt(key.KeyId, challenge);
            var back = service.Decrypt(key.KeyId, blob, null);
            var roundTrip = MaterialProof.FixedTimeEquals(back, challenge);
            return new ProofResult(ProofMethods.EncryptDecrypt, roundTrip, roundTrip
                ? "KMS encrypted and decrypted a random message. This shows the key works; KMS offers no check that identifies symmetric material (re-importing the escrowed copy is accepted only if it is identical)."
                : "KMS's Encrypt/Decrypt round trip did not return the message.");
        }
    }
}
