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
    /// Wraps key material for the import parameters piped in. Works offline: no AWS call. The
    /// output carries the wrapped material and a fingerprint, never the plaintext.
    /// </summary>
    [Cmdlet(VerbsSecurity.Protect, "KeyMaterial", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ProtectedKeyMaterial))]
    public sealed class ProtectKeyMaterialCommand : PSCmdlet
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
        [ArgumentCompleter(typeof(Completion.KmsNameCompleter<KmsImport.WrappingAlgorithm>))]
        public string WrappingAlgorithm { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(Completion.KmsNameCompleter<KmsImport.WrappingKeySpec>))]
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

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [ArgumentCompleter(typeof(Completion.RegionCompleter))]
        public string Region { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? EndpointUrl { get; set; }

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

        /// <summary>Password of an encrypted PKCS#8 PEM file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = BytesSet)]
        public SecureString? Password { get; set; }

        // This record's key spec, once checked.
        private KmsImport.KeySpec _spec;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == GenerateSet && EscrowPath == null && !NoEscrow)
            {
                ThrowTerminatingError(ErrorRecords.From(new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.InvalidArgument,
                    "-Generate needs -EscrowPath (a new file or a directory) so the generated material can be restored after it expires or is deleted. Pass -NoEscrow to state that you want no copy.")
                { TargetObject = "EscrowPath" }));
            }
            if (EscrowPath != null && NoEscrow)
            {
                ThrowTerminatingError(ErrorRecords.From(new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.InvalidArgument,
                    "-EscrowPath and -NoEscrow contradict each other. Pass one of them.") { TargetObject = "NoEscrow" }));
            }
        }

        protected override void ProcessRecord()
        {
            try
            {
                // Cheap local checks before reading or generating anything.
                ImportRules.EnsureParametersUsable(ParametersValidTo, KeyId);
                var (spec, algorithm, wrappingKeySpec) = KeyMaterialProtector.Read(new KmsImportParameters
                    { KeyId = KeyId, KeySpec = KeySpec, WrappingAlgorithm = WrappingAlgorithm, WrappingKeySpec = WrappingKeySpec });
                WrappingMatrix.EnsureAllowed(spec, algorithm, wrappingKeySpec);
                _spec = spec;

                using var material = LoadMaterial(out var escrowPath);
                if (material == null) return;
                var parameters = new KmsImportParameters
                {
                    KeyId = KeyId,
                    KeySpec = KmsNames.Name(spec),
                    WrappingAlgorithm = KmsNames.Name(algorithm),
                    WrappingKeySpec = KmsNames.Name(wrappingKeySpec),
                    PublicKey = PublicKey,
                    ImportToken = ImportToken,
                    ParametersValidTo = ParametersValidTo,
                    Region = Region,
                    EndpointUrl = string.IsNullOrEmpty(EndpointUrl) ? null : EndpointUrl,
                };
                var protectedMaterial = KeyMaterialProtector.Protect(parameters, material, escrowPath);
                if (OutDirectory != null)
                {
                    var outDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutDirectory);
                    if (!ShouldProcess(outDirectory, $"Write the wrapped material for {KeyId} (EncryptedKeyMaterial.bin, ImportToken.bin, ProtectedKeyMaterial.json)")) return;
                    var folder = ImportBundle.WriteProtected(outDirectory, protectedMaterial);
                    WriteVerbose($"Wrote the wrapped material to {folder}.");
                }
                WriteVerbose($"Wrapped {material.KeySpec} material ({material.SourceFormat}, {material.FingerprintAlgorithm} {material.Fingerprint}) for {KeyId} with {algorithm}/{wrappingKeySpec}.");
                WriteObject(protectedMaterial);
            }
            catch (KmsImportException ex)
            {
                WriteError(ErrorRecords.From(ex, ex.TargetObject ?? KeyId));
            }
        }

        private KeyMaterial? LoadMaterial(out string? escrowPath)
        {
            escrowPath = null;
            switch (ParameterSetName)
            {
                case GenerateSet:
                    return GenerateWithEscrow(out escrowPath);
                default:
                    return MaterialSource.Load(this, _spec, Path, KeyMaterial, Password);
            }
        }

        private KeyMaterial? GenerateWithEscrow(out string? escrowPath)
        {
            escrowPath = null;
            string? target = null;
            if (!NoEscrow)
            {
                target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(EscrowPath);
                if (Directory.Exists(target)) target = KeyFileNames.MaterialFile(target, KeyId);
                if (!ShouldProcess(target, $"Write an owner-only escrow copy of new {_spec} material for {KeyId}")) return null;
            }
            else if (!ShouldProcess(KeyId, $"Generate {_spec} material with no escrow copy (it can never be re-imported)"))
            {
                return null;
            }

            var material = Core.Crypto.KeyMaterial.Generate(_spec);
            if (target == null) return material;
            var bytes = material.ExportForImport();
            try
            {
                // Escrow first: material that exists only inside KMS can never be restored.
                SecretFile.CreateNew(target, bytes);
            }
            catch
            {
                material.Dispose();
                throw;
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
            escrowPath = target;
            return material;
        }
    }
}
