using System.Collections.Generic;
using System.Management.Automation;
using KmsImport.Core.Kms;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>Checks that a key is in the expected state (Enabled by default) after an import.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "KmsKeyState")]
    [OutputType(typeof(KmsKeyStateReport))]
    [OutputType(typeof(bool))]
    public sealed class TestKmsKeyStateCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn")]
        public string KeyId { get; set; } = "";

        [Parameter]
        [ValidateSet("Enabled", "Disabled", "PendingImport", "PendingDeletion", "PendingReplicaDeletion", "Creating", "Updating", "Unavailable")]
        public string ExpectedState { get; set; } = "Enabled";

        /// <summary>Return one boolean, true only when every key passed, instead of reports.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        private bool _allPassed = true;

        protected override void ProcessRecord()
        {
            try
            {
                var report = KeyStateCheck.Evaluate(GetService().DescribeKey(KeyId), ExpectedState);
                _allPassed &= report.Passed;
                if (!Quiet) WriteObject(report);
            }
            catch (KmsImportException ex)
            {
                _allPassed = false;
                WriteRecordError(ex, ex.TargetObject ?? KeyId);
            }
        }

        protected override void EndProcessing()
        {
            if (Quiet) WriteObject(_allPassed);
        }
    }
}
