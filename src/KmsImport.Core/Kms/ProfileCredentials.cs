using System;
using System.Collections.Generic;
using System.IO;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// A named profile of the shared credentials and config files, resolved as the AWS SDKs resolve it: keys,
    /// SSO, credential_process (the SDK's own providers), and for a profile with <c>role_arn</c> an AssumeRole
    /// signed by its <c>source_profile</c> (itself possibly a role: chains are followed, loops refused) or its
    /// <c>credential_source</c> (Environment, Ec2InstanceMetadata, EcsContainer). The AssumeRole is the module's
    /// own (<see cref="StsRoleAssumer"/>), so the STS endpoint and signing Region are chosen the way KMS's are;
    /// role_session_name and external_id of the profile are honoured.
    /// The files are untrusted input: before the SDK parses them each must be a regular file of at most 1 MiB,
    /// and a parse failure names the file and line number, never the line.
    /// </summary>
    internal sealed class ProfileCredentials
    {
        /// <summary>A credentials or config file larger than this is refused (they are a few KB in practice).</summary>
        internal const long MaxFileBytes = ConfiguredEndpoint.MaxConfigFileBytes;
        private const int MaxChain = 8;

        private readonly string? _location;
        private readonly Func<string, string, IRoleAssumer> _assumerFor;
        private readonly string _sessionName;
        private readonly Func<DateTime>? _utcNow;

        /// <param name="location">-ProfileLocation (or AWS_SHARED_CREDENTIALS_FILE), else the SDK's defaults.</param>
        /// <param name="assumerFor">The STS caller for a role's partition and the profile whose endpoint settings apply.</param>
        /// <param name="sessionName">The session name when a role profile has no role_session_name.</param>
        /// <param name="utcNow">The clock (tests); null for the system clock.</param>
        public ProfileCredentials(string? location, Func<string, string, IRoleAssumer> assumerFor, string sessionName, Func<DateTime>? utcNow = null)
        {
            _location = location;
            _assumerFor = assumerFor;
            _sessionName = sessionName;
            _utcNow = utcNow;
        }

        /// <summary>The profile's credentials and the profile; ProfileNotFound, ProfileNotUsable or CredentialsFileInvalid otherwise.</summary>
        public (AWSCredentials Credentials, CredentialProfile Profile) Resolve(string name)
        {
            CheckFiles(_location);
            var chain = new CredentialProfileStoreChain(_location);
            return Resolve(chain, name, new List<string>());
        }

        private (AWSCredentials, CredentialProfile) Resolve(CredentialProfileStoreChain chain, string name, List<string> path)
        {
            CredentialProfile? profile = null;
            if (!KmsClientFactory.ProfileStore(() => chain.TryGetProfile(name, out profile), _location) || profile == null)
            {
                if (path.Count == 0) throw NotFound(name, _location);
                throw NotUsable(path[0], $"its source_profile chain names the profile '{name}', which does not exist");
            }
            if (path.Contains(name))
                throw NotUsable(path[0], $"its source_profile chain loops ({string.Join(" -> ", path)} -> {name})");
            if (path.Count >= MaxChain)
                throw NotUsable(path[0], $"its source_profile chain is longer than {MaxChain} profiles");
            path.Add(name);

            var options = profile.Options;
            if (string.IsNullOrWhiteSpace(options.RoleArn))
            {
                AWSCredentials? credentials = null;
                if (!KmsClientFactory.ProfileStore(() => chain.TryGetAWSCredentials(name, out credentials), _location) || credentials == null)
                {
                    throw NotUsable(path[0], path.Count == 1
                        ? "it holds no complete credentials (aws_access_key_id with aws_secret_access_key, an SSO session, credential_process, or role_arn with a source)"
                        : $"its source profile '{name}' holds no complete credentials");
                }
                return (credentials, profile);
            }

            RoleArnPattern role;
            try { role = RoleArnPattern.Parse(options.RoleArn, $"The role_arn of profile '{name}'"); }
            catch (KmsImportException e) { throw NotUsable(name, e.Message); }
            if (role.HasPlaceholder) throw NotUsable(name, "its role_arn holds {Account}: a profile names one role");

            bool hasSource = !string.IsNullOrWhiteSpace(options.SourceProfile), hasCredentialSource = !string.IsNullOrWhiteSpace(options.CredentialSource);
            if (hasSource && hasCredentialSource) throw NotUsable(name, "it sets both source_profile and credential_source; keep one");
            AWSCredentials source;
            string sourceDescription;
            if (hasSource)
            {
                var sourceName = options.SourceProfile.Trim();
                if (sourceName == name)
                {
                    // A role profile that is its own source signs with its own keys (as the SDKs do).
                    if (string.IsNullOrEmpty(options.AccessKey) || string.IsNullOrEmpty(options.SecretKey))
                        throw NotUsable(name, "its source_profile is itself but it holds no aws_access_key_id/aws_secret_access_key");
                    source = string.IsNullOrEmpty(options.Token)
                        ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
                        : (AWSCredentials)new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.Token);
                }
                else
                {
                    source = Resolve(chain, sourceName, path).Item1;
                }
                sourceDescription = $"profile '{sourceName}'";
            }
            else if (hasCredentialSource)
            {
                (source, sourceDescription) = FromCredentialSource(name, options.CredentialSource.Trim());
            }
            else
            {
                throw NotUsable(name, "it has a role_arn but neither source_profile nor credential_source");
            }

            var sessionName = string.IsNullOrWhiteSpace(options.RoleSessionName) ? _sessionName : RoleSessionNames.Validate(options.RoleSessionName.Trim());
            var assumer = _assumerFor(role.Partition, name);
            return (new AssumedRoleCredentials(assumer, source, role.Text, sessionName,
                string.IsNullOrWhiteSpace(options.ExternalID) ? null : options.ExternalID, sourceDescription + $" via profile '{name}'", _utcNow), profile);
        }

        /// <summary>credential_source: where a role profile's source keys come from, by the SDKs' names.</summary>
        private static (AWSCredentials, string) FromCredentialSource(string profile, string credentialSource)
        {
            switch (credentialSource)
            {
                case "Environment":
                    var access = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
                    var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
                    if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret))
                        throw NotUsable(profile, "its credential_source is Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set");
                    var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
                    return (string.IsNullOrEmpty(token) ? new BasicAWSCredentials(access, secret) : new SessionAWSCredentials(access, secret, token),
                        "environment variables");
                case "Ec2InstanceMetadata":
                    return (new InstanceProfileAWSCredentials(), "the EC2 instance role");
                case "EcsContainer":
                    return (new GenericContainerCredentials(), "the container role");
                default:
                    throw NotUsable(profile, "its credential_source is not one of Environment, Ec2InstanceMetadata or EcsContainer");
            }
        }

        /// <summary>
        /// The shared credentials file (or -ProfileLocation) and the config file, when they exist: regular files (a FIFO
        /// or device would hang or feed the SDK's parser), at most <see cref="MaxFileBytes"/>. CredentialsFileInvalid otherwise,
        /// naming the file and why, never its content.
        /// </summary>
        internal static void CheckFiles(string? location)
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var credentials = !string.IsNullOrWhiteSpace(location) ? location!.Trim()
                : Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } env ? env.Trim()
                : Path.Combine(home, ".aws", "credentials");
            foreach (var file in new[] { credentials, ConfiguredEndpoint.ConfigFilePath() })
            {
                string full;
                try { full = Path.GetFullPath(file); }
                catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is IOException || e is System.Security.SecurityException) { continue; }
                if (!File.Exists(full) && !Directory.Exists(full)) continue; // a missing file holds no profiles, as for the SDK
                try
                {
                    var bytes = UntrustedFile.Read(full, MaxFileBytes, followLinks: true, allowEmpty: true);
                    Array.Clear(bytes, 0, bytes.Length); // it may hold secret keys
                }
                catch (FileRefusedException e) when (e.Reason != FileRefusal.NotFound)
                {
                    throw new KmsImportException(ErrorIds.CredentialsFileInvalid, ErrorKind.InvalidData,
                        $"The AWS credentials or config file '{full}' {e.Message}, so it is not read: credentials and config files are regular "
                        + $"files of at most {MaxFileBytes} bytes. Point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (or -ProfileLocation) at the real file.")
                    { TargetObject = full };
                }
                catch (FileRefusedException)
                {
                    // Gone between the two looks: nothing to read.
                }
            }
        }

        internal static KmsImportException NotFound(string name, string? location) =>
            new KmsImportException(ErrorIds.ProfileNotFound, ErrorKind.ObjectNotFound,
                $"No credential profile named '{name}' was found{(string.IsNullOrEmpty(location) ? " in the SDK store or the shared credentials file" : $" in '{location}'")}. Check the name (aws configure list-profiles), or pass -ProfileLocation.")
            { TargetObject = name };

        internal static KmsImportException NotUsable(string name, string why) =>
            new KmsImportException(ErrorIds.ProfileNotUsable, ErrorKind.InvalidData,
                $"The credential profile '{name}' cannot give credentials: {why}. Complete it in the shared config file (role_arn with source_profile or credential_source = Environment), or use another profile.")
            { TargetObject = name };
    }
}
