using System;
using System.Collections.Generic;

namespace KmsImport
{
    // The KMS values the module compares, as KMS spells them. Output objects carry these strings
    // (never enum numbers), so JSON and CSV name them on PowerShell 7 and 5.1 alike, and a value
    // KMS adds later passes through as text instead of becoming a default.

    /// <summary>KMS key states (KeyMetadata.KeyState).</summary>
    public static class KeyStates
    {
        public const string Enabled = "Enabled";
        public const string Disabled = "Disabled";
        public const string PendingImport = "PendingImport";
        public const string PendingDeletion = "PendingDeletion";
        public const string PendingReplicaDeletion = "PendingReplicaDeletion";
        public const string Creating = "Creating";
        public const string Updating = "Updating";
        public const string Unavailable = "Unavailable";

        public static IReadOnlyList<string> All { get; } = Array.AsReadOnly(new[]
            { Enabled, Disabled, PendingImport, PendingDeletion, PendingReplicaDeletion, Creating, Updating, Unavailable });

        /// <summary>A key in one of these states holds material (imported material, for an EXTERNAL key).</summary>
        public static bool HoldsMaterial(string? state) => state == Enabled || state == Disabled;

        /// <summary>Scheduled for deletion (the key itself or, for a multi-Region primary, its replicas).</summary>
        public static bool IsPendingDeletion(string? state) => state == PendingDeletion || state == PendingReplicaDeletion;
    }

    /// <summary>Where a key's material comes from (KeyMetadata.Origin).</summary>
    public static class Origins
    {
        public const string AwsKms = "AWS_KMS";
        public const string External = "EXTERNAL";
        public const string AwsCloudHsm = "AWS_CLOUDHSM";
        public const string ExternalKeyStore = "EXTERNAL_KEY_STORE";
    }

    /// <summary>ImportKeyMaterial's ImportType (symmetric keys with on-demand rotation).</summary>
    public static class ImportTypes
    {
        public const string NewKeyMaterial = "NEW_KEY_MATERIAL";
        public const string ExistingKeyMaterial = "EXISTING_KEY_MATERIAL";

        public static IReadOnlyList<string> All { get; } = Array.AsReadOnly(new[] { NewKeyMaterial, ExistingKeyMaterial });
    }

    /// <summary>KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType.</summary>
    public static class MultiRegionKeyTypes
    {
        public const string Primary = "PRIMARY";
        public const string Replica = "REPLICA";
    }

    /// <summary>How KmsImport proved (or could not prove) that KMS holds given material (ProofMethod).</summary>
    public static class ProofMethods
    {
        /// <summary>No proof was possible (the material is of another key spec than the key).</summary>
        public const string None = "None";
        public const string GenerateMac = "GenerateMac";
        public const string GetPublicKey = "GetPublicKey";
        public const string GetPublicKeySign = "GetPublicKey+Sign";
        public const string GetPublicKeyDecrypt = "GetPublicKey+Decrypt";
        /// <summary>A round trip only: symmetric keys have no check that identifies their material.</summary>
        public const string EncryptDecrypt = "Encrypt+Decrypt";
        /// <summary>A batch re-imported the material into a key that was already Enabled (KMS accepts only identical bytes).</summary>
        public const string ReImport = "ReImport";
    }

    /// <summary>KmsBatchImportResult.Status.</summary>
    public static class BatchStatuses
    {
        public const string Imported = "Imported";
        public const string Verified = "Verified";
        public const string Skipped = "Skipped";
        public const string Failed = "Failed";
    }

    /// <summary>KmsKeyExpiryReport.Status.</summary>
    public static class ExpiryStatuses
    {
        public const string Ok = "OK";
        public const string Warning = "Warning";
        /// <summary>The key had material that expired or was deleted: restore it from escrow.</summary>
        public const string Expired = "Expired";
        public const string DoesNotExpire = "DoesNotExpire";
        /// <summary>The key never received material (KMS knows no material of it): import, there is nothing to restore.</summary>
        public const string NoMaterial = "NoMaterial";
    }

