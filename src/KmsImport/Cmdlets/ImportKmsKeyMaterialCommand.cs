using System;
using System.Management.Automation;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Uploads wrapped key material into its KMS key (ImportKeyMaterial). The result says what the
    /// import call answered; pipe it into Test-KmsKeyState to observe the key's state.
    /// </summary>
    [Cmdlet(VerbsData.Import, "KmsKeyMaterial", DefaultParameterSetName = PipelineSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsImportResult))]
    public sealed class ImportKmsKeyMaterialCommand : KmsCmdletBase
    {
        private const string PipelineSet = "Pipeline";
        private const string FromPathSet = "FromPath";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSet)]
        [Parameter(ParameterSetName = FromPathSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSet)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[] EncryptedKeyMaterial { get; set; } = Array.Empty<byte>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSet)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[] ImportToken { get; set; } = Array.Empty<byte>();

        /// <summary>When the token expires; checked locally so a stale token never reaches KMS.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSet)]
        public DateTime ParametersValidTo { get; set; }

        /// <summary>A KMS name (text, so objects from elsewhere bind); decides only whether the rotation parameters apply.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSet)]
        [AllowNull, AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(KmsNameCompleter<KmsImport.KeySpec>))]
        public string? KeySpec { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSet)]
        [AllowNull, AllowEmptyString]
        public string? Fingerprint { get; set; }

        /// <summary>
        /// Import wrapped material from files: a folder written by Protect-KeyMaterial -OutDirectory
        /// (or its ProtectedKeyMaterial.json), or a folder with EncryptedKeyMaterial.bin and
        /// ImportToken.bin from the aws CLI procedure (then give -KeyId).
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = FromPathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Defaults to KEY_MATERIAL_DOES_NOT_EXPIRE, or KEY_MATERIAL_EXPIRES when -ValidTo is given.</summary>
        [Parameter]
        public ExpirationModel? ExpirationModel { get; set; }

        /// <summary>When KMS deletes the material: in the future and at most 365 days ahead.</summary>
        [Parameter]
        public DateTime? ValidTo { get; set; }

        /// <summary>
        /// Symmetric keys only: NEW_KEY_MATERIAL imports material for an on-demand rotation
        /// (Invoke-KmsKeyRotation makes it current); EXISTING_KEY_MATERIAL re-imports material the
        /// key had (the default).
        /// </summary>
        [Parameter]
        [ValidateSet(ImportTypes.NewKeyMaterial, ImportTypes.ExistingKeyMaterial)]
        public string? ImportType { get; set; }

        /// <summary>Symmetric keys only: the material being re-imported (64 hex), as Get-KmsKeyRotation shows it.</summary>
        [Parameter]
        public string? KeyMaterialId { get; set; }

        /// <summary>Symmetric keys only: a description stored with the material.</summary>
        [Parameter]
        [ValidateLength(1, 256)]
        public string? KeyMaterialDescription { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        private ImportOptions _expiry = new ImportOptions();

        protected override void BeginProcessing()
        {
            _expiry = ResolveExpirationOrStop(ExpirationModel, ValidTo);
            OpenEvidence(EvidencePath);
        }

        protected override void ProcessRecord()
        {
            KmsImportService? service = null;
            try
            {
                if (!string.IsNullOrEmpty(KeyId)) KeyFileNames.EnsureSafe(KeyId); // from a pipeline object: refused before it becomes a name or reaches a screen
                var pipedSpec = KmsNames.ParseOptional<KmsImport.KeySpec>(KeySpec, ErrorIds.KeySpecNotImportable, KeyId);
                var material = ParameterSetName == FromPathSet
                    ? ImportBundle.ReadProtected(ResolvePath(Path!, nameof(Path)),
                        new BundleOverrides { KeyId = string.IsNullOrEmpty(KeyId) ? null : KeyId, Region = Region, EndpointUrl = EndpointUrl })
                    : new ProtectedKeyMaterial
                    {
                        KeyId = KeyId,
                        KeySpec = KmsNames.Name(pipedSpec) ?? "",
                        EncryptedKeyMaterial = EncryptedKeyMaterial,
                        ImportToken = ImportToken,
                        ParametersValidTo = ParametersValidTo,
                        Fingerprint = Fingerprint ?? "",
                    };
                var keySpec = ParameterSetName == FromPathSet ? KmsNames.ParseOrNull<KmsImport.KeySpec>(material.KeySpec) : pipedSpec;
                var options = new ImportOptions
                {
                    ExpirationModel = _expiry.ExpirationModel,
                    ValidToUtc = _expiry.ValidToUtc,
                    ImportType = ImportType,
                    KeyMaterialId = string.IsNullOrEmpty(KeyMaterialId) ? null : KeyMaterialId,
                    KeyMaterialDescription = KeyMaterialDescription,
                };
                Workflow.CheckImport(material, options, keySpec);
                // Files carry the Region and endpoint they were made for: the reader kept them only where the caller named
                // the same ones, or they are AWS's own endpoint for that Region (ImportBundle.TrustedOrigin).
                if (ParameterSetName == FromPathSet && material.EndpointUrl != null)
                    EndpointUrl = material.EndpointUrl;
                service = GetService(ParameterSetName != FromPathSet || string.IsNullOrEmpty(material.Region) ? null : material.Region);
                if (!ShouldProcess($"{material.KeyId} in {service.Region}", $"Import key material ({DescribeExpiry(_expiry)})")) return;
                var result = Workflow.Import(service, material, options, keySpec);
                WriteVerbose($"Imported material into {result.KeyId} in {result.Region}; run Test-KmsKeyState to see its state.");
                if (RecordsEvidence)
                {
                    var step = EvidenceStep(service, result.KeyId);
                    step.KeySpec = result.KeySpec;
                    step.Fingerprint = result.Fingerprint;
                    step.FingerprintAlgorithm = string.IsNullOrEmpty(material.FingerprintAlgorithm) ? null : material.FingerprintAlgorithm;
                    step.WrappingAlgorithm = string.IsNullOrEmpty(material.WrappingAlgorithm) ? null : material.WrappingAlgorithm;
                    step.WrappingKeySpec = string.IsNullOrEmpty(material.WrappingKeySpec) ? null : material.WrappingKeySpec;
                    step.ImportTokenSha256 = Core.Evidence.EvidenceFacts.Sha256Hex(material.ImportToken);
                    step.KeyState = result.KeyState;
                    step.Status = result.Outcome;
                    RecordEvidence(step);
                }
                WriteObject(result);
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, string.IsNullOrEmpty(KeyId) ? null : KeyId, service);
                WriteRecordError(ex, string.IsNullOrEmpty(KeyId) ? Path : KeyId);
            }
        }
    }
}
