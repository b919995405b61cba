using System;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Re-imports escrowed material into its key in one step: fresh import parameters, wrap,
    /// import. Restores material that expired or was deleted, and changes ValidTo or the
    /// expiration model of material a key holds (KMS accepts only identical bytes again).
    /// </summary>
    [Cmdlet(VerbsData.Restore, "KmsKeyMaterial", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsImportResult))]
    public sealed class RestoreKmsKeyMaterialCommand : KmsCmdletBase
    {
        private const string PathSet = "Path";
        private const string BytesSet = "KeyMaterial";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        /// <summary>The escrowed material file.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        [Alias("EscrowPath")]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[]? KeyMaterial { get; set; }

        [Parameter]
        public SecureString? Password { get; set; }

        [Parameter]
        public ExpirationModel? ExpirationModel { get; set; }

        [Parameter]
        public DateTime? ValidTo { get; set; }

        /// <summary>
        /// Symmetric keys with rotations: which material this is (64 hex, as Get-KmsKeyRotation
        /// shows it), to restore one that is not current. Imported as EXISTING_KEY_MATERIAL.
        /// </summary>
        [Parameter]
        [ValidatePattern("^[0-9a-f]{64}$")]
        public string? KeyMaterialId { get; set; }

        [Parameter]
        public WrappingAlgorithm? WrappingAlgorithm { get; set; }

        [Parameter]
        public WrappingKeySpec? WrappingKeySpec { get; set; }

        private ImportOptions _expiry = new ImportOptions();

        protected override void BeginProcessing() => _expiry = ResolveExpirationOrStop(ExpirationModel, ValidTo);

        protected override void ProcessRecord()
        {
            try
            {
                // What needs no key spec is refused before any call.
                KmsImportService.EnsureAlgorithmOffered(WrappingAlgorithm, KeyId);
                MaterialSource.CheckPath(this, Path);
                var service = GetService();
                var key = service.DescribeKey(KeyId);
                var spec = KmsNames.ImportableKeySpec(key.KeySpec, key.KeyId);
                // Read and check the material before asking KMS for anything that has a quota.
                using var material = MaterialSource.Load(this, spec, Path, KeyMaterial, Password);
                var expiry = _expiry.ExpirationModel == KmsImport.ExpirationModel.KEY_MATERIAL_EXPIRES ? $"expiring {_expiry.ValidToUtc:u}" : "not expiring";
                if (!ShouldProcess($"{key.KeyId} in {service.Region}", $"Re-import {spec} material {material.Fingerprint} ({expiry})")) return;

                var parameters = service.GetParametersForImport(key, WrappingAlgorithm, WrappingKeySpec);
                var wrapped = KeyMaterialProtector.Protect(parameters, material);
                var result = service.ImportKeyMaterial(wrapped, KeyMaterialId == null ? _expiry : new ImportOptions
                {
                    ExpirationModel = _expiry.ExpirationModel,
                    ValidToUtc = _expiry.ValidToUtc,
                    ImportType = ImportTypes.ExistingKeyMaterial,
                    KeyMaterialId = KeyMaterialId,
                });
                WriteVerbose($"Re-imported material {result.Fingerprint} into {result.KeyId}; key state {result.KeyState}.");
                WriteObject(result);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, ex.TargetObject ?? KeyId);
            }
        }
    }
}
