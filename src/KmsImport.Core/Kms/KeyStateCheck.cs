using System;
using System.Collections.Generic;

namespace KmsImport.Core.Kms
{
    /// <summary>Judges a described key against what the operator expects after an import.</summary>
    public static class KeyStateCheck
    {
        public static KmsKeyStateReport Evaluate(KmsKeyDescription key, string expectedState, Import.ProofResult? proof = null)
        {
            var reasons = new List<string>();
            if (!string.Equals(key.KeyState, expectedState, StringComparison.Ordinal))
            {
                var hint = key.KeyState == KeyStates.PendingImport
                    ? " The key holds no material: import it (again) with Get-KmsImportParameters | Protect-KeyMaterial | Import-KmsKeyMaterial; expired material must be re-imported from the escrowed copy."
                    : "";
                reasons.Add($"KeyState is {key.KeyState}, expected {expectedState}.{hint}");
            }
            if (key.ValidTo.HasValue && key.ValidTo.Value <= Import.ImportRules.UtcNow())
                reasons.Add($"The material's ValidTo {key.ValidTo.Value:u} has passed.");
            if (proof != null && !proof.Proved)
                reasons.Add($"Material not proved ({proof.Method}): {proof.Detail}");

            return new KmsKeyStateReport
            {
                KeyId = key.KeyId,
                Arn = key.Arn,
                KeyState = key.KeyState,
                ExpectedState = expectedState,
                Origin = key.Origin,
                KeySpec = key.KeySpec,
                KeyUsage = key.KeyUsage,
                ExpirationModel = key.ExpirationModel,
                ValidTo = key.ValidTo,
                CurrentKeyMaterialId = key.CurrentKeyMaterialId,
                ProofMethod = proof?.Method,
                MaterialProved = proof?.Proved,
                ProofDetail = proof?.Detail,
                Passed = reasons.Count == 0,
                Reasons = reasons.ToArray(),
                Region = key.Region,
                EndpointUrl = key.EndpointUrl,
            };
        }
    }
}