    /// <summary>
    /// The one way text becomes a vocabulary enum (<see cref="KeySpec"/>, <see cref="KeyUsage"/>,
    /// <see cref="WrappingAlgorithm"/>, <see cref="WrappingKeySpec"/>, <see cref="ExpirationModel"/>):
    /// by KMS name only, ignoring case as PowerShell does for enum parameters. Never by number:
    /// Enum.TryParse would read "1" as HMAC_224, and an object from elsewhere must not mean a key
    /// spec by accident. Unknown names are refused here; output objects keep them as text.
    /// </summary>
    public static class KmsNames
    {
        /// <summary>The enum member named <paramref name="text"/> (any case); false for numbers, blanks and unknown names.</summary>
        public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
        {
            value = default;
            if (string.IsNullOrEmpty(text)) return false;
            foreach (var name in Enum.GetNames(typeof(TEnum)))
            {
                if (!string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) continue;
                value = (TEnum)Enum.Parse(typeof(TEnum), name);
                return true;
            }
            return false;
        }

        /// <summary>The enum member named <paramref name="text"/>, or null (blank, a number, an unknown name).</summary>
        public static TEnum? ParseOrNull<TEnum>(string? text) where TEnum : struct, Enum =>
            TryParse<TEnum>(text, out var value) ? value : null;

        /// <summary>
        /// The enum member named <paramref name="text"/>, or a <see cref="KmsImportException"/> with
        /// <paramref name="errorId"/> that lists the names accepted. The text is named in the message
        /// only when it looks like a KMS name (it may come from a file or another program's object).
        /// </summary>
        public static TEnum Parse<TEnum>(string? text, string errorId, object? target) where TEnum : struct, Enum
        {
            if (TryParse<TEnum>(text, out var value)) return value;
            throw Unknown<TEnum>(text, errorId, target);
        }

        /// <summary>Null for a value not given (null or empty), else as <see cref="Parse{TEnum}"/>.</summary>
        public static TEnum? ParseOptional<TEnum>(string? text, string errorId, object? target) where TEnum : struct, Enum =>
            string.IsNullOrEmpty(text) ? null : Parse<TEnum>(text, errorId, target);

        /// <summary>The exception <see cref="Parse{TEnum}"/> throws, for callers that decide themselves.</summary>
        public static KmsImportException Unknown<TEnum>(string? text, string errorId, object? target) where TEnum : struct, Enum =>
            new KmsImportException(errorId, ErrorKind.InvalidArgument,
                $"{Describe(text)} is not a {typeof(TEnum).Name} this module knows. Use one of {string.Join(", ", Names<TEnum>())}.")
            { TargetObject = target };

        /// <summary>The KMS name of a defined member; throws for a number that names no member.</summary>
        public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
            Enum.IsDefined(typeof(TEnum), value) ? value.ToString() : throw new ArgumentOutOfRangeException(nameof(value), $"Not a {typeof(TEnum).Name} member.");

        /// <summary>The KMS name of a defined member, or null.</summary>
        public static string? Name<TEnum>(TEnum? value) where TEnum : struct, Enum => value.HasValue ? Name(value.Value) : null;

        /// <summary>Every name of the enum, in declaration order (for messages and tab completion).</summary>
        public static IReadOnlyList<string> Names<TEnum>() where TEnum : struct, Enum => Enum.GetNames(typeof(TEnum));

        /// <summary>
        /// The key spec of a key as <see cref="KeySpec"/>, or the one error every command gives for a
        /// key whose spec KMS imports no material for (or a spec this module does not know yet).
        /// </summary>
        public static KeySpec ImportableKeySpec(string? keySpec, string? keyId, string errorId = ErrorIds.KeySpecNotImportable)
        {
            if (TryParse<KeySpec>(keySpec, out var spec)) return spec;
            throw new KmsImportException(errorId, ErrorKind.InvalidOperation,
                $"Key '{keyId}' has key spec {Describe(keySpec)}, for which KMS does not import material (or which this module does not know). "
                + $"Importable key specs: {string.Join(", ", Names<KeySpec>())}.")
            { TargetObject = keyId };
        }

        /// <summary>A value for a message: itself when it looks like a KMS name, otherwise only that it is not one.</summary>
        internal static string Describe(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "an empty value";
            if (text!.Length > 64) return "a value";
            foreach (var c in text)
                if (!(c == '_' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return "a value";
            return "'" + text + "'";
        }
    }
}
