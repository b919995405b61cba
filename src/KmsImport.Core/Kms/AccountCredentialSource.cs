using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// The credentials of each row of a fleet run, made once per run from the command's connection settings, an
    /// optional role ARN pattern (<c>arn:aws:iam::{Account}:role/KmsImportFleet</c>) and the run's session name.
    /// A row is served by, in this order: its own RoleArn, else the pattern for its Account, each assumed with the
    /// row's ProfileName (else the command's credentials) as the source; else its ProfileName resolved as the SDKs
    /// resolve profiles (role_arn + source_profile / credential_source included); else the command's credentials.
    /// Each role is assumed ONCE per run and source (cached), named by the run's session name, and renewed before it
    /// expires; a role that cannot be assumed throws RoleNotAssumable for every row that needs it, without a second call.
    /// Everything that can be checked locally (pattern, accounts, session name) is checked before any call.
    /// </summary>
    public sealed class AccountCredentialSource
    {
        private readonly KmsConnectionSettings _base;
        private readonly Func<string, string, string?, IRoleAssumer> _assumerFor;
        private readonly Func<DateTime>? _utcNow;
        private readonly ConcurrentDictionary<string, Lazy<AWSCredentials>> _cache = new ConcurrentDictionary<string, Lazy<AWSCredentials>>(StringComparer.Ordinal);
        private readonly Lazy<(AWSCredentials Credentials, string Source)> _baseCredentials;

        /// <param name="baseSettings">The command's connection settings (its credentials sign AssumeRole for rows without a profile).</param>
        /// <param name="roleArnPattern">-RoleArn: a role ARN with one {Account}, or a role ARN; null for none.</param>
        /// <param name="roleSessionName">-RoleSessionName; null for KmsImport-&lt;yyyyMMddTHHmmss&gt;-&lt;run id&gt;.</param>
        /// <param name="runId">The run's id (its first 8 letters or digits go into the default session name).</param>
        public AccountCredentialSource(KmsConnectionSettings baseSettings, string? roleArnPattern, string? roleSessionName, string? runId = null)
            : this(baseSettings, roleArnPattern, roleSessionName, runId, null, null)
        {
        }

        /// <summary>With an STS seam and a clock, for tests.</summary>
        internal AccountCredentialSource(KmsConnectionSettings baseSettings, string? roleArnPattern, string? roleSessionName, string? runId,
            Func<string, string, string?, IRoleAssumer>? assumerFor, Func<DateTime>? utcNow)
        {
            _base = baseSettings ?? throw new ArgumentNullException(nameof(baseSettings));
            RolePattern = string.IsNullOrWhiteSpace(roleArnPattern) ? null : RoleArnPattern.Parse(roleArnPattern);
            _utcNow = utcNow;
            SessionName = string.IsNullOrWhiteSpace(roleSessionName)
                ? RoleSessionNames.Default((utcNow ?? (() => DateTime.UtcNow))(), string.IsNullOrWhiteSpace(runId) ? Guid.NewGuid().ToString("N") : runId!)
                : RoleSessionNames.Validate(roleSessionName!.Trim());
            _assumerFor = assumerFor ?? ((partition, profile, profileRegion) => StsRoleAssumer.For(_base, partition, profile, KmsClientFactory.PreferredRegion(_base) ?? profileRegion));
            _baseCredentials = new Lazy<(AWSCredentials, string)>(() =>
            {
                var (credentials, source, _) = KmsClientFactory.ResolveCredentials(_base);
                return (credentials, source);
            }, LazyThreadSafetyMode.ExecutionAndPublication);
        }

        /// <summary>The session name every AssumeRole of this run carries (CloudTrail shows it).</summary>
        public string SessionName { get; }
        /// <summary>-RoleArn, checked; null when none was given.</summary>
        public RoleArnPattern? RolePattern { get; }

        /// <summary>
        /// The local checks of one row, without any call: its RoleArn (an IAM role ARN, in the row's Account when both are
        /// given), its Account (12 digits) and, with a pattern of a literal account, that account. Returns the role ARN
        /// the row will assume, or null when it assumes none. For a plan's checks before the first request.
        /// </summary>
        public string? RoleFor(string? account, string? profileName, string? roleArn)
        {
            var acct = string.IsNullOrWhiteSpace(account) ? null : RoleArnPattern.ValidateAccount(account);
            if (!string.IsNullOrWhiteSpace(roleArn))
            {
                var role = RoleArnPattern.Parse(roleArn, "The row's RoleArn");
                if (role.HasPlaceholder) return acct == null ? throw NeedsAccount(role.Text) : role.For(acct);
                if (acct != null && role.LiteralAccount != acct)
                    throw new KmsImportException(ErrorIds.RoleArnInvalid, ErrorKind.InvalidArgument,
                        $"The row's RoleArn '{role.Text}' is a role of account {role.LiteralAccount}, but the row's Account is {acct}: correct one of them (keys go to the role's account).")
                    { TargetObject = role.Text };
                return role.Text;
            }
            if (RolePattern != null && acct != null) return RolePattern.For(acct);
            if (RolePattern != null && RolePattern.LiteralAccount != null && string.IsNullOrWhiteSpace(profileName)) return RolePattern.Text;
            return null;
        }

        /// <summary>
        /// The credentials of a row: refreshing, shared by every row of the same role and source (one AssumeRole per account),
        /// already assumed when a role is involved (so a refusal is known now, as RoleNotAssumable). Throws RoleArnInvalid,
        /// ProfileNotFound, ProfileNotUsable, CredentialsFileInvalid or RoleNotAssumable; never a bare System exception.
        /// </summary>
        public AWSCredentials For(string? account, string? profileName, string? roleArn)
        {
            var role = RoleFor(account, profileName, roleArn);
            var profile = string.IsNullOrWhiteSpace(profileName) ? null : profileName!.Trim();
            var key = (role ?? "") + "|" + (profile ?? "");
            var lazy = _cache.GetOrAdd(key, _ => new Lazy<AWSCredentials>(() => Build(role, profile), LazyThreadSafetyMode.ExecutionAndPublication));
            try
            {
                return lazy.Value;
            }
            catch (Exception e) when (!(e is KmsImportException))
            {
                // The SDK's own profile providers (SSO, credential_process) may throw their exceptions: one ErrorId for them.
                throw new KmsImportException(ErrorIds.ProfileNotUsable, ErrorKind.AuthenticationError,
                    $"The credentials for {(role != null ? $"role '{role}'" : $"profile '{profile}'")} could not be made ({e.GetType().Name}). Check the profile (aws configure list-profiles; aws sso login for SSO), then run the command again.", e)
                { TargetObject = role ?? profile };
            }
        }

        /// <summary>
        /// The connection settings of a row: the command's, in the row's Region, signed with <see cref="For"/>'s credentials
        /// (endpoint settings of the row's profile apply, -EndpointUrl still wins). A row with neither role nor profile keeps
        /// the command's settings as they are (only the Region changes).
        /// </summary>
        public KmsConnectionSettings SettingsFor(string? region, string? account, string? profileName, string? roleArn)
        {
            var settings = _base.Clone();
            if (!string.IsNullOrWhiteSpace(region)) settings.Region = region!.Trim();
            var role = RoleFor(account, profileName, roleArn);
            if (role == null && string.IsNullOrWhiteSpace(profileName)) return settings;
            settings.Credential = For(account, profileName, roleArn);
            settings.EndpointProfileName = string.IsNullOrWhiteSpace(profileName) ? _base.ProfileName : profileName!.Trim();
            settings.ProfileName = null;
            settings.AccessKey = settings.SecretKey = settings.SessionToken = null;
            settings.StoredCredentials = null;
            return settings;
        }

        private AWSCredentials Build(string? role, string? profile)
        {
            AWSCredentials source;
            string sourceDescription;
            if (profile != null)
            {
                var location = FirstNonEmpty(_base.ProfileLocation, Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"));
                var (credentials, _) = new ProfileCredentials(location, _assumerFor, SessionName, _utcNow).Resolve(profile);
                // A role profile is assumed now, so its refusal belongs to this row's account from the start.
                if (credentials is AssumedRoleCredentials profileRole) profileRole.GetCredentials();
                source = credentials;
                sourceDescription = credentials is AssumedRoleCredentials r ? $"profile '{profile}' ({r.Description})" : $"profile '{profile}'";
                if (role == null) return credentials is AssumedRoleCredentials ? credentials : new ResolvedCredentials(credentials, sourceDescription);
            }
            else
            {
                (source, sourceDescription) = _baseCredentials.Value;
                if (role == null) return new ResolvedCredentials(source, sourceDescription);
            }

            var partition = RoleArnPattern.Parse(role, "The role ARN").Partition;
            var endpointProfile = profile ?? KmsClientFactory.EndpointProfileName(_base);
            var assumed = new AssumedRoleCredentials(_assumerFor(partition, endpointProfile, null), source, role, SessionName, null, sourceDescription, _utcNow);
            assumed.GetCredentials(); // AssumeRole now: once per account, and its refusal is this account's error
            return assumed;
        }

        private static KmsImportException NeedsAccount(string pattern) =>
            new KmsImportException(ErrorIds.RoleArnInvalid, ErrorKind.InvalidArgument,
                $"The row's RoleArn '{pattern}' holds {{Account}} but the row has no Account: fill the Account column (12 digits) or give the role ARN itself.")
            { TargetObject = pattern };

        private static string? FirstNonEmpty(params string?[] values)
        {
            foreach (var v in values)
                if (!string.IsNullOrWhiteSpace(v)) return v!.Trim();
            return null;
        }
    }

    /// <summary>
    /// Credentials resolved for a row (a profile's, or the command's), passed on with where they came from: the KMS client
    /// reports that (CredentialSource), never "-Credential". Asks the inner credentials on every request, so theirs refresh.
    /// </summary>
    internal sealed class ResolvedCredentials : AWSCredentials
    {
        private readonly AWSCredentials _inner;

        public ResolvedCredentials(AWSCredentials inner, string description)
        {
            _inner = inner;
            Description = description;
        }

        public string Description { get; }
        public override ImmutableCredentials GetCredentials() => _inner.GetCredentials();
        public override Task<ImmutableCredentials> GetCredentialsAsync() => _inner.GetCredentialsAsync();
        public override string ToString() => "ResolvedCredentials(" + Description + ")";
    }
}
