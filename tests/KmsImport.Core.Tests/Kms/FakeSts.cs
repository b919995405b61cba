using System.Net;
using System.Net.Sockets;
using System.Text;
using KmsImport.Core.Kms;
using Amazon.Runtime;

namespace KmsImport.Core.Tests.Kms;

/// <summary>An STS-call seam that counts calls, hands out numbered keys and refuses the roles it is told to.</summary>
internal sealed class FakeAssumer : IRoleAssumer
{
    private readonly Func<DateTime> _clock;
    private int _calls;

    public FakeAssumer(Func<DateTime> clock) => _clock = clock;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);
    public HashSet<string> Denied { get; } = new(StringComparer.Ordinal);
    public bool FailAll { get; set; }
    public List<(string Role, string Session, string SourceKey)> Calls { get; } = new();
    public int CallCount => Volatile.Read(ref _calls);

    public async Task<AssumedRole> AssumeAsync(AWSCredentials source, string roleArn, string sessionName, string? externalId)
    {
        var n = Interlocked.Increment(ref _calls);
        var sourceKey = (await source.GetCredentialsAsync()).AccessKey;
        lock (Calls) Calls.Add((roleArn, sessionName, sourceKey));
        if (FailAll || Denied.Contains(roleArn))
            throw new KmsImportException(ErrorIds.RoleNotAssumable, ErrorKind.PermissionDenied, $"denied {roleArn}") { TargetObject = roleArn };
        return new AssumedRole($"ASIATEMP{n:D4}", "tempsecret" + n, "token" + n, _clock() + Lifetime);
    }
}

/// <summary>A mutable clock for refresh tests.</summary>
internal sealed class FakeClock
{
    public DateTime Now { get; set; } = new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc);
    public DateTime UtcNow() => Now;
}

/// <summary>
/// A minimal STS-compatible HTTP endpoint on 127.0.0.1 (a free port): records each request (headers and form body) and
/// answers AssumeRole the way STS does (query protocol XML), or with an STS error when told to.
/// </summary>
internal sealed class FakeStsServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _n;

    public FakeStsServer()
    {
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _loop = Task.Run(Loop);
    }

    public string Url { get; }
    public List<(string Authorization, string Body)> Requests { get; } = new();
    /// <summary>The account in the answer's AssumedRoleUser ARN; null for the role's own.</summary>
    public string? AnswerAccount { get; set; }
    /// <summary>An STS error code to answer with (HTTP 403), or null for success.</summary>
    public string? ErrorCode { get; set; }
    public int LifetimeSeconds { get; set; } = 3600;

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            while (true)
            {
                var head = await ReadHead(stream);
                if (head == null) return;
                var lines = head.Split("\r\n");
                var headers = lines.Skip(1).Where(l => l.Contains(':'))
                    .ToDictionary(l => l[..l.IndexOf(':')].Trim().ToLowerInvariant(), l => l[(l.IndexOf(':') + 1)..].Trim());
                var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl) : 0;
                var body = new byte[length];
                for (int read = 0; read < length;) read += await stream.ReadAsync(body.AsMemory(read, length - read));
                var form = Encoding.UTF8.GetString(body);
                lock (Requests) Requests.Add((headers.GetValueOrDefault("authorization") ?? "", form));
                var (status, xml) = Answer(form);
                var bytes = Encoding.UTF8.GetBytes(xml);
                var response = $"HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {bytes.Length}\r\nx-amzn-RequestId: r{_n}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
                await stream.WriteAsync(bytes);
            }
        }
    }

    private (int, string) Answer(string form)
    {
        var fields = form.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : "");
        if (ErrorCode != null)
            return (403, $"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{ErrorCode}</Code><Message>User: arn:aws:iam::999999999999:user/secret-user-name is not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>");
        var role = fields.GetValueOrDefault("RoleArn") ?? "";
        var account = AnswerAccount ?? role.Split(':')[4];
        var n = Interlocked.Increment(ref _n);
        var expires = DateTime.UtcNow.AddSeconds(LifetimeSeconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        return (200, $"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
            + $"<AccessKeyId>ASIASTS{n:D6}</AccessKeyId><SecretAccessKey>stssecret{n}</SecretAccessKey><SessionToken>ststoken{n}</SessionToken><Expiration>{expires}</Expiration></Credentials>"
            + $"<AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/R/{fields.GetValueOrDefault("RoleSessionName")}</Arn><AssumedRoleId>AROA:{n}</AssumedRoleId></AssumedRoleUser>"
            + "</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>");
    }

    private static async Task<string?> ReadHead(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int n;
            try { n = await stream.ReadAsync(one); }
            catch (Exception) { return null; }
            if (n == 0) return null;
            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^1] == '\n' && buffer[^2] == '\r' && buffer[^3] == '\n' && buffer[^4] == '\r')
                return Encoding.ASCII.GetString(buffer.ToArray());
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(2000); } catch (Exception) { }
    }
}
