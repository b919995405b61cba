using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Imports material into many keys at once: parameters, wrap, import and check per key, with
    /// bounded concurrency, pacing under KMS's request quotas, one result per key, and re-runs that
    /// resume (keys that already hold the material are verified and left alone).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "KmsKeyImport", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsBatchImportResult))]
    [OutputType(typeof(KmsFleetImportResult), ParameterSetName = new[] { PlanPathSet, PlanSet })]
    public sealed partial class InvokeKmsKeyImportCommand : KmsCmdletBase
    {
        private const string PathSet = "Path";
        private const string DirectorySet = "MaterialDirectory";
        private const string GenerateSet = "Generate";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DirectorySet)]
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = GenerateSet)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        /// <summary>One material file for every key (e.g. the replicas of a multi-Region key).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>A folder with one material file per key, named &lt;KeyId&gt;.bin (as -Generate -EscrowPath writes them).</summary>
        [Parameter(Mandatory = true, ParameterSetName = DirectorySet)]
        [ValidateNotNullOrEmpty]
        public string? MaterialDirectory { get; set; }

        /// <summary>Generate material for keys that have none; an escrow file that already exists is imported instead (resume).</summary>
        [Parameter(Mandatory = true, ParameterSetName = GenerateSet)]
        public SwitchParameter Generate { get; set; }

        /// <summary>With -Generate: the folder for the escrow files (&lt;KeyId&gt;.bin, owner-only, never overwritten).</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [ValidateNotNullOrEmpty]
        public string? EscrowPath { get; set; }

        [Parameter(ParameterSetName = GenerateSet)]
        public SwitchParameter NoEscrow { get; set; }

        /// <summary>With -Generate: encrypt each escrow copy to these certificates (&lt;KeyId&gt;.cms; file paths or X509Certificate2 objects).</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [ValidateNotNullOrEmpty]
        public object[]? EscrowRecipient { get; set; }

        /// <summary>With -Generate: split each key's escrow copy into this many components (2-9), component i encrypted to the i-th -EscrowRecipient.</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [ValidateRange(2, 9)]
        public int ComponentCount { get; set; }

        /// <summary>Certificates with their private key (X509Certificate2), or PFX files (with -Password), that open CMS escrow files (&lt;KeyId&gt;.cms).</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = DirectorySet)]
        [Parameter(ParameterSetName = GenerateSet)]
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        [ValidateNotNullOrEmpty]
        public object[]? EscrowCertificate { get; set; }

        /// <summary>Private key files (PKCS#8, PKCS#1 or SEC1; encrypted ones with -Password) that open CMS escrow files.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = DirectorySet)]
        [Parameter(ParameterSetName = GenerateSet)]
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        [ValidateNotNullOrEmpty]
        public string[]? EscrowKeyPath { get; set; }

        /// <summary>Password of encrypted material files, of -EscrowCertificate PFX files and of encrypted -EscrowKeyPath keys.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = DirectorySet)]
        [Parameter(ParameterSetName = GenerateSet)]
        [Parameter(ParameterSetName = PlanPathSet)]
        [Parameter(ParameterSetName = PlanSet)]
        public SecureString? Password { get; set; }

        /// <summary>
        /// For a replica of a multi-Region key (New-KmsExternalKey -ReplicaRegion sets it on each
        /// replica object): the Region of its primary. The replica is created (ReplicateKey) after
        /// the batch's other keys, so the primary holds material by then.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string? PrimaryRegion { get; set; }

        /// <summary>How long to wait for a new replica to leave the Creating state.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ReplicaTimeoutSeconds { get; set; } = 300;

        /// <summary>Accept raw material that is plainly not random (constant bytes, a repeated pattern), with a warning per key.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = DirectorySet)]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public ExpirationModel? ExpirationModel { get; set; }

        [Parameter]
        public DateTime? ValidTo { get; set; }

        /// <summary>How many keys are worked on at once.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        /// <summary>
        /// Requests per second by KMS operation, overriding AWS's default quotas for the operations
        /// named (the others keep their defaults); 0 stops pacing that operation.
        /// </summary>
        [Parameter]
        public System.Collections.Hashtable? RequestsPerSecond { get; set; }

        /// <summary>Send as fast as the endpoint answers (no pacing); throttling is still retried.</summary>
        [Parameter]
        public SwitchParameter NoPacing { get; set; }

        /// <summary>Write each result as soon as its key finishes (completion order) instead of in input order.</summary>
        [Parameter]
        public SwitchParameter AsCompleted { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        private readonly List<BatchKey> _keys = new List<BatchKey>();
        private readonly Dictionary<KmsImportService, RequestPacer> _pacers = new Dictionary<KmsImportService, RequestPacer>();
        private ImportOptions _options = new ImportOptions();
        private MaterialPlan? _material;
        private char[]? _password;
        // Warnings from the workers, written on the pipeline thread.
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Resolved once on the pipeline thread: workers must not touch session state.
        private string? _profileLocation;
        // -EscrowKeyPath resolved on the pipeline thread, for ResumeCommand (built on the workers).
        private readonly List<string> _escrowKeyPaths = new List<string>();

        protected override void BeginProcessing()
        {
            if (IsPlanRun)
            {
                BeginPlan();
                return;
            }
            _options = ResolveExpirationOrStop(ExpirationModel, ValidTo);
            OpenEvidence(EvidencePath);
            Workflow.ReplicaTimeout = TimeSpan.FromSeconds(ReplicaTimeoutSeconds);
            try
            {
                _profileLocation = ResolvedProfileLocation;
                _password = PasswordChars(Password);
                switch (ParameterSetName)
                {
                    case PathSet:
                        _material = MaterialPlan.FromFile(ResolvePath(Path!, nameof(Path), ErrorIds.KeyMaterialPathInvalid), _password);
                        break;
                    case DirectorySet:
                        _material = MaterialPlan.FromDirectory(ResolvePath(MaterialDirectory!, nameof(MaterialDirectory)), _password);
                        break;
                    default:
                        var escrow = ResolveOptionalPath(EscrowPath, nameof(EscrowPath));
                        ImportRules.CheckEscrowChoice(escrow, NoEscrow, folderOnly: true);
                        // A re-run resumes: an escrow file that exists is imported instead of new material.
                        _material = MaterialPlan.Generate(escrow, resumeFromEscrow: true);
                        var recipients = EscrowBinding.Recipients(this, EscrowRecipient);
                        EscrowBinding.CheckComponents(ComponentCount, recipients, escrow);
                        _material.EscrowRecipients = recipients;
                        _material.ComponentCount = ComponentCount;
                        break;
                }
                _material.EscrowKeys = EscrowBinding.Keys(this, EscrowCertificate, EscrowKeyPath, _password);
                foreach (var keyPath in EscrowKeyPath ?? Array.Empty<string>()) _escrowKeyPaths.Add(ResolvePath(keyPath, nameof(EscrowKeyPath)));
                _material.AllowLowEntropy = Force;
                _material.Warn = _warnings.Enqueue;
                // Refused before any call; a -Path file is read once here: the same bytes serve every key (a pipe could not be read again).
                _material.CheckLocally();
                ResolveQuotas(); // -RequestsPerSecond refused before any request
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        protected override void ProcessRecord()
        {
            if (IsPlanRun)
            {
                CollectPlan();
                return;
            }
            try
            {
                // Services are made here, on the pipeline thread, with this record's Region and endpoint.
                KeyFileNames.EnsureSafe(KeyId); // from a pipeline object: refused before it becomes a name or reaches a screen
                var service = Paced(GetService());
                var facts = new KeyFacts(KeyId) { PrimaryRegion = string.IsNullOrEmpty(PrimaryRegion) ? null : PrimaryRegion };
                var primary = facts.IsReplicaToCreate ? Paced(GetService(facts.PrimaryRegion)) : null;
                if (ShouldProcess($"{KeyId} in {service.Region}", "Import key material (parameters, wrap, import, check)"))
                    _keys.Add(new BatchKey(facts, service, primary));
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, KeyId);
            }
        }

        private KmsImportService Paced(KmsImportService service)
        {
            if (!NoPacing && !_pacers.ContainsKey(service))
            {
                var pacer = new RequestPacer(Quotas());
                _pacers[service] = pacer;
                service.Pacer = pacer;
            }
            return service;
        }

        protected override void EndProcessing()
        {
            if (IsPlanRun)
            {
                RunPlan();
                return;
            }
            if (_keys.Count == 0)
            {
                ClearPassword();
                return;
            }
            var importer = new BatchImporter(Workflow, _material!, _options, ResumeCommand) { ThrottleLimit = ThrottleLimit, InputOrder = !AsCompleted };
            using var cancel = new CancellationTokenSource();
            _cancel = cancel;
            var counts = new Dictionary<string, int>();
            var done = 0;
            try
            {
                foreach (var result in importer.Start(_keys, cancel.Token).GetConsumingEnumerable())
                {
                    done++;
                    counts[result.Status] = counts.TryGetValue(result.Status, out var n) ? n + 1 : 1;
                    while (_warnings.TryDequeue(out var warning)) WriteWarning(warning);
                    WriteProgressOf(done, _keys.Count, $"{result.KeyId} in {result.Region}: {result.Status}");
                    RecordBatchEvidence(importer, result);
                    WriteObject(result);
                }
            }
            finally
            {
                ClearPassword();
                foreach (var service in _pacers.Keys) service.Pacer = null;
            }
            while (_warnings.TryDequeue(out var late)) WriteWarning(late);
            CompleteProgress();
            WriteVerbose("Batch finished: " + string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")) + "; waited "
                + $"{_pacers.Values.Sum(p => p.TotalWait.TotalSeconds):0.0} s in all to stay within the request quotas.");
            if (counts.TryGetValue(BatchStatuses.Failed, out var failed))
                WriteWarning($"{failed} of {_keys.Count} keys failed; each result carries its ErrorId, key state and ResumeCommand.");
        }

        /// <summary>One evidence line per key, written here on the pipeline thread (the workers only import).</summary>
        private void RecordBatchEvidence(BatchImporter importer, KmsBatchImportResult result)
        {
            var source = importer.TakeSource(result);
            if (!RecordsEvidence || source == null) return;
            var failed = result.Status == BatchStatuses.Failed;
            var step = EvidenceStep(source.Value.Key.Service, result.KeyId, failed ? KmsEvidenceStep.Failed : KmsEvidenceStep.Succeeded);
            if (source.Value.Outcome != null) OutcomeStep(step, source.Value.Outcome, result.Status);
            step.Status = result.Status;
            step.Fingerprint ??= result.Fingerprint;
            step.ComponentCheckValues ??= result.ComponentCheckValues;
            step.KeyState = result.KeyState;
            step.ErrorId = result.ErrorId;
            RecordEvidence(step);
        }

        private void ClearPassword()
        {
            if (_password != null) Array.Clear(_password, 0, _password.Length);
            _material?.Dispose();
        }

        private CancellationTokenSource? _cancel;

        protected override void StopProcessing()
        {
            _cancel?.Cancel();
        }

        private string ResumeCommand(BatchKey key)
        {
            // Every value single-quoted and escaped: the command is meant to be run as it is (Invoke-Expression),
            // and a key id, path or URL with a quote in it must neither break it nor run as code.
            static string Q(string? value) => "'" + System.Management.Automation.Language.CodeGeneration.EscapeSingleQuotedStringContent(value ?? "") + "'";
            var source = ParameterSetName switch
            {
                PathSet => $"-Path {Q(_material!.Path)}",
                DirectorySet => $"-MaterialDirectory {Q(_material!.Path)}",
                _ => NoEscrow ? "-Generate -NoEscrow" : $"-Generate -EscrowPath {Q(_material!.Path)}",
            };
            // Keys that open CMS escrow files (a file name, never a secret), so the resume can read them.
            if (_escrowKeyPaths.Count > 0) source += " -EscrowKeyPath " + string.Join(", ", _escrowKeyPaths.Select(Q));
            var expiry = _options.ExpirationModel == KmsImport.ExpirationModel.KEY_MATERIAL_EXPIRES ? $" -ValidTo '{_options.ValidToUtc:o}'" : "";
            var endpoint = key.Service.EndpointUrl == null ? "" : $" -EndpointUrl {Q(key.Service.EndpointUrl)}";
            // The same credential profile (a name and a file, never a secret), so the resume works on the same account.
            var profile = (ProfileName == null ? "" : $" -ProfileName {Q(ProfileName)}") + (_profileLocation == null ? "" : $" -ProfileLocation {Q(_profileLocation)}");
            var primary = key.PrimaryService == null ? "" : $" -PrimaryRegion {Q(key.PrimaryService.Region)}";
            return $"Invoke-KmsKeyImport -KeyId {Q(key.KeyId)} -Region {Q(key.Service.Region)}{primary}{endpoint}{profile} {source}{expiry}";
        }

        private IReadOnlyDictionary<string, double> Quotas() => _quotas ?? RequestPacer.AwsDefaultQuotas;

        private Dictionary<string, double>? _quotas;

        /// <summary>-RequestsPerSecond checked once, before any request (RequestPacer.WithOverrides says what is allowed).</summary>
        private void ResolveQuotas()
        {
            if (RequestsPerSecond == null) return;
            static string? Text(object? value)
            {
                value = value is PSObject pso ? pso.BaseObject : value;
                return value switch
                {
                    null => null,
                    string s => s,
                    IConvertible c when value is not bool && value is not char => c.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => null,
                };
            }
            _quotas = RequestPacer.WithOverrides(RequestsPerSecond.Cast<System.Collections.DictionaryEntry>()
                .Select(e => new KeyValuePair<string?, string?>(Text(e.Key), Text(e.Value))));
        }

    }
}
