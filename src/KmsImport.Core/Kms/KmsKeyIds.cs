namespace KmsImport.Core.Kms
{
    /// <summary>How KMS names keys: a key id, a key ARN, an alias name or an alias ARN.</summary>
    public static class KmsKeyIds
    {
        /// <summary>True for an alias name or alias ARN (KMS resolves it; some operations take no alias).</summary>
        public static bool IsAlias(string keyIdOrAlias) =>
            keyIdOrAlias.StartsWith("alias/", System.StringComparison.Ordinal) || keyIdOrAlias.Contains(":alias/");
    }
}
