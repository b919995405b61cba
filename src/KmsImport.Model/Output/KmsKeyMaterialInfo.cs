using System;

namespace KmsImport
{
    /// <summary>One key material of a key, as ListKeyRotations reports it. Output of Get-KmsKeyRotation.</summary>
    public sealed class KmsKeyMaterialInfo
    {
        public string KeyId { get; set; } = "";
        public string? KeyMaterialId { get; set; }
        public string? KeyMaterialDescription { get; set; }
        /// <summary>COMPLETE, PENDING_IMPORT, ...</summary>
        public string? ImportState { get; set; }
        /// <summary>CURRENT, NON_CURRENT, PENDING_ROTATION, PENDING_MULTI_REGION_IMPORT_AND_ROTATION.</summary>
        public string? KeyMaterialState { get; set; }
        public string? ExpirationModel { get; set; }
        public DateTime? ValidTo { get; set; }
        public DateTime? RotationDate { get; set; }
        /// <summary>ON_DEMAND or AUTOMATIC.</summary>
        public string? RotationType { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {KeyMaterialId} {KeyMaterialState}";
    }
}
