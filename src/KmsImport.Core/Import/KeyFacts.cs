using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// What a pipeline object already says about a key (New-KmsExternalKey's output, AWS Tools'
    /// KeyMetadata, a bare key id). Facts travel so a step need not ask KMS again.
    /// </summary>
    public sealed class KeyFacts
    {
        public KeyFacts(string keyId) => KeyId = keyId;

        public string KeyId { get; }
        public KeySpec? KeySpec { get; set; }
        public string? Origin { get; set; }
        public string? KeyState { get; set; }
        public string? MultiRegionKeyType { get; set; }
        /// <summary>Set on a replica that may not exist yet: the Region of its primary, from which ReplicateKey is sent.</summary>
        public string? PrimaryRegion { get; set; }

        /// <summary>A replica to create (or find created) from its primary before anything else.</summary>
        public bool IsReplicaToCreate => !string.IsNullOrEmpty(PrimaryRegion);

        /// <summary>
        /// True when the object says all DescribeKey would be asked for: an importable KeySpec, Origin
        /// EXTERNAL and a state that takes material. An alias must always be described (it names no key id).
        /// </summary>
        public bool SufficeForImport =>
            KeySpec.HasValue && Origin == Origins.External && ImportRules.StateAcceptsMaterial(KeyState)
            && !ImportRules.IsAlias(KeyId) && !IsReplicaToCreate;

        internal KmsKeyDescription ToDescription(KmsImportService service) => new KmsKeyDescription
        {
            KeyId = KeyId,
            KeySpec = KeySpec?.ToString() ?? "",
            Origin = Origin ?? "",
            KeyState = KeyState ?? "",
            MultiRegion = MultiRegionKeyType != null,
            MultiRegionKeyType = MultiRegionKeyType,
            Region = service.Region,
            EndpointUrl = service.EndpointUrl,
        };
    }
}
