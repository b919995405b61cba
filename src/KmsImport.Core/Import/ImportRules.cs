using System;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// Every rule that can be checked locally, before any call, in one place (this file: time and
    /// expiry; ImportRules.Keys.cs: keys, wrapping, options, replicas, escrow). The workflow and the
    /// cmdlets call these; the KMS service layer below assumes they were applied. The tables behind
    /// the wrapping and key-spec rules (what KMS allows) are data in Crypto/KeySpecRules and
    /// Crypto/WrappingMatrix, which the wrapping code itself also needs.
    /// </summary>
    public static partial class ImportRules
    {
        /// <summary>KMS accepts ValidTo at most 365 days ahead.</summary>
        public static readonly TimeSpan MaxValidToAhead = TimeSpan.FromDays(365);

        /// <summary>
        /// Parameters this close to ParametersValidTo are treated as expired: the import would race
        /// the clock (and clock skew) and fail at KMS instead of here.
        /// </summary>
        public static readonly TimeSpan ParametersSafetyMargin = TimeSpan.FromMinutes(1);

        /// <summary>The clock every local check uses. A test hook, so internal (InternalsVisibleTo KmsImport.Core.Tests).</summary>
        internal static Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

        /// <summary>
        /// How importing with <paramref name="next"/> changes the expiration model the key shows
        /// (<paramref name="current"/>, DescribeKey's, kept after its material expired or was deleted), or null
        /// when it does not (same model, or a key that never had one).
        /// </summary>
        public static string? ExpirationModelChange(string? current, ExpirationModel next)
        {
            if (string.IsNullOrEmpty(current) || string.Equals(current, KmsNames.Name(next), StringComparison.Ordinal)) return null;
            return next == ExpirationModel.KEY_MATERIAL_EXPIRES
                ? $"changes the expiration model from {current} to KEY_MATERIAL_EXPIRES: the material will expire, and KMS deletes it at ValidTo"
                : $"changes the expiration model from {current} to {KmsNames.Name(next)}: the material will no longer expire";
        }

        /// <summary>
        /// Resolves the expiration model the way the cmdlets document it: -ValidTo alone means
        /// KEY_MATERIAL_EXPIRES; neither means KEY_MATERIAL_DOES_NOT_EXPIRE (unlike the API, whose
        /// default is KEY_MATERIAL_EXPIRES). The model is always sent explicitly.
        /// A DateTime of unspecified kind is taken as local time, as PowerShell's Get-Date gives it.
        /// </summary>
        public static (ExpirationModel Model, DateTime? ValidToUtc) ResolveExpiration(ExpirationModel? model, DateTime? validTo, string? keyId = null)
        {
            var validToUtc = validTo.HasValue ? UtcTime.WholeSeconds(UtcTime.ToUtc(validTo.Value)) : (DateTime?)null;
            var effective = model ?? (validToUtc.HasValue ? ExpirationModel.KEY_MATERIAL_EXPIRES : ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE);
            if (effective == ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE)
            {
                if (validToUtc.HasValue)
                    throw new KmsImportException(ErrorIds.ValidToNotAllowed, ErrorKind.InvalidArgument,
                        "-ValidTo cannot be combined with -ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE. Leave -ValidTo out, or use KEY_MATERIAL_EXPIRES.")
                    { TargetObject = (object?)keyId ?? "ValidTo" };
                return (effective, null);
            }

            if (!validToUtc.HasValue)
                throw new KmsImportException(ErrorIds.ValidToRequired, ErrorKind.InvalidArgument,
                    "KEY_MATERIAL_EXPIRES needs -ValidTo: the date (at most 365 days ahead) when KMS deletes the material. Pass -ValidTo, or leave -ExpirationModel out for material that does not expire.")
                { TargetObject = (object?)keyId ?? "ValidTo" };

            var now = UtcNow();
            if (validToUtc.Value <= now)
                throw new KmsImportException(ErrorIds.ValidToInPast, ErrorKind.InvalidArgument,
                    $"-ValidTo {validToUtc.Value:u} is not in the future. Pass a date between now and 365 days ahead.")
                { TargetObject = (object?)keyId ?? "ValidTo" };
            if (validToUtc.Value > now + MaxValidToAhead)
                throw new KmsImportException(ErrorIds.ValidToTooFar, ErrorKind.InvalidArgument,
                    $"-ValidTo {validToUtc.Value:u} is more than 365 days ahead, which KMS refuses. Pass a date at most 365 days ahead (e.g. (Get-Date).AddDays(365)), and re-import the escrowed material before it expires.")
                { TargetObject = (object?)keyId ?? "ValidTo" };
            return (effective, validToUtc);
        }

        /// <summary>Refuses parameters whose token has expired or is about to, saying how to recover.</summary>
        public static void EnsureParametersUsable(DateTime parametersValidTo, string keyId)
        {
            var validTo = UtcTime.ToUtc(parametersValidTo);
            if (validTo - UtcNow() < ParametersSafetyMargin)
                throw new KmsImportException(ErrorIds.ImportParametersExpired, ErrorKind.InvalidOperation,
                    $"The import parameters (public key and token) for key '{keyId}' expired at {validTo:u} or expire within a minute. Run Get-KmsImportParameters -KeyId {keyId} again and wrap the material again with Protect-KeyMaterial; the material itself is unaffected.")
                { TargetObject = keyId };
        }
    }
}
