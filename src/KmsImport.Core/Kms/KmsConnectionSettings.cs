namespace KmsImport.Core.Kms
{
    /// <summary>
    /// How to reach KMS, as the caller gave it. Everything optional; <see cref="KmsClientFactory"/>
    /// fills the gaps in a fixed, documented order. Plain values only, so a host that knows nothing
    /// of the AWS SDK (the cmdlets) can build one.
    /// </summary>
    public sealed class KmsConnectionSettings
    {
        public string? Region { get; set; }
        /// <summary>A KMS-compatible endpoint (e.g. the local test endpoint); null for AWS.</summary>
        public string? EndpointUrl { get; set; }
        public string? AccessKey { get; set; }
        public string? SecretKey { get; set; }
        public string? SessionToken { get; set; }
        public string? ProfileName { get; set; }
        public string? ProfileLocation { get; set; }

        /// <summary>
        /// Where AssumeRole goes (role_arn profiles, fleet roles): an STS-compatible endpoint such as the local test
        /// endpoint; null for the configured one (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's) or AWS's.
        /// </summary>
        public string? StsEndpointUrl { get; set; }

        /// <summary>
        /// The profile whose endpoint settings (endpoint_url, services) apply when <see cref="ProfileName"/> is not
        /// given: set when <see cref="Credential"/> holds credentials already resolved from that profile (fleet rows).
        /// </summary>
        public string? EndpointProfileName { get; set; }

        /// <summary>
        /// -Credential: an AWSCredentials object of any copy of the AWS SDK, or AWS Tools' AWSPSCredentials.
        /// Typed object because it comes from another SDK copy; it is wrapped, and asked for keys per request.
        /// </summary>
        public object? Credential { get; set; }

        /// <summary>
        /// The shell default credentials that AWS Tools' Set-AWSCredential stores in
        /// $StoredAWSCredentials. Typed object because it comes from another copy of the SDK
        /// (another load context); it is read by reflection.
        /// </summary>
        public object? StoredCredentials { get; set; }
        /// <summary>The shell default Region ($StoredAWSRegion).</summary>
        public string? StoredRegion { get; set; }

        /// <summary>How many times the SDK retries a retryable failure (throttling, 5xx, network).</summary>
        public int MaxErrorRetry { get; set; } = 4;
        /// <summary>SDK retry mode: Standard (default) or Adaptive (client-side rate limiting too).</summary>
        public string RetryMode { get; set; } = "Standard";
        /// <summary>Per-request timeout in seconds.</summary>
        public int TimeoutSeconds { get; set; } = 30;

        /// <summary>A key for caching clients: equal settings can share one client.</summary>
        public string CacheKey =>
            string.Join("|", Region, EndpointUrl, StsEndpointUrl, EndpointProfileName, AccessKey, SecretKey?.GetHashCode(), SessionToken?.GetHashCode(),
                ProfileName, ProfileLocation, Identity(Credential), Identity(StoredCredentials), StoredRegion, MaxErrorRetry, RetryMode, TimeoutSeconds);

        // The object's identity, never its text (which could be its keys).
        /// <summary>A copy (the credential objects are shared, not copied).</summary>
        public KmsConnectionSettings Clone() => (KmsConnectionSettings)MemberwiseClone();

        private static string Identity(object? value) =>
            value == null ? "" : value.GetType().FullName + "#" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(value);
    }
}
