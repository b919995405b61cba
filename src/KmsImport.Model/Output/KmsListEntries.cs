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

    /// <summary>An AWS Region: system name (eu-west-2), display name (Europe (London)) and partition (aws).</summary>
    public sealed class KmsRegionName
    {
        public KmsRegionName(string name, string displayName)
            : this(name, displayName, "", "")
        {
        }

        public KmsRegionName(string name, string displayName, string partition, string dnsSuffix)
        {
            Name = name;
            DisplayName = displayName;
            Partition = partition;
            DnsSuffix = dnsSuffix;
        }

        public string Name { get; }
        public string DisplayName { get; }

        /// <summary>The AWS partition: aws, aws-cn, aws-us-gov, aws-iso ...</summary>
        public string Partition { get; }

        /// <summary>The partition's DNS suffix (amazonaws.com, amazonaws.com.cn, c2s.ic.gov ...).</summary>
        public string DnsSuffix { get; }
    }
}
