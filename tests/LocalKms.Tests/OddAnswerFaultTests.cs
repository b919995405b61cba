using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Control;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>
/// The odd-answer faults: the operation carried out and then the connection dropped, an empty 200 body,
/// <c>{}</c>, a proxy's HTML error page, JSON without <c>__type</c>. Raw HTTP shows exactly what goes out;
/// the key count shows whether the operation was carried out.
/// </summary>
public sealed class OddAnswerFaultTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>, IAsyncLifetime
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    public async Task InitializeAsync()
    {
        using HttpResponseMessage r = await host.Http.PostAsync("/_localkms/reset", null);
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    public Task DisposeAsync() => host.ClearFaultsAsync();

    private Task<HttpResponseMessage> Raw(string operation, string body)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
        req.Headers.TryAddWithoutValidation("X-Amz-Target", "TrentService." + operation);
        return host.Http.SendAsync(req);
    }

    private async Task<int> KeyCount()
    {
        await host.ClearFaultsAsync();
        return (await _kms.ListKeysAsync(new ListKeysRequest())).Keys.Count;
    }

    private async Task<JsonArray> Log() => (await host.GetJsonAsync("/_localkms/requests")).AsArray();

    [Fact]
    public async Task DropAfter_CarriesOutTheOperation_ThenClosesWithoutAnswer()
    {
        await host.SetFaultsAsync(new[] { new { operation = "CreateKey", answer = "dropAfter", count = 1 } });
        // The SDK resends a request whose connection broke as a "stale connection" unless told not to.
        using var once = new AmazonKeyManagementServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(LocalKmsHost.AccessKeyId, LocalKmsHost.Secret),
            new AmazonKeyManagementServiceConfig { ServiceURL = host.Url, AuthenticationRegion = LocalKmsHost.DefaultRegion, MaxErrorRetry = 0, MaxStaleConnectionRetries = 0 });
        await Assert.ThrowsAnyAsync<Exception>(() => once.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL }));
        Assert.Equal(1, await KeyCount());
        await host.SetFaultsAsync(new[] { new { operation = "ListKeys", answer = "dropAfter", count = 1 } });
        await Assert.ThrowsAsync<HttpRequestException>(() => Raw("ListKeys", "{}"));
        Assert.Contains(await Log(), x => (string?)x!["errorType"] == "ConnectionDroppedAfterSuccess" && (int)x["status"]! == 0);
    }

    [Theory]
    [InlineData("emptyBody", "")]
    [InlineData("emptyObject", "{}")]
    public async Task EmptyAnswers_Are200_AfterTheOperationWasCarriedOut(string kind, string body)
    {
        await host.SetFaultsAsync(new[] { new { operation = "CreateKey", answer = kind } });
        try
        {
            CreateKeyResponse answered = await _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL });
            Assert.Null(answered.KeyMetadata); // {}: the SDK reads an empty answer
        }
        catch (Amazon.Runtime.AmazonUnmarshallingException) when (kind == "emptyBody")
        {
            // no body at all: the SDK cannot read it
        }

        Assert.Equal(1, await KeyCount());
        await host.SetFaultsAsync(new[] { new { operation = "ListKeys", answer = kind } });
        using HttpResponseMessage r = await Raw("ListKeys", "{}");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(body, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EmptyObject_WithPerformFalse_ChangesNothing()
    {
        await host.SetFaultsAsync(new[] { new { operation = "CreateKey", answer = "emptyObject", perform = false } });
        CreateKeyResponse r = await _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL });
        Assert.Null(r.KeyMetadata);
        Assert.Equal(0, await KeyCount());
    }

    [Theory]
    [InlineData(502)]
    [InlineData(403)]
    public async Task Html_IsAnErrorPageWithTheStatus_AndNothingIsDone(int status)
    {
        await host.SetFaultsAsync(new[] { new { operation = "CreateKey", answer = "html", status } });
        using HttpResponseMessage r = await Raw("CreateKey", "{\"Origin\":\"EXTERNAL\"}");
        Assert.Equal(status, (int)r.StatusCode);
        Assert.StartsWith("text/html", r.Content.Headers.ContentType!.ToString());
        Assert.Contains("<html>", await r.Content.ReadAsStringAsync());
        Assert.Equal(0, await KeyCount());
        Assert.Contains(await Log(), x => (string?)x!["errorType"] == "HtmlError" && (int)x["status"]! == status);
    }

    [Fact]
    public async Task UntypedError_IsJsonWithoutType()
    {
        await host.SetFaultsAsync(new[] { new { operation = "DescribeKey", answer = "untypedError" } });
        using HttpResponseMessage r = await Raw("DescribeKey", "{\"KeyId\":\"x\"}");
        Assert.Equal(400, (int)r.StatusCode);
        JsonObject body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject();
        Assert.False(body.ContainsKey("__type"));
    }

    [Fact]
    public async Task Patch_MergesIntoTheNormalAnswer_NullRemovesAField()
    {
        await host.SetFaultsAsync(new[]
        {
            new { operation = "CreateKey", answer = "patch", patch = (object)new { KeyMetadata = new { KeySpec = "QUANTUM_9000", Description = (string?)null } } },
        });
        CreateKeyResponse r = await _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL, Description = "d" });
        Assert.Equal("QUANTUM_9000", r.KeyMetadata.KeySpec.Value);
        Assert.Null(r.KeyMetadata.Description);
        Assert.False(string.IsNullOrEmpty(r.KeyMetadata.KeyId));
        Assert.Equal(1, await KeyCount());
        Assert.Contains(await Log(), x => (string?)x!["errorType"] == "Patched" && (int)x["status"]! == 200);
    }

    [Fact]
    public async Task AnswerRules_AreValidated()
    {
        var f = new FaultInjector();
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Answer = "teapot" }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Answer = "dropAfter", Status = 500 }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Answer = "html", Status = 200 }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Perform = true }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Answer = "html", AnswerRate = 2 }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Answer = "patch" }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Answer = "emptyObject", Patch = [] }]));
        f.Set([new FaultRule { Operation = "ImportKeyMaterial", Answer = "emptyBody", Count = 1 }]);
        Assert.Equal(new OddAnswer("emptyBody", true, 400), f.Evaluate("ImportKeyMaterial", "r", "111122223333").Answer);
        Assert.Equal(FaultOutcome.None, f.Evaluate("ImportKeyMaterial", "r", "111122223333").Outcome);
        using HttpResponseMessage bad = await host.PostJsonAsync("/_localkms/faults", "[{\"operation\":\"*\",\"answer\":\"nope\"}]");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
