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
    /// Results come in input order by default (<see cref="InputOrder"/>): each is released as soon
    /// as every earlier key's result is, so only results that overtook a slower key wait.
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

        // The key and workflow outcome behind each finished result, for the caller's evidence lines.
        private readonly ConcurrentDictionary<KmsBatchImportResult, (BatchKey Key, KeyImportOutcome? Outcome)> _sources =
            new ConcurrentDictionary<KmsBatchImportResult, (BatchKey, KeyImportOutcome?)>();

        /// <summary>
        /// The key (with its service) and the workflow's outcome behind a result, taken once; the outcome is null for a
        /// key that failed before it had one. Null for a result this importer did not make.
        /// </summary>
        public (BatchKey Key, KeyImportOutcome? Outcome)? TakeSource(KmsBatchImportResult result) =>
            _sources.TryRemove(result, out var source) ? source : ((BatchKey, KeyImportOutcome?)?)null;

        public int ThrottleLimit { get; set; } = 4;
        /// <summary>The wrapping key spec to ask for (null: the recommendation for each key's spec).</summary>
        public KmsImport.WrappingKeySpec? WrappingKeySpec { get; set; }
        public int MaxAttempts { get; set; } = 3;
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>True (default): results in the order of the keys given. False: each as soon as its key finishes.</summary>
        public bool InputOrder { get; set; } = true;

        /// <summary>Test hook: called on the worker thread when a key has its result, before any ordering.</summary>
        internal Action<KmsBatchImportResult>? Finished { get; set; }

        /// <summary>Starts the batch; results arrive on the returned collection, which completes when every key has one.</summary>
        public BlockingCollection<KmsBatchImportResult> Start(IReadOnlyList<BatchKey> keys, CancellationToken cancel)
        {
            var results = new BlockingCollection<KmsBatchImportResult>();
            var release = new OrderedRelease<KmsBatchImportResult>(results.Add, InputOrder);
            var indexed = keys.Select((key, index) => (Key: key, Index: index)).ToList();
            Task.Run(() =>
            {
                try
                {
                    var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, ThrottleLimit), CancellationToken = cancel };
                    // KMS replicates a primary only once it holds material: replicas go second.
                    foreach (var phase in new[] { indexed.Where(k => !k.Key.Facts.IsReplicaToCreate), indexed.Where(k => k.Key.Facts.IsReplicaToCreate) })
                    {
                        // One key at a time per worker (no static chunks), so a slow key holds back no other key's work.
                        var partition = Partitioner.Create(phase.ToList(), EnumerablePartitionerOptions.NoBuffering);
                        Parallel.ForEach(partition, options, item =>
                        {
                            var result = ImportOne(item.Key);
                            Finished?.Invoke(result);
                            release.Add(item.Index, result);
                        });
                    }
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
                    Pause(attempt);
                }
                catch (KmsImportException ex)
                {
                    _sources.TryAdd(result, (key, null));
                    Fail(key, result, ex.ErrorId, ex.Message);
                    break;
                }
                catch (Exception ex)
                {
                    _sources.TryAdd(result, (key, null));
                    Fail(key, result, ErrorIds.BatchUnexpectedError, ex.GetType().Name + ": " + ex.Message);
                    break;
                }
            }
            result.DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3);
            return result;
        }

        private void Run(BatchKey key, KmsBatchImportResult result)
        {
            var request = new KeyImportRequest(key.Facts, _material, _options) { ProveBeforeReimport = true, WrappingKeySpec = WrappingKeySpec };
            var outcome = _workflow.ImportKey(key.Service, request, _ => key.PrimaryService ?? key.Service);
            _sources[result] = (key, outcome);
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
            // A read changes nothing, so a transient failure to read the state is tried again like an attempt is:
            // a failed key should say what state it is left in.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    result.KeyState = key.Service.DescribeKey(result.KeyId).KeyState;
                    return;
                }
                catch (KmsImportException ex) when (ex.IsTransient && attempt < MaxAttempts)
                {
                    Pause(attempt);
                }
                catch (KmsImportException) { return; /* a replica not created has no state; otherwise the message says why */ }
            }
        }

        private void Pause(int attempt) =>
            Thread.Sleep(TimeSpan.FromMilliseconds(RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
    }

    /// <summary>
    /// Releases items numbered 0..n-1 in that order as they arrive in any order: an item is passed on
    /// as soon as every lower-numbered one has been, and only items that overtook a missing one are
    /// held. With <c>inOrder</c> false each item is passed on as it arrives.
    /// </summary>
    internal sealed class OrderedRelease<T>
    {
        private readonly Action<T> _emit;
        private readonly bool _inOrder;
        private readonly Dictionary<int, T> _held = new Dictionary<int, T>();
        private readonly object _gate = new object();
        private int _next;

        public OrderedRelease(Action<T> emit, bool inOrder)
        {
            _emit = emit;
            _inOrder = inOrder;
        }

        /// <summary>How many items are waiting for an earlier one.</summary>
        public int Held { get { lock (_gate) return _held.Count; } }

        public void Add(int index, T item)
        {
            lock (_gate)
            {
                if (!_inOrder)
                {
                    _emit(item);
                    return;
                }
                _held.Add(index, item);
                while (_held.TryGetValue(_next, out var ready))
                {
                    _held.Remove(_next);
                    _next++;
                    _emit(ready);
                }
            }
        }
    }
}
