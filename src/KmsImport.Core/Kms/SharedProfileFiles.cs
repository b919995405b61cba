using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// The profiles of the shared credentials file (-ProfileLocation, else AWS_SHARED_CREDENTIALS_FILE, else
    /// ~/.aws/credentials) and config file (AWS_CONFIG_FILE, else ~/.aws/config), read per call. Both are untrusted
    /// input: regular files only (a FIFO is never opened), at most 1 MiB, read once; a line that is not a [section],
    /// a name = value pair, an indented nested value or a comment is CredentialsFileInvalid naming the file and the
    /// line NUMBER (the line may be a secret key). A profile's values: the config file's [profile name] (or [default]),
    /// overridden by the credentials file's [name], as the AWS CLI and SDKs merge them.
    /// </summary>
    internal sealed class SharedProfileFiles
    {
        private readonly Dictionary<string, Dictionary<string, string>> _credentials;
        private readonly Dictionary<string, Dictionary<string, string>> _config;

        private SharedProfileFiles(Dictionary<string, Dictionary<string, string>> credentials, Dictionary<string, Dictionary<string, string>> config)
        {
            _credentials = credentials;
            _config = config;
        }

        public static string CredentialsFilePath(string? location)
        {
            if (!string.IsNullOrWhiteSpace(location)) return location!.Trim();
            var env = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
            if (!string.IsNullOrWhiteSpace(env)) return env!.Trim();
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        }

        public static SharedProfileFiles Read(string? location) =>
            new SharedProfileFiles(Load(CredentialsFilePath(location)), Load(ConfiguredEndpoint.ConfigFilePath()));

        /// <summary>The profile's values (names case-insensitive), or null when neither file has it.</summary>
        public Dictionary<string, string>? Find(string name)
        {
            Dictionary<string, string>? merged = null;
            void Add(Dictionary<string, string>? section)
            {
                if (section == null) return;
                merged ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var kv in section) merged[kv.Key] = kv.Value;
            }
            if (name == "default" && _config.TryGetValue("default", out var plainDefault)) Add(plainDefault);
            Add(_config.TryGetValue("profile " + name, out var inConfig) ? inConfig : null);
            Add(_credentials.TryGetValue(name, out var inCredentials) ? inCredentials : null);
            return merged;
        }

        private static Dictionary<string, Dictionary<string, string>> Load(string file)
        {
            var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            string full;
            try { full = Path.GetFullPath(file); }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is IOException || e is System.Security.SecurityException) { return sections; }
            byte[] bytes;
            try
            {
                bytes = UntrustedFile.Read(full, ProfileCredentials.MaxFileBytes, followLinks: true, allowEmpty: true);
            }
            catch (FileRefusedException e) when (e.Reason == FileRefusal.NotFound)
            {
                return sections; // a missing file holds no profiles, as for the SDK
            }
            catch (FileRefusedException e)
            {
                throw new KmsImportException(ErrorIds.CredentialsFileInvalid, ErrorKind.InvalidData,
                    $"The AWS credentials or config file '{full}' {e.Message}, so it is not read: credentials and config files are regular "
                    + $"files of at most {ProfileCredentials.MaxFileBytes} bytes. Point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (or -ProfileLocation) at the real file.")
                { TargetObject = full };
            }
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Invalid(full, null, "is not UTF-8 text");
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length); // it may hold secret keys
            }

            Dictionary<string, string>? current = null;
            bool nested = false;
            var lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                var line = lines[i].TrimEnd('\r');
                var trimmed = line.Trim();
                if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed[0] == ';') continue;
                if (i == 0 && trimmed[0] == '\uFEFF') trimmed = trimmed.Substring(1).Trim();
                if (trimmed.StartsWith("[", StringComparison.Ordinal))
                {
                    var end = trimmed.IndexOf(']');
                    if (end < 2) throw Invalid(full, i + 1, "has a [section] line without a name");
                    var name = ConfiguredEndpoint.NormalizeSpaces(trimmed.Substring(1, end - 1));
                    if (!sections.TryGetValue(name, out current)) sections[name] = current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    nested = false;
                    continue;
                }
                var eq = trimmed.IndexOf('=');
                bool indented = char.IsWhiteSpace(line[0]);
                if (eq <= 0 || current == null)
                {
                    throw Invalid(full, i + 1, current == null
                        ? "has a setting before the first [section]"
                        : "has a line that is neither a [section] nor a 'name = value' pair (a ':' instead of '=' is the usual slip)");
                }
                if (indented && nested) continue; // a nested value (services, s3 settings): not a profile's own
                var key = trimmed.Substring(0, eq).Trim();
                var value = ConfiguredEndpoint.StripComment(trimmed.Substring(eq + 1).Trim());
                nested = value.Length == 0; // "kms =" starts nested values
                if (!indented) current[key] = value;
            }
            return sections;
        }

        private static KmsImportException Invalid(string file, int? line, string what) =>
            new KmsImportException(ErrorIds.CredentialsFileInvalid, ErrorKind.InvalidData,
                $"The AWS credentials or config file '{file}' cannot be read{(line == null ? "" : $" at line {line}")}: it {what}. Fix that line (its content is not shown "
                + "here, as it may hold a secret), or pass -ProfileLocation with another file.")
            { TargetObject = file };
    }
}
