using System;

namespace KmsImport.Core.Kms
{
    /// <summary>Classifies an EXTERNAL key's material against its expiry.</summary>
    public static class ExpiryCheck
    {
        public static KmsKeyExpiryReport Evaluate(KmsKeyDescription key, double warningDays)
        {
            var now = Import.ImportRules.UtcNow();
            double? days = key.ValidTo.HasValue ? (key.ValidTo.Value - now).TotalDays : (double?)null;
            string status;
            if (key.KeyState == KeyStates.PendingImport || (days.HasValue && days.Value <= 0))
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
    }
}
