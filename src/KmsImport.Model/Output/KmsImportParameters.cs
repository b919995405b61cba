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
        /// <summary>KMS names (SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_256, RSA_4096 ...), so JSON and CSV name them;
        /// an empty string where the source did not say (a bundle without a description).</summary>
        public string KeySpec { get; set; } = "";
        public string WrappingAlgorithm { get; set; } = "";
        public string WrappingKeySpec { get; set; } = "";
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
