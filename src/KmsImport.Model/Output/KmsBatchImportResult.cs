using System;

namespace KmsImport
{
    /// <summary>The outcome for one key of a batch import. Output of Invoke-KmsKeyImport.</summary>
    public sealed class KmsBatchImportResult
    {
        public string KeyId { get; set; } = "";
        public string Region { get; set; } = "";
        /// <summary>Imported, Verified (already held this material; re-imported or proved), Skipped, or Failed.</summary>
        public string Status { get; set; } = "";
        /// <summary>The key's state as last seen (after a failure too), so nothing is left unknown.</summary>
        public string? KeyState { get; set; }
        public string? Fingerprint { get; set; }
        /// <summary>Where the escrow copy (or, with components, their manifest) was written in this run; null when none was.</summary>
        public string? EscrowPath { get; set; }
        /// <summary>Check value of each key component written in this run (component 1 first); null without components.</summary>
        public string[]? ComponentCheckValues { get; set; }
        public string? ProofMethod { get; set; }
        public string? ErrorId { get; set; }
        public string? Message { get; set; }
        /// <summary>For a failed key: the one command that resumes it.</summary>
        public string? ResumeCommand { get; set; }
        public int Attempts { get; set; }
        public double DurationSeconds { get; set; }
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {Status}";
    }
}
