using System.Collections.Generic;
using System.Management.Automation;
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
            var settings = ConnectionSettings.Build(
                string.IsNullOrEmpty(regionOverride) ? Region : regionOverride, EndpointUrl, AccessKey, SecretKey, SessionToken,
                Credential is PSObject wrapped ? wrapped.BaseObject : Credential,
                ProfileName, ResolvedProfileLocation, ReadShellVariable("StoredAWSCredentials"), ReadShellVariable("StoredAWSRegion") as string,
                MaxErrorRetry);
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

        private object? ReadShellVariable(string name)
        {
            var value = SessionState.PSVariable.GetValue(name);
            return value is PSObject pso ? pso.BaseObject : value;
        }
    }
}
