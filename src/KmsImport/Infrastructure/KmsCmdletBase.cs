using System;
using System.Collections.Generic;
using System.Management.Automation;
using KmsImport.Core.Kms;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// The AWS parameters every KMS-calling cmdlet shares, resolved one way (see
    /// <see cref="KmsClientFactory"/> for the order). Region and EndpointUrl bind from pipeline
    /// objects by property name, so a pipeline keeps talking to the Region and endpoint its first
    /// cmdlet used. Credentials never travel on pipeline objects.
    /// </summary>
    public abstract class KmsCmdletBase : PSCmdlet
    {
        private readonly Dictionary<string, KmsImportService> _services = new Dictionary<string, KmsImportService>();

        /// <summary>AWS Region, e.g. eu-west-2.</summary>
        /// <remarks>Empty (as objects rebuilt from the aws CLI's files carry it) means "not given".</remarks>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [ArgumentCompleter(typeof(Completion.RegionCompleter))]
        public string? Region { get; set; }

        /// <summary>A KMS-compatible endpoint instead of AWS's (for example the local test endpoint).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? EndpointUrl { get; set; }

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

        /// <summary>How many times a retryable failure (throttling, 5xx, network) is retried by the SDK.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaxErrorRetry { get; set; } = 4;

        /// <summary>The service for the current record's Region and endpoint, created once per combination.</summary>
        protected KmsImportService GetService(string? regionOverride = null)
        {
            var settings = new KmsConnectionSettings
            {
                Region = string.IsNullOrEmpty(regionOverride) ? (string.IsNullOrEmpty(Region) ? null : Region) : regionOverride,
                EndpointUrl = EndpointUrl,
                AccessKey = AccessKey,
                SecretKey = SecretKey,
                SessionToken = SessionToken,
                ProfileName = ProfileName,
                ProfileLocation = ProfileLocation == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProfileLocation),
                StoredCredentials = ReadShellVariable("StoredAWSCredentials"),
                StoredRegion = ReadShellVariable("StoredAWSRegion") as string,
                MaxErrorRetry = MaxErrorRetry,
            };
            var key = settings.CacheKey;
            if (!_services.TryGetValue(key, out var service))
            {
                var resolved = KmsClientFactory.Create(settings);
                WriteVerbose($"KMS in {resolved.Region}{(resolved.EndpointUrl == null ? "" : " at " + resolved.EndpointUrl)}, credentials from {resolved.CredentialSource}.");
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

        /// <summary>
        /// The expiration rules of -ExpirationModel/-ValidTo (see ImportRules.ResolveExpiration),
        /// checked once for the whole command: a bad date stops it before any call.
        /// </summary>
        protected ImportOptions ResolveExpirationOrStop(ExpirationModel? model, System.DateTime? validTo)
        {
            try
            {
                var (resolved, validToUtc) = Core.Import.ImportRules.ResolveExpiration(model, validTo);
                return new ImportOptions { ExpirationModel = resolved, ValidToUtc = validToUtc };
            }
            catch (KmsImportException ex)
            {
                ThrowError(ex);
                throw; // not reached: ThrowError stops the command
            }
        }

        /// <summary>Reports one record's failure and lets the pipeline go on with the next one.</summary>
        protected void WriteRecordError(KmsImportException ex, object? target = null) =>
            WriteError(ErrorRecords.From(ex, target));

        /// <summary>Stops the command: for failures that no later record could avoid.</summary>
        protected void ThrowError(KmsImportException ex, object? target = null) =>
            ThrowTerminatingError(ErrorRecords.From(ex, target));
    }
}
