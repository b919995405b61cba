using System;

namespace KmsImport.Core.Kms
{
    /// <summary>How material is imported: expiry, and for symmetric keys the rotation fields (checked by ImportRules.ValidateOptions).</summary>
    public sealed class ImportOptions
    {
        public ExpirationModel ExpirationModel { get; set; } = ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE;
        public DateTime? ValidToUtc { get; set; }
        /// <summary>NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL; null lets KMS decide (EXISTING).</summary>
        public string? ImportType { get; set; }
        public string? KeyMaterialId { get; set; }
        public string? KeyMaterialDescription { get; set; }

        public bool HasRotationFields => ImportType != null || KeyMaterialId != null || KeyMaterialDescription != null;
    }
}
