using System;
using System.Linq;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// The one import workflow. Every cmdlet, batch, restore, replica and offline bundle goes
    /// through these steps, in this order:
    /// <list type="number">
    /// <item><description><see cref="ResolveKey"/>: what the key is (from the piped facts, else DescribeKey); replicas are created here (<see cref="CreateReplica"/>).</description></item>
    /// <item><description><see cref="CheckKey"/>: local rules (<see cref="ImportRules"/>) before anything with a quota.</description></item>
    /// <item><description><see cref="ObtainMaterial"/>: load, or generate with an escrow copy still to be written.</description></item>
    /// <item><description><see cref="GetParameters"/>: GetParametersForImport with a checked wrapping choice.</description></item>
    /// <item><description><see cref="Wrap"/>: wrap, then (every local check passed) write the escrow copy and the offline bundle.</description></item>
    /// <item><description><see cref="Import"/>: ImportKeyMaterial; the result says what KMS answered.</description></item>
    /// <item><description><see cref="Verify"/>: DescribeKey (and proofs) against what is expected.</description></item>
    /// </list>
    /// <see cref="ImportKey"/> runs them all for one key (Restore-KmsKeyMaterial, Invoke-KmsKeyImport).
    /// Knows nothing of PowerShell; the cmdlets bind parameters, resolve paths and write records.
    /// </summary>
    public sealed partial class ImportWorkflow
    {
        /// <summary>How long a new replica may stay Creating.</summary>
        public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromMinutes(5);

        // --- 1. Resolve ---

        /// <summary>
        /// The key as the next steps need it: from the piped facts when they say everything
        /// (no request), else DescribeKey. A replica announced but not created yet is created here.
        /// </summary>
        public KmsKeyDescription ResolveKey(KmsImportService service, KeyFacts facts, Func<string, KmsImportService>? serviceForRegion = null)
        {
            if (facts.IsReplicaToCreate)
            {
                if (serviceForRegion == null) throw new ArgumentNullException(nameof(serviceForRegion), "A replica to create needs the service of its primary's Region.");
                return CreateReplica(serviceForRegion(facts.PrimaryRegion!), service, facts.KeyId);
            }
            return facts.SufficeForImport ? facts.ToDescription(service) : service.DescribeKey(facts.KeyId);
        }

        // --- 2. Check locally ---

        /// <summary>The key takes material (EXTERNAL, not being deleted) of an importable spec; returns that spec.</summary>
        public KeySpec CheckKey(KmsKeyDescription key)
        {
            ImportRules.EnsureAcceptsMaterial(key);
            return ImportRules.ImportableSpec(key);
        }

        // --- 4. Parameters ---

        /// <summary>GetParametersForImport for a resolved key, with the wrapping chosen and checked locally first.</summary>
        public KmsImportParameters GetParameters(KmsImportService service, KmsKeyDescription key, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec)
        {
            ImportRules.EnsureAlgorithmOffered(algorithm, key.KeyId);
            var spec = CheckKey(key);
            var choice = ImportRules.CheckedWrapping(spec, algorithm, wrappingKeySpec);
            var parameters = service.GetParametersForImport(key.KeyId, spec, choice);
            parameters.MultiRegionKeyType = key.MultiRegionKeyType;
            return parameters;
        }

        // --- 5. Wrap ---

        /// <summary>
        /// Wraps the material for the parameters. Only when every local check has passed (the
        /// parameters are usable, the public key parses, the material fits, the bundle folder is
        /// free) is the escrow copy of generated material written, then the offline bundle
        /// (<paramref name="bundleDirectory"/>, optional).
        /// </summary>
        public ProtectedKeyMaterial Wrap(KmsImportParameters parameters, ObtainedMaterial material, string? bundleDirectory = null)
        {
            var wrapped = KeyMaterialProtector.Protect(parameters, material.Material);
            if (bundleDirectory != null) ImportBundle.EnsureProtectedWritable(bundleDirectory, wrapped.KeyId);
            wrapped.EscrowPath = CommitEscrow(material, parameters.KeyId);
            if (material.Generated && material.Recipients.Count > 0) wrapped.EscrowRecipients = material.Recipients.Select(r => r.Thumbprint).ToArray();
            wrapped.ComponentCheckValues = material.ComponentCheckValues?.ToArray();
            wrapped.ComponentCheckValueAlgorithm = material.ComponentCheckValueAlgorithm;
            wrapped.ComponentPaths = material.ComponentPaths?.ToArray();
            if (bundleDirectory != null) ImportBundle.WriteProtected(bundleDirectory, wrapped);
            return wrapped;
        }

        // --- 6. Import ---

        /// <summary>The local rules of an import (usable token, options for the spec), without any call.</summary>
        public void CheckImport(ProtectedKeyMaterial wrapped, ImportOptions options, KeySpec? keySpec)
        {
            ImportRules.EnsureParametersUsable(wrapped.ParametersValidTo, wrapped.KeyId);
            ImportRules.ValidateOptions(options, keySpec, wrapped.KeyId);
        }

        /// <summary>ImportKeyMaterial. The result reports the import's outcome, not a key state nobody observed.</summary>
        public KmsImportResult Import(KmsImportService service, ProtectedKeyMaterial wrapped, ImportOptions options, KeySpec? keySpec)
        {
            CheckImport(wrapped, options, keySpec);
            // ImportKeyMaterial takes no alias: resolve one first (the only case that costs a DescribeKey).
            var keyId = service.ResolveKeyId(wrapped.KeyId);
            if (keyId != wrapped.KeyId)
            {
                wrapped = Copy(wrapped);
                wrapped.KeyId = keyId;
            }
            var result = service.ImportKeyMaterial(wrapped, options);
            if (keySpec.HasValue) result.KeySpec = KmsNames.Name(keySpec.Value);
            return result;
        }

        // --- 7. Verify ---

        /// <summary>
        /// DescribeKey, and with material a proof that KMS holds exactly that material; judged
        /// against the expected state.
        /// </summary>
        public KmsKeyStateReport Verify(KmsImportService service, string keyId, string expectedState, MaterialPlan? material = null)
        {
            material?.CheckLocally(); // a bad path is refused before any call
            var key = service.DescribeKey(keyId);
            ProofResult? proof = null;
            if (material != null)
            {
                var spec = KmsNames.ImportableKeySpec(key.KeySpec, key.KeyId, ErrorIds.ProofNotPossible);
                using var obtained = ObtainMaterial(material, spec, key, keyHoldsMaterial: true)
                    ?? throw new InvalidOperationException("Proofs take material from a file or bytes.");
                material.ProvedFingerprint = obtained.Material.Fingerprint;
                material.ProvedFingerprintAlgorithm = obtained.Material.FingerprintAlgorithm;
                proof = MaterialProver.Prove(service, key, obtained.Material);
            }
            return KeyStateCheck.Evaluate(key, expectedState, proof);
        }

        private static ProtectedKeyMaterial Copy(ProtectedKeyMaterial m) => new ProtectedKeyMaterial
        {
            KeyId = m.KeyId,
            KeySpec = m.KeySpec,
            WrappingAlgorithm = m.WrappingAlgorithm,
            WrappingKeySpec = m.WrappingKeySpec,
            EncryptedKeyMaterial = m.EncryptedKeyMaterial,
            ImportToken = m.ImportToken,
            ParametersValidTo = m.ParametersValidTo,
            Fingerprint = m.Fingerprint,
            FingerprintAlgorithm = m.FingerprintAlgorithm,
            EscrowPath = m.EscrowPath,
            EscrowRecipients = m.EscrowRecipients,
            ComponentCheckValues = m.ComponentCheckValues,
            ComponentCheckValueAlgorithm = m.ComponentCheckValueAlgorithm,
            ComponentPaths = m.ComponentPaths,
            Region = m.Region,
            EndpointUrl = m.EndpointUrl,
        };
    }
}
