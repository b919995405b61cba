using System;
using System.Management.Automation;
using KmsImport.Core.Evidence;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Verifies an evidence file written with -EvidencePath: every line must be a complete record that
    /// chains to the line before it by SHA-256, so an edited, removed, reordered or inserted line fails
    /// with the number of the line where the chain breaks. Then reports the steps per key. Calls no AWS.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "KmsCeremonyEvidence")]
    [OutputType(typeof(KmsCeremonyKeyEvidence))]
    [OutputType(typeof(bool))]
    public sealed class TestKmsCeremonyEvidenceCommand : KmsImportCmdlet
    {
        /// <summary>The evidence file.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("FullName", "EvidencePath")]
        public string Path { get; set; } = "";

        /// <summary>
        /// The SHA-256 of the file's last line as written down when the ceremony ended (ChainHead of an earlier
        /// run): the chain alone cannot show an edit of its last line, or a chain rewritten from the start.
        /// </summary>
        [Parameter]
        [ValidatePattern("^[0-9a-fA-F]{64}$")]
        public string? ExpectedChainHead { get; set; }

        /// <summary>Return one boolean, true only when every file verified, instead of the steps per key.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        private bool _allVerified = true;
        private int _tested;

        protected override void ProcessRecord()
        {
            _tested++;
            try
            {
                var evidence = EvidenceChain.Verify(ResolvePath(Path, nameof(Path)));
                if (ExpectedChainHead != null && !string.Equals(ExpectedChainHead, evidence.Head, StringComparison.OrdinalIgnoreCase))
                    throw new KmsImportException(ErrorIds.EvidenceChainBroken, ErrorKind.InvalidData,
                        $"The evidence file '{evidence.Path}' does not verify. Its last line (line {evidence.Steps.Count}) is not the one whose SHA-256 was given "
                        + "(-ExpectedChainHead): the last line was edited, lines were added or removed at the end, or the chain was rewritten. "
                        + "Keep the file as it is for review.")
                    { TargetObject = evidence.Path };
                WriteVerbose($"{evidence.Path}: {evidence.Steps.Count} lines verified; chain head {evidence.Head}.");
                if (Quiet) return;
                foreach (var key in evidence.PerKey()) WriteObject(key);
            }
            catch (KmsImportException ex)
            {
                _allVerified = false;
                WriteRecordError(ex, Path);
            }
        }

        protected override void EndProcessing()
        {
            // No file at all is not a pass: a runbook's `if` must not go ahead on nothing.
            if (Quiet) WriteObject(_allVerified && _tested > 0);
        }
    }
}
