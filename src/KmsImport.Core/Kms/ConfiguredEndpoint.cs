using System;
using System.Collections.Generic;
using System.IO;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// The KMS endpoint a user configured outside the command, read the way the AWS SDKs read it
    /// ("service-specific endpoints"): AWS_ENDPOINT_URL_KMS, then AWS_ENDPOINT_URL, then in the shared
    /// config file the profile's services section (<c>services = name</c>, <c>[services name]</c>,
    /// <c>kms =</c> with an indented <c>endpoint_url = ...</c>), then the profile's own
    /// <c>endpoint_url</c>. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or else the profile's
    /// <c>ignore_configured_endpoint_urls = true</c>, turns all of them off.
    /// The AWS SDK (AWSSDK.Core 4.1) reads the same settings itself when a client has no ServiceURL, but
    /// then signs for a Region guessed from the URL (us-east-1 for a host name without one) instead of
    /// the Region the command resolved; so KmsImport resolves them here, sets ServiceURL and
    /// AuthenticationRegion itself and tells the SDK to ignore configured endpoints.
    /// </summary>
    internal static class ConfiguredEndpoint
    {
        /// <summary>A shared config file larger than this is not read for endpoints (it is a few KB in practice).</summary>
        internal const long MaxConfigFileBytes = 1024 * 1024;

        /// <summary>The configured KMS endpoint and where it came from, or (null, null).</summary>
        public static (string? Url, string? Source) Resolve(string profileName) => Resolve(profileName, "kms");

        /// <summary>
        /// The configured endpoint of one service ("kms", or "sts" for AssumeRole) and where it came from, or (null, null):
        /// AWS_ENDPOINT_URL_&lt;SERVICE&gt;, AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url.
        /// </summary>
        public static (string? Url, string? Source) Resolve(string profileName, string service)
        {
            var ignoreEnv = Environment.GetEnvironmentVariable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
            bool? ignore = ParseBool(ignoreEnv);
            if (ignore == true) return (null, null);

            var serviceVariable = "AWS_ENDPOINT_URL_" + service.ToUpperInvariant();
            var serviceEnv = Environment.GetEnvironmentVariable(serviceVariable);
            var globalEnv = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
            var profile = ReadProfile(profileName, service);
            // The environment variable decides when set; the profile's setting only when it is not.
            if (ignore == null && profile.Ignore == true) return (null, null);

            if (!string.IsNullOrWhiteSpace(serviceEnv)) return (serviceEnv!.Trim(), serviceVariable);
            if (!string.IsNullOrWhiteSpace(globalEnv)) return (globalEnv!.Trim(), "AWS_ENDPOINT_URL");
            if (profile.KmsEndpoint != null) return (profile.KmsEndpoint, $"the {service} endpoint_url of profile '{profileName}' (shared config file)");
            if (profile.Endpoint != null) return (profile.Endpoint, $"the endpoint_url of profile '{profileName}' (shared config file)");
            return (null, null);
        }

        private static bool? ParseBool(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            var v = value!.Trim();
            if (v.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
            if (v.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
            return null;
        }

        internal readonly struct ProfileEndpoints
        {
            public ProfileEndpoints(string? endpoint, string? kmsEndpoint, bool? ignore)
            {
                Endpoint = endpoint;
                KmsEndpoint = kmsEndpoint;
                Ignore = ignore;
            }

            public string? Endpoint { get; }
            /// <summary>The endpoint_url of the service asked for (kms, sts) in the profile's services section.</summary>
            public string? KmsEndpoint { get; }
            public bool? Ignore { get; }
        }

        /// <summary>The shared config file: AWS_CONFIG_FILE, else ~/.aws/config.</summary>
        internal static string ConfigFilePath()
        {
            var configured = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
            if (!string.IsNullOrWhiteSpace(configured)) return configured!.Trim();
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, ".aws", "config");
        }

        /// <summary>
        /// The endpoint settings of one profile. A missing file means none. Only a file of bounded size is
        /// read; an unreadable one gives no endpoint settings (the SDK reports unreadable profile files when
        /// it reads credentials from them).
        /// </summary>
        internal static ProfileEndpoints ReadProfile(string profileName, string service = "kms")
        {
            string text;
            try
            {
                var info = new FileInfo(ConfigFilePath());
                if (!info.Exists || (info.Attributes & FileAttributes.Directory) != 0 || info.Length > MaxConfigFileBytes) return default;
                text = File.ReadAllText(info.FullName);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException || ex is ArgumentException || ex is NotSupportedException)
            {
                return default;
            }
            return Parse(text, profileName, service);
        }

        /// <summary>Parses the shared config file's INI dialect for one profile's endpoint settings.</summary>
        internal static ProfileEndpoints Parse(string text, string profileName, string service = "kms")
        {
            var sections = new Dictionary<string, List<(string Key, string Value, bool Indented)>>(StringComparer.Ordinal);
            List<(string, string, bool)>? current = null;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                var trimmed = line.Trim();
                if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed[0] == ';') continue;
                if (trimmed[0] == '[')
                {
                    var end = trimmed.IndexOf(']');
                    var name = end > 1 ? NormalizeSpaces(trimmed.Substring(1, end - 1)) : "";
                    if (!sections.TryGetValue(name, out current)) sections[name] = current = new List<(string, string, bool)>();
                    continue;
                }
                if (current == null) continue;
                var eq = trimmed.IndexOf('=');
                if (eq <= 0) continue;
                var key = trimmed.Substring(0, eq).Trim();
                var value = StripComment(trimmed.Substring(eq + 1).Trim());
                current.Add((key, value, char.IsWhiteSpace(line[0])));
            }

            // The config file names profiles "[profile x]", except "[default]" (also accepted as "[profile default]").
            if (!sections.TryGetValue("profile " + profileName, out var profile) &&
                !(profileName == "default" && sections.TryGetValue("default", out profile)))
                return default;

            string? endpoint = null, services = null;
            bool? ignore = null;
            foreach (var (key, value, indented) in profile)
            {
                if (indented) continue; // a nested property of some service, not the profile's own
                if (key.Equals("endpoint_url", StringComparison.OrdinalIgnoreCase) && value.Length > 0) endpoint = value;
                else if (key.Equals("services", StringComparison.OrdinalIgnoreCase) && value.Length > 0) services = value;
                else if (key.Equals("ignore_configured_endpoint_urls", StringComparison.OrdinalIgnoreCase)) ignore = ParseBool(value);
            }

            string? kmsEndpoint = null;
            if (services != null && sections.TryGetValue("services " + services, out var serviceSection))
            {
                // kms =
                //   endpoint_url = https://...
                var inKms = false;
                foreach (var (key, value, indented) in serviceSection)
                {
                    if (!indented) { inKms = key.Equals(service, StringComparison.OrdinalIgnoreCase) && value.Length == 0; continue; }
                    if (inKms && key.Equals("endpoint_url", StringComparison.OrdinalIgnoreCase) && value.Length > 0) kmsEndpoint = value;
                }
            }
            return new ProfileEndpoints(endpoint, kmsEndpoint, ignore);
        }

        /// <summary>A [section] name with its runs of spaces made one, as the SDKs read it (shared with SharedProfileFiles).</summary>
        internal static string NormalizeSpaces(string s) => string.Join(" ", s.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries));

        /// <summary>A value without its inline comment (shared with SharedProfileFiles).</summary>
        internal static string StripComment(string value)
        {
            // " #" or " ;" starts an inline comment; a URL itself never holds a space.
            for (var i = 1; i < value.Length; i++)
                if ((value[i] == '#' || value[i] == ';') && char.IsWhiteSpace(value[i - 1])) return value.Substring(0, i).TrimEnd();
            return value;
        }
    }
}
