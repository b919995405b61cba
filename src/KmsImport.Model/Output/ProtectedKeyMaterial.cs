using System;
using System.Collections.Generic;

namespace KmsImport
{
    /// <summary>
    /// Key material wrapped for one import token. Safe to keep or move: only the holder of the
    /// wrapping private key (KMS) can unwrap it. Carries no plaintext. Output of Protect-KeyMaterial.
    /// </summary>
    public sealed class ProtectedKeyMaterial
    {
        public string KeyId { get; set; } = "";
        /// <summary>KMS names (SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_256, RSA_4096 ...), so JSON and CSV name them;
        /// an empty string where the source did not say (a bundle without a description).</summary>
        public string KeySpec { get; set; } = "";
        public string WrappingAlgorithm { get; set; } = "";
        public string WrappingKeySpec { get; set; } = "";
        public byte[] EncryptedKeyMaterial { get; set; } = Array.Empty<byte>();
        public byte[] ImportToken { get; set; } = Array.Empty<byte>();
        public DateTime ParametersValidTo { get; set; }
        /// <summary>Non-secret identifier of the plaintext material (see <see cref="FingerprintAlgorithm"/>).</summary>
        public string Fingerprint { get; set; } = "";
        public string FingerprintAlgorithm { get; set; } = "";
        /// <summary>Where a copy of generated material was escrowed, when the module wrote one.</summary>
        public string? EscrowPath { get; set; }
        /// <summary>SHA-1 thumbprints of the certificates the escrow copy (or its components) was encrypted to; null for none.</summary>
        public string[]? EscrowRecipients { get; set; }
        /// <summary>Check value of each key component written or combined (component 1 first), never a component; null without components. Evidence lines (-EvidencePath) record them.</summary>
        public string[]? ComponentCheckValues { get; set; }
        /// <summary>"AES-KCV" (16/24/32-byte components) or "SHA256-KCV"; null without components.</summary>
        public string? ComponentCheckValueAlgorithm { get; set; }
        /// <summary>The component files written (-ComponentCount) or combined (-ComponentPath); null otherwise.</summary>
        public string[]? ComponentPaths { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {KeySpec} {Fingerprint}";
    }
}
