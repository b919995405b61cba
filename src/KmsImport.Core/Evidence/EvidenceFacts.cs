using System;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Evidence
{
    /// <summary>The non-secret facts an evidence line records about bytes and key names.</summary>
    public static class EvidenceFacts
    {
        /// <summary>SHA-256 (64 lowercase hex) of non-secret bytes (an import token, a wrapping public key); null for none.</summary>
        public static string? Sha256Hex(byte[]? data) =>
            data == null || data.Length == 0 ? null : EvidenceFormat.Sha256Hex(data);

        /// <summary>The account of a key ARN, else null (<see cref="KmsKeyIds.AccountOfArn"/>).</summary>
        public static string? AccountOfArn(string? arn) => KmsKeyIds.AccountOfArn(arn);

        /// <summary>The Region of a key ARN, else null.</summary>
        public static string? RegionOfArn(string? arn) => KmsKeyIds.RegionOfArn(arn);

        /// <summary>The key id of a key ARN; anything else as it is.</summary>
        public static string KeyIdOf(string? keyIdOrArn) => KmsKeyIds.KeyIdOf(keyIdOrArn);
    }
}
