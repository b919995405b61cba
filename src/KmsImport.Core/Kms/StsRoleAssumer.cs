using System;
using System.Linq;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// AssumeRole over the SDK's STS client, with the endpoint chosen the way KMS's is: an explicit STS endpoint
    /// (<see cref="KmsConnectionSettings.StsEndpointUrl"/>), else the configured ones (AWS_ENDPOINT_URL_STS,
    /// AWS_ENDPOINT_URL, the profile's services section / endpoint_url), else AWS's regional STS endpoint. Requests
    /// are signed for the given Region whichever endpoint they go to (the SDK would guess one from a custom URL).
    /// The answer is checked (keys, token and expiry present; the assumed-role user in the role's account) and
    /// every failure leaves as RoleNotAssumable naming the role, its account and what to do, never STS's text.
    /// </summary>
    internal sealed class StsRoleAssumer : IRoleAssumer
    {
        private readonly string _region;
        private readonly string? _endpoint;
        private readonly int _maxErrorRetry;
        private readonly int _timeoutSeconds;

        private StsRoleAssumer(string region, string? endpoint, string? endpointSource, int maxErrorRetry, int timeoutSeconds)
        {
            _region = region;
            _endpoint = endpoint;
            EndpointSource = endpointSource;
            _maxErrorRetry = maxErrorRetry;
            _timeoutSeconds = timeoutSeconds;
        }

        /// <summary>Where the STS endpoint came from, or null for AWS's own.</summary>
        public string? EndpointSource { get; }
        public string? EndpointUrl => _endpoint;
        public string Region => _region;

        /// <summary>
        /// The assumer for roles of <paramref name="partition"/>. <paramref name="endpointProfile"/> is the profile whose
        /// endpoint settings apply; <paramref name="region"/> the Region resolved for the command, if any.
        /// </summary>
        public static StsRoleAssumer For(KmsConnectionSettings settings, string partition, string endpointProfile, string? region)
        {
            string? endpoint, source;
            var explicitUrl = KmsClientFactory.NormalizeEndpoint(settings.StsEndpointUrl, "the STS endpoint setting");
            if (explicitUrl != null) (endpoint, source) = (explicitUrl, "the STS endpoint setting");
            else
            {
                var (configured, from) = ConfiguredEndpoint.Resolve(endpointProfile, "sts");
                (endpoint, source) = configured == null ? (null, null) : (KmsClientFactory.NormalizeEndpoint(configured, from), from);
            }
            return new StsRoleAssumer(SigningRegion(region, partition), endpoint, source, Math.Max(0, settings.MaxErrorRetry), Math.Max(1, settings.TimeoutSeconds));
        }

        /// <summary>
        /// The command's Region when it is in the role's partition (a regional STS endpoint, as the SDK uses), else the
        /// partition's usual STS Region (us-east-1, cn-north-1, us-gov-west-1, or the first the SDK knows).
        /// </summary>
        internal static string SigningRegion(string? region, string partition)
        {
            if (!string.IsNullOrWhiteSpace(region))
            {
                var checkedRegion = KmsClientFactory.ValidateRegion(region!.Trim());
                var of = KmsPartitions.OfRegion(checkedRegion);
                if (of == null || of == partition) return checkedRegion;
            }
            switch (partition)
            {
                case "aws": return "us-east-1";
                case "aws-cn": return "cn-north-1";
                case "aws-us-gov": return "us-gov-west-1";
            }
            return KmsPartitions.Regions.Where(r => r.Partition == partition).Select(r => r.Name).FirstOrDefault() ?? "us-east-1";
        }

        public async Task<AssumedRole> AssumeAsync(AWSCredentials source, string roleArn, string sessionName, string? externalId)
        {
            var account = RoleArnPattern.AccountOf(roleArn);
            var config = new AmazonSecurityTokenServiceConfig
            {
                MaxErrorRetry = _maxErrorRetry,
                MaxStaleConnectionRetries = 0,
                ThrottleRetries = false,
                Timeout = TimeSpan.FromSeconds(_timeoutSeconds),
                // Resolved above; left to the SDK it would apply them again and sign for a Region guessed from the URL.
                IgnoreConfiguredEndpointUrls = true,
            };
            if (_endpoint != null)
            {
                config.ServiceURL = _endpoint;
                config.AuthenticationRegion = _region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(_region);
            }

            AssumeRoleResponse response;
            try
            {
                using (var client = new AmazonSecurityTokenServiceClient(source, config))
                {
                    var request = new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = sessionName };
                    if (!string.IsNullOrEmpty(externalId)) request.ExternalId = externalId;
                    response = await client.AssumeRoleAsync(request).ConfigureAwait(false);
                }
            }
            catch (KmsImportException e)
            {
                // The source credentials could not sign (an expired SSO session, a source role that failed): say whose.
                throw new KmsImportException(ErrorIds.RoleNotAssumable, e.Kind,
                    $"The role '{roleArn}' (account {account}) could not be assumed: its source credentials failed ({e.ErrorId}: {e.Message})", e)
                { TargetObject = roleArn };
            }
            catch (Exception e)
            {
                throw Translate(e, roleArn, account);
            }

            var c = response?.Credentials;
            if (c == null || string.IsNullOrEmpty(c.AccessKeyId) || string.IsNullOrEmpty(c.SecretAccessKey) || string.IsNullOrEmpty(c.SessionToken) || c.Expiration == null)
                throw Answer(roleArn, account, "an answer without temporary keys, session token and expiry");
            var assumedAccount = KmsKeyIds.AccountOfArn(response!.AssumedRoleUser?.Arn);
            if (assumedAccount != null && assumedAccount != account)
                throw Answer(roleArn, account, $"credentials of account {assumedAccount}, not of the role's account");
            return new AssumedRole(c.AccessKeyId, c.SecretAccessKey, c.SessionToken, UtcTime.ToUtc(c.Expiration.Value));
        }

        private KmsImportException Answer(string roleArn, string account, string what) =>
            new KmsImportException(ErrorIds.RoleNotAssumable, ErrorKind.InvalidResult,
                $"The role '{roleArn}' (account {account}) could not be assumed: STS {Where()} gave {what}. Check the STS endpoint ({EndpointSource ?? "AWS's own"}) and run the command again.")
            { TargetObject = roleArn };

        private string Where() => _endpoint == null ? $"in {_region}" : $"at {_endpoint}";

        private KmsImportException Translate(Exception e, string roleArn, string account)
        {
            if (e is AggregateException agg && agg.InnerExceptions.Count == 1) e = agg.InnerException!;
            string head = $"The role '{roleArn}' (account {account}) could not be assumed by STS {Where()}";
            if (e is AmazonServiceException ase && !string.IsNullOrEmpty(ase.ErrorCode) && !(e is AmazonUnmarshallingException))
            {
                // STS's own message is not quoted: an endpoint's text is untrusted. Its error code says enough.
                var code = new string(ase.ErrorCode.Where(ch => char.IsLetterOrDigit(ch) || ch == '.' || ch == '_').Take(64).ToArray());
                var (kind, advice) = code switch
                {
                    "AccessDenied" or "AccessDeniedException" => (ErrorKind.PermissionDenied,
                        "The role's trust policy must allow the caller, and the caller needs sts:AssumeRole on the role; check both (or the role's name in the plan or -RoleArn)."),
                    "InvalidClientTokenId" or "SignatureDoesNotMatch" or "ExpiredToken" or "ExpiredTokenException" or "UnrecognizedClientException" => (ErrorKind.AuthenticationError,
                        "The credentials that call AssumeRole are not valid: renew them (aws sso login, Set-AWSCredential) or use another profile."),
                    "RegionDisabledException" => (ErrorKind.PermissionDenied,
                        $"STS is not activated in {_region} for the caller's account: activate it in IAM (Account settings) or set another Region."),
                    "Throttling" or "ThrottlingException" => (ErrorKind.LimitsExceeded, "STS throttled the call: wait a minute and run the command again."),
                    _ => (ErrorKind.NotSpecified, "Check the role ARN and the caller's permissions, then run the command again."),
                };
                return new KmsImportException(ErrorIds.RoleNotAssumable, kind, $"{head}: STS answered {code} (HTTP {(int)ase.StatusCode}). {advice}", e)
                { TargetObject = roleArn, IsTransient = kind == ErrorKind.LimitsExceeded || (int)ase.StatusCode >= 500 };
            }
            if (e is AmazonServiceException http && (int)http.StatusCode >= 400)
                return new KmsImportException(ErrorIds.RoleNotAssumable, ErrorKind.InvalidResult,
                    $"{head}: the endpoint answered HTTP {(int)http.StatusCode} without an STS error (the body is not shown). Check the STS endpoint ({EndpointSource ?? "AWS's own"}) and any proxy, then run the command again.", e)
                { TargetObject = roleArn, IsTransient = (int)http.StatusCode >= 500 };
            return new KmsImportException(ErrorIds.RoleNotAssumable, ErrorKind.ConnectionError,
                $"{head} ({e.GetBaseException().GetType().Name}): check the network path to STS ({EndpointSource ?? "AWS's own endpoint"}), then run the command again.", e)
            { TargetObject = roleArn, IsTransient = true };
        }
    }
}
