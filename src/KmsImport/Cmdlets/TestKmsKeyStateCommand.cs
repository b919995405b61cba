using System;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Checks that a key is in the expected state (Enabled by default) and, given the material,
    /// proves that KMS holds exactly that material.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "KmsKeyState", DefaultParameterSetName = StateSet)]
    [OutputType(typeof(KmsKeyStateReport))]
    [OutputType(typeof(bool))]
    public sealed class TestKmsKeyStateCommand : KmsCmdletBase
    {
        private const string StateSet = "State";
        private const string PathSet = "Path";
        private const string BytesSet = "KeyMaterial";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter]
        [ValidateSet(KeyStates.Enabled, KeyStates.Disabled, KeyStates.PendingImport, KeyStates.PendingDeletion, KeyStates.PendingReplicaDeletion,
            KeyStates.Creating, KeyStates.Updating, KeyStates.Unavailable)]
        public string ExpectedState { get; set; } = KeyStates.Enabled;

        /// <summary>The material KMS should hold, as a file (any format Protect-KeyMaterial accepts).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The material KMS should hold, as bytes.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
        [ValidateNotNullOrEmpty]
        [StrictBytes]
        public byte[]? KeyMaterial { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = BytesSet)]
        public SecureString? Password { get; set; }

        /// <summary>Return one boolean, true only when every key passed, instead of reports.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        private bool _allPassed = true;
        private int _tested;

        protected override void ProcessRecord()
        {
            _tested++;
            try
            {
                MaterialSource.CheckPath(this, Path); // a bad path is refused before any call
                var service = GetService();
                var key = service.DescribeKey(KeyId);
                ProofResult? proof = null;
                if (ParameterSetName != StateSet)
                {
                    var spec = KmsNames.ImportableKeySpec(key.KeySpec, key.KeyId, ErrorIds.ProofNotPossible);
                    using var material = MaterialSource.Load(this, spec, Path, KeyMaterial, Password);
                    proof = MaterialProver.Prove(service, key, material);
                    WriteVerbose($"Proof for {key.KeyId}: {proof.Method}, proved={proof.Proved}.");
                }
                var report = KeyStateCheck.Evaluate(key, ExpectedState, proof);
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
            // No key at all (an empty pipeline) is not a pass: a runbook's `if` must not go ahead on nothing.
            if (Quiet) WriteObject(_allPassed && _tested > 0);
        }
    }
}
