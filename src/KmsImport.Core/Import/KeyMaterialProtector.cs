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
            var (keySpec, algorithm, wrappingKeySpec) = Read(parameters);
            if (material.KeySpec != keySpec)
                throw new KmsImportException(ErrorIds.KeyMaterialSpecMismatch, ErrorKind.InvalidArgument,
                    $"The material is for {material.KeySpec} but key '{parameters.KeyId}' is {keySpec}. Use material of the key's spec.")
                { TargetObject = parameters.KeyId };

            ImportRules.EnsureParametersUsable(parameters.ParametersValidTo, parameters.KeyId);
            var wrapped = KeyWrapper.Wrap(material, parameters.PublicKey, algorithm, wrappingKeySpec);

            return new ProtectedKeyMaterial
            {
                KeyId = parameters.KeyId,
                KeySpec = KmsNames.Name(keySpec),
                WrappingAlgorithm = KmsNames.Name(algorithm),
                WrappingKeySpec = KmsNames.Name(wrappingKeySpec),
                EncryptedKeyMaterial = wrapped,
                ImportToken = (byte[])parameters.ImportToken.Clone(),
                ParametersValidTo = UtcTime.ToUtc(parameters.ParametersValidTo),
                Fingerprint = material.Fingerprint,
                FingerprintAlgorithm = material.FingerprintAlgorithm,
                EscrowPath = escrowPath,
                Region = parameters.Region,
                EndpointUrl = parameters.EndpointUrl,
            };
        }

        /// <summary>The parameter set's KMS names as the module's enums; an unknown name is refused with the id of its kind.</summary>
        public static (KeySpec KeySpec, WrappingAlgorithm Algorithm, WrappingKeySpec WrappingKeySpec) Read(KmsImportParameters parameters) =>
            (KmsNames.Parse<KeySpec>(parameters.KeySpec, ErrorIds.KeySpecNotImportable, parameters.KeyId),
             KmsNames.Parse<WrappingAlgorithm>(parameters.WrappingAlgorithm, ErrorIds.WrappingNotAllowed, parameters.KeyId),
             KmsNames.Parse<WrappingKeySpec>(parameters.WrappingKeySpec, ErrorIds.WrappingNotAllowed, parameters.KeyId));
    }
}
