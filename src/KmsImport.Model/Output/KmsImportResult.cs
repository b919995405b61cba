using System;

namespace KmsImport
{
    /// <summary>
    /// The outcome of ImportKeyMaterial for one key. Output of Import-KmsKeyMaterial and
    /// Restore-KmsKeyMaterial. It says what the import call answered; <see cref="KeyState"/> is
    /// filled only where the key was described afterwards (Restore-KmsKeyMaterial): pipe into
    /// Test-KmsKeyState to observe the state.
    /// </summary>
    public sealed class KmsImportResult
    {
        /// <summary>The <see cref="Outcome"/> of an import KMS accepted.</summary>
        public const string Imported = "Imported";

        public string KeyId { get; set; } = "";
        /// <summary>Imported: KMS accepted the material (ImportKeyMaterial succeeded).</summary>
        public string Outcome { get; set; } = "";
        /// <summary>As KMS spells it; null where the import did not know it.</summary>
        public string? KeySpec { get; set; }
        /// <summary>KMS's identifier of the imported material (symmetric keys); null where KMS returns none.</summary>
        public string? KeyMaterialId { get; set; }
        /// <summary>The key state DescribeKey showed after the import; null where it was not observed.</summary>
        public string? KeyState { get; set; }
        /// <summary>KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE.</summary>
        public string ExpirationModel { get; set; } = "";
        public DateTime? ValidTo { get; set; }
        public string? Fingerprint { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {Outcome}";
    }
}
