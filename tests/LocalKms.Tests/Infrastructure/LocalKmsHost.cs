using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Xunit;

namespace LocalKms.Tests.Infrastructure;

/// <summary>An in-process LocalKms on 127.0.0.1:0, with SDK clients and the control API.</summary>
public class LocalKmsHost : IAsyncLifetime
{
    public const string AccessKeyId = "AKIDLOCAL";
    public const string Secret = "secret";
    public const string DefaultRegion = "eu-west-2";

    private readonly List<IDisposable> _clients = [];
    private LocalKmsServer? _server;

    public LocalKmsServer Server => _server ?? throw new InvalidOperationException("The server is not started.");

    public string Url => Server.Url;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>One pool of pre-generated RSA wrapping key pairs for every in-process server of the test run.</summary>
    internal static readonly Crypto.WrappingKeyPool SharedPool = new(2);

    protected virtual LocalKmsOptions CreateOptions() => new() { SharedWrappingKeyPool = SharedPool };

    public async Task InitializeAsync()
    {
        _server = await LocalKmsServer.StartAsync(CreateOptions());
        Http.BaseAddress = new Uri(Url);
    }

    public async Task DisposeAsync()
    {
        foreach (IDisposable c in _clients)
        {
            c.Dispose();
        }

        Http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A real AWS SDK client pointed at this server; retries off so errors surface at once.</summary>
    public AmazonKeyManagementServiceClient Client(string region = DefaultRegion, string accessKeyId = AccessKeyId, string secret = Secret)
    {
        var client = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials(accessKeyId, secret),
            new AmazonKeyManagementServiceConfig
            {
                ServiceURL = Url,
                AuthenticationRegion = region,
                MaxErrorRetry = 0,
                Timeout = TimeSpan.FromSeconds(60),
            });
        _clients.Add(client);
        return client;
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using HttpResponseMessage r = await Http.GetAsync(path);
        r.EnsureSuccessStatusCode();
        return JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string path, object body)
    {
        string json = body is string s ? s : JsonSerializer.Serialize(body);
        return await Http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
    }

    public async Task AdvanceClockAsync(TimeSpan by)
    {
        using HttpResponseMessage r = await PostJsonAsync("/_localkms/clock", new { advanceSeconds = by.TotalSeconds });
        r.EnsureSuccessStatusCode();
    }

    public async Task ResetClockAsync()
    {
        using HttpResponseMessage r = await Http.DeleteAsync("/_localkms/clock");
        r.EnsureSuccessStatusCode();
    }

    public async Task SetFaultsAsync(object rules)
    {
        using HttpResponseMessage r = await PostJsonAsync("/_localkms/faults", rules);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    public async Task ClearFaultsAsync()
    {
        using HttpResponseMessage r = await Http.DeleteAsync("/_localkms/faults");
        r.EnsureSuccessStatusCode();
    }
}

/// <summary>The server for the aws CLI / OpenSSL cross-checks.</summary>
public sealed class CliHost : LocalKmsHost;
