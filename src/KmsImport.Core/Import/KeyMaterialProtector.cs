using System;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Import
{
    /// <summary>Wraps material for one parameter set, after every local check, into the pipeline object.</summary>
    public static class KeyMaterialProtector
    {
        public static ProtectedKeyMaterial Protect(KmsImportParameters parameters, KeyMaterial material, string? escrowPath = null)
        {
            if (parameters == null) throw new ArgumentNullException(nameof(parameters));
            if (material == null) throw new ArgumentNullException(nameof(material));

            if (parameters.PublicKey.Length == 0 || parameters.ImportToken.Length == 0 || string.IsNullOrEmpty(parameters.KeyId))
                throw new KmsImportException(ErrorIds.ImportParametersIncomplete, ErrorKind.InvalidArgument,
                    "The import parameters lack a KeyId, PublicKey or ImportToken. Pipe the output of Get-KmsImportParameters, or pass all three.")
                { TargetObject = parameters.KeyId };
            if (material.KeySpec != parameters.KeySpec)
                throw new KmsImportException(ErrorIds.KeyMaterialSpecMismatch, ErrorKind.InvalidArgument,
                    $"The material is for {material.KeySpec} but key '{parameters.KeyId}' is {parameters.KeySpec}. Use material of the key's spec.")
                { TargetObject = parameters.KeyId };

            ImportRules.EnsureParametersUsable(parameters.ParametersValidTo, parameters.KeyId);
            var wrapped = KeyWrapper.Wrap(material, parameters.PublicKey, parameters.WrappingAlgorithm, parameters.WrappingKeySpec);

            return new ProtectedKeyMaterial
            {
                KeyId = parameters.KeyId,
                KeySpec = parameters.KeySpec,
                WrappingAlgorithm = parameters.WrappingAlgorithm,
                WrappingKeySpec = parameters.WrappingKeySpec,
                EncryptedKeyMaterial = wrapped,
                ImportToken = (byte[])parameters.ImportToken.Clone(),
                ParametersValidTo = ImportRules.ToUtc(parameters.ParametersValidTo),
                Fingerprint = material.Fingerprint,
                FingerprintAlgorithm = material.FingerprintAlgorithm,
                EscrowPath = escrowPath,
                Region = parameters.Region,
                EndpointUrl = parameters.EndpointUrl,
            };
        }
    }
}
