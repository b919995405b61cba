using System;
using System.Collections.Generic;
using System.IO;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// A named profile of the shared credentials and config files, resolved as the AWS SDKs resolve it: keys,
    /// SSO, credential_process (the SDK's own providers), and for a profile with <c>role_arn</c> an AssumeRole
    /// signed by its <c>source_profile</c> (itself possibly a role: chains are followed, loops refused) or its
    /// <c>credential_source</c> (Environment, Ec2InstanceMetadata, EcsContainer). The AssumeRole is the module's
    /// own (<see cref="StsRoleAssumer"/>), so the STS endpoint and signing Region are chosen the way KMS's are;
    /// role_session_name and external_id of the profile are honoured.
    /// The files are read here, per call (the SDK fixes the config file's path once per process, so AWS_CONFIG_FILE set
    /// later would be ignored), as untrusted input: <see cref="SharedProfileFiles"/>.
    /// </summary>
    internal sealed class ProfileCredentials
    {
        /// <summary>A credentials or config file larger than this is refused (they are a few KB in practice).</summary>
        internal const long MaxFileBytes = ConfiguredEndpoint.MaxConfigFileBytes;
        private const int MaxChain = 8;

        private readonly string? _location;
        private readonly Func<string, string, string?, IRoleAssumer> _assumerFor;
        private readonly string _sessionName;
        private readonly Func<DateTime>? _utcNow;

        /// <param name="location">-ProfileLocation (or AWS_SHARED_CREDENTIALS_FILE), else the SDK's defaults.</param>
        /// <param name="assumerFor">The STS caller for a role's partition, the profile whose endpoint settings apply and its region setting.</param>
        /// <param name="sessionName">The session name when a role profile has no role_session_name.</param>
        /// <param name="utcNow">The clock (tests); null for the system clock.</param>
        public ProfileCredentials(string? location, Func<string, string, string?, IRoleAssumer> assumerFor, string sessionName, Func<DateTime>? utcNow = null)
        {
            _location = location;
            _assumerFor = assumerFor;
            _sessionName = sessionName;
            _utcNow = utcNow;
        }

        /// <summary>The profile's credentials and its region setting; ProfileNotFound, ProfileNotUsable or CredentialsFileInvalid otherwise.</summary>
        public (AWSCredentials Credentials, string? Region) Resolve(string name)
        {
            var files = SharedProfileFiles.Read(_location);
            return Resolve(files, name, new List<string>());
        }

        /// <summary>True when the profile exists in the shared files and has a role_arn (the files are checked and read).</summary>
        public static bool IsRoleProfile(string name, string? location) =>
            SharedProfileFiles.Read(location).Find(name) is { } p && p.ContainsKey("role_arn");

        private (AWSCredentials, string?) Resolve(SharedProfileFiles files, string name, List<string> path)
        {
            var profile = files.Find(name);
            if (profile == null)
            {
                if (path.Count == 0) throw NotFound(name, _location);
                throw NotUsable(path[0], $"its source_profile chain names the profile '{name}', which does not exist");
            }
            if (path.Contains(name))
                throw NotUsable(path[0], $"its source_profile chain loops ({string.Join(" -> ", path)} -> {name})");
            if (path.Count >= MaxChain)
                throw NotUsable(path[0], $"its source_profile chain is longer than {MaxChain} profiles");
            path.Add(name);
            string? Get(string key) => profile.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
            var region = Get("region");

            var roleArn = Get("role_arn");
            if (roleArn == null)
            {
                var access = Get("aws_access_key_id");
                var secret = Get("aws_secret_access_key");
                if (access != null && secret != null)
                {
                    var token = Get("aws_session_token");
                    return (token == null ? new BasicAWSCredentials(access, secret) : (AWSCredentials)new SessionAWSCredentials(access, secret, token), region);
                }
                // SSO, credential_process and the rest: the SDK's own providers.
                AWSCredentials? credentials = null;
                var chain = new CredentialProfileStoreChain(_location);
                if (!KmsClientFactory.ProfileStore(() => chain.TryGetAWSCredentials(name, out credentials), _location) || credentials == null)
                {
                    throw NotUsable(path[0], path.Count == 1
                        ? "it holds no complete credentials (aws_access_key_id with aws_secret_access_key, an SSO session, credential_process, or role_arn with a source)"
                        : $"its source profile '{name}' holds no complete credentials");
                }
                return (credentials, region);
            }

            RoleArnPattern role;
            try { role = RoleArnPattern.Parse(roleArn, $"The role_arn of profile '{name}'"); }
            catch (KmsImportException e) { throw NotUsable(name, e.Message.TrimEnd('.')); }
            if (role.HasPlaceholder) throw NotUsable(name, "its role_arn holds {Account}: a profile names one role");

            var sourceName = Get("source_profile");
            var credentialSource = Get("credential_source");
            if (sourceName != null && credentialSource != null) throw NotUsable(name, "it sets both source_profile and credential_source; keep one");
            AWSCredentials source;
            string sourceDescription;
            if (sourceName != null)
            {
                if (sourceName == name)
                {
                    // A role profile that is its own source signs with its own keys (as the SDKs do).
                    var access = Get("aws_access_key_id");
                    var secret = Get("aws_secret_access_key");
                    if (access == null || secret == null)
                        throw NotUsable(name, "its source_profile is itself but it holds no aws_access_key_id/aws_secret_access_key");
                    var token = Get("aws_session_token");
                    source = token == null ? new BasicAWSCredentials(access, secret) : (AWSCredentials)new SessionAWSCredentials(access, secret, token);
                }
                else
                {
                    source = Resolve(files, sourceName, path).Item1;
                }
                sourceDescription = $"profile '{sourceName}'";
            }
            else if (credentialSource != null)
            {
                (source, sourceDescription) = FromCredentialSource(name, credentialSource);
            }
            else
            {
                throw NotUsable(name, "it has a role_arn but neither source_profile nor credential_source");
            }

            var sessionName = Get("role_session_name") is { } own ? RoleSessionNames.Validate(own) : _sessionName;
            var assumer = _assumerFor(role.Partition, name, region);
            return (new AssumedRoleCredentials(assumer, source, role.Text, sessionName, Get("external_id"),
                sourceDescription + $" via profile '{name}'", _utcNow), region);
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
