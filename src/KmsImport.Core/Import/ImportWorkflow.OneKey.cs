using System;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>What to import into one key in one go (Restore-KmsKeyMaterial, each key of Invoke-KmsKeyImport).</summary>
    public sealed class KeyImportRequest
    {
        public KeyImportRequest(KeyFacts key, MaterialPlan material, ImportOptions options)
        {
            Key = key;
            Material = material;
            Options = options;
        }

        public KeyFacts Key { get; }
        public MaterialPlan Material { get; }
        public ImportOptions Options { get; }
        public WrappingAlgorithm? WrappingAlgorithm { get; set; }
        public WrappingKeySpec? WrappingKeySpec { get; set; }
        /// <summary>
        /// Batches: a key that is Enabled is proved first; HMAC and asymmetric keys that hold this
        /// material are then left alone (Verified). Restores re-import in every case (to change expiry).
        /// </summary>
        public bool ProveBeforeReimport { get; set; }
        /// <summary>Asked after the material was read and before anything with a quota; false stops this key (ShouldProcess).</summary>
        public Func<KmsKeyDescription, KeyMaterial, bool>? Confirm { get; set; }
    }

    /// <summary>How one key's import went: the key before, the status, and what KMS answered and showed after.</summary>
    public sealed class KeyImportOutcome
    {
        /// <summary>ShouldProcess said no: nothing with a quota was asked for (the other statuses are <see cref="BatchStatuses"/>).</summary>
        public const string NotConfirmed = "NotConfirmed";

        public KmsKeyDescription? Key { get; internal set; }
        public string Status { get; internal set; } = "";
        public string? Fingerprint { get; internal set; }
        public string? FingerprintAlgorithm { get; internal set; }
        /// <summary>The import parameters the material was wrapped for (no secret: a public key and a token), for evidence lines.</summary>
        public KmsImportParameters? Parameters { get; internal set; }
        public string? ProofMethod { get; internal set; }
        public string? Message { get; internal set; }
        /// <summary>The import's result, with the key state DescribeKey showed after it.</summary>
        public KmsImportResult? Result { get; internal set; }
        /// <summary>The escrow copy (or component manifest) written in this run.</summary>
        public string? EscrowPath { get; internal set; }
        /// <summary>Check values of the components written in this run.</summary>
        public string[]? ComponentCheckValues { get; internal set; }
        /// <summary>The key state last observed.</summary>
        public string? KeyState { get; internal set; }
    }

    public sealed partial class ImportWorkflow
    {
        /// <summary>
        /// Every step for one key: resolve (DescribeKey, or create the replica), check, material,
        /// parameters, wrap (+escrow), import, verify (DescribeKey). Requests: DescribeKey,
        /// GetParametersForImport, ImportKeyMaterial, DescribeKey.
        /// </summary>
        public KeyImportOutcome ImportKey(KmsImportService service, KeyImportRequest request, Func<string, KmsImportService>? serviceForRegion = null)
        {
            var outcome = new KeyImportOutcome();
            ImportRules.EnsureAlgorithmOffered(request.WrappingAlgorithm, request.Key.KeyId);
            request.Material.CheckLocally();
            // Described even when the facts would do: a re-run must see what KMS holds now.
            var key = request.Key.IsReplicaToCreate
                ? ResolveKey(service, request.Key, serviceForRegion)
                : service.DescribeKey(request.Key.KeyId);
            outcome.Key = key;
            outcome.KeyState = key.KeyState;
            // Refuse what the key already shows (origin not EXTERNAL, deletion scheduled) before any
            // material is read or generated, and before proofs or parameters are asked for.
            var spec = CheckKey(key);
            var holdsMaterial = KeyStates.HoldsMaterial(key.KeyState);

            using var material = ObtainMaterial(request.Material, spec, key, holdsMaterial);
            if (material == null)
            {
                outcome.Status = BatchStatuses.Skipped;
                outcome.Message = "The key already holds material; none was generated.";
                return outcome;
            }
            outcome.Fingerprint = material.Material.Fingerprint;
            outcome.FingerprintAlgorithm = material.Material.FingerprintAlgorithm;
            if (request.Confirm != null && !request.Confirm(key, material.Material))
            {
                outcome.Status = KeyImportOutcome.NotConfirmed;
                return outcome;
            }

            var enabled = key.KeyState == KeyStates.Enabled;
            if (request.ProveBeforeReimport && enabled)
            {
                var proof = MaterialProver.Prove(service, key, material.Material);
                outcome.ProofMethod = proof.Method;
                // Symmetric material has no check that identifies it but re-import (KMS accepts only identical bytes): go on.
                if (MaterialProver.ProvesIdentity(proof))
                {
                    if (!proof.Proved)
                        throw new KmsImportException(ErrorIds.ProofFailed, ErrorKind.InvalidData,
                            $"Key '{key.KeyId}' is Enabled with other material than the one given ({proof.Detail}). It was left as it is. "
                            + $"HMAC and asymmetric keys take one material forever: prove the escrowed original with Test-KmsKeyState -KeyId '{key.KeyId}' -Path <escrow file>, or create a new key for this material with New-KmsExternalKey.")
                        { TargetObject = key.KeyId };
                    outcome.Status = BatchStatuses.Verified;
                    outcome.Message = proof.Detail;
                    return outcome;
                }
            }

            var parameters = GetParameters(service, key, request.WrappingAlgorithm, request.WrappingKeySpec);
            outcome.Parameters = parameters;
            var wrapped = Wrap(parameters, material);
            if (material.Generated)
            {
                outcome.EscrowPath = wrapped.EscrowPath;
                outcome.ComponentCheckValues = wrapped.ComponentCheckValues;
            }
            var result = Import(service, wrapped, request.Options, spec);
            var after = service.DescribeKey(key.KeyId);
            result.KeyState = after.KeyState;
            outcome.Result = result;
            outcome.KeyState = after.KeyState;
            if (request.ProveBeforeReimport && enabled)
            {
                outcome.Status = BatchStatuses.Verified;
                outcome.Message = "The key was Enabled; re-importing the same material was accepted, so it holds this material.";
                // What identified symmetric material was KMS accepting it again, not the round trip before.
                outcome.ProofMethod = ProofMethods.ReImport;
            }
            else
            {
                outcome.Status = BatchStatuses.Imported;
                outcome.Message = $"Imported; key state {after.KeyState}.";
            }
            return outcome;
        }
    }
}
