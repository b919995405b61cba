using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace KmsImport.Core.Kms
{
    /// <summary>What one AssumeRole gave: temporary keys and when they end.</summary>
    internal sealed class AssumedRole
    {
        public AssumedRole(string accessKeyId, string secretAccessKey, string sessionToken, DateTime expirationUtc)
        {
            AccessKeyId = accessKeyId;
            SecretAccessKey = secretAccessKey;
            SessionToken = sessionToken;
            ExpirationUtc = expirationUtc;
        }

        public string AccessKeyId { get; }
        public string SecretAccessKey { get; }
        public string SessionToken { get; }
        public DateTime ExpirationUtc { get; }
    }

    /// <summary>The STS call, behind a seam: <see cref="StsRoleAssumer"/> in the module, a fake in unit tests.</summary>
    internal interface IRoleAssumer
    {
        /// <summary>AssumeRole signed with <paramref name="source"/>; failures leave as KmsImportException RoleNotAssumable.</summary>
        Task<AssumedRole> AssumeAsync(AWSCredentials source, string roleArn, string sessionName, string? externalId);
    }

    /// <summary>
    /// A role's temporary credentials that renew themselves: AssumeRole on first use, then again before the
    /// keys expire (at the earlier of 5 minutes before expiry and half their lifetime), so a run longer than
    /// the session (1 hour by default) goes on. One object per role and source, shared by every client of
    /// that account: one AssumeRole per account, not per request or per Region.
    /// A failed renewal keeps the current keys while they are valid and tries again on the next request.
    /// </summary>
    internal sealed class AssumedRoleCredentials : AWSCredentials
    {
        internal static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromMinutes(5);

        private readonly IRoleAssumer _assumer;
        private readonly AWSCredentials _source;
        private readonly string? _externalId;
        private readonly Func<DateTime> _utcNow;
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private ImmutableCredentials? _current;
        private DateTime _refreshAt;
        private DateTime _expires;
        private int _assumeCount;

        public AssumedRoleCredentials(IRoleAssumer assumer, AWSCredentials source, string roleArn, string sessionName,
            string? externalId, string sourceDescription, Func<DateTime>? utcNow = null)
        {
            _assumer = assumer ?? throw new ArgumentNullException(nameof(assumer));
            _source = source ?? throw new ArgumentNullException(nameof(source));
            RoleArn = roleArn;
            SessionName = sessionName;
            _externalId = externalId;
            _utcNow = utcNow ?? (() => DateTime.UtcNow);
            Account = RoleArnPattern.AccountOf(roleArn);
            Description = $"role '{roleArn}' (session '{sessionName}', from {sourceDescription})";
        }

        public string RoleArn { get; }
        public string SessionName { get; }
        /// <summary>The role's account: the account every request signed with these keys acts in.</summary>
        public string Account { get; }
        /// <summary>For verbose output and CredentialSource: role, session and source, never a key.</summary>
        public string Description { get; }
        /// <summary>How many AssumeRole calls were made (first one and renewals), for tests.</summary>
        internal int AssumeCount => Volatile.Read(ref _assumeCount);
        /// <summary>When the current keys expire (UTC); null before the first AssumeRole.</summary>
        public override DateTime? Expiration
        {
            get => Volatile.Read(ref _current) == null ? (DateTime?)null : _expires;
            set { } // set by the SDK for identities it resolves itself; ours come from AssumeRole only
        }

        public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().ConfigureAwait(false).GetAwaiter().GetResult();

        public override async Task<ImmutableCredentials> GetCredentialsAsync()
        {
            var current = Volatile.Read(ref _current);
            if (current != null && _utcNow() < _refreshAt) return current.Copy();
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var now = _utcNow();
                if (_current != null && now < _refreshAt) return _current.Copy();
                try
                {
                    Interlocked.Increment(ref _assumeCount);
                    var role = await _assumer.AssumeAsync(_source, RoleArn, SessionName, _externalId).ConfigureAwait(false);
                    var issued = _utcNow();
                    var lifetime = role.ExpirationUtc - issued;
                    var margin = TimeSpan.FromTicks(Math.Min(MaxRefreshMargin.Ticks, Math.Max(0, lifetime.Ticks / 2)));
                    _expires = role.ExpirationUtc;
                    _refreshAt = role.ExpirationUtc - margin;
                    Volatile.Write(ref _current, new ImmutableCredentials(role.AccessKeyId, role.SecretAccessKey, role.SessionToken));
                }
                catch (KmsImportException) when (_current != null && now < _expires)
                {
                    // Renewal failed but the keys still hold: use them; the next request tries again.
                }
                return _current!.Copy();
            }
            finally
            {
                _gate.Release();
            }
        }

        public override string ToString() => "AssumedRoleCredentials(" + RoleArn + ")";
    }
}
