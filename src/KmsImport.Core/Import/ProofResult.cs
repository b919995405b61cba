namespace KmsImport.Core.Import
{
    /// <summary>The outcome of proving that KMS holds a given material.</summary>
    public sealed class ProofResult
    {
        public ProofResult(string method, bool proved, string detail)
        {
            Method = method;
            Proved = proved;
            Detail = detail;
        }

        /// <summary>What was done: one of <see cref="ProofMethods"/>.</summary>
        public string Method { get; }
        public bool Proved { get; }
        public string Detail { get; }
    }
}
