using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>Two accounts named by access key id, plus the default account, on one endpoint.</summary>
public class FleetHost : LocalKmsHost
{
    public const string AkidA = "AKIDFLEETA";
    public const string AkidB = "AKIDFLEETB";
    public const string AccountA = "111111111111";
    public const string AccountB = "222222222222";
    public const string DefaultAccount = "111122223333";

    protected override LocalKmsOptions CreateOptions()
    {
        LocalKmsOptions o = base.CreateOptions();
        o.Accounts[AkidA] = AccountA;
        o.Accounts[AkidB] = AccountB;
        return o;
    }

    /// <summary>An STS client of the SDK (AWSSDK.SecurityToken) pointed at this server; retries off.</summary>
    public AmazonSecurityTokenServiceClient Sts(AWSCredentials credentials) => new(
        credentials,
        new AmazonSecurityTokenServiceConfig { ServiceURL = Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(60) });

    public AmazonKeyManagementServiceClient Kms(AWSCredentials credentials, string region = DefaultRegion) => new(
        credentials,
        new AmazonKeyManagementServiceConfig { ServiceURL = Url, AuthenticationRegion = region, MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(60) });
}

/// <summary>Signatures checked: long-term keys need their secret, temporary ones theirs and their session token.</summary>
public sealed class FleetVerifyingHost : FleetHost
{
    protected override LocalKmsOptions CreateOptions()
    {
        LocalKmsOptions o = base.CreateOptions();
        o.VerifySignatures = true;
        o.Credentials[AkidA] = "secret-a";
        o.Credentials[AkidB] = "secret-b";
        return o;
    }
}

/// <summary>LocalKms as a fleet: accounts by access key id, everything per (account, Region), the minimal STS.</summary>
public sealed class FleetTests(FleetHost host) : IClassFixture<FleetHost>, IAsyncLifetime
{
    private const string RoleB = "arn:aws:iam::222222222222:role/KmsImportRole";

    private readonly IAmazonKeyManagementService _a = host.Client(accessKeyId: FleetHost.AkidA);
    private readonly IAmazonKeyManagementService _b = host.Client(accessKeyId: FleetHost.AkidB);

    public async Task InitializeAsync()
    {
        using HttpResponseMessage r = await host.Http.PostAsync("/_localkms/reset", null);
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
    }

    public Task DisposeAsync() => host.ClearFaultsAsync();

    private async Task<JsonArray> LogAsync() => (await host.GetJsonAsync("/_localkms/requests")).AsArray();

