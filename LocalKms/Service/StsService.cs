using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using LocalKms.Control;
using LocalKms.Protocol;
using Microsoft.AspNetCore.Http;

namespace LocalKms.Service;

/// <summary>Who sent a request: the access key, its account, and the STS session when it is temporary.</summary>
internal sealed record Caller(string? AccessKeyId, string Account, StsSession? Session);

/// <summary>Temporary credentials handed out by AssumeRole. Kept in memory only (not in the state file).</summary>
internal sealed record StsSession(
    string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration,
    string RoleArn, string RoleSessionName, string Account, string AssumedRoleId, string AssumedRoleArn);

/// <summary>An STS error: the query protocol's <c>Code</c> and HTTP status.</summary>
internal sealed class StsException(string code, string message, int status = 400) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;
}

/// <summary>
/// Accounts and a minimal STS: which account a request belongs to (access key id -> account, temporary
/// credentials -> the role's account), AssumeRole and GetCallerIdentity. Test settings (denied role ARNs,
/// credential lifetime) come from the control API.
/// </summary>
internal sealed partial class StsService(LocalKmsOptions options, SettableClock clock)
{
    /// <summary>Every temporary access key id LocalKms hands out starts with this (AWS's start with ASIA).</summary>
    public const string TemporaryKeyPrefix = "ASIALOCAL";

    private const int MaxSessions = 10_000;
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private readonly ConcurrentDictionary<string, StsSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private HashSet<string> _denied = new(StringComparer.Ordinal);
    private int? _lifetimeSeconds;

    public int SessionCount => _sessions.Count;

