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
        public KeySpec? KeySpec { get; set; }
        /// <summary>KMS's identifier of the imported material (symmetric keys); null where KMS returns none.</summary>
        public string? KeyMaterialId { get; set; }
        /// <summary>The key state DescribeKey showed after the import; null where it was not observed.</summary>
        public string? KeyState { get; set; }
        public ExpirationModel ExpirationModel { get; set; }
        public DateTime? ValidTo { get; set; }
        public string? Fingerprint { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {Outcome}";
    }
}
