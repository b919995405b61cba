using System;
using System.Management.Automation;
using KmsImport.Core.Kms;
using KmsImport.Core.Import;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Reports how the imported material of EXTERNAL keys stands against expiry: every EXTERNAL key
    /// of the Region, or the keys given. Status Warning marks material within -WarningDays of
    /// ValidTo; Expired marks keys whose material expired or was deleted, to be restored from escrow;
    /// NoMaterial marks keys that never received material (nothing to restore: import).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "KmsKeyMaterialExpiry")]
    [OutputType(typeof(KmsKeyExpiryReport))]
    public sealed class GetKmsKeyMaterialExpiryCommand : KmsCmdletBase
    {
        /// <summary>Keys to report on; when none are given, every EXTERNAL key of the Region.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string[]? KeyId { get; set; }

        [Parameter]
        [ValidateRange(0, 365)]
        public double WarningDays { get; set; } = 30;

        private bool _sawInput;

        protected override void ProcessRecord()
        {
            if (KeyId == null) return;
            _sawInput = true;
            KmsImportService service;
            try
            {
                service = GetService();
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex); // no key can be reported without a connection
                return;
            }
            foreach (var id in KeyId) Report(service, id);
        }

        protected override void EndProcessing()
        {
            // Piped input that turned out empty means "these keys: none", not "the whole Region".
            if (_sawInput || MyInvocation.ExpectingInput) return;
            try
            {
                var service = GetService();
                var keys = service.ListKeys(int.MaxValue);
                var i = 0;
                foreach (var entry in keys)
                {
                    WriteProgress(new ProgressRecord(1, "Get-KmsKeyMaterialExpiry", $"Describing keys in {service.Region}")
                    { PercentComplete = keys.Count == 0 ? 100 : 100 * i++ / keys.Count });
                    Report(service, entry.KeyId, externalOnly: true);
                }
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        private void Report(KmsImportService service, string keyId, bool externalOnly = false)
        {
            try
            {
                var key = service.DescribeKey(keyId);
                if (externalOnly && (key.Origin != Origins.External || key.KeyState == KeyStates.PendingDeletion)) return;
                var report = ExpiryCheck.Check(service, key, WarningDays);
                if (report.Status == ExpiryStatuses.Warning)
                    WriteWarning($"Material of {report.KeyId} expires {report.ValidTo:u} ({report.DaysRemaining:0.#} days). Re-import the escrowed material: Restore-KmsKeyMaterial -KeyId {report.KeyId} -Path <escrow file> -ValidTo <new date>");
                WriteObject(report);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, keyId);
            }
        }
    }
}
