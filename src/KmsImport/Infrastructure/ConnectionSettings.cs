using KmsImport.Core.Kms;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// The one builder of <see cref="KmsConnectionSettings"/>: the KMS cmdlets (from their
    /// parameters) and the completers (from what the command line has bound so far) both call it,
    /// so completion reaches the keys the command itself would. Empty strings mean "not given".
    /// </summary>
    internal static class ConnectionSettings
    {
        public static KmsConnectionSettings Build(
            string? region, string? endpointUrl, string? accessKey, string? secretKey, string? sessionToken, object? credential,
            string? profileName, string? resolvedProfileLocation, object? storedCredentials, string? storedRegion,
            int maxErrorRetry, int? timeoutSeconds = null)
        {
            var settings = new KmsConnectionSettings
            {
                Region = Given(region),
                EndpointUrl = Given(endpointUrl),
                AccessKey = Given(accessKey),
                SecretKey = Given(secretKey),
                SessionToken = Given(sessionToken),
                Credential = credential,
                ProfileName = Given(profileName),
                ProfileLocation = Given(resolvedProfileLocation),
                StoredCredentials = storedCredentials,
                StoredRegion = Given(storedRegion),
                MaxErrorRetry = maxErrorRetry,
            };
            if (timeoutSeconds.HasValue) settings.TimeoutSeconds = timeoutSeconds.Value;
            return settings;
        }

        private static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
