namespace KmsImport
{
    /// <summary>
    /// The outcome for one key of a fleet plan (Invoke-KmsKeyImport -PlanPath / -Plan), in plan order:
    /// the row's key, then each of its replicas. No secret: the fingerprint identifies material without revealing it.
    /// </summary>
    public sealed class KmsFleetImportResult
    {
        /// <summary>The plan row (1 = the first row after the header).</summary>
        public int Row { get; set; }
        public string? Account { get; set; }
        public string Region { get; set; } = "";
        public string? Alias { get; set; }
        public string? KeyId { get; set; }
        /// <summary>Imported, Verified (already held this material), Skipped (finished in an earlier run: -Resume), or Failed.</summary>
        public string Status { get; set; } = "";
        public string? KeyState { get; set; }
        /// <summary>True when this run created the key (or the replica).</summary>
        public bool Created { get; set; }
        /// <summary>True when the key was created by an interrupted run without its alias, found by its marker tag and given the alias now.</summary>
        public bool Recovered { get; set; }
        /// <summary>For a replica: the Region of its primary.</summary>
        public string? PrimaryRegion { get; set; }
        public string? Fingerprint { get; set; }
        public string? ProofMethod { get; set; }
        /// <summary>Where the escrow copy of generated material was written in this run.</summary>
        public string? EscrowPath { get; set; }
        public string? ErrorId { get; set; }
        public string? Message { get; set; }
        public double DurationSeconds { get; set; }
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"row {Row} {Region} {Status}";
    }
}
