using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>The test control API (/_localkms/...) and the raw wire protocol.</summary>
public sealed class ControlApiTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>, IAsyncLifetime
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    public async Task InitializeAsync()
    {
        using HttpResponseMessage r = await host.Http.PostAsync("/_localkms/reset", null);
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    public Task DisposeAsync() => host.ClearFaultsAsync();

    private async Task<HttpResponseMessage> RawKms(string? target, string body)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
        if (target is not null)
        {
            req.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        return await host.Http.SendAsync(req);
    }

    [Fact]
    public async Task Health_IsOk()
    {
        using HttpResponseMessage r = await host.Http.GetAsync("/_localkms/health");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task WireProtocol_ErrorsAreJsonWithType()
    {
        using HttpResponseMessage notFound = await RawKms("TrentService.DescribeKey", "{\"KeyId\":\"" + Guid.NewGuid() + "\"}");
        Assert.Equal(HttpStatusCode.BadRequest, notFound.StatusCode);
        Assert.Equal("application/x-amz-json-1.1", notFound.Content.Headers.ContentType!.MediaType);
        JsonNode body = JsonNode.Parse(await notFound.Content.ReadAsStringAsync())!;
        Assert.Equal("NotFoundException", (string?)body["__type"]);
        Assert.Contains("does not exist", (string?)body["message"]);

        using HttpResponseMessage unknown = await RawKms("TrentService.FlyToTheMoon", "{}");
        Assert.Equal("UnknownOperationException", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["__type"]);
        using HttpResponseMessage noTarget = await RawKms(null, "{}");
        Assert.Equal(HttpStatusCode.BadRequest, noTarget.StatusCode);
        using HttpResponseMessage badJson = await RawKms("TrentService.ListKeys", "{nope");
        Assert.Equal("SerializationException", (string?)JsonNode.Parse(await badJson.Content.ReadAsStringAsync())!["__type"]);
        using HttpResponseMessage missing = await RawKms("TrentService.DescribeKey", "{}");
        Assert.Equal("ValidationException", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["__type"]);

        using HttpResponseMessage ok = await RawKms("TrentService.CreateKey", "{}");
        JsonNode created = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        Assert.True(created["KeyMetadata"]!["CreationDate"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number);
        Assert.Equal("us-east-1", ((string)created["KeyMetadata"]!["Arn"]!).Split(':')[3]); // no SigV4 scope: default Region
    }

    [Fact]
    public async Task RequestLog_RecordsOperationRegionCallerStatusAndKey_WithoutSecrets()
    {
        using (await host.Http.DeleteAsync("/_localkms/requests"))
        {
        }

        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId);
        byte[] material = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        byte[] wrapped = Kms.WrapOaep(p.PublicKey.ToArray(), material, "RSAES_OAEP_SHA_256");
        await _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = new MemoryStream(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = new MemoryStream(wrapped),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        });
        await Kms.FailsWith("NotFoundException", () => host.Client("ca-central-1", "AKIDOTHER").DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/missing" }));

        using HttpResponseMessage raw = await host.Http.GetAsync("/_localkms/requests");
        string json = await raw.Content.ReadAsStringAsync();
        JsonArray log = JsonNode.Parse(json)!.AsArray();
        Assert.Equal(["CreateKey", "GetParametersForImport", "ImportKeyMaterial", "DescribeKey"], log.Select(e => (string)e!["operation"]!));
        JsonNode first = log[0]!;
        Assert.Equal("eu-west-2", (string?)first["region"]);
        Assert.Equal("AKIDLOCAL", (string?)first["accessKeyId"]);
        Assert.Equal(200, (int)first["status"]!);
        Assert.Null(first["errorType"]);
        Assert.Equal(md.KeyId, (string?)first["keyId"]);
        Assert.True(DateTimeOffset.TryParse((string?)first["time"], out _));
        JsonNode last = log[3]!;
        Assert.Equal(("ca-central-1", "AKIDOTHER", 400, "NotFoundException"), ((string?)last["region"], (string?)last["accessKeyId"], (int)last["status"]!, (string?)last["errorType"]));

        foreach (byte[] secret in new[] { material, wrapped, p.ImportToken.ToArray() })
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret), json);
            Assert.DoesNotContain(Convert.ToHexString(secret), json, StringComparison.OrdinalIgnoreCase);
        }

        using (await host.Http.DeleteAsync("/_localkms/requests"))
        {
        }

        Assert.Empty((await host.GetJsonAsync("/_localkms/requests")).AsArray());
    }

    [Fact]
    public async Task Clock_CanBeAdvancedSetAndReset()
    {
        JsonNode c0 = await host.GetJsonAsync("/_localkms/clock");
        Assert.Equal(0, (double)c0["offsetSeconds"]!);
        using (HttpResponseMessage r = await host.PostJsonAsync("/_localkms/clock", new { advanceSeconds = 3600 }))
        {
            Assert.Equal(3600, (double)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["offsetSeconds"]!, 0.5);
        }

        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.InRange(md.CreationDate!.Value, DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(65));

        using (HttpResponseMessage r = await host.PostJsonAsync("/_localkms/clock", new { now = "2030-01-01T00:00:00Z" }))
        {
            DateTimeOffset now = DateTimeOffset.Parse((string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["now"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(now, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(-5), new DateTimeOffset(2030, 1, 1, 0, 0, 5, TimeSpan.Zero));
        }

        using (HttpResponseMessage bad = await host.PostJsonAsync("/_localkms/clock", new { sideways = 1 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (HttpResponseMessage del = await host.Http.DeleteAsync("/_localkms/clock"))
        {
            Assert.Equal(0, (double)JsonNode.Parse(await del.Content.ReadAsStringAsync())!["offsetSeconds"]!);
        }
    }

    [Fact]
    public async Task Faults_ThrottleThenRecover()
    {
        await host.SetFaultsAsync(new[] { new { operation = "ListKeys", throttleRate = 1.0, count = 2 } });
        for (int i = 0; i < 2; i++)
        {
            var e = await Kms.FailsWith("ThrottlingException", () => _kms.ListKeysAsync(new ListKeysRequest()));
            Assert.Equal("Rate exceeded", e.Message);
        }

        await _kms.ListKeysAsync(new ListKeysRequest());
        JsonNode rules = await host.GetJsonAsync("/_localkms/faults");
        Assert.Equal(2, (int)rules[0]!["applied"]!);
        await _kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId }); // other operations unaffected
    }

    [Fact]
    public async Task Faults_InternalErrorIs500KmsInternalException()
    {
        await host.SetFaultsAsync(new { operation = "*", internalErrorRate = 1.0, count = 1 }); // one rule object, not a list
        await Kms.FailsWith("KMSInternalException", () => _kms.ListKeysAsync(new ListKeysRequest()), status: 500);
        await _kms.ListKeysAsync(new ListKeysRequest());
    }

    [Fact]
    public async Task Faults_DropAbortsTheConnectionWithoutResponse()
    {
        // The SDK silently retries a dropped connection as a stale one, so drop every ListKeys for now.
        await host.SetFaultsAsync(new[] { new { operation = "ListKeys", dropRate = 1.0 } });
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => _kms.ListKeysAsync(new ListKeysRequest()));
        Assert.False(e is AmazonServiceException { StatusCode: HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.InternalServerError });
        await Assert.ThrowsAsync<HttpRequestException>(() => RawKms("TrentService.ListKeys", "{}"));
        await host.ClearFaultsAsync();
        await _kms.ListKeysAsync(new ListKeysRequest());
        JsonArray log = (await host.GetJsonAsync("/_localkms/requests")).AsArray();
        Assert.True(log.Count(x => (string?)x!["errorType"] == "ConnectionDropped" && (int)x["status"]! == 0) >= 2);
    }

    [Fact]
    public async Task Faults_LatencyDelaysTheAnswer()
    {
        await host.SetFaultsAsync(new[] { new { operation = "ListKeys", latencyMs = 400 } });
        var sw = Stopwatch.StartNew();
        await _kms.ListKeysAsync(new ListKeysRequest());
        Assert.True(sw.ElapsedMilliseconds >= 380, $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Faults_QuotaPerSecondThrottlesBursts()
    {
        await host.SetFaultsAsync(new[] { new { operation = "CreateKey", quotaPerSecond = 2.0 } });
        string[] results = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            try
            {
                await _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL });
                return "ok";
            }
            catch (AmazonServiceException e)
            {
                return e.ErrorCode;
            }
        }));
        Assert.True(results.Count(r => r == "ok") >= 2 && results.Count(r => r == "ThrottlingException") >= 1, string.Join(",", results));
        await Task.Delay(1100);
        await _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL });
        await host.Client("us-west-1").CreateKeyAsync(new CreateKeyRequest()); // quotas are per Region
    }

    [Fact]
    public async Task Faults_SeededRatesAreReproducible()
    {
        async Task<string> Pattern()
        {
            await host.SetFaultsAsync(new[] { new { operation = "ListKeys", throttleRate = 0.5, seed = 42 } });
            var sb = new StringBuilder();
            for (int i = 0; i < 16; i++)
            {
                try
                {
                    await _kms.ListKeysAsync(new ListKeysRequest());
                    sb.Append('.');
                }
                catch (AmazonServiceException)
                {
                    sb.Append('T');
                }
            }

            return sb.ToString();
        }

        string a = await Pattern();
        Assert.Equal(a, await Pattern());
        Assert.Contains('T', a);
        Assert.Contains('.', a);
    }

    [Fact]
    public async Task Faults_AwsDefaultQuotasPreset()
    {
        await host.SetFaultsAsync(new { preset = "aws-default-quotas" });
        JsonArray rules = (await host.GetJsonAsync("/_localkms/faults")).AsArray();
        Assert.Equal(1.0, (double)rules.Single(r => (string?)r!["operation"] == "GetParametersForImport")!["quotaPerSecond"]!);
        Assert.Equal(5.0, (double)rules.Single(r => (string?)r!["operation"] == "CreateKey")!["quotaPerSecond"]!);
        Assert.Equal(15.0, (double)rules.Single(r => (string?)r!["operation"] == "ImportKeyMaterial")!["quotaPerSecond"]!);
        Assert.Equal(2000.0, (double)rules.Single(r => (string?)r!["operation"] == "DescribeKey")!["quotaPerSecond"]!);

        // A burst of GetParametersForImport (quota 1/s) is mostly throttled. (Exact counting: FaultInjectorTests.)
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        string[] outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await Kms.ParamsAsync(_kms, md.KeyId);
                return "ok";
            }
            catch (AmazonServiceException e)
            {
                return e.ErrorCode;
            }
        }));
        Assert.True(outcomes.Count(o => o == "ThrottlingException") >= 1 && outcomes.Contains("ok"), string.Join(",", outcomes));
        Assert.All(outcomes, o => Assert.True(o is "ok" or "ThrottlingException", o));
        using (HttpResponseMessage bad = await host.PostJsonAsync("/_localkms/faults", new { preset = "nope" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (HttpResponseMessage bad = await host.PostJsonAsync("/_localkms/faults", "[{\"operation\":\"*\",\"throttleRate\":2}]"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (HttpResponseMessage bad = await host.PostJsonAsync("/_localkms/faults", "[{\"operation\":\"*\",\"unknownField\":1}]"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
    }

    [Fact]
    public async Task Reset_ForgetsKeysLogsFaultsAndClock()
    {
        await _kms.CreateKeyAsync(new CreateKeyRequest());
        await host.AdvanceClockAsync(TimeSpan.FromDays(1));
        await host.SetFaultsAsync(new[] { new { operation = "DescribeKey", latencyMs = 1 } });
        using (HttpResponseMessage r = await host.Http.PostAsync("/_localkms/reset", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }

        Assert.Empty((await host.GetJsonAsync("/_localkms/faults")).AsArray());
        Assert.Empty((await host.GetJsonAsync("/_localkms/requests")).AsArray());
        Assert.Equal(0, (double)(await host.GetJsonAsync("/_localkms/clock"))["offsetSeconds"]!);
        Assert.Empty((await _kms.ListKeysAsync(new ListKeysRequest())).Keys ?? []);
    }
}
