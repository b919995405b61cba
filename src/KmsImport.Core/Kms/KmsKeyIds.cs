namespace KmsImport.Core.Kms
{
    /// <summary>How KMS names keys: a key id, a key ARN, an alias name or an alias ARN.</summary>
    public static class KmsKeyIds
    {
        /// <summary>True for an alias name or alias ARN (KMS resolves it; some operations take no alias).</summary>
        public static bool IsAlias(string keyIdOrAlias) =>
            keyIdOrAlias.StartsWith("alias/", System.StringComparison.Ordinal) || keyIdOrAlias.Contains(":alias/");

        /// <summary>The account of a key ARN (arn:aws:kms:eu-west-2:111122223333:key/...), else null.</summary>
        public static string? AccountOfArn(string? arn) => ArnPart(arn, 4);

        /// <summary>The Region of a key ARN, else null.</summary>
        public static string? RegionOfArn(string? arn) => ArnPart(arn, 3);

        /// <summary>The key id of a key ARN; anything else as it is.</summary>
        public static string KeyIdOf(string? keyIdOrArn)
        {
            if (keyIdOrArn == null) return "";
            var i = keyIdOrArn.IndexOf(":key/", System.StringComparison.Ordinal);
            return keyIdOrArn.StartsWith("arn:", System.StringComparison.Ordinal) && i >= 0 ? keyIdOrArn.Substring(i + 5) : keyIdOrArn;
        }

        private static string? ArnPart(string? arn, int index)
        {
            if (arn == null || !arn.StartsWith("arn:", System.StringComparison.Ordinal)) return null;
            var parts = arn.Split(':');
            return parts.Length > 5 && parts[index].Length > 0 ? parts[index] : null;
        }
    }
}
