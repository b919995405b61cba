using System;
using System.Text.RegularExpressions;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Kms
{
    /// <summary>How material is imported: expiry, and for symmetric keys the rotation fields.</summary>
    public sealed class ImportOptions
    {
        private static readonly Regex MaterialIdPattern = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);
        private static readonly Regex DescriptionPattern = new Regex(@"^[a-zA-Z0-9:/_\s.-]+$", RegexOptions.CultureInvariant);

        public ExpirationModel ExpirationModel { get; set; } = ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE;
        public DateTime? ValidToUtc { get; set; }
        /// <summary>NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL; null lets KMS decide (EXISTING).</summary>
        public string? ImportType { get; set; }
        public string? KeyMaterialId { get; set; }
        public string? KeyMaterialDescription { get; set; }

        public bool HasRotationFields => ImportType != null || KeyMaterialId != null || KeyMaterialDescription != null;

        /// <summary>KMS's rules for the rotation fields, checked locally. <paramref name="keySpec"/> null skips the spec rule.</summary>
        public void Validate(KeySpec? keySpec, string keyId)
        {
            if (!HasRotationFields) return;
            if (keySpec.HasValue && !KeySpecRules.IsSymmetric(keySpec.Value))
                throw Invalid(keyId, $"-ImportType, -KeyMaterialId and -KeyMaterialDescription apply to SYMMETRIC_DEFAULT keys only; key '{keyId}' is {keySpec}. Leave them out: HMAC and asymmetric keys take one material forever.");
            if (ImportType != null && ImportType != ImportTypes.NewKeyMaterial && ImportType != ImportTypes.ExistingKeyMaterial)
                throw Invalid(keyId, "-ImportType is NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL.");
            if (KeyMaterialId != null)
            {
                if (ImportType == ImportTypes.NewKeyMaterial)
                    throw Invalid(keyId, "-KeyMaterialId names existing material; it cannot go with -ImportType NEW_KEY_MATERIAL. Leave one out.");
                if (!MaterialIdPattern.IsMatch(KeyMaterialId))
                    throw Invalid(keyId, "-KeyMaterialId is 64 lowercase hexadecimal characters, as Get-KmsKeyRotation shows it.");
            }
            if (KeyMaterialDescription != null && (KeyMaterialDescription.Length > 256 || !DescriptionPattern.IsMatch(KeyMaterialDescription)))
                throw Invalid(keyId, "-KeyMaterialDescription is at most 256 characters of letters, digits, spaces and : / _ . -");
        }

        private static KmsImportException Invalid(string keyId, string message) =>
            new KmsImportException(ErrorIds.ImportOptionsInvalid, ErrorKind.InvalidArgument, message) { TargetObject = keyId };
    }
}
