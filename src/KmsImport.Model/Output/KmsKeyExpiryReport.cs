using System;

namespace KmsImport
{
    /// <summary>How an EXTERNAL key's material stands against expiry. Output of Get-KmsKeyMaterialExpiry.</summary>
    public sealed class KmsKeyExpiryReport
    {
        public string KeyId { get; set; } = "";
        public string Arn { get; set; } = "";
        public string KeyState { get; set; } = "";
        public string? ExpirationModel { get; set; }
        public DateTime? ValidTo { get; set; }
        /// <summary>Days until ValidTo (fractional; negative once passed); null when the material does not expire.</summary>
        public double? DaysRemaining { get; set; }
        /// <summary>
        /// OK, Warning (within -WarningDays), Expired (material that expired or was deleted: restore it),
        /// DoesNotExpire, NoMaterial (never imported: nothing to restore).
        /// </summary>
        public string Status { get; set; } = "";
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {Status}";
    }
}
