using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>One key of a batch, with the service (Region, endpoint, credentials) that reaches it.</summary>
    public sealed class BatchKey
    {
        public BatchKey(string keyId, KmsImportService service)
            : this(new KeyFacts(keyId), service, null) { }

        /// <summary>A key as the pipeline object describes it; <paramref name="primaryService"/> reaches a replica's primary (ReplicateKey).</summary>
        public BatchKey(KeyFacts facts, KmsImportService service, KmsImportService? primaryService)
        {
            Facts = facts;
            Service = service;
            PrimaryService = primaryService;
        }

        public KeyFacts Facts { get; }
        public string KeyId => Facts.KeyId;
        public KmsImportService Service { get; }
        public KmsImportService? PrimaryService { get; }
    }

    /// <summary>
    /// Imports material into many keys with bounded concurrency, each key through
    /// <see cref="ImportWorkflow.ImportKey"/>. Each key ends in exactly one result: Imported,
    /// Verified (it already held this material), Skipped, or Failed with the ErrorId, the key's
    /// last known state and the command that resumes it. Replicas still to be created run after
    /// every other key, so their primaries hold material first. Transient failures that outlast
    /// the SDK's retries are retried here from a safe point (fresh parameters each time: a token is
    /// never reused after a failed import). Requests are paced by the services' pacers.
    /// </summary>
    public sealed class BatchImporter
    {
        private readonly ImportWorkflow _workflow;
        private readonly MaterialPlan _material;
        private readonly ImportOptions _options;
        private readonly Func<BatchKey, string> _resumeCommand;

        public BatchImporter(ImportWorkflow workflow, MaterialPlan material, ImportOptions options, Func<BatchKey, string> resumeCommand)
        {
            _workflow = workflow;
            _material = material;
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
                    var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, ThrottleLimit), CancellationToken = cancel };
                    // KMS replicates a primary only once it holds material: replicas go second.
                    foreach (var phase in new[] { keys.Where(k => !k.Facts.IsReplicaToCreate), keys.Where(k => k.Facts.IsReplicaToCreate) })
                        Parallel.ForEach(phase.ToList(), options, key => results.Add(ImportOne(key)));
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
            var request = new KeyImportRequest(key.Facts, _material, _options) { ProveBeforeReimport = true };
            var outcome = _workflow.ImportKey(key.Service, request, _ => key.PrimaryService ?? key.Service);
            if (outcome.Key != null) result.KeyId = outcome.Key.KeyId;
            result.KeyState = outcome.KeyState;
            result.Status = outcome.Status;
            result.Message = outcome.Message;
            result.Fingerprint = outcome.Fingerprint;
            result.EscrowPath = outcome.EscrowPath;
            result.ComponentCheckValues = outcome.ComponentCheckValues;
            result.ProofMethod = outcome.ProofMethod;
        }

        private void Fail(BatchKey key, KmsBatchImportResult result, string errorId, string message)
        {
            result.Status = BatchStatuses.Failed;
            result.ErrorId = errorId;
            result.Message = message;
            result.ResumeCommand = _resumeCommand(key);
            try { result.KeyState = key.Service.DescribeKey(result.KeyId).KeyState; }
            catch (KmsImportException) { /* a replica not created has no state; otherwise the message says why */ }
        }
    }
}
