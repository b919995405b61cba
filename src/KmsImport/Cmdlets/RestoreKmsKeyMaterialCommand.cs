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
    /// A restore that changes the expiration model the key shows (non-expiring material gets a ValidTo,
    /// or the reverse) is asked as a High-impact action would be: it prompts under the default
    /// $ConfirmPreference, -Confirm:$false skips the question, -WhatIf says so.
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

        /// <summary>Password of an encrypted material file, of -EscrowCertificate PFX files and of encrypted -EscrowKeyPath keys.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>Certificates with their private key (X509Certificate2), or PFX files (with -Password), that open a CMS escrow file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public object[]? EscrowCertificate { get; set; }

        /// <summary>Private key files (PKCS#8, PKCS#1 or SEC1; encrypted ones with -Password) that open a CMS escrow file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[]? EscrowKeyPath { get; set; }

        /// <summary>Accept raw material that is plainly not random (constant bytes, a repeated pattern), with a warning.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

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

        /// <summary>Defaults to the recommended algorithm for the key's spec. A KMS name (text, so completion offers only what KMS accepts).</summary>
        [Parameter]
        [KmsName]
        [ArgumentCompleter(typeof(WrappingAlgorithmCompleter))]
        public string? WrappingAlgorithm { get; set; }

        /// <summary>Defaults to the recommended wrapping key for the key's spec.</summary>
        [Parameter]
        [KmsName]
        [ArgumentCompleter(typeof(WrappingKeySpecCompleter))]
        public string? WrappingKeySpec { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        private ImportOptions _expiry = new ImportOptions();
        private KmsImport.WrappingAlgorithm? _algorithm;
        private KmsImport.WrappingKeySpec? _wrappingKeySpec;
        private MaterialPlan? _material;
        private char[]? _password;

        protected override void BeginProcessing()
        {
            _expiry = ResolveExpirationOrStop(ExpirationModel, ValidTo);
            OpenEvidence(EvidencePath);
            if (KeyMaterialId != null)
                _expiry = new ImportOptions
                {
                    ExpirationModel = _expiry.ExpirationModel,
                    ValidToUtc = _expiry.ValidToUtc,
                    ImportType = ImportTypes.ExistingKeyMaterial,
                    KeyMaterialId = KeyMaterialId,
                };
            try
            {
                _algorithm = KmsNames.ParseOptional<KmsImport.WrappingAlgorithm>(WrappingAlgorithm, ErrorIds.WrappingNotAllowed, WrappingAlgorithm);
                _wrappingKeySpec = KmsNames.ParseOptional<KmsImport.WrappingKeySpec>(WrappingKeySpec, ErrorIds.WrappingNotAllowed, WrappingKeySpec);
                _password = PasswordChars(Password);
                _material = ParameterSetName == BytesSet
                    ? MaterialPlan.FromBytes(KeyMaterial!, _password)
                    : MaterialPlan.FromFile(ResolvePath(Path!, nameof(Path), ErrorIds.KeyMaterialPathInvalid), _password);
                _material.EscrowKeys = EscrowBinding.Keys(this, EscrowCertificate, EscrowKeyPath, _password);
                _material.AllowLowEntropy = Force;
                _material.Warn = WriteWarning;
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        protected override void ProcessRecord()
        {
            KmsImportService? service = null;
            try
            {
                KeyFileNames.EnsureSafe(KeyId); // from a pipeline object: refused before it becomes a name or reaches a screen
                service = GetService();
                var request = new KeyImportRequest(new KeyFacts(KeyId), _material!, _expiry)
                {
                    WrappingAlgorithm = _algorithm,
                    WrappingKeySpec = _wrappingKeySpec,
                    // Asked once the key is described and the material read, before anything that has a quota.
                    Confirm = (key, material) => Confirm(key, $"{key.KeyId} in {service!.Region}",
                        $"Re-import {material.KeySpec} material {material.Fingerprint} ({DescribeExpiry(_expiry)})"),
                };
                var outcome = Workflow.ImportKey(service, request);
                if (outcome.Result == null) return;
                WriteVerbose($"Re-imported material {outcome.Result.Fingerprint} into {outcome.Result.KeyId}; key state {outcome.Result.KeyState}.");
                RecordEvidence(OutcomeStep(EvidenceStep(service, outcome.Result.KeyId), outcome, outcome.Result.Outcome));
                WriteObject(outcome.Result);
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, KeyId, service);
                WriteRecordError(ex, KeyId);
            }
        }

        protected override void EndProcessing() => ClearPassword();

        private bool _yesToAll;
        private bool _noToAll;

        /// <summary>
        /// ShouldProcess for every restore; a change of expiration model is asked once more as ConfirmImpact High
        /// would ask (the cmdlet stays Medium so restoring expired material with its own model does not prompt).
        /// </summary>
        private bool Confirm(KmsKeyDescription key, string target, string action)
        {
            var change = ImportRules.ExpirationModelChange(key.ExpirationModel, _expiry.ExpirationModel);
            if (change != null) action += $"; this {change}";
            if (!ShouldProcess(target, action)) return false;
            if (change == null) return true;
            // -Confirm (true) has just asked with the same text; -Confirm:$false or $ConfirmPreference None: do not ask.
            if (MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
            var preference = LanguagePrimitives.ConvertTo<ConfirmImpact>(SessionState.PSVariable.GetValue("ConfirmPreference") ?? ConfirmImpact.High);
            // At Medium or Low ShouldProcess has already prompted; None never prompts; High prompts only High-impact actions.
            if (preference != ConfirmImpact.High) return true;
            return ShouldContinue($"Restoring {target} {change}. Re-import it anyway?", "Change the expiration model", ref _yesToAll, ref _noToAll);
        }

        protected override void StopProcessing() => ClearPassword();

        private void ClearPassword()
        {
            if (_password != null) Array.Clear(_password, 0, _password.Length);
            _material?.Dispose();
        }
    }
}
