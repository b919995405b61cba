using System;
using System.Collections.Generic;
using System.Management.Automation;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Downloads a wrapping public key and import token (valid 24 hours) for a key, or, with
    /// -Path, reads a set written earlier (offline key ceremonies: no credentials, no network).
    /// A piped key object that says its KeySpec, Origin EXTERNAL and a state that takes material
    /// is not described again; a replica announced by New-KmsExternalKey is created here.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "KmsImportParameters", DefaultParameterSetName = OnlineSet)]
    [OutputType(typeof(KmsImportParameters))]
    public sealed class GetKmsImportParametersCommand : KmsCmdletBase
    {
        private const string OnlineSet = "Online";
        private const string FromPathSet = "FromPath";

        /// <summary>Key id, key ARN, alias name or alias ARN.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = OnlineSet)]
        [Parameter(ParameterSetName = FromPathSet)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string? KeyId { get; set; }

        /// <summary>Defaults to the recommended algorithm for the key's spec. A KMS name (text, so objects from elsewhere bind).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(WrappingAlgorithmCompleter))]
        public string? WrappingAlgorithm { get; set; }

        /// <summary>Defaults to the recommended wrapping key for the key's spec (RSA_4096).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(WrappingKeySpecCompleter))]
        public string? WrappingKeySpec { get; set; }

        /// <summary>Also write the parameters to &lt;OutDirectory&gt;/&lt;KeyId&gt;/ (PublicKey.bin, ImportToken.bin, ImportParameters.json).</summary>
        [Parameter(ParameterSetName = OnlineSet)]
        [ValidateNotNullOrEmpty]
        public string? OutDirectory { get; set; }

        /// <summary>
        /// Read parameters from files instead of KMS: a folder written by -OutDirectory, its
        /// ImportParameters.json, the JSON `aws kms get-parameters-for-import` prints, or a folder
        /// with PublicKey.bin and ImportToken.bin (then give -KeyId, -KeySpec and -WrappingAlgorithm).
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = FromPathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>
        /// The key spec: with -Path, where the files do not record it; online, as the piped key object
        /// says it (with -Origin and -KeyState it spares a DescribeKey).
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(KmsNameCompleter<KmsImport.KeySpec>))]
        public string? KeySpec { get; set; }

        /// <summary>The key's origin as the piped key object says it (EXTERNAL for keys made by New-KmsExternalKey).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = OnlineSet)]
        [AllowNull, AllowEmptyString]
        public string? Origin { get; set; }

        /// <summary>The key's state as the piped key object says it.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = OnlineSet)]
        [AllowNull, AllowEmptyString]
        public string? KeyState { get; set; }

        /// <summary>The key's multi-Region type as the piped key object says it (PRIMARY, REPLICA), handed on with the parameters.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = OnlineSet)]
        [AllowNull, AllowEmptyString]
        public string? MultiRegionKeyType { get; set; }

        /// <summary>
        /// For a replica of a multi-Region key: the Region of its primary. The replica is created
        /// there (ReplicateKey into -Region) unless it exists, once the primary holds material.
        /// New-KmsExternalKey -ReplicaRegion sets it on each replica object.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = OnlineSet)]
        [AllowNull, AllowEmptyString]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string? PrimaryRegion { get; set; }

        /// <summary>How long to wait for a new replica to leave the Creating state.</summary>
        [Parameter(ParameterSetName = OnlineSet)]
        [ValidateRange(1, 3600)]
        public int ReplicaTimeoutSeconds { get; set; } = 300;

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        // Replicas whose primary had no material yet when they arrived (e.g. after Sort-Object).
        private readonly List<(KeyFacts Facts, string? Region, string? EndpointUrl, KmsImport.WrappingAlgorithm? Algorithm, KmsImport.WrappingKeySpec? WrappingKeySpec)> _deferred =
            new List<(KeyFacts, string?, string?, KmsImport.WrappingAlgorithm?, KmsImport.WrappingKeySpec?)>();
        private KmsImport.WrappingAlgorithm? _algorithm;
        private KmsImport.WrappingKeySpec? _wrappingKeySpec;

        // -OutDirectory resolved once, before any record: a path outside the file system is refused before any call.
        private string? _outDirectory;

        protected override void BeginProcessing()
        {
            Workflow.ReplicaTimeout = TimeSpan.FromSeconds(ReplicaTimeoutSeconds);
            OpenEvidence(EvidencePath);
            try
            {
                _outDirectory = ResolveOptionalPath(OutDirectory, nameof(OutDirectory));
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        // The service of the record being worked on, for the evidence line of a failure.
        private KmsImportService? _service;

        protected override void ProcessRecord()
        {
            _service = null;
            try
            {
                if (KeyId != null) KeyFileNames.EnsureSafe(KeyId); // from a pipeline object: refused before it becomes a name or reaches a screen
                _algorithm = KmsNames.ParseOptional<KmsImport.WrappingAlgorithm>(WrappingAlgorithm, ErrorIds.WrappingNotAllowed, KeyId);
                _wrappingKeySpec = KmsNames.ParseOptional<KmsImport.WrappingKeySpec>(WrappingKeySpec, ErrorIds.WrappingNotAllowed, KeyId);
                if (ParameterSetName == FromPathSet)
                {
                    var read = ImportBundle.ReadParameters(ResolvePath(Path!, nameof(Path)), new BundleOverrides
                    {
                        KeyId = KeyId,
                        KeySpec = KmsNames.ParseOptional<KmsImport.KeySpec>(KeySpec, ErrorIds.KeySpecNotImportable, KeyId),
                        WrappingAlgorithm = _algorithm,
                        WrappingKeySpec = _wrappingKeySpec,
                        Region = Region,
                        EndpointUrl = EndpointUrl,
                    });
                    // Offline: no credentials, no account unless the key id is an ARN.
                    var offline = ParametersStep(read, new KmsEvidenceStep
                    {
                        KeyId = SafeKeyId(read.KeyId),
                        Region = string.IsNullOrEmpty(read.Region) ? null : read.Region,
                        EndpointUrl = read.EndpointUrl,
                        Account = KmsKeyIds.AccountOfArn(SafeKeyId(read.KeyId)),
                        Outcome = KmsEvidenceStep.Succeeded,
                    });
                    offline.Status = "ReadFromPath";
                    RecordEvidence(offline);
                    WriteObject(read);
                    return;
                }

                var facts = new KeyFacts(KeyId!)
                {
                    // A spec this module does not know is no fact to act on: the key is described instead.
                    KeySpec = KmsNames.ParseOrNull<KmsImport.KeySpec>(KeySpec),
                    Origin = Origin,
                    KeyState = KeyState,
                    MultiRegionKeyType = string.IsNullOrEmpty(MultiRegionKeyType) ? null : MultiRegionKeyType,
                    PrimaryRegion = string.IsNullOrEmpty(PrimaryRegion) ? null : PrimaryRegion,
                };
                try
                {
                    Fetch(facts);
                }
                catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.ReplicaNeedsPrimaryMaterial && facts.IsReplicaToCreate)
                {
                    // The primary is further down the input (or was buffered): in a streaming pipeline it is
                    // imported by the next stages before this command ends. Try again then.
                    WriteVerbose($"Replica of {facts.KeyId} in {Region}: the primary holds no material yet; trying again at the end of the input.");
                    _deferred.Add((facts, Region, EndpointUrl, _algorithm, _wrappingKeySpec));
                }
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, KeyId, _service);
                WriteRecordError(ex, (object?)KeyId ?? Path);
            }
        }

        protected override void EndProcessing()
        {
            foreach (var (facts, region, endpointUrl, algorithm, wrappingKeySpec) in _deferred)
            {
                Region = region;
                EndpointUrl = endpointUrl;
                _algorithm = algorithm;
                _wrappingKeySpec = wrappingKeySpec;
                _service = null;
                try
                {
                    Fetch(facts);
                }
                catch (KmsImportException ex)
                {
                    RecordFailure(ex, facts.KeyId, _service);
                    WriteRecordError(ex, facts.KeyId);
                }
            }
        }

        private void Fetch(KeyFacts facts)
        {
            var service = _service = GetService();
            var key = Workflow.ResolveKey(service, facts, GetService);
            var parameters = Workflow.GetParameters(service, key, _algorithm, _wrappingKeySpec);
            WriteVerbose($"Import parameters for {parameters.KeyId} in {parameters.Region}: {parameters.WrappingAlgorithm} with {parameters.WrappingKeySpec}, valid to {parameters.ParametersValidTo:u}.");
            if (_outDirectory != null)
            {
                var folder = ImportBundle.WriteParameters(_outDirectory, parameters);
                WriteVerbose($"Wrote the parameters to {folder}.");
            }
            if (RecordsEvidence)
            {
                var step = ParametersStep(parameters, EvidenceStep(service, parameters.KeyId));
                step.KeyState = string.IsNullOrEmpty(key.KeyState) ? null : key.KeyState;
                RecordEvidence(step);
            }
            WriteObject(parameters);
        }

        /// <summary>What an evidence line records of import parameters: the wrapping choice and the SHA-256 of the public key and token, never the token.</summary>
        private static KmsEvidenceStep ParametersStep(KmsImportParameters parameters, KmsEvidenceStep step)
        {
            step.KeySpec = string.IsNullOrEmpty(parameters.KeySpec) ? null : parameters.KeySpec;
            step.WrappingAlgorithm = parameters.WrappingAlgorithm;
            step.WrappingKeySpec = parameters.WrappingKeySpec;
            step.PublicKeySha256 = Core.Evidence.EvidenceFacts.Sha256Hex(parameters.PublicKey);
            step.ImportTokenSha256 = Core.Evidence.EvidenceFacts.Sha256Hex(parameters.ImportToken);
            return step;
        }
    }
}
