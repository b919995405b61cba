using System.Management.Automation;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Rotates a symmetric key with imported material on demand (RotateKeyOnDemand): the material
    /// imported with -ImportType NEW_KEY_MATERIAL becomes current. For a multi-Region key, import the
    /// same bytes into every replica (EXISTING_KEY_MATERIAL) first, then rotate the primary.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "KmsKeyRotation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsKeyMaterialInfo))]
    public sealed class InvokeKmsKeyRotationCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        /// <summary>Return the key's materials after the rotation.</summary>
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
                if (!ShouldProcess($"{KeyId} in {service.Region}", "Rotate on demand: the pending imported material becomes current")) return;
                var keyId = service.ResolveKeyId(KeyId);
                service.RotateKeyOnDemand(keyId);
                if (RecordsEvidence)
                {
                    var step = EvidenceStep(service, keyId);
                    step.Status = "Rotated";
                    RecordEvidence(step);
                }
                if (PassThru) WriteObject(service.ListKeyRotations(keyId), enumerateCollection: true);
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, KeyId, service);
                WriteRecordError(ex, KeyId);
            }
        }
    }
}
