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

        /// <summary>Password of an encrypted PKCS#8 PEM file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = BytesSet)]
        public SecureString? Password { get; set; }

        private MaterialPlan? _plan;
        private char[]? _password;
        private string? _outDirectory;

        protected override void BeginProcessing()
        {
            try
            {
                _outDirectory = ResolveOptionalPath(OutDirectory, nameof(OutDirectory));
                switch (ParameterSetName)
                {
                    case GenerateSet:
                        var escrow = ResolveOptionalPath(EscrowPath, nameof(EscrowPath));
                        ImportRules.CheckEscrowChoice(escrow, NoEscrow, folderOnly: false);
                        _plan = MaterialPlan.Generate(escrow);
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
                WriteVerbose($"Wrapped {material.Material.KeySpec} material ({material.Material.SourceFormat}, {material.Material.FingerprintAlgorithm} {material.Material.Fingerprint}) for {KeyId} with {algorithm}/{wrappingKeySpec}.");
                WriteObject(protectedMaterial);
            }
            catch (KmsImportException ex)
            {
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

        /// <summary>ShouldProcess for generated material: where its escrow copy goes, or that there is none. A replica reading its primary's escrow file writes nothing.</summary>
        private bool ConfirmGenerate(KmsKeyDescription key, KmsImport.KeySpec spec)
        {
            var escrow = ImportWorkflow.EscrowFile(_plan!.Path, KeyId);
            if (key.MultiRegionKeyType == MultiRegionKeyTypes.Replica && escrow != null && File.Exists(escrow)) return true;
            return escrow != null
                ? ShouldProcess(escrow, $"Write an owner-only escrow copy of new {spec} material for {KeyId}")
                : ShouldProcess(KeyId, $"Generate {spec} material with no escrow copy (it can never be re-imported)");
        }
    }
}
