using System;
using System.Management.Automation;
using KmsImport.Core.Import;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>Uploads wrapped key material into its KMS key (ImportKeyMaterial).</summary>
    [Cmdlet(VerbsData.Import, "KmsKeyMaterial", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsImportResult))]
    public sealed class ImportKmsKeyMaterialCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string KeyId { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[] EncryptedKeyMaterial { get; set; } = Array.Empty<byte>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[] ImportToken { get; set; } = Array.Empty<byte>();

        /// <summary>When the token expires; checked locally so a stale token never reaches KMS.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public DateTime ParametersValidTo { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public KeySpec? KeySpec { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? Fingerprint { get; set; }

        /// <summary>Defaults to KEY_MATERIAL_DOES_NOT_EXPIRE, or KEY_MATERIAL_EXPIRES when -ValidTo is given.</summary>
        [Parameter]
        public ExpirationModel? ExpirationModel { get; set; }

        /// <summary>When KMS deletes the material: in the future and at most 365 days ahead.</summary>
        [Parameter]
        public DateTime? ValidTo { get; set; }

        private ExpirationModel _model;
        private DateTime? _validToUtc;

        protected override void BeginProcessing()
        {
            try
            {
                (_model, _validToUtc) = ImportRules.ResolveExpiration(ExpirationModel, ValidTo);
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
                ImportRules.EnsureParametersUsable(ParametersValidTo, KeyId);
                var material = new ProtectedKeyMaterial
                {
                    KeyId = KeyId,
                    KeySpec = KeySpec ?? default,
                    EncryptedKeyMaterial = EncryptedKeyMaterial,
                    ImportToken = ImportToken,
                    ParametersValidTo = ParametersValidTo,
                    Fingerprint = Fingerprint ?? "",
                };
                var service = GetService();
                var expiry = _model == KmsImport.ExpirationModel.KEY_MATERIAL_EXPIRES ? $"expiring {_validToUtc:u}" : "not expiring";
                if (!ShouldProcess($"{KeyId} in {service.Region}", $"Import key material ({expiry})")) return;
                var result = service.ImportKeyMaterial(material, _model, _validToUtc);
                WriteVerbose($"Imported material into {result.KeyId}; key state {result.KeyState}.");
                WriteObject(result);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, ex.TargetObject ?? KeyId);
            }
        }
    }
}
