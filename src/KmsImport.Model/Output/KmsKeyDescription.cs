using System;

namespace KmsImport
{
    /// <summary>The parts of DescribeKey's KeyMetadata the module uses, in the module's own type.</summary>
    public sealed class KmsKeyDescription
    {
        public string KeyId { get; set; } = "";
        public string Arn { get; set; } = "";
        public string KeyState { get; set; } = "";
        public string Origin { get; set; } = "";
        public string KeySpec { get; set; } = "";
        public string KeyUsage { get; set; } = "";
        public string? ExpirationModel { get; set; }
        public DateTime? ValidTo { get; set; }
        public string? CurrentKeyMaterialId { get; set; }
        public bool MultiRegion { get; set; }
        public string? MultiRegionKeyType { get; set; }
        public string? Description { get; set; }
        public DateTime CreationDate { get; set; }
        public DateTime? DeletionDate { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        /// <summary>The spec as the module's enum, or null when KMS cannot import material for it (or the name is new to this module).</summary>
        public KmsImport.KeySpec? ImportableKeySpec => KmsNames.ParseOrNull<KmsImport.KeySpec>(KeySpec);

        public override string ToString() => $"{KeyId} {KeyState}";
    }
}
