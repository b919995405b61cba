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
    public sealed class InvokeKmsKeyImportCommand : KmsCmdletBase
    {
        private const string PathSet = "Path";
        private const string DirectorySet = "MaterialDirectory";
        private const string GenerateSet = "Generate";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = DirectorySet)]
        public SecureString? Password { get; set; }

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

        private readonly List<BatchKey> _keys = new List<BatchKey>();
        private readonly Dictionary<KmsImportService, RequestPacer> _pacers = new Dictionary<KmsImportService, RequestPacer>();
        private ImportOptions _options = new ImportOptions();
        private char[]? _password;
        // Resolved once on the pipeline thread: workers must not touch session state.
        private string? _path, _materialDirectory, _escrowPath, _profileLocation;

        protected override void BeginProcessing()
        {
            try
            {
                _options = ResolveExpirationOrStop(ExpirationModel, ValidTo);
                if (Generate && (EscrowPath == null) == !NoEscrow)
                    ThrowError(new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.InvalidArgument,
                        "-Generate needs exactly one of -EscrowPath (a folder for one escrow file per key) or -NoEscrow.") { TargetObject = "EscrowPath" });
                if (EscrowPath != null && !Directory.Exists(Resolve(EscrowPath)))
                    ThrowError(new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.ObjectNotFound,
                        $"-EscrowPath '{EscrowPath}' is not an existing folder. Create it (owner-only access) and run again.") { TargetObject = EscrowPath });
                if (MaterialDirectory != null && !Directory.Exists(Resolve(MaterialDirectory)))
                    ThrowError(new KmsImportException(ErrorIds.MaterialDirectoryNotFound, ErrorKind.ObjectNotFound,
                        $"-MaterialDirectory '{MaterialDirectory}' is not an existing folder. Pass the folder that holds one <KeyId>.bin file per key (as -Generate -EscrowPath writes them).") { TargetObject = MaterialDirectory });
                if (Path != null) _path = KeyMaterial.CheckFile(Resolve(Path)); // refused before any call
                if (MaterialDirectory != null) _materialDirectory = Resolve(MaterialDirectory);
                if (EscrowPath != null) _escrowPath = Resolve(EscrowPath);
                if (ProfileLocation != null) _profileLocation = Resolve(ProfileLocation);
                ResolveQuotas();
                if (Password != null) _password = SecureStrings.ToCharArray(Password);
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        protected override void ProcessRecord()
        {
            try
            {
                // Services are made here, on the pipeline thread, with this record's Region and endpoint.
                var service = GetService();
                if (!NoPacing && !_pacers.ContainsKey(service))
                {
                    var pacer = new RequestPacer(Quotas());
                    _pacers[service] = pacer;
                    service.Pacer = pacer;
                }
                if (ShouldProcess($"{KeyId} in {service.Region}", "Import key material (parameters, wrap, import, check)"))
                    _keys.Add(new BatchKey(KeyId, service));
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, ex.TargetObject ?? KeyId);
            }
        }

        protected override void EndProcessing()
        {
            if (_keys.Count == 0) return;
            var importer = new BatchImporter(ProvideMaterial, _options, ResumeCommand) { ThrottleLimit = ThrottleLimit };
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
                    WriteProgress(new ProgressRecord(1, "Invoke-KmsKeyImport", $"{done} of {_keys.Count} keys")
                    { PercentComplete = 100 * done / _keys.Count, CurrentOperation = $"{result.KeyId}: {result.Status}" });
                    WriteObject(result);
                }
            }
            finally
            {
                if (_password != null) Array.Clear(_password, 0, _password.Length);
                foreach (var service in _pacers.Keys) service.Pacer = null;
            }
            WriteProgress(new ProgressRecord(1, "Invoke-KmsKeyImport", "Done") { RecordType = ProgressRecordType.Completed });
            WriteVerbose("Batch finished: " + string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")) + "; waited "
                + $"{_pacers.Values.Sum(p => p.TotalWait.TotalSeconds):0.0} s in all to stay within the request quotas.");
            if (counts.TryGetValue(BatchStatuses.Failed, out var failed))
                WriteWarning($"{failed} of {_keys.Count} keys failed; each result carries its ErrorId, key state and ResumeCommand.");
        }

        private CancellationTokenSource? _cancel;

        protected override void StopProcessing() => _cancel?.Cancel();

        private KeyMaterial? ProvideMaterial(KmsKeyDescription key, bool keyHoldsMaterial)
        {
            var spec = KmsNames.ImportableKeySpec(key.KeySpec, key.KeyId);
            switch (ParameterSetName)
            {
                case PathSet:
                    return KeyMaterial.FromFile(spec, _path!, _password);
                case DirectorySet:
                    return KeyMaterial.FromFile(spec, KeyFileNames.MaterialFile(_materialDirectory!, key.KeyId), _password);
                default:
                    if (NoEscrow) return keyHoldsMaterial ? null : KeyMaterial.Generate(spec);
                    var escrow = KeyFileNames.MaterialFile(_escrowPath!, key.KeyId);
                    if (File.Exists(escrow)) return KeyMaterial.FromFile(spec, escrow); // a re-run: import what was escrowed
                    if (keyHoldsMaterial) return null;
                    var material = KeyMaterial.Generate(spec);
                    var bytes = material.ExportForImport();
                    try { SecretFile.CreateNew(escrow, bytes); }
                    catch { material.Dispose(); throw; }
                    finally { Array.Clear(bytes, 0, bytes.Length); }
                    return material;
            }
        }

        private string ResumeCommand(BatchKey key)
        {
            // Every value single-quoted and escaped: the command is meant to be run as it is (Invoke-Expression),
            // and a key id, path or URL with a quote in it must neither break it nor run as code.
            static string Q(string? value) => "'" + System.Management.Automation.Language.CodeGeneration.EscapeSingleQuotedStringContent(value ?? "") + "'";
            var source = ParameterSetName switch
            {
                PathSet => $"-Path {Q(_path)}",
                DirectorySet => $"-MaterialDirectory {Q(_materialDirectory)}",
                _ => NoEscrow ? "-Generate -NoEscrow" : $"-Generate -EscrowPath {Q(_escrowPath)}",
            };
            var expiry = _options.ExpirationModel == KmsImport.ExpirationModel.KEY_MATERIAL_EXPIRES ? $" -ValidTo '{_options.ValidToUtc:o}'" : "";
            var endpoint = key.Service.EndpointUrl == null ? "" : $" -EndpointUrl {Q(key.Service.EndpointUrl)}";
            // The same credential profile (a name and a file, never a secret), so the resume works on the same account.
            var profile = (ProfileName == null ? "" : $" -ProfileName {Q(ProfileName)}") + (_profileLocation == null ? "" : $" -ProfileLocation {Q(_profileLocation)}");
            return $"Invoke-KmsKeyImport -KeyId {Q(key.KeyId)} -Region {Q(key.Service.Region)}{endpoint}{profile} {source}{expiry}";
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

        private string Resolve(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
    }
}
