using System.Management.Automation;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Deletes imported key material (DeleteImportedKeyMaterial). The key becomes unusable
    /// (PendingImport) until the same material is imported again from its escrowed copy.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "KmsImportedKeyMaterial", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(KmsKeyDescription))]
    public sealed class RemoveKmsImportedKeyMaterialCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        /// <summary>One material of a key with rotations (symmetric keys); by default the current one.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidatePattern("^[0-9a-f]{64}$")]
        public string? KeyMaterialId { get; set; }

        /// <summary>Return the key as KMS describes it afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        protected override void BeginProcessing() => OpenEvidence(EvidencePath);

        protected override void ProcessRecord()
        {
            Core.Kms.KmsImportService? service = null;
            try
            {
                service = GetService();
                var what = KeyMaterialId == null ? "Delete the imported key material (the key becomes unusable until it is re-imported)"
                    : $"Delete imported key material {KeyMaterialId}";
                if (!ShouldProcess($"{KeyId} in {service.Region}", what)) return;
                var keyId = service.ResolveKeyId(KeyId);
                service.DeleteImportedKeyMaterial(keyId, KeyMaterialId);
                var after = PassThru ? service.DescribeKey(keyId) : null;
                if (RecordsEvidence)
                {
                    var step = EvidenceStep(service, keyId);
                    step.KeyState = after?.KeyState;
                    step.Status = "MaterialDeleted";
                    RecordEvidence(step);
                }
                if (after != null) WriteObject(after);
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, KeyId, service);
                WriteRecordError(ex, KeyId);
            }
        }
    }
}
