using System;
using System.Collections.Generic;

namespace KmsImport
{
    /// <summary>What KMS says about a key, and whether that is what was expected. Output of Test-KmsKeyState.</summary>
    public sealed class KmsKeyStateReport
    {
        public string KeyId { get; set; } = "";
        public string Arn { get; set; } = "";
        public string KeyState { get; set; } = "";
        public string ExpectedState { get; set; } = KeyStates.Enabled;
        public string Origin { get; set; } = "";
        /// <summary>As KMS spells it; a string because a key need not have an importable spec.</summary>
        public string KeySpec { get; set; } = "";
        public string KeyUsage { get; set; } = "";
        public string? ExpirationModel { get; set; }
        public DateTime? ValidTo { get; set; }
        public string? CurrentKeyMaterialId { get; set; }
        /// <summary>How the material was proved (with -KeyMaterial/-Path), e.g. GenerateMac; null when no proof was asked for.</summary>
        public string? ProofMethod { get; set; }
        /// <summary>True when the proof succeeded; null when no proof was asked for.</summary>
        public bool? MaterialProved { get; set; }
        public string? ProofDetail { get; set; }
        public bool Passed { get; set; }
        /// <summary>Why the check did not pass; empty when it passed.</summary>
        public IReadOnlyList<string> Reasons { get; set; } = Array.Empty<string>();
        public string Region { get; set; } = "";
        public string? EndpointUrl { get; set; }

        public override string ToString() => $"{KeyId} {KeyState} Passed={Passed}";
    }
}
