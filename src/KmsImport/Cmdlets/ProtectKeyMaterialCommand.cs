using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Wraps key material for the import parameters piped in. Works offline: no AWS call (Region
    /// and EndpointUrl pass through to the output). The output carries the wrapped material and a
    /// fingerprint, never the plaintext.
    /// </summary>
    [Cmdlet(VerbsSecurity.Protect, "KeyMaterial", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ProtectedKeyMaterial))]
    public sealed class ProtectKeyMaterialCommand : KmsRegionCmdlet
    {
        private const string PathSet = "Path";
        private const string BytesSet = "KeyMaterial";
        private const string GenerateSet = "Generate";
        private const string ComponentPathSet = "ComponentPath";
        private const string ComponentHostSet = "ComponentFromHost";

        // --- What the parameters object carries; binds by property name. ---
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string KeyId { get; set; } = "";

        // KMS names as text, so objects from elsewhere bind (ConstantClass included); checked per
        // record with the module's ErrorIds (KeySpecNotImportable, WrappingNotAllowed).
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(Completion.KmsNameCompleter<KmsImport.KeySpec>))]
        public string KeySpec { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(Completion.WrappingAlgorithmCompleter))]
        public string WrappingAlgorithm { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(Completion.WrappingKeySpecCompleter))]
        public string WrappingKeySpec { get; set; } = "";

        /// <summary>The wrapping public key, DER SubjectPublicKeyInfo.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[] PublicKey { get; set; } = Array.Empty<byte>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[] ImportToken { get; set; } = Array.Empty<byte>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public DateTime ParametersValidTo { get; set; }

        /// <summary>PRIMARY or REPLICA for multi-Region keys: a replica takes its primary's material (with -Generate, the primary's escrow file).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? MultiRegionKeyType { get; set; }

        // --- Where the material comes from: exactly one of these. ---
        /// <summary>A file: raw bytes (symmetric, HMAC) or a private key in PKCS#8, PKCS#1 or SEC1, PEM or DER.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        [Alias("FilePath", "MaterialPath")]
        public string? Path { get; set; }

        /// <summary>The material itself. The module copies it; clear your array when done.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[]? KeyMaterial { get; set; }

        /// <summary>Generate new material with a CSPRNG.</summary>
        [Parameter(Mandatory = true, ParameterSetName = GenerateSet)]
        public SwitchParameter Generate { get; set; }

        /// <summary>
        /// Where the generated material is escrowed: a new file (never overwritten, owner-only), or
        /// an existing directory, in which the module writes &lt;KeyId&gt;.bin.
        /// </summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [ValidateNotNullOrEmpty]
        public string? EscrowPath { get; set; }

        /// <summary>
        /// Encrypt the escrow copy to these certificates (CMS, &lt;KeyId&gt;.cms) instead of writing it in plaintext: file paths
        /// (PEM or DER) or X509Certificate2 objects; RSA (RSAES-OAEP) or EC (ECDH). Any one recipient can recover it.
        /// </summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [ValidateNotNullOrEmpty]
        public object[]? EscrowRecipient { get; set; }

        /// <summary>Split the escrow copy into this many components (2-9), component i encrypted to the i-th -EscrowRecipient only.</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [ValidateRange(2, 9)]
        public int ComponentCount { get; set; }

        /// <summary>Combine the material from key components: CMS component files (opened with -EscrowCertificate/-EscrowKeyPath) or raw owner-only files.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ComponentPathSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ComponentPath { get; set; }

        /// <summary>Combine the material from this many components, each typed in hex by its custodian at the host (no echo).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ComponentHostSet)]
        [ValidateRange(2, 9)]
        public int ComponentFromHost { get; set; }

        /// <summary>The manifest (&lt;KeyId&gt;.components.json) with the check values and fingerprint to check the components against.</summary>
        [Parameter(ParameterSetName = ComponentPathSet)]
        [Parameter(ParameterSetName = ComponentHostSet)]
        [ValidateNotNullOrEmpty]
        public string? ComponentManifest { get; set; }

        /// <summary>Certificates with their private key (X509Certificate2), or PFX files (with -Password), that open CMS escrow or component files.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = ComponentPathSet)]
        [ValidateNotNullOrEmpty]
        public object[]? EscrowCertificate { get; set; }

        /// <summary>Private key files (PKCS#8, PKCS#1 or SEC1; encrypted ones with -Password) that open CMS escrow or component files.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = ComponentPathSet)]
        [ValidateNotNullOrEmpty]
        public string[]? EscrowKeyPath { get; set; }

        /// <summary>Say that no copy of the generated material is wanted: it can then never be re-imported.</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        public SwitchParameter NoEscrow { get; set; }

        /// <summary>
        /// Also write the wrapped material to &lt;OutDirectory&gt;/&lt;KeyId&gt;/ (EncryptedKeyMaterial.bin,
        /// ImportToken.bin, ProtectedKeyMaterial.json), for Import-KmsKeyMaterial -Path on another machine.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutDirectory { get; set; }

        /// <summary>Accept raw material that is plainly not random (constant bytes, a repeated pattern), with a warning.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = BytesSet)]
        public SwitchParameter Force { get; set; }

        /// <summary>Password of an encrypted PKCS#8 PEM file, and of -EscrowCertificate PFX files and encrypted -EscrowKeyPath keys.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = BytesSet)]
        [Parameter(ParameterSetName = ComponentPathSet)]
        public SecureString? Password { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        private MaterialPlan? _plan;
        private char[]? _password;
        private string? _outDirectory;

        protected override void BeginProcessing()
        {
            OpenEvidence(EvidencePath);
            try
            {
                _outDirectory = ResolveOptionalPath(OutDirectory, nameof(OutDirectory));
                switch (ParameterSetName)
                {
                    case GenerateSet:
                        var escrow = ResolveOptionalPath(EscrowPath, nameof(EscrowPath));
                        ImportRules.CheckEscrowChoice(escrow, NoEscrow, folderOnly: false);
                        var recipients = EscrowBinding.Recipients(this, EscrowRecipient);
                        EscrowBinding.CheckComponents(ComponentCount, recipients, escrow);
                        _plan = MaterialPlan.Generate(escrow);
                        _plan.EscrowRecipients = recipients;
                        _plan.ComponentCount = ComponentCount;
                        break;
                    case ComponentPathSet:
                        _password = PasswordChars(Password);
                        var paths = new System.Collections.Generic.List<string>();
                        foreach (var p in ComponentPath!) paths.Add(ResolvePath(p, nameof(ComponentPath), ErrorIds.ComponentFileInvalid));
                        _plan = MaterialPlan.FromComponents(paths, ResolveOptionalPath(ComponentManifest, nameof(ComponentManifest)));
                        _plan.EscrowKeys = EscrowBinding.Keys(this, EscrowCertificate, EscrowKeyPath, _password);
                        break;
                    case ComponentHostSet:
                        _plan = MaterialPlan.FromHostComponents(ComponentFromHost, ReadHostComponent, HostComponentAccepted,
                            ResolveOptionalPath(ComponentManifest, nameof(ComponentManifest)));
                        break;
                    case BytesSet:
                        _password = PasswordChars(Password);
                        _plan = MaterialPlan.FromBytes(KeyMaterial!, _password);
                        _plan.AllowLowEntropy = Force;
                        _plan.Warn = WriteWarning;
                        break;
                    default:
                        _password = PasswordChars(Password);
                        _plan = MaterialPlan.FromFile(ResolvePath(Path!, nameof(Path), ErrorIds.KeyMaterialPathInvalid), _password);
                        _plan.EscrowKeys = EscrowBinding.Keys(this, EscrowCertificate, EscrowKeyPath, _password);
                        _plan.AllowLowEntropy = Force;
                        _plan.Warn = WriteWarning;
                        break;
                }
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
                // Cheap local checks before reading or generating anything.
                KeyFileNames.EnsureSafe(KeyId); // from a pipeline object: refused before it becomes a name or reaches a screen
                ImportRules.EnsureParametersUsable(ParametersValidTo, KeyId);
                var (spec, algorithm, wrappingKeySpec) = KeyMaterialProtector.Read(new KmsImportParameters
                    { KeyId = KeyId, KeySpec = KeySpec, WrappingAlgorithm = WrappingAlgorithm, WrappingKeySpec = WrappingKeySpec });
                ImportRules.CheckedWrapping(spec, algorithm, wrappingKeySpec);
                var parameters = new KmsImportParameters
                {
                    KeyId = KeyId,
                    KeySpec = KmsNames.Name(spec),
                    WrappingAlgorithm = KmsNames.Name(algorithm),
                    WrappingKeySpec = KmsNames.Name(wrappingKeySpec),
                    PublicKey = PublicKey,
                    ImportToken = ImportToken,
                    ParametersValidTo = ParametersValidTo,
                    MultiRegionKeyType = string.IsNullOrEmpty(MultiRegionKeyType) ? null : MultiRegionKeyType,
                    Region = Region ?? "",
                    EndpointUrl = string.IsNullOrEmpty(EndpointUrl) ? null : EndpointUrl,
                };
                var key = new KmsKeyDescription { KeyId = KeyId, KeySpec = parameters.KeySpec, MultiRegionKeyType = parameters.MultiRegionKeyType, Region = parameters.Region };
                if (ParameterSetName == GenerateSet && !ConfirmGenerate(key, spec)) return;

                using var material = Workflow.ObtainMaterial(_plan!, spec, key, keyHoldsMaterial: false)!;
                if (_outDirectory != null && !ShouldProcess(_outDirectory, $"Write the wrapped material for {KeyId} (EncryptedKeyMaterial.bin, ImportToken.bin, ProtectedKeyMaterial.json)")) return;
                // Escrow and bundle are written by the workflow only once the material is wrapped.
                var protectedMaterial = Workflow.Wrap(parameters, material, _outDirectory);
                if (_outDirectory != null) WriteVerbose($"Wrote the wrapped material to {_outDirectory}.");
                if (material.ComponentCheckValues != null)
                    WriteVerbose($"Components of {KeyId} ({material.ComponentCheckValueAlgorithm}): {string.Join(", ", material.ComponentCheckValues)}.");
                WriteVerbose($"Wrapped {material.Material.KeySpec} material ({material.Material.SourceFormat}, {material.Material.FingerprintAlgorithm} {material.Material.Fingerprint}) for {KeyId} with {algorithm}/{wrappingKeySpec}.");
                RecordEvidence(new KmsEvidenceStep
                {
                    KeyId = protectedMaterial.KeyId,
                    Region = string.IsNullOrEmpty(protectedMaterial.Region) ? null : protectedMaterial.Region,
                    EndpointUrl = protectedMaterial.EndpointUrl,
                    Account = Core.Kms.KmsKeyIds.AccountOfArn(protectedMaterial.KeyId),
                    KeySpec = protectedMaterial.KeySpec,
                    Fingerprint = protectedMaterial.Fingerprint,
                    FingerprintAlgorithm = protectedMaterial.FingerprintAlgorithm,
                    // Split knowledge: the components' check values, when the material was split or combined.
                    ComponentCheckValues = protectedMaterial.ComponentCheckValues,
                    WrappingAlgorithm = protectedMaterial.WrappingAlgorithm,
                    WrappingKeySpec = protectedMaterial.WrappingKeySpec,
                    PublicKeySha256 = Core.Evidence.EvidenceFacts.Sha256Hex(PublicKey),
                    ImportTokenSha256 = Core.Evidence.EvidenceFacts.Sha256Hex(protectedMaterial.ImportToken),
                    Status = material.Generated ? "Generated" : null,
                    Outcome = KmsEvidenceStep.Succeeded,
                });
                WriteObject(protectedMaterial);
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, KeyId, Region);
                WriteRecordError(ex, KeyId);
            }
        }

        protected override void EndProcessing() => ClearPassword();

        protected override void StopProcessing() => ClearPassword();

        private void ClearPassword()
        {
            if (_password != null) Array.Clear(_password, 0, _password.Length);
            _plan?.Dispose();
        }

        /// <summary>-ComponentFromHost: custodian <paramref name="index"/> types the component in hex, without echo.</summary>
        private char[] ReadHostComponent(int index, int count)
        {
            Host.UI.Write($"Custodian {index} of {count}: type component {index} in hexadecimal (not shown), then Enter: ");
            using var secure = Host.UI.ReadLineAsSecureString();
            return SecureStrings.ToCharArray(secure);
        }

        private void HostComponentAccepted(int index, string checkValue, string algorithm) =>
            Host.UI.WriteLine($"Component {index}: check value {checkValue} ({algorithm})"
                + (_plan?.ComponentManifestPath != null ? ", as recorded in the manifest." : ". Compare it with the value on the custodian's form."));

        /// <summary>ShouldProcess for generated material: where its escrow copy goes, or that there is none. A replica reading its primary's escrow file writes nothing.</summary>
        private bool ConfirmGenerate(KmsKeyDescription key, KmsImport.KeySpec spec)
        {
            var plan = _plan!;
            var escrow = ImportWorkflow.EscrowFile(plan, KeyId);
            if (key.MultiRegionKeyType == MultiRegionKeyTypes.Replica && escrow != null && File.Exists(escrow)) return true;
            var what = plan.ComponentCount > 0 ? $"{plan.ComponentCount} key components, each encrypted to one custodian's certificate, and their manifest,"
                : plan.EscrowRecipients.Count > 0 ? $"an escrow copy encrypted to {plan.EscrowRecipients.Count} certificate(s)"
                : "an owner-only escrow copy";
            return escrow != null
                ? ShouldProcess(escrow, $"Write {what} of new {spec} material for {KeyId}")
                : ShouldProcess(KeyId, $"Generate {spec} material with no escrow copy (it can never be re-imported)");
        }
    }
}
