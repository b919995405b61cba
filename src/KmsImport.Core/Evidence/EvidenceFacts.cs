using System;

namespace KmsImport.Core.Evidence
{
    /// <summary>The non-secret facts an evidence line records about bytes and key names.</summary>
    public static class EvidenceFacts
    {
        /// <summary>SHA-256 (64 lowercase hex) of non-secret bytes (an import token, a wrapping public key); null for none.</summary>
        public static string? Sha256Hex(byte[]? data) =>
            data == null || data.Length == 0 ? null : EvidenceFormat.Sha256Hex(data);

        /// <summary>The account of a key ARN (arn:aws:kms:eu-west-2:111122223333:key/...), else null.</summary>
        public static string? AccountOfArn(string? arn) => ArnPart(arn, 4);

        /// <summary>The Region of a key ARN, else null.</summary>
        public static string? RegionOfArn(string? arn) => ArnPart(arn, 3);

        /// <summary>The key id of a key ARN; anything else as it is.</summary>
        public static string KeyIdOf(string? keyIdOrArn)
        {
            if (keyIdOrArn == null) return "";
            var i = keyIdOrArn.IndexOf(":key/", StringComparison.Ordinal);
            return keyIdOrArn.StartsWith("arn:", StringComparison.Ordinal) && i >= 0 ? keyIdOrArn.Substring(i + 5) : keyIdOrArn;
        }

        private static string? ArnPart(string? arn, int index)
        {
            if (arn == null || !arn.StartsWith("arn:", StringComparison.Ordinal)) return null;
            var parts = arn.Split(':');
            return parts.Length > 5 && parts[index].Length > 0 ? parts[index] : null;
        }
    }
}
