using System.Collections.Generic;
using System.Management.Automation;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// The AWS parameters every KMS-calling cmdlet shares (AWS Tools' ServiceCmdlet), resolved one
    /// way (see <see cref="KmsClientFactory"/> for the order), on top of Region and EndpointUrl
    /// (<see cref="KmsRegionCmdlet"/>). Credentials never travel on pipeline objects.
    /// </summary>
    public abstract class KmsCmdletBase : KmsRegionCmdlet
    {
        private readonly Dictionary<string, KmsImportService> _services = new Dictionary<string, KmsImportService>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("StoredCredentials", "AWSProfileName")]
        public string? ProfileName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("AWSProfilesLocation", "ProfilesLocation")]
        public string? ProfileLocation { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("AK")]
        public string? AccessKey { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("SK")]
        public string? SecretKey { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("ST")]
        public string? SessionToken { get; set; }

        /// <summary>
        /// An AWSCredentials object of any AWS SDK copy (Get-AWSCredential, (Use-STSRole ...).Credentials,
        /// New-AWSCredential) or AWS Tools' AWSPSCredentials. Typed object: an SDK type here would tie the
        /// module to one SDK copy. Checked, with our ErrorId, before any call (KmsClientFactory).
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public object? Credential { get; set; }

        /// <summary>How many times a retryable failure (throttling, 5xx, network) is retried by the SDK.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaxErrorRetry { get; set; } = 4;

        /// <summary>The provider path of -ProfileLocation, or null.</summary>
        protected string? ResolvedProfileLocation => ResolveOptionalPath(ProfileLocation, nameof(ProfileLocation));

        /// <summary>The service for the current record's Region (or <paramref name="regionOverride"/>) and endpoint, created once per combination.</summary>
        protected KmsImportService GetService(string? regionOverride = null)
        {
            var settings = ConnectionSettings(string.IsNullOrEmpty(regionOverride) ? Region : regionOverride);
            var key = settings.CacheKey;
            if (!_services.TryGetValue(key, out var service))
            {
                var resolved = KmsClientFactory.Create(settings);
                // The sources only: never a key, not even the access key id.
                WriteVerbose($"KMS in {resolved.Region}{(resolved.EndpointUrl == null ? "" : $" at {resolved.EndpointUrl} (from {resolved.EndpointSource})")}, credentials from {resolved.CredentialSource}.");
                service = new KmsImportService(resolved);
                // Outcomes read back are told in -Verbose; only on the pipeline thread (batches call from workers).
                var pipelineThread = System.Threading.Thread.CurrentThread.ManagedThreadId;
                service.Notice = message =>
                {
                    if (System.Threading.Thread.CurrentThread.ManagedThreadId == pipelineThread) WriteVerbose(message);
                };
                _services[key] = service;
            }
            return service;
        }

        /// <summary>The command's connection settings (parameters, then the shell defaults) for <paramref name="region"/>; pipeline thread only.</summary>
        protected KmsConnectionSettings ConnectionSettings(string? region) =>
            Infrastructure.ConnectionSettings.Build(
                region, EndpointUrl, AccessKey, SecretKey, SessionToken,
                Credential is PSObject wrapped ? wrapped.BaseObject : Credential,
                ProfileName, ResolvedProfileLocation, ReadShellVariable("StoredAWSCredentials"), ReadShellVariable("StoredAWSRegion") as string,
                MaxErrorRetry);

        /// <summary>
        /// An evidence line for a step on <paramref name="keyId"/> through <paramref name="service"/>: Region, endpoint,
        /// credential source, access key id (never a secret) and the account from the key's ARN where one was seen.
        /// </summary>
        protected KmsEvidenceStep EvidenceStep(KmsImportService service, string? keyId, string outcome = KmsEvidenceStep.Succeeded) => new KmsEvidenceStep
        {
            KeyId = SafeKeyId(keyId),
            Region = service.Region,
            EndpointUrl = service.EndpointUrl,
            CredentialSource = service.CredentialSource,
            // Asked only when evidence is recorded: refreshing credentials answer from their cache after the first request.
            AccessKeyId = RecordsEvidence ? service.AccessKeyId() : null,
            Account = service.AccountOf(SafeKeyId(keyId)),
            Outcome = outcome,
        };

        /// <summary>What an evidence line records of one key's import in one go (Restore-KmsKeyMaterial, each key of Invoke-KmsKeyImport).</summary>
        protected static KmsEvidenceStep OutcomeStep(KmsEvidenceStep step, KeyImportOutcome outcome, string? status)
        {
            step.KeySpec = outcome.Parameters?.KeySpec ?? (string.IsNullOrEmpty(outcome.Key?.KeySpec) ? null : outcome.Key!.KeySpec);
            step.Fingerprint = outcome.Fingerprint;
            step.FingerprintAlgorithm = outcome.FingerprintAlgorithm;
            step.WrappingAlgorithm = outcome.Parameters?.WrappingAlgorithm;
            step.WrappingKeySpec = outcome.Parameters?.WrappingKeySpec;
            step.PublicKeySha256 = Core.Evidence.EvidenceFacts.Sha256Hex(outcome.Parameters?.PublicKey);
            step.ImportTokenSha256 = Core.Evidence.EvidenceFacts.Sha256Hex(outcome.Parameters?.ImportToken);
            step.KeyState = outcome.KeyState;
            step.Status = status;
            return step;
        }

        /// <summary>An evidence line for a step that failed with <paramref name="ex"/>, with the connection's facts when a service was reached.</summary>
        protected void RecordFailure(KmsImportException ex, string? keyId, KmsImportService? service)
        {
            if (!RecordsEvidence) return;
            if (service == null)
            {
                RecordFailure(ex, keyId, Region);
                return;
            }
            var step = EvidenceStep(service, keyId, KmsEvidenceStep.Failed);
            step.ErrorId = ex.ErrorId;
            RecordEvidence(step);
        }

        private object? ReadShellVariable(string name)
        {
            var value = SessionState.PSVariable.GetValue(name);
            return value is PSObject pso ? pso.BaseObject : value;
        }
    }
}
