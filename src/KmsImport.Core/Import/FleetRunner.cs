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
    /// <summary>How far one (account, Region) pair of a fleet run is, for one progress line per pair.</summary>
    public sealed class FleetProgress
    {
        public int Pair { get; internal set; }
        public string Account { get; internal set; } = "";
        public string Region { get; internal set; } = "";
        public int Done { get; internal set; }
        public int Total { get; internal set; }
        public bool Completed { get; internal set; }
        public string Current { get; internal set; } = "";
    }

    /// <summary>
    /// Runs a checked <see cref="FleetPlan"/>: rows grouped by (account, Region), the pairs in parallel up to
    /// <see cref="ThrottleLimit"/>, each pair's requests spaced by its own pacer (<see cref="FleetConnections"/>).
    /// Per row: the key is found by its alias (the idempotency handle) or created with CreateKey (tagged with
    /// <see cref="FleetPlan.AliasTagKey"/> = alias) then CreateAlias; then the one import workflow
    /// (<see cref="BatchImporter.ImportOne"/>: parameters, wrap, import, verify, or Verified when it already holds
    /// this material); then each replica of a multi-Region row. Results come in plan order (row, then its replicas).
    /// With <see cref="Resume"/> rows an earlier run finished are skipped, and each pair is searched once for keys an
    /// interrupted run created but never gave their alias: the key of a row's alias is adopted (alias set, import
    /// finished); any other is reported in <see cref="Warnings"/>.
    /// </summary>
    public sealed class FleetRunner
    {
        private readonly ImportWorkflow _workflow;
        private readonly FleetConnections _connections;

        public FleetRunner(ImportWorkflow workflow, FleetConnections connections)
        {
            _workflow = workflow;
            _connections = connections;
        }

        /// <summary>How many (account, Region) pairs are worked on at once.</summary>
        public int ThrottleLimit { get; set; } = 4;
        /// <summary>Keys of one pair in flight at once: two overlap one key's other requests with the next key's paced GetParametersForImport.</summary>
        public int KeysPerPair { get; set; } = 2;
        public WrappingKeySpec? WrappingKeySpec { get; set; }
        public bool Resume { get; set; }
        /// <summary>True (default): results in plan order. False: each as its key finishes.</summary>
        public bool InputOrder { get; set; } = true;
        /// <summary>Keys finished by earlier runs (<see cref="FleetResultFile.Finished"/>), skipped with -Resume.</summary>
        public IReadOnlyDictionary<string, (string KeyId, string Status)> Finished { get; set; } = new Dictionary<string, (string, string)>();
        /// <summary>Called on the worker thread as each key finishes (before ordering): the results file.</summary>
        public Action<KmsFleetImportResult>? KeyFinished { get; set; }

        /// <summary>What stopped the run early, other than a key's own failure or cancellation (set before the results complete).</summary>
        public Exception? Failure { get; private set; }

        public ConcurrentQueue<FleetProgress> Progress { get; } = new ConcurrentQueue<FleetProgress>();
        public ConcurrentQueue<string> Warnings { get; } = new ConcurrentQueue<string>();

        /// <summary>Starts the run; results arrive on the returned collection in plan order, which completes when every key has one.</summary>
        public BlockingCollection<KmsFleetImportResult> Start(IReadOnlyList<FleetEntry> entries, CancellationToken cancel)
        {
            var results = new BlockingCollection<KmsFleetImportResult>();
            var release = new OrderedRelease<KmsFleetImportResult>(results.Add, InputOrder);
            var slots = new int[entries.Count];
            for (int i = 0, slot = 0; i < entries.Count; i++)
            {
                slots[i] = slot;
                slot += 1 + entries[i].ReplicaRegions.Count;
            }
            var pairs = entries.Select((e, i) => (Entry: e, Index: i))
                .GroupBy(x => x.Entry.AccountKey + "|" + x.Entry.Region, StringComparer.Ordinal)
                .Select((g, p) => (Pair: p, Items: g.ToList()))
                .ToList();
            Task.Run(() =>
            {
                try
                {
                    DedicatedWorkers.ForEach(pairs, ThrottleLimit, cancel, pair =>
                    {
                        var first = pair.Items[0].Entry;
                        var progress = new FleetProgress { Pair = pair.Pair, Account = first.AccountKey, Region = first.Region, Total = pair.Items.Count };
                        Progress.Enqueue(Copy(progress, "starting"));
                        var scan = Resume ? new OrphanScan(this, first) : null;
                        var done = 0;
                        DedicatedWorkers.ForEach(pair.Items, KeysPerPair, cancel, item =>
                        {
                            var rowResults = RunRow(item.Entry, scan);
                            for (var k = 0; k < rowResults.Count; k++)
                            {
                                KeyFinished?.Invoke(rowResults[k]);
                                release.Add(slots[item.Index] + k, rowResults[k]);
                            }
                            var now = Interlocked.Increment(ref done);
                            lock (progress)
                            {
                                progress.Done = now;
                                Progress.Enqueue(Copy(progress, $"row {item.Entry.Row.Row} {item.Entry.Alias}: {rowResults[0].Status}"));
                            }
                        }, "KmsImport fleet key");
                        scan?.ReportUnclaimed();
                        progress.Completed = true;
                        Progress.Enqueue(Copy(progress, "done"));
                    }, "KmsImport fleet pair");
                }
                catch (OperationCanceledException) { }
                catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OperationCanceledException)) { }
                catch (Exception ex)
                {
                    // Not a key's failure (those are results): the results file could not be written, say. The caller reports it.
                    Failure = ex is AggregateException agg ? agg.Flatten().InnerExceptions.First(e => !(e is OperationCanceledException)) : ex;
                }
                finally { results.CompleteAdding(); }
            });
            return results;
        }

        private static FleetProgress Copy(FleetProgress p, string current) => new FleetProgress
        {
            Pair = p.Pair, Account = p.Account, Region = p.Region, Done = p.Done, Total = p.Total, Completed = p.Completed, Current = current,
        };

        /// <summary>The row's key and then each replica: one result each.</summary>
        internal List<KmsFleetImportResult> RunRow(FleetEntry entry, OrphanScan? scan)
        {
            var results = new List<KmsFleetImportResult>();
            var primary = NewResult(entry, entry.Region);
            results.Add(primary);
            var watch = Stopwatch.StartNew();
            KmsImportService? service = null;
            string? keyId = null;
            try
            {
                service = _connections.For(entry, entry.Region);
                primary.EndpointUrl = service.EndpointUrl;
                if (Resume && Finished.TryGetValue(FleetResultFile.KeyOf(primary.Account, entry.Region, entry.Alias), out var earlier))
                {
                    Skip(primary, earlier);
                    keyId = earlier.KeyId;
                }
                else
                {
                    var (key, created, recovered) = FindOrCreate(service, entry, scan, primary);
                    keyId = key;
                    primary.KeyId = key;
                    primary.Created = created;
                    primary.Recovered = recovered;
                    Import(service, null, entry, new KeyFacts(key), primary, foundByAlias: !created && !recovered);
                }
            }
            catch (KmsImportException ex)
            {
                Fail(primary, ex.ErrorId, ex.Message, service, primary.KeyId);
            }
            catch (Exception ex)
            {
                Fail(primary, ErrorIds.BatchUnexpectedError, ex.GetType().Name + ": " + ex.Message, service, primary.KeyId);
            }
            primary.DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3);

            foreach (var region in entry.ReplicaRegions)
            {
                var replica = NewResult(entry, region);
                replica.PrimaryRegion = entry.Region;
                replica.KeyId = keyId;
                results.Add(replica);
                watch.Restart();
                if (primary.Status == BatchStatuses.Failed || keyId == null || service == null)
                {
                    replica.Status = BatchStatuses.Failed;
                    replica.ErrorId = ErrorIds.ReplicaNeedsPrimaryMaterial;
                    replica.Message = $"The primary key in {entry.Region} (plan row {entry.Row.Row}) failed, so this replica was not made; fix the primary's failure and run again with -Resume.";
                    continue;
                }
                KmsImportService? replicaService = null;
                try
                {
                    replicaService = _connections.For(entry, region);
                    replica.EndpointUrl = replicaService.EndpointUrl;
                    if (Resume && Finished.TryGetValue(FleetResultFile.KeyOf(replica.Account, region, entry.Alias), out var earlier))
                    {
                        Skip(replica, earlier);
                        continue;
                    }
                    // A replica made by an earlier run is imported into as it is (no ReplicateKey, which counts twice against CreateKey).
                    replica.Created = !Exists(replicaService, keyId);
                    var facts = replica.Created ? new KeyFacts(keyId) { PrimaryRegion = entry.Region } : new KeyFacts(keyId);
                    Import(replicaService, service, entry, facts, replica, foundByAlias: !replica.Created);
                }
                catch (KmsImportException ex)
                {
                    Fail(replica, ex.ErrorId, ex.Message, replicaService, keyId);
                }
                replica.DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3);
            }
            return results;
        }

        private static KmsFleetImportResult NewResult(FleetEntry entry, string region) => new KmsFleetImportResult
        {
            Row = entry.Row.Row,
            Account = entry.AccountKey.Length == 0 ? null : entry.AccountKey,
            Region = region,
            Alias = entry.Alias,
        };

        private static void Skip(KmsFleetImportResult result, (string KeyId, string Status) earlier)
        {
            result.KeyId = earlier.KeyId;
            result.Status = BatchStatuses.Skipped;
            result.Message = $"Finished by an earlier run ({earlier.Status}); -Resume left it alone.";
        }

        private static bool Exists(KmsImportService service, string keyId)
        {
            try
            {
                service.DescribeKey(keyId);
                return true;
            }
            catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.KeyNotFound)
            {
                return false;
            }
        }

        /// <summary>The key of the row's alias; else (with -Resume) the key an interrupted run made for it; else a new key with the alias.</summary>
        private (string KeyId, bool Created, bool Recovered) FindOrCreate(KmsImportService service, FleetEntry entry, OrphanScan? scan, KmsFleetImportResult result)
        {
            KmsKeyDescription? key = null;
            try
            {
                key = service.DescribeKey(entry.Alias);
            }
            catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.KeyNotFound) { }
            if (key != null)
            {
                result.KeyId = key.KeyId; // a failure below names the key the alias points to
                CheckAccount(service, entry, key.Arn, key.KeyId, created: false);
                CheckMatches(entry, key);
                return (key.KeyId, false, false);
            }
            var orphan = scan?.Claim(service, entry.Alias);
            if (orphan != null)
            {
                var found = service.DescribeKey(orphan);
                result.KeyId = found.KeyId;
                if (found.MultiRegionKeyType == MultiRegionKeyTypes.Replica)
                    throw new KmsImportException(ErrorIds.PlanAliasKeyMismatch, ErrorKind.InvalidOperation,
                        $"Plan row {entry.Row.Row}: key {found.KeyId} carries the tag {FleetPlan.AliasTagKey} = {entry.Alias} but is a multi-Region replica; it was left as it is. Give the alias to the key meant for the row (AWS Tools' New-KMSAlias), then run again.")
                    { TargetObject = entry.Row };
                CheckAccount(service, entry, found.Arn, found.KeyId, created: false);
                CheckMatches(entry, found);
                service.CreateAlias(found.KeyId, entry.Alias);
                return (found.KeyId, false, true);
            }
            var options = new ExternalKeyOptions
            {
                KeySpec = entry.KeySpec,
                KeyUsage = entry.KeyUsage,
                Description = FleetPlan.Text(entry.Row.Description),
                MultiRegion = entry.MultiRegion,
                Alias = entry.Alias,
                // The alias is set after CreateKey: if the run dies in between, -Resume finds the key by this tag.
                Tags = new Dictionary<string, string> { [FleetPlan.AliasTagKey] = entry.Alias },
            };
            var created = _workflow.CreateKey(service, options);
            result.KeyId = created.Key.KeyId;
            CheckAccount(service, entry, created.Key.Arn, created.Key.KeyId, created: true);
            if (created.AliasFailure != null)
                throw new KmsImportException(created.AliasFailure.ErrorId, created.AliasFailure.Kind,
                    created.AliasFailure.Message + $" It carries the tag {FleetPlan.AliasTagKey} = {entry.Alias}: a run with -Resume finds it and sets the alias.",
                    created.AliasFailure)
                { TargetObject = created.Key.KeyId };
            return (created.Key.KeyId, true, false);
        }

        /// <summary>The row's Account, when given, must be the account of the key's ARN: the credentials reached the account the plan means.</summary>
        private static void CheckAccount(KmsImportService service, FleetEntry entry, string? arn, string keyId, bool created)
        {
            var want = FleetPlan.Text(entry.Row.Account);
            var got = KmsKeyIds.AccountOfArn(arn);
            if (want == null || got == null || got == want) return;
            var endpoint = service.EndpointUrl == null ? "" : $" -EndpointUrl '{service.EndpointUrl}'";
            throw new KmsImportException(ErrorIds.PlanAccountMismatch, ErrorKind.InvalidOperation,
                $"Plan row {entry.Row.Row} is for account {want}, but its credentials reach account {got} in {service.Region}. "
                + (created
                    ? $"The key {keyId} was created there; remove it: Remove-KmsExternalKey -KeyId '{keyId}' -Region '{service.Region}'{endpoint}. "
                    : "Nothing was imported. ")
                + "Give the row credentials of its account (ProfileName), then run again.")
            { TargetObject = entry.Row };
        }

        /// <summary>A key found by the row's alias must be the key the row describes: EXTERNAL, same spec and usage, multi-Region as asked, not being deleted.</summary>
        private static void CheckMatches(FleetEntry entry, KmsKeyDescription key)
        {
            string? why = null;
            if (key.Origin != Origins.External) why = $"has origin {key.Origin}, not EXTERNAL";
            else if (KeyStates.IsPendingDeletion(key.KeyState)) why = $"is {key.KeyState}";
            else if (key.KeySpec != KmsNames.Name(entry.KeySpec)) why = $"is {key.KeySpec}, the row asks for {KmsNames.Name(entry.KeySpec)}";
            else if (key.KeyUsage != KmsNames.Name(entry.KeyUsage)) why = $"has usage {key.KeyUsage}, the row asks for {KmsNames.Name(entry.KeyUsage)}";
            else if (key.MultiRegion != entry.MultiRegion) why = key.MultiRegion ? "is a multi-Region key, the row is not" : "is a single-Region key, the row asks for a multi-Region key";
            if (why == null) return;
            throw new KmsImportException(ErrorIds.PlanAliasKeyMismatch, ErrorKind.InvalidOperation,
                $"Plan row {entry.Row.Row}: the alias {entry.Alias} in {key.Region} points to key {key.KeyId}, which {why}. Nothing was changed; give the row another alias or fix its columns.")
            { TargetObject = entry.Row };
        }

        /// <summary>The one import workflow for one key (BatchImporter: retries of transient failures, the state of a failed key).</summary>
        private void Import(KmsImportService service, KmsImportService? primaryService, FleetEntry entry, KeyFacts facts, KmsFleetImportResult result, bool foundByAlias)
        {
            var importer = new BatchImporter(_workflow, entry.Material, entry.Options, _ => "") { WrappingKeySpec = WrappingKeySpec };
            var batch = importer.ImportOne(new BatchKey(facts, service, primaryService));
            result.KeyId = KmsKeyIds.KeyIdOf(batch.KeyId);
            result.Status = batch.Status;
            result.KeyState = batch.KeyState;
            result.Fingerprint = batch.Fingerprint;
            result.ProofMethod = batch.ProofMethod;
            result.EscrowPath = batch.EscrowPath;
            result.ErrorId = batch.ErrorId;
            result.Message = batch.Message;
            // A key found by its alias that holds other material: the row's own ErrorId, the workflow's message kept.
            if (foundByAlias && (batch.ErrorId == ErrorIds.ProofFailed || batch.ErrorId == ErrorIds.KeyMaterialIncorrect))
            {
                result.ErrorId = ErrorIds.PlanAliasOtherMaterial;
                result.Message = $"Plan row {entry.Row.Row}: the alias {entry.Alias} in {service.Region} already names a key with other material; it was left as it is. " + batch.Message;
            }
            if (result.Status == BatchStatuses.Skipped && result.ErrorId == null)
                result.Message = "The key already holds material and no escrow copy of it is in EscrowPath, so it cannot be proved; nothing was changed. " + batch.Message;
        }

        private static void Fail(KmsFleetImportResult result, string errorId, string message, KmsImportService? service, string? keyId)
        {
            result.Status = BatchStatuses.Failed;
            result.ErrorId = errorId;
            result.Message = message;
            if (service == null || keyId == null) return;
            try
            {
                result.KeyState = service.DescribeKey(keyId).KeyState;
            }
            catch (KmsImportException) { /* the message says why */ }
        }

        /// <summary>
        /// With -Resume, once per pair: keys carrying the fleet alias tag that no alias points to (an interrupted run
        /// created them and died before CreateAlias). A row whose alias is missing claims the oldest of its own;
        /// the rest are reported when the pair is done.
        /// </summary>
        internal sealed class OrphanScan
        {
            private readonly FleetRunner _runner;
            private readonly FleetEntry _first;
            private readonly object _gate = new object();
            private Dictionary<string, List<string>>? _byAlias;
            private KmsImportService? _service;

            public OrphanScan(FleetRunner runner, FleetEntry first)
            {
                _runner = runner;
                _first = first;
            }

            public string? Claim(KmsImportService service, string alias)
            {
                lock (_gate)
                {
                    Load(service);
                    if (!_byAlias!.TryGetValue(alias, out var keys) || keys.Count == 0) return null;
                    var key = keys[0];
                    keys.RemoveAt(0);
                    return key;
                }
            }

            private void Load(KmsImportService service)
            {
                if (_byAlias != null) return;
                _service = service;
                var targets = new HashSet<string>(service.ListAliases(100000).Where(a => a.TargetKeyId != null).Select(a => a.TargetKeyId!), StringComparer.Ordinal);
                _byAlias = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var tagged in service.KeysTagged(FleetPlan.AliasTagKey, targets))
                {
                    if (!_byAlias.TryGetValue(tagged.Value, out var list)) _byAlias[tagged.Value] = list = new List<string>();
                    list.Add(tagged.Key);
                }
            }

            public void ReportUnclaimed()
            {
                lock (_gate)
                {
                    try
                    {
                        Load(_service ?? _runner._connections.For(_first, _first.Region));
                    }
                    catch (KmsImportException ex)
                    {
                        _runner.Warnings.Enqueue($"The search for keys an interrupted run left without their alias failed in {_first.Region} ({ex.ErrorId}); check with Get-KmsKeyMaterialExpiry -Region {_first.Region}.");
                        return;
                    }
                    var endpoint = _service!.EndpointUrl == null ? "" : $" -EndpointUrl '{_service.EndpointUrl}'";
                    foreach (var pair in _byAlias!)
                        foreach (var key in pair.Value)
                        {
                            KmsKeyDescription? found = null;
                            try { found = _service.DescribeKey(key); } catch (KmsImportException) { }
                            // Already being removed, or a replica (which may carry its primary's tags) of a key that has its alias.
                            if (found != null && (KeyStates.IsPendingDeletion(found.KeyState) || found.MultiRegionKeyType == MultiRegionKeyTypes.Replica)) continue;
                            _runner.Warnings.Enqueue($"Orphan key {key} in {_first.Region}{(_first.AccountKey.Length == 0 ? "" : " of " + _first.AccountKey)}: created by an interrupted run for {pair.Key} but never given its alias, and not needed now. Remove it: Remove-KmsExternalKey -KeyId '{key}' -Region '{_first.Region}'{endpoint}");
                        }
                }
            }
        }
    }
}
