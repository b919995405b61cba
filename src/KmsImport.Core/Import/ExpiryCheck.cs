using System;
using System.Linq;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>Classifies an EXTERNAL key's material against its expiry.</summary>
    public static class ExpiryCheck
    {
        /// <summary>
        /// DescribeKey, then the status; for a SYMMETRIC_DEFAULT key that looks never imported, ListKeyRotations
        /// as well, because that lists every material KMS associates with the key, even one that expired.
        /// </summary>
        public static KmsKeyExpiryReport Check(KmsImportService service, KmsKeyDescription key, double warningDays)
        {
            var materialListed = false;
            if (LooksNeverImported(key) && key.ImportableKeySpec == KeySpec.SYMMETRIC_DEFAULT && !KeyStates.IsPendingDeletion(key.KeyState))
                materialListed = service.ListKeyRotations(key.KeyId).Any();
            return Evaluate(key, warningDays, materialListed);
        }

        /// <summary>
        /// The status of <paramref name="key"/>. <paramref name="materialListed"/>: KMS listed material of the key
        /// (ListKeyRotations), so it is known even when DescribeKey shows no trace of it.
        /// </summary>
        public static KmsKeyExpiryReport Evaluate(KmsKeyDescription key, double warningDays, bool materialListed = false)
        {
            var now = ImportRules.UtcNow();
            double? days = key.ValidTo.HasValue ? (key.ValidTo.Value - now).TotalDays : (double?)null;
            string status;
            if (LooksNeverImported(key) && !materialListed)
                status = ExpiryStatuses.NoMaterial;
            else if (key.KeyState == KeyStates.PendingImport || (days.HasValue && days.Value <= 0))
                status = ExpiryStatuses.Expired;
            else if (key.ExpirationModel == nameof(ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE) || !key.ValidTo.HasValue)
                status = ExpiryStatuses.DoesNotExpire;
            else
                status = days!.Value <= warningDays ? ExpiryStatuses.Warning : ExpiryStatuses.Ok;

            return new KmsKeyExpiryReport
            {
                KeyId = key.KeyId,
                Arn = key.Arn,
                KeyState = key.KeyState,
                ExpirationModel = key.ExpirationModel,
                ValidTo = key.ValidTo,
                DaysRemaining = days.HasValue ? Math.Round(days.Value, 2) : (double?)null,
                Status = status,
                Region = key.Region,
                EndpointUrl = key.EndpointUrl,
            };
        }

        /// <summary>
        /// An EXTERNAL key without material whose DescribeKey carries no ExpirationModel. The expiration model is
        /// set by an import and stays after that material expires or is deleted (LocalKms behaves so; it is how AWS
        /// KMS is documented to behave, not checked against AWS here), so its absence means no import succeeded.
        /// For SYMMETRIC_DEFAULT keys <see cref="Check"/> also asks ListKeyRotations, so an expired symmetric key
        /// is never taken for one without material.
        /// </summary>
        private static bool LooksNeverImported(KmsKeyDescription key) =>
            key.Origin == Origins.External
            && key.KeyState != KeyStates.Enabled && key.KeyState != KeyStates.Disabled
            && string.IsNullOrEmpty(key.ExpirationModel) && !key.ValidTo.HasValue;
    }
}