    public IReadOnlyCollection<string> DeniedRoleArns
    {
        get
        {
            lock (_gate)
            {
                return [.. _denied.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Overrides every session's lifetime (DurationSeconds is then ignored); null = as asked (default 3600 s).</summary>
    public int? CredentialLifetimeSeconds
    {
        get
        {
            lock (_gate)
            {
                return _lifetimeSeconds;
            }
        }
    }

    public void Configure(IEnumerable<string>? deniedRoleArns, bool setLifetime, int? lifetimeSeconds)
    {
        lock (_gate)
        {
            if (deniedRoleArns is not null)
            {
                _denied = new HashSet<string>(deniedRoleArns, StringComparer.Ordinal);
            }

            if (setLifetime)
            {
                _lifetimeSeconds = lifetimeSeconds;
            }
        }
    }

    /// <summary>Forgets the settings and, with <paramref name="sessions"/>, every temporary credential.</summary>
    public void Reset(bool sessions)
    {
        Configure([], true, null);
        if (sessions)
        {
            _sessions.Clear();
        }
    }

    /// <summary>The account an access key id names (a temporary one: its role's), before any check: for the request log.</summary>
    public string AccountOf(string? accessKeyId) =>
        accessKeyId is not null && _sessions.TryGetValue(accessKeyId, out StsSession? s) ? s.Account : options.AccountOf(accessKeyId);

    /// <summary>
    /// The caller of a request signed for <paramref name="service"/>. Temporary credentials are always checked
    /// (signature with their secret, session token, expiry); long-term keys only with --verify-signatures.
    /// Throws <see cref="KmsException"/> with KMS's authentication error types.
    /// </summary>
    public Caller Authenticate(HttpRequest request, byte[] body, SigV4Authorization? auth, string service)
    {
        if (auth is null)
        {
            return options.VerifySignatures
                ? throw new KmsException("MissingAuthenticationTokenException", "Missing Authentication Token")
                : new Caller(null, options.AccountId, null);
        }

        if (auth.AccessKeyId.StartsWith(TemporaryKeyPrefix, StringComparison.Ordinal))
        {
            if (!_sessions.TryGetValue(auth.AccessKeyId, out StsSession? session)
                || !FixedEquals(request.Headers["X-Amz-Security-Token"].FirstOrDefault() ?? "", session.SessionToken))
            {
                throw new KmsException("UnrecognizedClientException", "The security token included in the request is invalid.");
            }

            SigV4.Verify(request, body, auth, session.SecretAccessKey, service);
            if (clock.Now >= session.Expiration)
            {
                throw new KmsException("ExpiredTokenException", "The security token included in the request is expired");
            }

            return new Caller(auth.AccessKeyId, session.Account, session);
        }

        if (options.VerifySignatures)
        {
            if (!options.Credentials.TryGetValue(auth.AccessKeyId, out string? secret))
            {
                throw new KmsException("UnrecognizedClientException", "The security token included in the request is invalid.");
            }

            SigV4.Verify(request, body, auth, secret, service);
        }

        return new Caller(auth.AccessKeyId, options.AccountOf(auth.AccessKeyId), null);
    }

    /// <summary>AssumeRole: temporary credentials of a role of a known account.</summary>
    public StsSession AssumeRole(Caller caller, string partition, string? roleArn, string? sessionName, string? durationText)
    {
        if (string.IsNullOrEmpty(roleArn))
        {
            throw Validation("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
        }

        if (string.IsNullOrEmpty(sessionName))
        {
            throw Validation("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
        }

        if (roleArn.Length is < 20 or > 2048)
        {
            throw Validation("Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
        }

        if (sessionName.Length is < 2 or > 64 || !SessionNamePattern().IsMatch(sessionName))
        {
            throw Validation("Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64");
        }

        int? duration = null;
        if (durationText is not null)
        {
            if (!int.TryParse(durationText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int d) || d < 900 || d > 43200)
            {
                throw Validation("Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200");
            }

            duration = d;
        }

        Match m = RoleArnPattern().Match(roleArn);
        if (!m.Success)
        {
            throw new StsException("ValidationError", $"{roleArn} is invalid");
        }

        string account = m.Groups["account"].Value;
        string roleName = m.Groups["name"].Value;
        bool denied;
        int? lifetime;
        lock (_gate)
        {
            denied = _denied.Contains(roleArn);
            lifetime = _lifetimeSeconds;
        }

        if (denied || !options.KnownAccounts.Contains(account, StringComparer.Ordinal))
        {
            throw new StsException(
                "AccessDenied",
                $"User: {CallerArn(caller, partition)} is not authorized to perform: sts:AssumeRole on resource: {roleArn}",
                403);
        }

        string roleId = "AROA" + Base32Of(SHA256.HashData(Encoding.UTF8.GetBytes(roleArn)), 17);
        var session = new StsSession(
            AccessKeyId: TemporaryKeyPrefix + Base32Of(RandomNumberGenerator.GetBytes(16), 11),
            SecretAccessKey: Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)),
            SessionToken: "LocalKms" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(96)),
            Expiration: clock.Now.AddSeconds(lifetime ?? duration ?? 3600),
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            Account: account,
            AssumedRoleId: roleId + ":" + sessionName,
            AssumedRoleArn: $"arn:{m.Groups["partition"].Value}:sts::{account}:assumed-role/{roleName}/{sessionName}");
        if (_sessions.Count >= MaxSessions)
        {
            DateTimeOffset now = clock.Now;
            foreach (StsSession old in _sessions.Values.Where(s => s.Expiration <= now))
            {
                _sessions.TryRemove(old.AccessKeyId, out _);
            }
        }

        _sessions[session.AccessKeyId] = session;
        return session;
    }

    /// <summary>The ARN GetCallerIdentity reports (and AccessDenied names): an assumed role, or a user named after the key.</summary>
    public static string CallerArn(Caller caller, string partition) =>
        caller.Session?.AssumedRoleArn ?? $"arn:{partition}:iam::{caller.Account}:user/localkms-{caller.AccessKeyId ?? "anonymous"}";

    private static StsException Validation(string detail) => new("ValidationError", "1 validation error detected: " + detail);

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string Base32Of(byte[] bytes, int length)
    {
        var sb = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            sb.Append(Base32[bytes[i % bytes.Length] % 32]);
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"^[\w+=,.@-]+$")]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^arn:(?<partition>aws|aws-cn|aws-us-gov):iam::(?<account>[0-9]{12}):role/(?:[\x21-\x7E]+/)?(?<name>[\w+=,.@-]{1,64})$")]
    private static partial Regex RoleArnPattern();
}
