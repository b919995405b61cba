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

        /// <summary>Password of an encrypted material file, of -EscrowCertificate PFX files and of encrypted -EscrowKeyPath keys.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = BytesSet)]
        public SecureString? Password { get; set; }

        /// <summary>Certificates with their private key (X509Certificate2), or PFX files (with -Password), that open a CMS escrow file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public object[]? EscrowCertificate { get; set; }

        /// <summary>Private key files (PKCS#8, PKCS#1 or SEC1; encrypted ones with -Password) that open a CMS escrow file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[]? EscrowKeyPath { get; set; }

        /// <summary>
        /// Return one boolean, true only when every key passed, instead of reports. Like Test-Path and
        /// Test-Connection -Quiet, a failure (unknown key, no credentials, unreadable material) is only a
        /// $false: no error record; -Verbose tells the ErrorId.
        /// </summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        private bool _allPassed = true;
        private int _tested;
        private MaterialPlan? _material;
        private char[]? _password;
        private bool _setupFailed;

        protected override void BeginProcessing()
        {
            OpenEvidence(EvidencePath);
            try
            {
                _password = PasswordChars(Password);
                if (ParameterSetName == PathSet)
                {
                    _material = MaterialPlan.FromFile(ResolvePath(Path!, nameof(Path), ErrorIds.KeyMaterialPathInvalid), _password);
                    _material.EscrowKeys = EscrowBinding.Keys(this, EscrowCertificate, EscrowKeyPath, _password);
                }
                else if (ParameterSetName == BytesSet) _material = MaterialPlan.FromBytes(KeyMaterial!, _password);
                // A proof imports nothing: weak material is proved, neither refused nor warned about.
                if (_material != null) _material.AllowLowEntropy = true;
            }
            catch (KmsImportException ex)
            {
                if (!Quiet) ThrowError(ex);
                _setupFailed = true;
                Failed(ex, null);
            }
        }

        protected override void ProcessRecord()
        {
            _tested++;
            if (_setupFailed) { _allPassed = false; return; }
            KmsImportService? service = null;
            try
            {
                KeyFileNames.EnsureSafe(KeyId); // from a pipeline object: refused before it becomes a name or reaches a screen
                // The workflow's last step: DescribeKey (and the proof) against the expected state.
                service = GetService();
                var report = Workflow.Verify(service, KeyId, ExpectedState, _material);
                if (report.ProofMethod != null) WriteVerbose($"Proof for {report.KeyId}: {report.ProofMethod}, proved={report.MaterialProved}.");
                if (RecordsEvidence)
                {
                    var step = EvidenceStep(service, report.Arn.Length > 0 ? report.Arn : report.KeyId,
                        report.Passed ? KmsEvidenceStep.Succeeded : KmsEvidenceStep.Failed);
                    step.KeyId = report.KeyId;
                    step.KeySpec = report.KeySpec;
                    step.KeyState = report.KeyState;
                    // The material proved (with -Path/-KeyMaterial), by its fingerprint.
                    step.Fingerprint = report.ProofMethod != null ? _material?.ProvedFingerprint : null;
                    step.FingerprintAlgorithm = report.ProofMethod != null ? _material?.ProvedFingerprintAlgorithm : null;
                    step.Status = report.Passed ? "Passed" : "NotPassed";
                    RecordEvidence(step);
                }
                _allPassed &= report.Passed;
                if (!Quiet) WriteObject(report);
            }
            catch (KmsImportException ex)
            {
                _allPassed = false;
                RecordFailure(ex, KeyId, service);
                if (Quiet) Failed(ex, KeyId);
                else WriteRecordError(ex, KeyId);
            }
        }

        protected override void EndProcessing()
        {
            ClearPassword();
            // No key at all (an empty pipeline) is not a pass: a runbook's `if` must not go ahead on nothing.
            if (Quiet) WriteObject(_allPassed && _tested > 0);
        }

        protected override void StopProcessing() => ClearPassword();

        /// <summary>-Quiet: the failure counts as $false; only -Verbose says which one it was.</summary>
        private void Failed(KmsImportException ex, string? keyId) =>
            WriteVerbose($"{(keyId == null ? "" : keyId + ": ")}{ex.ErrorId}: {ex.Message}");

        private void ClearPassword()
        {
            if (_password != null) Array.Clear(_password, 0, _password.Length);
            _material?.Dispose();
        }
    }
}
