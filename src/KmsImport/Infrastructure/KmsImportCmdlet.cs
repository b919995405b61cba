using System;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Evidence;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Microsoft.PowerShell.Commands;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// The base of every cmdlet in the module (AWS Tools' BaseCmdlet): one way to report errors,
    /// to resolve provider paths, to read passwords and to resolve the expiry parameters.
    /// Cmdlets bind parameters, resolve paths and write records; the work is in Core's
    /// <see cref="ImportWorkflow"/>.
    /// </summary>
    public abstract class KmsImportCmdlet : PSCmdlet
    {
        /// <summary>The import workflow every cmdlet uses.</summary>
        protected ImportWorkflow Workflow { get; } = new ImportWorkflow();

        /// <summary>
        /// Reports one record's failure and lets the pipeline go on with the next one. The target is
        /// what the core named in the exception, else <paramref name="target"/> (what the cmdlet worked on).
        /// </summary>
        protected void WriteRecordError(KmsImportException ex, object? target = null) =>
            WriteError(ErrorRecords.From(ex, target));

        /// <summary>Stops the command: for failures that no later record could avoid.</summary>
        protected void ThrowError(KmsImportException ex, object? target = null) =>
            ThrowTerminatingError(ErrorRecords.From(ex, target));

        /// <summary>
        /// The file-system path of a PowerShell path (relative to the current location, PSDrives,
        /// ~). Other providers (Variable:, Function:, Env:, registry) are refused: material,
        /// escrow copies and bundles go to files only.
        /// </summary>
        protected string ResolvePath(string path, string parameterName, string invalidErrorId = ErrorIds.PathInvalid) =>
            FileSystemPath.Resolve(this, path, parameterName, invalidErrorId);

        /// <summary><see cref="ResolvePath"/> for an optional parameter.</summary>
        protected string? ResolveOptionalPath(string? path, string parameterName) =>
            path == null ? null : ResolvePath(path, parameterName);

        /// <summary>A password as chars the caller clears (Array.Clear) when done; null for none.</summary>
        protected static char[]? PasswordChars(SecureString? password) =>
            password == null ? null : SecureStrings.ToCharArray(password);

        /// <summary>
        /// The rules of -ExpirationModel/-ValidTo (ImportRules.ResolveExpiration), checked once for
        /// the whole command: a bad date stops it before any call.
        /// </summary>
        protected ImportOptions ResolveExpirationOrStop(ExpirationModel? model, DateTime? validTo)
        {
            try
            {
                var (resolved, validToUtc) = ImportRules.ResolveExpiration(model, validTo);
                return new ImportOptions { ExpirationModel = resolved, ValidToUtc = validToUtc };
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
                throw; // not reached: ThrowError stops the command
            }
        }

        /// <summary>"expiring &lt;date&gt;" or "not expiring", for ShouldProcess messages.</summary>
        protected static string DescribeExpiry(ImportOptions options) =>
            options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES ? $"expiring {options.ValidToUtc:u}" : "not expiring";

        /// <summary>One progress bar per command: <paramref name="done"/> of <paramref name="total"/>.</summary>
        protected void WriteProgressOf(int done, int total, string current)
        {
            if (total <= 0) return;
            WriteProgress(new ProgressRecord(1, MyInvocation.MyCommand.Name, $"{done} of {total}")
            { PercentComplete = Math.Min(100, 100 * done / total), CurrentOperation = current });
        }

        /// <summary>The preference variable that sets -EvidencePath for every cmdlet that takes it (the parameter wins).</summary>
        public const string EvidencePreferenceVariable = "KmsImportEvidencePath";

        // The evidence file of this command, or null when no evidence is recorded.
        private EvidenceLog? _evidence;

        /// <summary>True when this command records evidence lines.</summary>
        protected bool RecordsEvidence => _evidence != null;

        /// <summary>
        /// Chooses the evidence file, before any step: -EvidencePath, else $KmsImportEvidencePath from the caller's
        /// session state, else none. The file must be appendable now (an existing one is checked to its last line), so a
        /// damaged or foreign file stops the command before any call.
        /// </summary>
        protected void OpenEvidence(string? evidencePath)
        {
            string parameterName = "EvidencePath";
            if (evidencePath == null)
            {
                var value = SessionState.PSVariable.GetValue(EvidencePreferenceVariable);
                value = value is PSObject pso ? pso.BaseObject : value;
                if (value == null || (value is string empty && empty.Length == 0)) return;
                parameterName = "EvidencePath (from $" + EvidencePreferenceVariable + ")";
                evidencePath = value switch
                {
                    string text => text,
                    System.IO.FileInfo file => file.FullName,
                    _ => null,
                };
                if (evidencePath == null)
                    ThrowError(new KmsImportException(ErrorIds.EvidencePathInvalid, ErrorKind.InvalidArgument,
                        $"${EvidencePreferenceVariable} holds a {value.GetType().Name}, not a file path. Set it to the evidence file's path, e.g. $KmsImportEvidencePath = './ceremony.evidence.jsonl', or remove it (Remove-Variable {EvidencePreferenceVariable}).")
                    { TargetObject = EvidencePreferenceVariable });
            }
            try
            {
                var log = new EvidenceLog(ResolvePath(evidencePath!, parameterName, ErrorIds.EvidencePathInvalid));
                log.CheckAppendable();
                _evidence = log;
                WriteVerbose($"Recording evidence in {log.Path}.");
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
            }
        }

        /// <summary>
        /// Appends one evidence line for a step (cmdlet, operator and host are filled here). A failure to append is
        /// reported as an error of its own; the step's result is still written by the caller (it happened).
        /// </summary>
        protected void RecordEvidence(KmsEvidenceStep step)
        {
            if (_evidence == null) return;
            step.Cmdlet = MyInvocation.MyCommand.Name;
            step.Operator = Environment.UserName;
            step.Host = Environment.MachineName;
            try
            {
                _evidence.Append(step);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex);
            }
        }

        /// <summary>An evidence line for a step that failed with <paramref name="ex"/>.</summary>
        protected void RecordFailure(KmsImportException ex, string? keyId, string? region = null)
        {
            if (_evidence == null) return;
            RecordEvidence(new KmsEvidenceStep
            {
                KeyId = SafeKeyId(keyId),
                Region = string.IsNullOrEmpty(region) ? null : region,
                Account = KmsKeyIds.AccountOfArn(SafeKeyId(keyId)),
                Outcome = KmsEvidenceStep.Failed,
                ErrorId = ex.ErrorId,
            });
        }

        /// <summary>A key id fit for an evidence line; one refused as unsafe (KeyIdUnsafe) is left out.</summary>
        protected static string SafeKeyId(string? keyId)
        {
            if (string.IsNullOrEmpty(keyId)) return "";
            try
            {
                KeyFileNames.EnsureSafe(keyId);
                return keyId!;
            }
            catch (KmsImportException)
            {
                return "";
            }
        }

        /// <summary>Closes the progress bar of <see cref="WriteProgressOf"/>.</summary>
        protected void CompleteProgress() =>
            WriteProgress(new ProgressRecord(1, MyInvocation.MyCommand.Name, "Done") { RecordType = ProgressRecordType.Completed });
    }

    /// <summary>
    /// Region and EndpointUrl, declared once: they bind from pipeline objects by property name so a
    /// pipeline keeps talking to the Region and endpoint its first cmdlet used. Protect-KeyMaterial
    /// (no KMS call) passes them on to its output; <see cref="KmsCmdletBase"/> connects with them.
    /// </summary>
    public abstract class KmsRegionCmdlet : KmsImportCmdlet
    {
        /// <summary>AWS Region, e.g. eu-west-2.</summary>
        /// <remarks>Empty (as objects rebuilt from the aws CLI's files carry it) means "not given".</remarks>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [ArgumentCompleter(typeof(Completion.RegionCompleter))]
        public string? Region { get; set; }

        /// <summary>A KMS-compatible endpoint instead of AWS's (for example the local test endpoint).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? EndpointUrl { get; set; }
    }
}
