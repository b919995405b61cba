using System;

namespace KmsImport
{
    /// <summary>The outcome of ImportKeyMaterial for one key. Output of Import-KmsKeyMaterial.</summary>
    public sealed class KmsImportResult
    {
        public string KeyId { get; set; } = "";
        /// <summary>KMS's identifier of the imported material (symmetric keys); null where KMS returns none.</summary>
        public string? KeyMaterialId { get; set; }
        public string KeyState { get; set; } = "";
        /// <summary>KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE.</summary>
        public string ExpirationModel { get; set; } = "";
        public DateTime? ValidTo { get; set; }
        public string? Fingerprint { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {KeyState}";
    }
}
