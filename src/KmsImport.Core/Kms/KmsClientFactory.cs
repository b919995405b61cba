using System;
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
        private readonly AWSCredentials? _credentials;

        internal ResolvedKmsClient(IAmazonKeyManagementService client, string region, string? endpointUrl, string credentialSource,
            string? endpointSource = null, IAmazonKeyManagementService? onceClient = null, int maxErrorRetry = 0, AWSCredentials? credentials = null)
        {
            _credentials = credentials;
            Client = client;
            OnceClient = onceClient ?? client;
            MaxErrorRetry = maxErrorRetry;
            Region = region;
            EndpointUrl = endpointUrl;
            CredentialSource = credentialSource;
            EndpointSource = endpointSource;
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
        /// <summary>Where EndpointUrl came from ("-EndpointUrl", "AWS_ENDPOINT_URL_KMS", a profile's endpoint_url), or null for AWS's own.</summary>
        public string? EndpointSource { get; }

        /// <summary>
        /// The access key id the requests are signed with (for evidence lines), never the secret key or session
        /// token; null when the credentials cannot say. Refreshing credentials (roles) are asked once, as the
        /// first request would ask them, and cache the answer.
        /// </summary>
        public string? AccessKeyId()
        {
            try
            {
                var key = _credentials?.GetCredentials()?.AccessKey;
                return string.IsNullOrEmpty(key) ? null : key;
            }
            catch (Exception)
            {
                return null; // the request itself reports why credentials are unavailable
            }
        }
    }

    /// <summary>
    /// Resolves credentials, Region and endpoint in the order AWS Tools for PowerShell documents, then
    /// builds the SDK client. Credentials: explicit keys, -Credential (an AWSCredentials of any SDK copy,
    /// or AWS Tools' AWSPSCredentials), explicit profile, the shell default ($StoredAWSCredentials),
    /// environment variables, the AWS_PROFILE or "default" profile of the shared files, then the SDK's
    /// remaining chain (container and instance roles). Region: -Region, $StoredAWSRegion, AWS_REGION /
    /// AWS_DEFAULT_REGION, the profile's region, then the SDK's chain. Endpoint: -EndpointUrl, then the
    /// configured endpoint settings (<see cref="ConfiguredEndpoint"/>), else AWS's endpoint for the Region.
    /// Every request is signed for the resolved Region, whichever endpoint it goes to.
    /// A profile that was named but does not exist is an error, never a silent fallback.
    /// </summary>
    public static class KmsClientFactory
    {
        public static ResolvedKmsClient Create(KmsConnectionSettings settings)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));

            var (credentials, source, profileRegion) = ResolveCredentials(settings);
            var (endpoint, endpointSource) = ResolveEndpoint(settings);
            var region = ResolveRegion(settings, profileRegion, endpoint);

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
                    // Configured endpoints (AWS_ENDPOINT_URL_KMS, ...) were resolved above; left to the SDK it would
                    // apply them again on a client built for a Region and sign for a Region guessed from the URL.
                    IgnoreConfiguredEndpointUrls = true,
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
            return new ResolvedKmsClient(new AmazonKeyManagementServiceClient(credentials, Config(retries)), region, endpoint, source, endpointSource,
                new AmazonKeyManagementServiceClient(credentials, Config(0)), retries, credentials);
        }

        /// <summary>-EndpointUrl wins; else the endpoint configured in the environment or the shared config file.</summary>
        internal static (string? Url, string? Source) ResolveEndpoint(KmsConnectionSettings s)
        {
            var explicitUrl = NormalizeEndpoint(s.EndpointUrl);
            if (explicitUrl != null) return (explicitUrl, "-EndpointUrl");
            var (configured, source) = ConfiguredEndpoint.Resolve(EndpointProfileName(s));
            return configured == null ? (null, null) : (NormalizeEndpoint(configured, source), source);
        }

        /// <summary>The profile whose endpoint settings apply: -ProfileName, else AWS_PROFILE, else "default" (as the SDKs choose it).</summary>
        internal static string EndpointProfileName(KmsConnectionSettings s) =>
            FirstNonEmpty(s.ProfileName, s.EndpointProfileName, Environment.GetEnvironmentVariable("AWS_PROFILE")) ?? "default";

        internal static string? NormalizeEndpoint(string? endpointUrl, string? source = null)
        {
            if (string.IsNullOrWhiteSpace(endpointUrl)) return null;
            if (!Uri.TryCreate(endpointUrl!.Trim(), UriKind.Absolute, out var uri) ||
                (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                var advice = source == null
                    ? "Pass one such as https://kms.eu-west-2.amazonaws.com, or leave -EndpointUrl out to use AWS."
                    : $"It came from {source}: correct it there, set AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or pass -EndpointUrl.";
                throw new KmsImportException(ErrorIds.EndpointUrlInvalid, ErrorKind.InvalidArgument,
                    $"The endpoint URL '{endpointUrl}' is not an absolute http(s) URL. {advice}")
                { TargetObject = endpointUrl };
            }
            return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }

        private static RequestRetryMode ParseRetryMode(string mode) =>
            string.Equals(mode, "Adaptive", StringComparison.OrdinalIgnoreCase) ? RequestRetryMode.Adaptive
            : RequestRetryMode.Standard;

        internal static (AWSCredentials credentials, string source, string? profileRegion) ResolveCredentials(KmsConnectionSettings s)
        {
            bool hasAccess = !string.IsNullOrEmpty(s.AccessKey), hasSecret = !string.IsNullOrEmpty(s.SecretKey);
            if (hasAccess != hasSecret)
            {
                throw new KmsImportException(ErrorIds.CredentialsIncomplete, ErrorKind.InvalidArgument,
                    "-AccessKey and -SecretKey go together: pass both, or neither and let a profile or the environment supply credentials.")
                { TargetObject = hasAccess ? "SecretKey" : "AccessKey" };
            }
            if (s.Credential != null && (hasAccess || !string.IsNullOrEmpty(s.ProfileName)))
            {
                throw new KmsImportException(ErrorIds.CredentialParametersConflict, ErrorKind.InvalidArgument,
                    $"-Credential and {(hasAccess ? "-AccessKey/-SecretKey" : "-ProfileName")} are alternatives: pass one of them.")
                { TargetObject = "Credential" };
            }
            if (hasAccess)
            {
                AWSCredentials explicitCreds = string.IsNullOrEmpty(s.SessionToken)
                    ? new BasicAWSCredentials(s.AccessKey, s.SecretKey)
                    : new SessionAWSCredentials(s.AccessKey, s.SecretKey, s.SessionToken);
                return (explicitCreds, "-AccessKey/-SecretKey", null);
            }

            if (s.Credential != null)
            {
                if (!ForeignCredentials.TryAdapt(s.Credential, out var given, out var what))
                {
                    // The type's name only: the object's text could be its keys.
                    throw new KmsImportException(ErrorIds.CredentialNotSupported, ErrorKind.InvalidArgument,
                        $"-Credential takes an AWSCredentials object (Get-AWSCredential, (Use-STSRole ...).Credentials, New-AWSCredential) or AWS Tools' $StoredAWSCredentials, not a {s.Credential.GetType().FullName}. For a profile use -ProfileName.")
                    { TargetObject = "Credential" };
                }
                // Credentials resolved for a fleet row (a role or a profile) say what they are without "-Credential".
                return (given!, given is AssumedRoleCredentials || s.Credential is ResolvedCredentials ? what : $"-Credential ({what})", null);
            }

            // The SDK reads AWS_SHARED_CREDENTIALS_FILE once per process; read it per call so a runbook
            // that sets it after the module loaded is still honoured.
            var location = FirstNonEmpty(s.ProfileLocation, Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"));
            var chain = new CredentialProfileStoreChain(location);
            if (!string.IsNullOrEmpty(s.ProfileName))
            {
                CredentialProfile? named = null;
                AWSCredentials? namedCreds = null;
                // A role profile is resolved by the module (its own AssumeRole, STS endpoint chosen like KMS's); the rest by the SDK.
                if (ProfileCredentials.IsRoleProfile(s.ProfileName!, location))
                {
                    var (role, roleRegion) = Profiles(s, location).Resolve(s.ProfileName!);
                role.GetCredentials(); // AssumeRole now: a refusal is RoleNotAssumable before any KMS request, not inside one
                    return (role, $"profile '{s.ProfileName}' ({((AssumedRoleCredentials)role).Description})", roleRegion);
                }
                if (!ProfileStore(() => chain.TryGetProfile(s.ProfileName, out named) && chain.TryGetAWSCredentials(s.ProfileName, out namedCreds), location)
                    || named == null || namedCreds == null)
                {
                    throw new KmsImportException(ErrorIds.ProfileNotFound, ErrorKind.ObjectNotFound,
                        $"No credential profile named '{s.ProfileName}' was found{(string.IsNullOrEmpty(s.ProfileLocation) ? " in the SDK store or the shared credentials file" : $" in '{s.ProfileLocation}'")}. Check the name (aws configure list-profiles), or pass -ProfileLocation.")
                    { TargetObject = s.ProfileName };
                }
                return (namedCreds, $"profile '{s.ProfileName}'", named.Region?.SystemName);
            }

            if (s.StoredCredentials != null)
            {
                var stored = FromStoredCredentials(s.StoredCredentials, out var what);
                return (stored, $"$StoredAWSCredentials ({what})", null);
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
            CredentialProfile? fallbackProfile = null;
            AWSCredentials? profileCreds = null;
            if (ProfileCredentials.IsRoleProfile(defaultProfile, location))
            {
                var (role, roleRegion) = Profiles(s, location).Resolve(defaultProfile);
                role.GetCredentials(); // AssumeRole now: a refusal is RoleNotAssumable before any KMS request, not inside one
                return (role, $"profile '{defaultProfile}' ({((AssumedRoleCredentials)role).Description})", roleRegion);
            }
            if (ProfileStore(() => chain.TryGetProfile(defaultProfile, out fallbackProfile) && chain.TryGetAWSCredentials(defaultProfile, out profileCreds), location)
                && fallbackProfile != null && profileCreds != null)
            {
                return (profileCreds, $"profile '{defaultProfile}'", fallbackProfile.Region?.SystemName);
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
        /// The resolver of role_arn profiles for these settings: AssumeRole at the STS endpoint chosen the way KMS's is
        /// (the role profile's endpoint settings), signed for the command's Region when it is in the role's partition.
        /// A command without a run names its session KmsImport-&lt;time&gt;-&lt;random&gt;.
        /// </summary>
        internal static ProfileCredentials Profiles(KmsConnectionSettings s, string? location, string? sessionName = null, Func<DateTime>? utcNow = null) =>
            new ProfileCredentials(location, (partition, profile, profileRegion) => StsRoleAssumer.For(s, partition, profile, PreferredRegion(s) ?? profileRegion),
                sessionName ?? RoleSessionNames.Default(DateTime.UtcNow, Guid.NewGuid().ToString("N")), utcNow);

        /// <summary>The Region given or set in the shell or environment (no profile lookup): STS is signed for it when it fits the role's partition.</summary>
        internal static string? PreferredRegion(KmsConnectionSettings s) =>
            FirstNonEmpty(s.Region, s.StoredRegion, Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"));

        /// <summary>
        /// Calls into the SDK's profile store. A credentials or config file it cannot parse makes it throw
        /// InvalidDataException whose message quotes the offending line, which is often the secret key line
        /// ("aws_secret_access_key: ..."): that becomes CredentialsFileInvalid naming the file and the line NUMBER only,
        /// and the SDK's exception is not kept (not even as the inner exception).
        /// </summary>
        internal static T ProfileStore<T>(Func<T> call, string? location)
        {
            try
            {
                return call();
            }
            catch (Exception e) when (e is System.IO.InvalidDataException || e is FormatException || e is ArgumentException)
            {
                var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"(?i)\bline\s*(?:number\s*)?(\d{1,7})\b");
                string line = match.Success ? $" at line {match.Groups[1].Value}" : "";
                string file = CredentialFileNamed(e.Message, location);
                throw new KmsImportException(ErrorIds.CredentialsFileInvalid, ErrorKind.InvalidData,
                    $"The AWS credentials or config file {file} cannot be read{line}: every line there must be a [section], a "
                    + "'name = value' pair or a comment (a ':' instead of '=' is the usual slip). Fix that line (its content is not shown "
                    + "here, as it may hold a secret), or pass -ProfileLocation with another file.")
                { TargetObject = file };
            }
        }

        /// <summary>Which of the files the SDK reads the message names, by comparing paths (the message itself is not used).</summary>
        private static string CredentialFileNamed(string message, string? location)
        {
            var home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetEnvironmentVariable("USERPROFILE") ?? "";
            var candidates = new[]
            {
                location,
                Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"),
                Environment.GetEnvironmentVariable("AWS_CONFIG_FILE"),
                home.Length == 0 ? null : System.IO.Path.Combine(home, ".aws", "credentials"),
                home.Length == 0 ? null : System.IO.Path.Combine(home, ".aws", "config"),
            };
            foreach (var c in candidates)
                if (!string.IsNullOrEmpty(c) && message.IndexOf(c, StringComparison.Ordinal) >= 0) return $"'{c}'";
            foreach (var c in candidates)
                if (!string.IsNullOrEmpty(c)) return $"'{c}' (or the config file beside it)";
            return "(the shared credentials file)";
        }

        /// <summary>
        /// $StoredAWSCredentials holds AWS Tools' AWSPSCredentials (or, set by hand, an AWSCredentials) of
        /// AWS Tools' own SDK copy, in another load context and maybe another SDK version: it is wrapped,
        /// not cast and not copied (see <see cref="ForeignAWSCredentials"/>).
        /// </summary>
        internal static AWSCredentials FromStoredCredentials(object stored, out string description)
        {
            if (ForeignCredentials.TryAdapt(stored, out var credentials, out description)) return credentials!;
            throw new KmsImportException(ErrorIds.StoredCredentialsUnreadable, ErrorKind.AuthenticationError,
                $"The shell default credentials ($StoredAWSCredentials) hold a {stored.GetType().FullName}, which is neither AWS Tools' AWSPSCredentials nor an AWSCredentials. Run Set-AWSCredential again, remove the variable (Remove-Variable StoredAWSCredentials -Scope Global), or pass -ProfileName.")
            { TargetObject = "StoredAWSCredentials" };
        }

        private static string ResolveRegion(KmsConnectionSettings s, string? profileRegion, string? endpoint)
        {
            string? region = FirstNonEmpty(
                s.Region,
                s.StoredRegion,
                Environment.GetEnvironmentVariable("AWS_REGION"),
                Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"),
                profileRegion);
            if (region == null && endpoint == null)
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
