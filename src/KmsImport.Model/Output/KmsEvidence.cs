using System;
using System.Collections.Generic;

namespace KmsImport
{
    /// <summary>
    /// One step of a key ceremony as one line of an evidence file records it (-EvidencePath). Never a
    /// secret: the material is named by its fingerprint, the import token and wrapping public key by their
    /// SHA-256, the credentials by their source and access key id. Read back by Test-KmsCeremonyEvidence.
    /// </summary>
    public sealed class KmsEvidenceStep
    {
        /// <summary><see cref="Outcome"/> of a step that did what it was asked.</summary>
        public const string Succeeded = "Succeeded";
        /// <summary><see cref="Outcome"/> of a step that failed (<see cref="ErrorId"/> says why).</summary>
        public const string Failed = "Failed";

        /// <summary>The line's number in the file (1 is the first), when read back; 0 before it is written.</summary>
        public int Line { get; set; }
        /// <summary>When the step ended (UTC).</summary>
        public DateTime Time { get; set; }
        /// <summary>The cmdlet that took the step, e.g. Import-KmsKeyMaterial.</summary>
        public string Cmdlet { get; set; } = "";
        public string KeyId { get; set; } = "";
        public string? Region { get; set; }
        /// <summary>The AWS account, from the key's ARN where one was seen (null offline, where no ARN is known).</summary>
        public string? Account { get; set; }
        public string? EndpointUrl { get; set; }
        /// <summary>The operating-system account that ran the step, and its machine.</summary>
        public string? Operator { get; set; }
        public string? Host { get; set; }
        /// <summary>Where the AWS credentials came from (e.g. "profile 'ops'"); null for a step that calls no AWS.</summary>
        public string? CredentialSource { get; set; }
        /// <summary>The access key id that signed the requests (never the secret key or session token).</summary>
        public string? AccessKeyId { get; set; }
        public string? KeySpec { get; set; }
        /// <summary>The material's fingerprint (see ProtectedKeyMaterial.FingerprintAlgorithm).</summary>
        public string? Fingerprint { get; set; }
        public string? FingerprintAlgorithm { get; set; }
        /// <summary>Check values of the key components the material was split into or combined from, when there were components.</summary>
        public IReadOnlyList<string>? ComponentCheckValues { get; set; }
        public string? WrappingAlgorithm { get; set; }
        public string? WrappingKeySpec { get; set; }
        /// <summary>SHA-256 (64 lowercase hex) of the wrapping public key (DER SubjectPublicKeyInfo).</summary>
        public string? PublicKeySha256 { get; set; }
        /// <summary>SHA-256 (64 lowercase hex) of the import token; the token itself is never recorded.</summary>
        public string? ImportTokenSha256 { get; set; }
        /// <summary>The key state observed by the step, when it observed one.</summary>
        public string? KeyState { get; set; }
        /// <summary><see cref="Succeeded"/> or <see cref="Failed"/>.</summary>
        public string Outcome { get; set; } = "";
        /// <summary>The step's own word for what happened where it has one: Imported, Verified, Skipped (batches), Passed or NotPassed (Test-KmsKeyState).</summary>
        public string? Status { get; set; }
        /// <summary>The ErrorId of a failed step.</summary>
        public string? ErrorId { get; set; }
        /// <summary>SHA-256 (64 lowercase hex) of the previous line's bytes; 64 zeros on the first line.</summary>
        public string Previous { get; set; } = "";
        /// <summary>SHA-256 (64 lowercase hex) of this line's bytes (what the next line's <see cref="Previous"/> holds).</summary>
        public string Sha256 { get; set; } = "";

        public override string ToString() => $"{Line} {Cmdlet} {KeyId} {Outcome}";
    }

    /// <summary>
    /// The steps an evidence file records for one key in one Region, after its whole chain verified.
    /// Output of Test-KmsCeremonyEvidence.
    /// </summary>
    public sealed class KmsCeremonyKeyEvidence
    {
        /// <summary>The key id (a key ARN is reduced to its id); empty for steps that failed before a key was known.</summary>
        public string KeyId { get; set; } = "";
        public string? Region { get; set; }
        public string? Account { get; set; }
        /// <summary>The steps, in the file's order.</summary>
        public IReadOnlyList<KmsEvidenceStep> Steps { get; set; } = Array.Empty<KmsEvidenceStep>();
        public int StepCount => Steps.Count;
        /// <summary>How many of the steps failed.</summary>
        public int FailedCount { get; set; }
        /// <summary>The cmdlet of the last step and its outcome.</summary>
        public string LastStep { get; set; } = "";
        public string LastOutcome { get; set; } = "";
        /// <summary>The material fingerprint recorded last for this key, if any.</summary>
        public string? Fingerprint { get; set; }
        public DateTime FirstTime { get; set; }
        public DateTime LastTime { get; set; }
        /// <summary>The evidence file.</summary>
        public string Path { get; set; } = "";
        /// <summary>SHA-256 of the file's last line: write it down (minutes, ticket) to notice a rewritten chain later.</summary>
        public string ChainHead { get; set; } = "";

        public override string ToString() => $"{KeyId} {StepCount} steps, last {LastStep} {LastOutcome}";
    }
}
