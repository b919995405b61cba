using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>One key of a batch, with the service (Region, endpoint, credentials) that reaches it.</summary>
    public sealed class BatchKey
    {
        public BatchKey(string keyId, KmsImportService service)
        {
            KeyId = keyId;
            Service = service;
        }

        public string KeyId { get; }
        public KmsImportService Service { get; }
    }

    /// <summary>Where each key's material comes from; returns null when there is none to import (generate, but key already holds material).</summary>
    public delegate KeyMaterial? MaterialProvider(KmsKeyDescription key, bool keyHoldsMaterial);

    /// <summary>
    /// Imports material into many keys with bounded concurrency. Each key ends in exactly one
    /// result: Imported, Verified (it already held this material), Skipped, or Failed with the
    /// ErrorId, the key's last known state and the command that resumes it. Transient failures that
    /// outlast the SDK's retries are retried here from a safe point (fresh parameters each time:
    /// a token is never reused after a failed import). Requests are paced by the services' pacers.
    /// </summary>
    public sealed class BatchImporter
    {
        private readonly MaterialProvider _materials;
        private readonly ImportOptions _options;
        private readonly Func<BatchKey, string> _resumeCommand;

        public BatchImporter(MaterialProvider materials, ImportOptions options, Func<BatchKey, string> resumeCommand)
        {
            _materials = materials;
            _options = options;
            _resumeCommand = resumeCommand;
        }

        public int ThrottleLimit { get; set; } = 4;
        public int MaxAttempts { get; set; } = 3;
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>Starts the batch; results arrive on the returned collection, which completes when every key has one.</summary>
        public BlockingCollection<KmsBatchImportResult> Start(IReadOnlyList<BatchKey> keys, CancellationToken cancel)
        {
            var results = new BlockingCollection<KmsBatchImportResult>();
            Task.Run(() =>
            {
                try
                {
                    Parallel.ForEach(keys, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, ThrottleLimit), CancellationToken = cancel },
                        key => results.Add(ImportOne(key)));
                }
                catch (OperationCanceledException) { }
                finally { results.CompleteAdding(); }
            });
            return results;
        }

        public KmsBatchImportResult ImportOne(BatchKey key)
        {
            var watch = Stopwatch.StartNew();
            var result = new KmsBatchImportResult { KeyId = key.KeyId, Region = key.Service.Region, EndpointUrl = key.Service.EndpointUrl };
            for (var attempt = 1; ; attempt++)
            {
                result.Attempts = attempt;
                try
                {
                    Run(key, result);
                    break;
                }
                catch (KmsImportException ex) when (ex.IsTransient && attempt < MaxAttempts)
                {
                    Thread.Sleep(TimeSpan.FromMilliseconds(RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
                }
                catch (KmsImportException ex)
                {
                    Fail(key, result, ex.ErrorId, ex.Message);
                    break;
                }
                catch (Exception ex)
                {
                    Fail(key, result, ErrorIds.BatchUnexpectedError, ex.GetType().Name + ": " + ex.Message);
                    break;
                }
            }
            result.DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3);
            return result;
        }

        private void Run(BatchKey key, KmsBatchImportResult result)
        {
            var service = key.Service;
            var described = service.DescribeKey(key.KeyId);
            result.KeyId = described.KeyId;
            result.KeyState = described.KeyState;
            // Refuse what DescribeKey already shows (origin not EXTERNAL, deletion scheduled) before any
            // material is read or generated and escrowed, and before proofs or parameters are asked for.
            KmsImportService.EnsureAcceptsMaterial(described);
            var holdsMaterial = KeyStates.HoldsMaterial(described.KeyState);

            using var material = _materials(described, holdsMaterial);
            if (material == null)
            {
                result.Status = BatchStatuses.Skipped;
                result.Message = "The key already holds material; none was generated.";
                return;
            }
            result.Fingerprint = material.Fingerprint;

            if (described.KeyState == KeyStates.Enabled)
            {
                var proof = MaterialProver.Prove(service, described, material);
                result.ProofMethod = proof.Method;
                if (proof.Method != ProofMethods.EncryptDecrypt)
                {
                    if (!proof.Proved)
                        throw new KmsImportException(ErrorIds.ProofFailed, ErrorKind.InvalidData,
                            $"Key '{described.KeyId}' is Enabled with other material than the one given ({proof.Detail}). It was left as it is.")
                        { TargetObject = described.KeyId };
                    result.Status = BatchStatuses.Verified;
                    result.Message = proof.Detail;
                    return;
                }
                // Symmetric material has no check that identifies it but re-import: KMS accepts only identical bytes.
            }

            var parameters = service.GetParametersForImport(described, null, null);
            var wrapped = KeyMaterialProtector.Protect(parameters, material);
            var imported = service.ImportKeyMaterial(wrapped, _options);
            result.KeyState = imported.KeyState;
            result.Status = described.KeyState == KeyStates.Enabled ? BatchStatuses.Verified : BatchStatuses.Imported;
            result.Message = described.KeyState == KeyStates.Enabled
                ? "The key was Enabled; re-importing the same material was accepted, so it holds this material."
                : $"Imported; key state {imported.KeyState}.";
            // What identified symmetric material was KMS accepting it again, not the round trip before.
            result.ProofMethod = described.KeyState == KeyStates.Enabled ? ProofMethods.ReImport : null;
        }

        private void Fail(BatchKey key, KmsBatchImportResult result, string errorId, string message)
        {
            result.Status = BatchStatuses.Failed;
            result.ErrorId = errorId;
            result.Message = message;
            result.ResumeCommand = _resumeCommand(key);
            try { result.KeyState = key.Service.DescribeKey(result.KeyId).KeyState; }
            catch (KmsImportException) { /* keep the last state seen; the message says why */ }
        }
    }
}
