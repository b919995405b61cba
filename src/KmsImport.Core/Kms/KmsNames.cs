namespace KmsImport.Core.Kms
{
    /// <summary>
    /// The few KMS vocabulary values the core compares against, named once (key states, origin,
    /// multi-Region key types). Values are KMS's own spellings.
    /// </summary>
    public static class KmsNames
    {
        public const string Enabled = "Enabled";
        public const string Disabled = "Disabled";
        public const string PendingImport = "PendingImport";
        public const string PendingDeletion = "PendingDeletion";
        public const string PendingReplicaDeletion = "PendingReplicaDeletion";
        public const string Creating = "Creating";

        public const string OriginExternal = "EXTERNAL";
        public const string Primary = "PRIMARY";
        public const string Replica = "REPLICA";

        /// <summary>True for an alias name or alias ARN (KMS resolves it; some operations take no alias).</summary>
        public static bool IsAlias(string keyIdOrAlias) =>
            keyIdOrAlias.StartsWith("alias/", System.StringComparison.Ordinal) || keyIdOrAlias.Contains(":alias/");
    }
}
