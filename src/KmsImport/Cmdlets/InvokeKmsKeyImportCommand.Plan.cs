using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using KmsImport.Completion;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Invoke-KmsKeyImport with a fleet plan (-PlanPath / -Plan): binding, the plan's error list, ShouldProcess per row,
    /// progress per (account, Region) pair and the results file. The work is Core's (FleetPlan, FleetRunner).
    /// </summary>
    public sealed partial class InvokeKmsKeyImportCommand
    {
        private const string PlanPathSet = "PlanPath";
        private const string PlanSet = "Plan";

        /// <summary>A plan file (.csv or .json): one row per key with the documented columns.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PlanPathSet)]
        [ValidateNotNullOrEmpty]
        public string? PlanPath { get; set; }

        /// <summary>Plan rows as objects whose properties are the plan's columns (Import-Csv, hashtables, [pscustomobject]).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PlanSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PSObject[]? Plan { get; set; }

        /// <summary>Write one line per finished key to this file (.csv or .json, owner-only, no secret); with -Resume, read it first.</summary>
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        [ValidateNotNullOrEmpty]
        public string? ResultPath { get; set; }

        /// <summary>Skip the keys -ResultPath records as finished, and find keys an interrupted run created without their alias.</summary>
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        public SwitchParameter Resume { get; set; }

        /// <summary>A role to assume per account: an IAM role ARN with {Account} (arn:aws:iam::{Account}:role/KmsImport), for rows with an Account and no RoleArn of their own.</summary>
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        [ValidateNotNullOrEmpty]
        public string? RoleArn { get; set; }

        /// <summary>The session name of every AssumeRole of the run (CloudTrail shows it); default KmsImport-&lt;time&gt;-&lt;run id&gt;.</summary>
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        [ValidateNotNullOrEmpty]
        public string? RoleSessionName { get; set; }

        /// <summary>The wrapping key spec for every key of the plan (RSA_2048, RSA_3072, RSA_4096); default: the recommendation per key spec.</summary>
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        [KmsName]
        [ArgumentCompleter(typeof(WrappingKeySpecCompleter))]
        public string? WrappingKeySpec { get; set; }

        private bool IsPlanRun => ParameterSetName == PlanPathSet || ParameterSetName == PlanSet;

        private readonly List<KmsFleetPlanRow> _planRows = new List<KmsFleetPlanRow>();
        private readonly List<IReadOnlyDictionary<string, string?>> _planRecords = new List<IReadOnlyDictionary<string, string?>>();
        private string _planBase = "";
        private KmsImport.WrappingKeySpec? _planWrapping;

        private void BeginPlan()
        {
            try
            {
                if (Resume && ResultPath == null)
                    throw new KmsImportException(ErrorIds.PlanResultFileInvalid, ErrorKind.InvalidArgument,
                        "-Resume reads the results file of the earlier run: pass it with -ResultPath.") { TargetObject = "Resume" };
                _planWrapping = KmsNames.ParseOptional<KmsImport.WrappingKeySpec>(WrappingKeySpec, ErrorIds.WrappingNotAllowed, WrappingKeySpec);
                if (ParameterSetName == PlanPathSet)
                {
                    var path = ResolvePath(PlanPath!, nameof(PlanPath));
                    _planBase = System.IO.Path.GetDirectoryName(path) ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                    _planRows.AddRange(FleetPlan.ReadFile(path));
                }
                else
                {
                    _planBase = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                }
                ResolveQuotas();
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        private void CollectPlan()
        {
            if (Plan == null) return;
            foreach (var item in Plan)
            {
                if (_planRecords.Count >= FleetPlan.MaxRows)
                    ThrowError(FleetPlan.Unreadable($"The plan has more than {FleetPlan.MaxRows} rows; split it into several runs."));
                _planRecords.Add(Record(item));
            }
        }

        /// <summary>An object's properties (or a hashtable's keys) as plan text: strings as they are, true/false, dates as ISO 8601.</summary>
        private static IReadOnlyDictionary<string, string?> Record(PSObject item)
        {
            var record = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            static string? Text(object? value)
            {
                value = value is PSObject pso ? pso.BaseObject : value;
                return value switch
                {
                    null => null,
                    string s => s,
                    bool b => b ? "true" : "false",
                    SwitchParameter sw => sw.IsPresent ? "true" : "false",
                    DateTime d => d.ToUniversalTime().ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                    IEnumerable list => string.Join(";", list.Cast<object?>().Select(Text)),
                    IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                };
            }
            if (item.BaseObject is IDictionary dictionary)
            {
                foreach (DictionaryEntry e in dictionary)
                    if (e.Key is string key) record[key] = Text(e.Value);
                return record;
            }
            foreach (var p in item.Properties)
            {
                if (p.MemberType != PSMemberTypes.NoteProperty && p.MemberType != PSMemberTypes.Property) continue;
                if (KmsFleetPlanRow.Columns.Contains(p.Name, StringComparer.OrdinalIgnoreCase)) record[p.Name] = Text(p.Value);
            }
            return record;
        }

        private void RunPlan()
        {
            FleetPlan? plan = null;
            try
            {
                if (ParameterSetName == PlanSet) _planRows.AddRange(FleetPlan.FromRecords(_planRecords));
                _password = PasswordChars(Password);
                var escrowKeys = EscrowBinding.Keys(this, EscrowCertificate, EscrowKeyPath, _password);
                var expiry = MyInvocation.BoundParameters.ContainsKey(nameof(ExpirationModel)) || MyInvocation.BoundParameters.ContainsKey(nameof(ValidTo))
                    ? ResolveExpirationOrStop(ExpirationModel, ValidTo) : null;
                // -RoleArn and -RoleSessionName are checked here, before anything is sent; roles are assumed per account when first needed.
                var credentials = new AccountCredentialSource(ConnectionSettings(null), RoleArn, RoleSessionName, Guid.NewGuid().ToString("N"));
                // The whole plan is checked before the first request: one error per bad row, then one that stops the command.
                plan = FleetPlan.Check(_planRows, _planBase, _password, escrowKeys, expiry, credentials);
                if (plan.Problems.Count > 0)
                {
                    foreach (var problem in plan.Problems) WriteRecordError(problem);
                    ThrowError(new KmsImportException(ErrorIds.PlanInvalid, ErrorKind.InvalidData,
                        $"{plan.Problems.Count} of {plan.RowCount} plan rows failed their checks (each is reported above with its ErrorId); nothing was sent to KMS. Fix them and run again.")
                    { TargetObject = "Plan" });
                }
                var resultPath = ResultPath == null ? null : ResolvePath(ResultPath, nameof(ResultPath));
                if (resultPath != null) FleetResultFile.Check(resultPath, Resume); // refused before any prompt or request
                if (RecordsEvidence)
                    WriteWarning("Plan runs write no evidence lines yet (-EvidencePath / $KmsImportEvidencePath); the results file (-ResultPath) records each key.");
                var entries = plan.Entries.Where(e => ShouldProcess(
                    $"{e.Alias} ({KmsNames.Name(e.KeySpec)}) in {(e.AccountKey.Length == 0 ? "" : e.AccountKey + " ")}{e.Region}"
                    + (e.ReplicaRegions.Count == 0 ? "" : " with replicas in " + string.Join(", ", e.ReplicaRegions)),
                    "Create the key if its alias names none, import key material, verify")).ToList();
                // The results file is made (or read) only for a run that sends something: -WhatIf leaves no file behind.
                if (entries.Count > 0) Run(entries, resultPath == null ? null : FleetResultFile.Open(resultPath, Resume), credentials);
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
            finally
            {
                plan?.Dispose();
                if (_password != null) Array.Clear(_password, 0, _password.Length);
            }
        }

        private void Run(List<FleetEntry> entries, FleetResultFile? resultFile, AccountCredentialSource credentials)
        {
            WriteVerbose($"Roles are assumed with the session name {credentials.SessionName}.");
            var connections = new FleetConnections(credentials, NoPacing ? null : Quotas());
            Workflow.ReplicaTimeout = TimeSpan.FromSeconds(ReplicaTimeoutSeconds);
            var runner = new FleetRunner(Workflow, connections)
            {
                ThrottleLimit = ThrottleLimit,
                WrappingKeySpec = _planWrapping,
                Resume = Resume,
                InputOrder = !AsCompleted,
            };
            if (resultFile != null)
            {
                runner.Finished = resultFile.Finished;
                runner.KeyFinished = resultFile.Add;
            }
            using var cancel = new CancellationTokenSource();
            _cancel = cancel;
            var total = entries.Sum(e => 1 + e.ReplicaRegions.Count);
            var counts = new Dictionary<string, int>();
            var done = 0;
            var pairs = new Dictionary<int, FleetProgress>();
            var results = runner.Start(entries, cancel.Token);
            void Drain()
            {
                while (runner.Progress.TryDequeue(out var p))
                {
                    pairs[p.Pair] = p;
                    var record = new ProgressRecord(2 + p.Pair, $"{(p.Account.Length == 0 ? "" : p.Account + " ")}{p.Region}", $"{p.Done} of {p.Total} rows")
                    {
                        ParentActivityId = 1,
                        PercentComplete = p.Total == 0 ? 100 : Math.Min(100, 100 * p.Done / p.Total),
                        CurrentOperation = p.Current,
                        RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                    };
                    WriteProgress(record);
                }
                while (runner.Warnings.TryDequeue(out var warning)) WriteWarning(warning);
                while (_warnings.TryDequeue(out var w)) WriteWarning(w);
            }
            WriteProgressOf(0, total, "starting");
            while (!results.IsCompleted)
            {
                // Wake up now and then without a result, so the pair lines move while a slow key holds back the next result.
                if (!results.TryTake(out var result, 250))
                {
                    Drain();
                    continue;
                }
                done++;
                counts[result.Status] = counts.TryGetValue(result.Status, out var n) ? n + 1 : 1;
                Drain();
                WriteProgressOf(done, total, $"row {result.Row} {result.Alias} in {result.Region}: {result.Status}");
                WriteObject(result);
            }
            Drain();
            CompleteProgress();
            if (runner.Failure is KmsImportException stopped) ThrowError(stopped);
            if (runner.Failure != null)
                ThrowError(new KmsImportException(ErrorIds.BatchUnexpectedError, ErrorKind.NotSpecified,
                    $"The plan run stopped early ({runner.Failure.GetType().Name}: {runner.Failure.Message}); run it again with -Resume to finish it.", runner.Failure));
            WriteVerbose("Plan finished: " + string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")) + "; waited "
                + $"{connections.Pacers.Sum(p => p.TotalWait.TotalSeconds):0.0} s in all to stay within the request quotas of {pairs.Count} account-Region pairs.");
            if (counts.TryGetValue(BatchStatuses.Failed, out var failed))
                WriteWarning($"{failed} of {total} keys failed; each result carries its ErrorId and message. Fix the cause and run again"
                    + (ResultPath == null ? " (rows that finished are found by their alias and Verified)." : " with -Resume to skip the keys that finished."));
        }
    }
}
