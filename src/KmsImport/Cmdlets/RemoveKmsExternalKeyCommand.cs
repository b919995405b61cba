using System.Management.Automation;
using KmsImport.Completion;
using KmsImport.Core.Kms;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Schedules the deletion of an EXTERNAL key (ScheduleKeyDeletion): for the leftovers of imports that
    /// did not finish. Keys that hold material are refused unless -Force; keys of other origins always
    /// (this module does not manage them).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "KmsExternalKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(KmsKeyDescription))]
    public sealed class RemoveKmsExternalKeyCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        /// <summary>Days KMS waits before deleting (7-30); 30, KMS's default, leaves the most time to cancel a mistake.</summary>
        [Parameter]
        [ValidateRange(7, 30)]
        public int PendingWindowInDays { get; set; } = 30;

        /// <summary>Also schedule keys that hold material (Enabled or Disabled): everything they encrypted becomes undecryptable.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

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
            KmsImportService? service = null;
            try
            {
                service = GetService();
                var key = service.DescribeKey(KeyId);
                if (key.Origin != "EXTERNAL")
                    throw new KmsImportException(ErrorIds.KeyNotExternal, ErrorKind.InvalidOperation,
                        $"Key '{key.KeyId}' has origin {key.Origin}; Remove-KmsExternalKey only removes keys made for imported material. Schedule the deletion of other keys with AWS Tools' Request-KMSKeyDeletion -KeyId '{key.KeyId}' (aws kms schedule-key-deletion) or the AWS console.")
                    { TargetObject = key.KeyId };
                if (key.KeyState == "PendingDeletion" || key.KeyState == "PendingReplicaDeletion")
                {
                    WriteVerbose($"Key {key.KeyId} is already {key.KeyState} (deletion date {key.DeletionDate:u}).");
                    WriteObject(key);
                    return;
                }
                if ((key.KeyState == "Enabled" || key.KeyState == "Disabled") && !Force)
                    throw new KmsImportException(ErrorIds.KeyHoldsMaterial, ErrorKind.InvalidOperation,
                        $"Key '{key.KeyId}' is {key.KeyState}: it holds key material, and once it is deleted nothing it encrypted or signed can be used again. If that is intended, add -Force; to take only the material away, use Remove-KmsImportedKeyMaterial.")
                    { TargetObject = key.KeyId };
                if (!ShouldProcess($"{key.KeyId} in {service.Region} ({key.KeyState})", $"Schedule the key's deletion in {PendingWindowInDays} days")) return;
                var scheduled = service.ScheduleKeyDeletion(key.KeyId, PendingWindowInDays);
                if (RecordsEvidence)
                {
                    var step = EvidenceStep(service, scheduled.Arn.Length > 0 ? scheduled.Arn : scheduled.KeyId);
                    step.KeyId = scheduled.KeyId;
                    step.KeySpec = string.IsNullOrEmpty(scheduled.KeySpec) ? null : scheduled.KeySpec;
                    step.KeyState = scheduled.KeyState;
                    step.Status = "DeletionScheduled";
                    RecordEvidence(step);
                }
                WriteObject(scheduled);
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, KeyId, service);
                WriteRecordError(ex, ex.TargetObject ?? KeyId);
            }
        }
    }
}