    private async Task<Credentials> AssumeAsync(string roleArn = RoleB, string caller = FleetHost.AkidA, int? duration = null)
    {
        using AmazonSecurityTokenServiceClient sts = host.Sts(new BasicAWSCredentials(caller, "any"));
        AssumeRoleResponse r = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "fleet-run-1", DurationSeconds = duration });
        return r.Credentials;
    }

    private static SessionAWSCredentials Session(Credentials c) => new(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);

    [Fact]
    public async Task KeysArnsAndAliases_ArePerAccount()
    {
        KeyMetadata ka = await Kms.CreateExternalAsync(_a);
        Assert.Equal(FleetHost.AccountA, ka.AWSAccountId);
        Assert.Equal($"arn:aws:kms:eu-west-2:{FleetHost.AccountA}:key/{ka.KeyId}", ka.Arn);
        KeyMetadata kb = (await _b.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.Equal(FleetHost.AccountB, kb.AWSAccountId);
        KeyMetadata kd = (await host.Client(accessKeyId: "AKIDNOTMAPPED").CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.Equal(FleetHost.DefaultAccount, kd.AWSAccountId);

        // A key of account A is NotFound for account B: by key id and by ARN.
        await Kms.FailsWith("NotFoundException", () => _b.DescribeKeyAsync(new DescribeKeyRequest { KeyId = ka.KeyId }));
        AmazonServiceException byArn = await Kms.FailsWith("NotFoundException", () => _b.DescribeKeyAsync(new DescribeKeyRequest { KeyId = ka.Arn }));
        Assert.Contains(ka.Arn, byArn.Message);
        Assert.Equal(ka.KeyId, (await _a.DescribeKeyAsync(new DescribeKeyRequest { KeyId = ka.Arn })).KeyMetadata.KeyId);
        Assert.Equal([ka.KeyId], (await _a.ListKeysAsync(new ListKeysRequest())).Keys.Select(k => k.KeyId));
        Assert.Equal([kb.KeyId], (await _b.ListKeysAsync(new ListKeysRequest())).Keys.Select(k => k.KeyId));

        // The same alias name in two accounts: two aliases, each naming its own account's key.
        await _a.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/workload", TargetKeyId = ka.KeyId });
        await _b.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/workload", TargetKeyId = kb.KeyId });
        await Kms.FailsWith("NotFoundException", () => _b.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/other", TargetKeyId = ka.KeyId }));
        Assert.Equal(ka.KeyId, (await _a.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/workload" })).KeyMetadata.KeyId);
        Assert.Equal(kb.KeyId, (await _b.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/workload" })).KeyMetadata.KeyId);
        AliasListEntry aliasB = (await _b.ListAliasesAsync(new ListAliasesRequest())).Aliases.Single(a => a.AliasName == "alias/workload");
        Assert.Equal($"arn:aws:kms:eu-west-2:{FleetHost.AccountB}:alias/workload", aliasB.AliasArn);
        Assert.Contains($"arn:aws:iam::{FleetHost.AccountB}:root", (await _b.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = kb.KeyId, PolicyName = "default" })).Policy);
    }

    [Fact]
    public async Task ImportAndMultiRegion_StayInTheAccount()
    {
        KeyMetadata primary = await Kms.CreateExternalAsync(_b, multiRegion: true);
        byte[] material = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await Kms.ImportAsync(_b, primary.KeyId, material);
        ReplicateKeyResponse replica = await _b.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = "eu-west-1" });
        Assert.Equal($"arn:aws:kms:eu-west-1:{FleetHost.AccountB}:key/{primary.KeyId}", replica.ReplicaKeyMetadata.Arn);
        IAmazonKeyManagementService bWest1 = host.Client("eu-west-1", FleetHost.AkidB);
        await Kms.ImportAsync(bWest1, primary.KeyId, material);
        Assert.Equal(KeyState.Enabled, (await bWest1.DescribeKeyAsync(new DescribeKeyRequest { KeyId = primary.KeyId })).KeyMetadata.KeyState);
        await Kms.FailsWith("NotFoundException", () => host.Client("eu-west-1", FleetHost.AkidA).DescribeKeyAsync(new DescribeKeyRequest { KeyId = primary.KeyId }));

        // An import token of account B's key is no use to account A, even for a key of the same id scheme.
        KeyMetadata ka = await Kms.CreateExternalAsync(_a);
        GetParametersForImportResponse pb = await Kms.ParamsAsync(_b, (await Kms.CreateExternalAsync(_b)).KeyId);
        await Kms.FailsWith("InvalidImportTokenException", () => Kms.ImportWithAsync(_a, ka.KeyId, pb, material));
    }

    [Fact]
    public async Task RequestLog_NamesTheAccountOfEachRequest()
    {
        await _a.ListKeysAsync(new ListKeysRequest());
        await _b.ListKeysAsync(new ListKeysRequest());
        await _b.ListKeysAsync(new ListKeysRequest());
        JsonArray log = await LogAsync();
        Assert.Equal(1, log.Count(e => (string?)e!["account"] == FleetHost.AccountA && (string?)e["operation"] == "ListKeys"));
        Assert.Equal(2, log.Count(e => (string?)e!["account"] == FleetHost.AccountB && (string?)e["operation"] == "ListKeys"));
        Assert.All(log, e => Assert.Equal("kms", (string?)e!["service"]));
    }

    [Fact]
    public async Task FaultRule_CanNameAnAccount()
    {
        await host.SetFaultsAsync(new[] { new { operation = "ListKeys", account = FleetHost.AccountB, throttleRate = 1.0 } });
        await _a.ListKeysAsync(new ListKeysRequest());
        await Kms.FailsWith("ThrottlingException", () => _b.ListKeysAsync(new ListKeysRequest()));
        using HttpResponseMessage bad = await host.PostJsonAsync("/_localkms/faults", new[] { new { operation = "ListKeys", account = "12345", throttleRate = 1.0 } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task AssumeRole_SdkParsesTheAnswer_AndTheCredentialsActAsTheRolesAccount()
    {
        DateTime before = DateTime.UtcNow;
        using AmazonSecurityTokenServiceClient sts = host.Sts(new BasicAWSCredentials(FleetHost.AkidA, "any"));
        AssumeRoleResponse r = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = RoleB, RoleSessionName = "fleet-run-1" });
        Assert.StartsWith("ASIALOCAL", r.Credentials.AccessKeyId);
        Assert.Equal(20, r.Credentials.AccessKeyId.Length);
        Assert.False(string.IsNullOrEmpty(r.Credentials.SecretAccessKey));
        Assert.False(string.IsNullOrEmpty(r.Credentials.SessionToken));
        Assert.InRange(r.Credentials.Expiration!.Value.ToUniversalTime(), before.AddSeconds(3590), DateTime.UtcNow.AddSeconds(3601));
        Assert.Equal("arn:aws:sts::222222222222:assumed-role/KmsImportRole/fleet-run-1", r.AssumedRoleUser.Arn);
        Assert.Matches("^AROA[A-Z2-7]{17}:fleet-run-1$", r.AssumedRoleUser.AssumedRoleId);

        using AmazonKeyManagementServiceClient kms = host.Kms(Session(r.Credentials));
        KeyMetadata k = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.Equal($"arn:aws:kms:eu-west-2:{FleetHost.AccountB}:key/{k.KeyId}", k.Arn);
        Assert.Equal(k.KeyId, (await _b.DescribeKeyAsync(new DescribeKeyRequest { KeyId = k.KeyId })).KeyMetadata.KeyId);
        await Kms.FailsWith("NotFoundException", () => _a.DescribeKeyAsync(new DescribeKeyRequest { KeyId = k.KeyId }));

        using AmazonSecurityTokenServiceClient asRole = host.Sts(Session(r.Credentials));
        GetCallerIdentityResponse who = await asRole.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal(FleetHost.AccountB, who.Account);
        Assert.Equal(r.AssumedRoleUser.Arn, who.Arn);
        Assert.Equal(r.AssumedRoleUser.AssumedRoleId, who.UserId);
        GetCallerIdentityResponse me = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal(FleetHost.AccountA, me.Account);

        JsonArray log = await LogAsync();
        JsonNode assume = log.Single(e => (string?)e!["operation"] == "AssumeRole")!;
        Assert.Equal("sts", (string?)assume["service"]);
        Assert.Equal(FleetHost.AccountA, (string?)assume["account"]);
        Assert.Equal(200, (int)assume["status"]!);
        JsonNode create = log.Single(e => (string?)e!["operation"] == "CreateKey")!;
        Assert.Equal(FleetHost.AccountB, (string?)create["account"]);
        Assert.Equal(r.Credentials.AccessKeyId, (string?)create["accessKeyId"]);
    }

    [Fact]
    public async Task AssumeRole_OfAnUnknownAccountOrADeniedRole_IsAccessDenied()
    {
        using AmazonSecurityTokenServiceClient sts = host.Sts(new BasicAWSCredentials(FleetHost.AkidA, "any"));
        AmazonSecurityTokenServiceException unknown = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(
            () => sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::999999999999:role/KmsImportRole", RoleSessionName = "s1" }));
        Assert.Equal("AccessDenied", unknown.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Equal(ErrorType.Sender, unknown.ErrorType);
        Assert.Contains("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/KmsImportRole", unknown.Message);

        using (HttpResponseMessage set = await host.PostJsonAsync("/_localkms/sts", new { deniedRoleArns = new[] { RoleB } }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        AmazonSecurityTokenServiceException denied = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(
            () => sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = RoleB, RoleSessionName = "s1" }));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::222222222222:role/OtherRole", RoleSessionName = "s1" });
        await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::111122223333:role/path/to/DefaultAccountRole", RoleSessionName = "s1" });
        JsonNode settings = await host.GetJsonAsync("/_localkms/sts");
        Assert.Equal(RoleB, (string?)settings["deniedRoleArns"]![0]);
        Assert.Equal(2, (int)settings["sessions"]!);

        using (HttpResponseMessage clear = await host.Http.DeleteAsync("/_localkms/sts"))
        {
            Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        }

        await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = RoleB, RoleSessionName = "s1" });
        Assert.Equal(2, (await LogAsync()).Count(e => (string?)e!["errorType"] == "AccessDenied"));
    }

    [Theory]
    [InlineData("arn:aws:iam::222222222222:user/NotARole", "s1", null)]
    [InlineData("arn:aws:iam::2222:role/ShortAccount", "s1", null)]
    [InlineData(RoleB, "x", null)]
    [InlineData(RoleB, "has space", null)]
    [InlineData(RoleB, "s1", 899)]
    [InlineData(RoleB, "s1", 43201)]
    public async Task AssumeRole_BadInput_IsValidationError(string roleArn, string sessionName, int? duration)
    {
        using AmazonSecurityTokenServiceClient sts = host.Sts(new BasicAWSCredentials(FleetHost.AkidA, "any"));
        AmazonSecurityTokenServiceException e = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(
            () => sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = sessionName, DurationSeconds = duration }));
        Assert.Equal("ValidationError", e.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
    }

    [Fact]
    public async Task TemporaryCredentials_ExpireOnTheServerClock_WithExpiredTokenException()
    {
        using (HttpResponseMessage set = await host.PostJsonAsync("/_localkms/sts", new { credentialLifetimeSeconds = 60 }))
        {
            Assert.Equal(60, (int)JsonNode.Parse(await set.Content.ReadAsStringAsync())!["credentialLifetimeSeconds"]!);
        }

        Credentials c = await AssumeAsync(duration: 3600); // the control setting wins over DurationSeconds
        Assert.InRange(c.Expiration!.Value.ToUniversalTime(), DateTime.UtcNow.AddSeconds(50), DateTime.UtcNow.AddSeconds(61));
        using AmazonKeyManagementServiceClient kms = host.Kms(Session(c));
        await kms.ListKeysAsync(new ListKeysRequest());

        await host.AdvanceClockAsync(TimeSpan.FromSeconds(61));
        try
        {
            await Kms.FailsWith("ExpiredTokenException", () => kms.ListKeysAsync(new ListKeysRequest()));
            using AmazonSecurityTokenServiceClient asRole = host.Sts(Session(c));
            AmazonSecurityTokenServiceException e = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => asRole.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
            Assert.Equal("ExpiredToken", e.ErrorCode);

            // A refresh: new credentials from AssumeRole work again.
            using AmazonKeyManagementServiceClient refreshed = host.Kms(Session(await AssumeAsync()));
            await refreshed.ListKeysAsync(new ListKeysRequest());
            JsonArray log = await LogAsync();
            Assert.Equal(1, log.Count(e => (string?)e!["errorType"] == "ExpiredTokenException" && (string?)e["account"] == FleetHost.AccountB));
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }

    [Fact]
    public async Task TemporaryCredentials_AreCheckedEvenWithoutVerifySignatures()
    {
        Credentials c = await AssumeAsync();
        using AmazonKeyManagementServiceClient wrongToken = host.Kms(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken + "x"));
        await Kms.FailsWith("UnrecognizedClientException", () => wrongToken.ListKeysAsync(new ListKeysRequest()));
        using AmazonKeyManagementServiceClient noToken = host.Kms(new BasicAWSCredentials(c.AccessKeyId, c.SecretAccessKey));
        await Kms.FailsWith("UnrecognizedClientException", () => noToken.ListKeysAsync(new ListKeysRequest()));
        using AmazonKeyManagementServiceClient wrongSecret = host.Kms(new SessionAWSCredentials(c.AccessKeyId, "wrong", c.SessionToken));
        await Kms.FailsWith("InvalidSignatureException", () => wrongSecret.ListKeysAsync(new ListKeysRequest()));
        using AmazonKeyManagementServiceClient forgotten = host.Kms(new SessionAWSCredentials("ASIALOCALAAAAAAAAAAA", c.SecretAccessKey, c.SessionToken));
        await Kms.FailsWith("UnrecognizedClientException", () => forgotten.ListKeysAsync(new ListKeysRequest()));

        using HttpResponseMessage reset = await host.Http.PostAsync("/_localkms/reset", null);
        using AmazonKeyManagementServiceClient afterReset = host.Kms(Session(c));
        await Kms.FailsWith("UnrecognizedClientException", () => afterReset.ListKeysAsync(new ListKeysRequest()));
    }

    [Fact]
    public async Task Sts_WireFormat_IsTheQueryProtocolWithXmlAnswers()
    {
        async Task<(HttpStatusCode Status, string? ContentType, XElement Body)> Post(string form)
        {
            using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
            using HttpResponseMessage r = await host.Http.PostAsync("/", content);
            return (r.StatusCode, r.Content.Headers.ContentType?.MediaType, XElement.Parse(await r.Content.ReadAsStringAsync()));
        }

        XNamespace ns = "https://sts.amazonaws.com/doc/2011-06-15/";
        var ok = await Post("Action=AssumeRole&Version=2011-06-15&RoleArn=" + Uri.EscapeDataString(RoleB) + "&RoleSessionName=raw-1&DurationSeconds=900");
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("text/xml", ok.ContentType);
        Assert.Equal(ns + "AssumeRoleResponse", ok.Body.Name);
        XElement creds = ok.Body.Element(ns + "AssumeRoleResult")!.Element(ns + "Credentials")!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", creds.Element(ns + "Expiration")!.Value);
        Assert.NotNull(ok.Body.Element(ns + "ResponseMetadata")!.Element(ns + "RequestId"));

        var bad = await Post("Action=DecodeAuthorizationMessage&Version=2011-06-15");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(ns + "ErrorResponse", bad.Body.Name);
        Assert.Equal("InvalidAction", bad.Body.Element(ns + "Error")!.Element(ns + "Code")!.Value);
        Assert.Equal("Sender", bad.Body.Element(ns + "Error")!.Element(ns + "Type")!.Value);

        // Unsigned (no --verify-signatures): the default account calls.
        var who = await Post("Action=GetCallerIdentity&Version=2011-06-15");
        Assert.Equal(FleetHost.DefaultAccount, who.Body.Element(ns + "GetCallerIdentityResult")!.Element(ns + "Account")!.Value);
    }

    [Fact]
    public async Task Control_RefusesBadStsSettings()
    {
        foreach (object body in new object[] { new { credentialLifetimeSeconds = 0 }, new { credentialLifetimeSeconds = 43201 }, new { deniedRoleArns = "x" }, new { nope = 1 } })
        {
            using HttpResponseMessage r = await host.PostJsonAsync("/_localkms/sts", body);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }

        using HttpResponseMessage none = await host.PostJsonAsync("/_localkms/sts", "{\"credentialLifetimeSeconds\":null}");
        Assert.Null(JsonNode.Parse(await none.Content.ReadAsStringAsync())!["credentialLifetimeSeconds"]);
    }

    [Fact]
    public void Options_AccountMapping()
    {
        LocalKmsOptions o = LocalKmsOptions.Parse(["--account", "AKIDX=123456789012", "--account", "AKIDY=210987654321", "--account-id", "333333333333"]);
        Assert.Equal("123456789012", o.AccountOf("AKIDX"));
        Assert.Equal("210987654321", o.AccountOf("AKIDY"));
        Assert.Equal("333333333333", o.AccountOf("AKIDZ"));
        Assert.Equal(["123456789012", "210987654321", "333333333333"], o.KnownAccounts.Order());
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--account", "AKIDX"]));
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--account", "AKIDX=12"]));
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--account", "=123456789012"]));
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--account", "ASIALOCALX=123456789012"]));
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--verify-signatures", "--credential", "AKIDY:s", "--account", "AKIDX=123456789012"]));

        // A 90-key fleet plan on one endpoint needs 90 fresh wrapping pairs ready (bench/Measure-Fleet.ps1).
        Assert.Equal(128, LocalKmsOptions.Parse(["--wrapping-key-pool", "128"]).WrappingKeyPool);
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--wrapping-key-pool", "129"]));
    }
}

/// <summary>The fleet with --verify-signatures: STS checks long-term signatures as KMS does.</summary>
public sealed class FleetVerifyingTests(FleetVerifyingHost host) : IClassFixture<FleetVerifyingHost>
{
    [Fact]
    public async Task AssumeRole_NeedsAValidSignature_AndItsCredentialsWork()
    {
        using AmazonSecurityTokenServiceClient wrong = host.Sts(new BasicAWSCredentials(FleetHost.AkidA, "wrong"));
        AmazonSecurityTokenServiceException e = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(
            () => wrong.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::222222222222:role/R", RoleSessionName = "s1" }));
        Assert.Equal("SignatureDoesNotMatch", e.ErrorCode);
        using AmazonSecurityTokenServiceClient unknown = host.Sts(new BasicAWSCredentials("AKIDUNKNOWN", "x"));
        Assert.Equal("InvalidClientTokenId", (await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(
            () => unknown.GetCallerIdentityAsync(new GetCallerIdentityRequest()))).ErrorCode);

        using AmazonSecurityTokenServiceClient sts = host.Sts(new BasicAWSCredentials(FleetHost.AkidA, "secret-a"));
        Credentials c = (await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::222222222222:role/R", RoleSessionName = "s1" })).Credentials;
        using AmazonKeyManagementServiceClient kms = host.Kms(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken));
        Assert.Equal(FleetHost.AccountB, (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.AWSAccountId);
        await Kms.FailsWith("InvalidSignatureException", () => host.Kms(new BasicAWSCredentials(FleetHost.AkidB, "secret-a")).ListKeysAsync(new ListKeysRequest()));
    }
}

/// <summary>The aws CLI (botocore signs and parses) as an independent client of the fleet and its STS.</summary>
public sealed class FleetCliTests(FleetHost host) : IClassFixture<FleetHost>
{
    private static Dictionary<string, string> Env(string akid, string secret, string? token = null)
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = akid,
            ["AWS_SECRET_ACCESS_KEY"] = secret,
            ["AWS_SESSION_TOKEN"] = token ?? "",
            ["AWS_DEFAULT_REGION"] = "eu-west-2",
            ["AWS_REGION"] = "eu-west-2",
            ["AWS_CONFIG_FILE"] = "/nonexistent/localkms-aws-config",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/localkms-aws-credentials",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_PAGER"] = "",
        };
        if (token is null)
        {
            env.Remove("AWS_SESSION_TOKEN");
        }

        return env;
    }

    private async Task<Tools.Result> Aws(Dictionary<string, string> env, params string[] args) =>
        await Tools.RunAsync("aws", [.. args, "--endpoint-url", host.Url, "--output", "json"], null, env);

    private async Task<JsonNode> AwsOk(Dictionary<string, string> env, params string[] args)
    {
        Tools.Result r = await Aws(env, args);
        Assert.True(r.ExitCode == 0, $"aws {string.Join(' ', args)} failed: {r.StdErr}");
        return JsonNode.Parse(r.StdOut)!;
    }

    [Fact]
    public async Task AwsCli_AssumesARole_AndUsesItsCredentialsInTheRolesAccount()
    {
        Dictionary<string, string> a = Env(FleetHost.AkidA, "any");
        JsonNode assumed = await AwsOk(a, "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/KmsImportRole", "--role-session-name", "cli-run-1");
        JsonNode c = assumed["Credentials"]!;
        Assert.Equal("arn:aws:sts::222222222222:assumed-role/KmsImportRole/cli-run-1", (string?)assumed["AssumedRoleUser"]!["Arn"]);
        Dictionary<string, string> role = Env((string)c["AccessKeyId"]!, (string)c["SecretAccessKey"]!, (string)c["SessionToken"]!);

        JsonNode created = await AwsOk(role, "kms", "create-key", "--origin", "EXTERNAL");
        string keyId = (string)created["KeyMetadata"]!["KeyId"]!;
        Assert.Equal($"arn:aws:kms:eu-west-2:{FleetHost.AccountB}:key/{keyId}", (string?)created["KeyMetadata"]!["Arn"]);
        Assert.Equal(FleetHost.AccountB, (string?)(await AwsOk(role, "sts", "get-caller-identity"))["Account"]);
        Assert.Equal(FleetHost.AccountA, (string?)(await AwsOk(a, "sts", "get-caller-identity"))["Account"]);

        Tools.Result notFound = await Aws(a, "kms", "describe-key", "--key-id", keyId);
        Assert.NotEqual(0, notFound.ExitCode);
        Assert.Contains("NotFoundException", notFound.StdErr);

        Tools.Result denied = await Aws(a, "sts", "assume-role", "--role-arn", "arn:aws:iam::999999999999:role/KmsImportRole", "--role-session-name", "cli-run-1");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("AccessDenied", denied.StdErr);

        Tools.Result badToken = await Aws(Env((string)c["AccessKeyId"]!, (string)c["SecretAccessKey"]!, "not-the-token"), "kms", "list-keys");
        Assert.NotEqual(0, badToken.ExitCode);
        Assert.Contains("UnrecognizedClientException", badToken.StdErr);

        await host.AdvanceClockAsync(TimeSpan.FromHours(2));
        try
        {
            Tools.Result expired = await Aws(role, "kms", "list-keys");
            Assert.NotEqual(0, expired.ExitCode);
            Assert.Contains("ExpiredTokenException", expired.StdErr);
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }
}

/// <summary>State files of version 1 (one account, keyed by Region) still load.</summary>
public sealed class StateFileVersionTests
{
    [Fact]
    public async Task Version1StateFile_LoadsIntoTheKeysAccount()
    {
        string dir = Tools.TempDir();
        try
        {
            string path = Path.Combine(dir, "state.json");
            var options = new LocalKmsOptions { StateFile = path, AccountId = "444455556666", SharedWrappingKeyPool = LocalKmsHost.SharedPool };
            string keyId;
            await using (LocalKmsServer first = await LocalKmsServer.StartAsync(options))
            {
                using var kms = new AmazonKeyManagementServiceClient(new BasicAWSCredentials("AKID", "s"), new AmazonKeyManagementServiceConfig { ServiceURL = first.Url, AuthenticationRegion = "eu-west-2", MaxErrorRetry = 0 });
                keyId = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
                await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/old", TargetKeyId = keyId });
            }

            // Rewrite it as version 1 wrote it: Regions keyed by Region name alone.
            JsonObject state = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            Assert.Equal(2, (int)state["Version"]!);
            JsonObject regions = state["Regions"]!.AsObject();
            JsonNode scope = regions["444455556666/eu-west-2"]!;
            regions.Remove("444455556666/eu-west-2");
            regions["eu-west-2"] = scope;
            state["Version"] = 1;
            await File.WriteAllTextAsync(path, state.ToJsonString());

            options.Accounts["AKIDOTHER"] = "777777777777";
            await using LocalKmsServer second = await LocalKmsServer.StartAsync(options);
            using var again = new AmazonKeyManagementServiceClient(new BasicAWSCredentials("AKID", "s"), new AmazonKeyManagementServiceConfig { ServiceURL = second.Url, AuthenticationRegion = "eu-west-2", MaxErrorRetry = 0 });
            Assert.Equal(keyId, (await again.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/old" })).KeyMetadata.KeyId);
            using var other = new AmazonKeyManagementServiceClient(new BasicAWSCredentials("AKIDOTHER", "s"), new AmazonKeyManagementServiceConfig { ServiceURL = second.Url, AuthenticationRegion = "eu-west-2", MaxErrorRetry = 0 });
            await Kms.FailsWith("NotFoundException", () => other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/old" }));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
