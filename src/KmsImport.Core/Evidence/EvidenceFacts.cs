using System;

namespace KmsImport.Core.Evidence
{
    /// <summary>The non-secret facts an evidence line records about bytes (key names: <see cref="Kms.KmsKeyIds"/>).</summary>
    public static class EvidenceFacts
    {
        /// <summary>SHA-256 (64 lowercase hex) of non-secret bytes (an import token, a wrapping public key); null for none.</summary>
        public static string? Sha256Hex(byte[]? data) =>
            data == null || data.Length == 0 ? null : EvidenceFormat.Sha256Hex(data);
    }
}
