using System;
using System.Reflection;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace KmsImport.Core.Kms
{
    /// <summary>A KMS client together with what it was resolved to, for reporting.</summary>
    public sealed class ResolvedKmsClient
    {
        internal ResolvedKmsClient(IAmazonKeyManagementService client, string region, string? endpointUrl, string credentialSource,
            IAmazonKeyManagementService? onceClient = null, int maxErrorRetry = 0)
        {
            Client = client;
            OnceClient = onceClient ?? client;
            MaxErrorRetry = maxErrorRetry;
            Region = region;
            EndpointUrl = endpointUrl;
            CredentialSource = credentialSource;
        }

        internal IAmazonKeyManagementService Client { get; }
        /// <summary>
        /// The same connection with every SDK retry off, for calls that change state: the SDK would resend
        /// them after a lost answer (a second key). Their retries are the service's own, after reading back.
        /// </summary>
        internal IAmazonKeyManagementService OnceClient { get; }
        internal int MaxErrorRetry { get; }
        public string Region { get; }
        public string? EndpointUrl { get; }
        /// <summary>Where the credentials came from, e.g. "-AccessKey/-SecretKey" or "profile 'ops'". Never the secret.</summary>
        public string CredentialSource { get; }
    }

    /// <summary>
    /// Resolves credentials and Region in the order AWS Tools for PowerShell documents, then builds
    /// the SDK client. Credentials: explicit keys, explicit profile, the shell default
    /// ($StoredAWSCredentials), environment variables, the AWS_PROFILE or "default" profile of the
    /// shared files, then the SDK's remaining chain (container and instance roles). Region: -Region,
    /// $StoredAWSRegion, AWS_REGION / AWS_DEFAULT_REGION, the profile's region, then the SDK's chain.
    /// A profile that was named but does not exist is an error, never a silent fallback.
    /// </summary>
    public static class KmsClientFactory
    {
        public static ResolvedKmsClient Create(KmsConnectionSettings settings)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));

            var endpoint = NormalizeEndpoint(settings.EndpointUrl);
            var (credentials, source, profile) = ResolveCredentials(settings);
            var region = ResolveRegion(settings, profile);

            AmazonKeyManagementServiceConfig Config(int retries)
            {
                var config = new AmazonKeyManagementServiceConfig
                {
                    MaxErrorRetry = retries,
                    // The SDK otherwise retries a reset connection up to 10 more times on top of MaxErrorRetry
                    // (measured: 11 + MaxErrorRetry requests per call); -MaxErrorRetry is to bound every retry,
                    // and a blind resend of CreateKey after a reset can leave orphan keys.
                    MaxStaleConnectionRetries = 0,
                    // The SDK's retry throttling keeps one retry capacity per endpoint URL for the whole
                    // process: after failures earlier in the session it silently sends fewer retries than
                    // -MaxErrorRetry (seen: 1 request where 3 were due). -MaxErrorRetry is the bound, exactly.
                    ThrottleRetries = false,
                    RetryMode = ParseRetryMode(settings.RetryMode),
                    Timeout = TimeSpan.FromSeconds(Math.Max(1, settings.TimeoutSeconds)),
                };
                if (endpoint != null)
                {
                    config.ServiceURL = endpoint;
                    config.AuthenticationRegion = region;
                }
                else
                {
                    config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
                }
                return config;
            }

            var retries = Math.Max(0, settings.MaxErrorRetry);
            return new ResolvedKmsClient(new AmazonKeyManagementServiceClient(credentials, Config(retries)), region, endpoint, source,
                new AmazonKeyManagementServiceClient(credentials, Config(0)), retries);
        }

        internal static string? NormalizeEndpoint(string? endpointUrl)
        {
            if (string.IsNullOrWhiteSpace(endpointUrl)) return null;
            if (!Uri.TryCreate(endpointUrl!.Trim(), UriKind.Absolute, out var uri) ||
                (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new KmsImportException(ErrorIds.EndpointUrlInvalid, ErrorKind.InvalidArgument,
                    $"The endpoint URL '{endpointUrl}' is not an absolute http(s) URL. Pass one such as https://kms.eu-west-2.amazonaws.com, or leave -EndpointUrl out to use AWS.")
                { TargetObject = endpointUrl };
            }
            return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }

        private static RequestRetryMode ParseRetryMode(string mode) =>
            string.Equals(mode, "Adaptive", StringComparison.OrdinalIgnoreCase) ? RequestRetryMode.Adaptive
            : RequestRetryMode.Standard;

        private static (AWSCredentials credentials, string source, CredentialProfile? profile) ResolveCredentials(KmsConnectionSettings s)
        {
            bool hasAccess = !string.IsNullOrEmpty(s.AccessKey), hasSecret = !string.IsNullOrEmpty(s.SecretKey);
            if (hasAccess != hasSecret)
            {
                throw new KmsImportException(ErrorIds.CredentialsIncomplete, ErrorKind.InvalidArgument,
                    "-AccessKey and -SecretKey go together: pass both, or neither and let a profile or the environment supply credentials.")
                { TargetObject = hasAccess ? "SecretKey" : "AccessKey" };
            }
            if (hasAccess)
            {
                AWSCredentials explicitCreds = string.IsNullOrEmpty(s.SessionToken)
                    ? new BasicAWSCredentials(s.AccessKey, s.SecretKey)
                    : new SessionAWSCredentials(s.AccessKey, s.SecretKey, s.SessionToken);
                return (explicitCreds, "-AccessKey/-SecretKey", null);
            }

            // The SDK reads AWS_SHARED_CREDENTIALS_FILE once per process; read it per call so a runbook
            // that sets it after the module loaded is still honoured.
            var location = FirstNonEmpty(s.ProfileLocation, Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"));
            var chain = new CredentialProfileStoreChain(location);
            if (!string.IsNullOrEmpty(s.ProfileName))
            {
                if (!chain.TryGetProfile(s.ProfileName, out var named) || !chain.TryGetAWSCredentials(s.ProfileName, out var namedCreds))
                {
                    throw new KmsImportException(ErrorIds.ProfileNotFound, ErrorKind.ObjectNotFound,
                        $"No credential profile named '{s.ProfileName}' was found{(string.IsNullOrEmpty(s.ProfileLocation) ? " in the SDK store or the shared credentials file" : $" in '{s.ProfileLocation}'")}. Check the name (aws configure list-profiles), or pass -ProfileLocation.")
                    { TargetObject = s.ProfileName };
                }
                return (namedCreds, $"profile '{s.ProfileName}'", named);
            }

            if (s.StoredCredentials != null)
            {
                return (FromStoredCredentials(s.StoredCredentials), "$StoredAWSCredentials", null);
            }

            var accessFromEnv = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
            var secretFromEnv = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
            if (!string.IsNullOrEmpty(accessFromEnv) && !string.IsNullOrEmpty(secretFromEnv))
            {
                var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
                AWSCredentials envCreds = string.IsNullOrEmpty(token)
                    ? new BasicAWSCredentials(accessFromEnv, secretFromEnv)
                    : new SessionAWSCredentials(accessFromEnv, secretFromEnv, token);
                return (envCreds, "environment variables", null);
            }

            var defaultProfile = Environment.GetEnvironmentVariable("AWS_PROFILE");
            if (string.IsNullOrEmpty(defaultProfile)) defaultProfile = "default";
            if (chain.TryGetProfile(defaultProfile, out var fallbackProfile) && chain.TryGetAWSCredentials(defaultProfile, out var profileCreds))
            {
                return (profileCreds, $"profile '{defaultProfile}'", fallbackProfile);
            }

            try
            {
                // Container and instance roles: the rest of the SDK's own chain.
                return (DefaultAWSCredentialsIdentityResolver.GetCredentials(), "SDK default chain (container or instance role)", null);
            }
            catch (Exception ex)
            {
                throw new KmsImportException(ErrorIds.CredentialsNotFound, ErrorKind.AuthenticationError,
                    "No AWS credentials were found. Pass -ProfileName (or -AccessKey and -SecretKey), run Set-AWSCredential, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or configure a default profile.", ex);
            }
        }

        /// <summary>
        /// $StoredAWSCredentials holds an AWSCredentials object of AWS Tools' own SDK copy, which may
        /// live in another load context or be another SDK version: read it by reflection
        /// (GetCredentials() -> AccessKey, SecretKey, Token) instead of casting.
        /// </summary>
        internal static AWSCredentials FromStoredCredentials(object stored)
        {
            if (stored is AWSCredentials same) return same;
            try
            {
                var immutable = stored.GetType().GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, null, Type.EmptyTypes, null)?.Invoke(stored, null)
                    ?? throw new InvalidOperationException("no GetCredentials()");
                string? Read(string name) => immutable.GetType().GetProperty(name)?.GetValue(immutable) as string;
                var access = Read("AccessKey");
                var secret = Read("SecretKey");
                var token = Read("Token");
                if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret)) throw new InvalidOperationException("empty keys");
                return string.IsNullOrEmpty(token) ? new BasicAWSCredentials(access, secret) : new SessionAWSCredentials(access, secret, token);
            }
            catch (Exception ex) when (ex is not KmsImportException)
            {
                throw new KmsImportException(ErrorIds.StoredCredentialsUnreadable, ErrorKind.AuthenticationError,
                    "The shell default credentials ($StoredAWSCredentials) could not be read. Run Set-AWSCredential again, or pass -ProfileName.", ex);
            }
        }

        private static string ResolveRegion(KmsConnectionSettings s, CredentialProfile? profile)
        {
            string? region = FirstNonEmpty(
                s.Region,
                s.StoredRegion,
                Environment.GetEnvironmentVariable("AWS_REGION"),
                Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"),
                profile?.Region?.SystemName);
            if (region == null && string.IsNullOrEmpty(s.EndpointUrl))
            {
                try { region = FallbackRegionFactory.GetRegionEndpoint()?.SystemName; }
                catch (Exception) { region = null; }
            }
            if (region == null)
            {
                throw new KmsImportException(ErrorIds.RegionNotSpecified, ErrorKind.InvalidArgument,
                    "No AWS Region was given or found. Pass -Region (for example -Region eu-west-2), run Set-DefaultAWSRegion, or set AWS_REGION.")
                { TargetObject = "Region" };
            }
            return ValidateRegion(region);
        }

        private static readonly System.Text.RegularExpressions.Regex RegionPattern =
            new System.Text.RegularExpressions.Regex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// A Region name as AWS spells them (eu-west-2, us-gov-west-1, cn-north-1, us-isob-east-1): checked
        /// before any request, wherever it came from (-Region, a bundle, the shell, the environment), because
        /// the SDK would otherwise build a host name from it or sign for it.
        /// </summary>
        public static string ValidateRegion(string region)
        {
            if (region.Length <= 32 && RegionPattern.IsMatch(region)) return region;
            throw new KmsImportException(ErrorIds.RegionInvalid, ErrorKind.InvalidArgument,
                "The Region given is not an AWS Region name. Pass one such as -Region eu-west-2 (lowercase letters, hyphens and a number).")
            { TargetObject = "Region" };
        }

        private static string? FirstNonEmpty(params string?[] values)
        {
            foreach (var v in values)
                if (!string.IsNullOrWhiteSpace(v)) return v!.Trim();
            return null;
        }
    }
}
