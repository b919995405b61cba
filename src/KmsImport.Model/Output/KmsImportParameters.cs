using System;

namespace KmsImport
{
    /// <summary>
    /// A wrapping public key and the import token paired with it (GetParametersForImport). The two
    /// belong together: a token only accepts material wrapped with the public key of the same set.
    /// Neither is secret. Output of Get-KmsImportParameters.
    /// </summary>
    public sealed class KmsImportParameters
    {
        public string KeyId { get; set; } = "";
        public KeySpec KeySpec { get; set; }
        public WrappingAlgorithm WrappingAlgorithm { get; set; }
        public WrappingKeySpec WrappingKeySpec { get; set; }
        /// <summary>DER SubjectPublicKeyInfo, exactly as KMS returned it.</summary>
        public byte[] PublicKey { get; set; } = Array.Empty<byte>();
        public byte[] ImportToken { get; set; } = Array.Empty<byte>();
        /// <summary>When the token and public key stop being accepted (UTC).</summary>
        public DateTime ParametersValidTo { get; set; }
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {WrappingAlgorithm}/{WrappingKeySpec} valid to {ParametersValidTo:u}";
    }
}
