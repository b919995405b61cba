namespace KmsImport
{
    /// <summary>One key of a Region as ListKeys reports it.</summary>
    public sealed class KmsKeyListEntry
    {
        public KmsKeyListEntry(string keyId, string arn)
        {
            KeyId = keyId;
            Arn = arn;
        }

        public string KeyId { get; }
        public string Arn { get; }
    }

    /// <summary>One alias of a Region; TargetKeyId is null for an alias that points to no key.</summary>
    public sealed class KmsAliasListEntry
    {
        public KmsAliasListEntry(string aliasName, string? targetKeyId)
        {
            AliasName = aliasName;
            TargetKeyId = targetKeyId;
        }

        public string AliasName { get; }
        public string? TargetKeyId { get; }
    }

    /// <summary>An AWS Region: system name (eu-west-2) and display name (Europe (London)).</summary>
    public sealed class KmsRegionName
    {
        public KmsRegionName(string name, string displayName)
        {
            Name = name;
            DisplayName = displayName;
        }

        public string Name { get; }
        public string DisplayName { get; }
    }
}
