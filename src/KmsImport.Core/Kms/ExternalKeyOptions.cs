using System.Collections.Generic;

namespace KmsImport.Core.Kms
{
    /// <summary>What New-KmsExternalKey asks for. KeyUsage null means the spec's default.</summary>
    public sealed class ExternalKeyOptions
    {
        public KeySpec KeySpec { get; set; } = KeySpec.SYMMETRIC_DEFAULT;
        public KeyUsage? KeyUsage { get; set; }
        public string? Description { get; set; }
        /// <summary>alias/name or name; created after the key.</summary>
        public string? Alias { get; set; }
        public IDictionary<string, string>? Tags { get; set; }
        /// <summary>Key policy JSON; null for KMS's default policy.</summary>
        public string? Policy { get; set; }
        public bool MultiRegion { get; set; }
    }
}
