using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

/// <summary>Environment variables are process-wide: these tests must not run beside each other.</summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public class EnvironmentCollection { }

[Collection(nameof(EnvironmentCollection))]
public sealed class KmsClientFactoryTests : IDisposable
{
    private static readonly string[] Variables =
    {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED",
        "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    };
    private readonly Dictionary<string, string?> _saved = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-creds-").FullName;

    public KmsClientFactoryTests()
    {
        foreach (var v in Variables) { _saved[v] = Environment.GetEnvironmentVariable(v); Environment.SetEnvironmentVariable(v, null); }
        // Point the shared files somewhere empty and never probe instance metadata.
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(_dir, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(_dir, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    public void Dispose()
    {
        foreach (var kv in _saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value);
        Directory.Delete(_dir, recursive: true);
    }

    private const string Endpoint = "http://127.0.0.1:1";

    [Fact]
    public void Explicit_keys_win_over_everything()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "envsecret");
        var r = KmsClientFactory.Create(new KmsConnectionSettings { Region = "eu-west-2", EndpointUrl = Endpoint, AccessKey = "AKIDX", SecretKey = "s" });
        Assert.Equal("-AccessKey/-SecretKey", r.CredentialSource);
        Assert.Equal("eu-west-2", r.Region);
        Assert.Equal(Endpoint, r.EndpointUrl);
    }

    [Fact]
    public void AccessKey_without_SecretKey_is_refused()
    {
        var ex = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { Region = "eu-west-2", AccessKey = "AKIDX" }));
        Assert.Equal(ErrorIds.CredentialsIncomplete, ex.ErrorId);
    }

    [Fact]
    public void A_named_profile_that_does_not_exist_is_an_error_not_a_fallback()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "envsecret");
        var ex = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { Region = "eu-west-2", ProfileName = "nope", ProfileLocation = Path.Combine(_dir, "credentials") }));
        Assert.Equal(ErrorIds.ProfileNotFound, ex.ErrorId);
        Assert.Contains("nope", ex.Message);
    }

    [Fact]
    public void A_named_profile_from_a_profile_location_supplies_credentials_and_region()
    {
        var file = Path.Combine(_dir, "creds-ops");
        File.WriteAllText(file, "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = opssecret\nregion = ap-south-1\n");
        var r = KmsClientFactory.Create(new KmsConnectionSettings { ProfileName = "ops", ProfileLocation = file, EndpointUrl = Endpoint });
        Assert.Equal("profile 'ops'", r.CredentialSource);
        Assert.Equal("ap-south-1", r.Region);
    }

    [Fact]
    public void Stored_shell_credentials_come_before_the_environment()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "envsecret");
        using var copy = new ForeignSdk();
        var r = KmsClientFactory.Create(new KmsConnectionSettings { StoredCredentials = copy.Session("AKIDSTORED", "storedsecret", "token"), StoredRegion = "us-west-2", EndpointUrl = Endpoint });
        Assert.StartsWith("$StoredAWSCredentials (SessionAWSCredentials", r.CredentialSource);
        Assert.Equal("us-west-2", r.Region);
        AssertKeys(r, "AKIDSTORED", "storedsecret", "token");
    }

    [Fact]
    public void Stored_AWSPSCredentials_are_unwrapped_through_their_non_public_members()
    {
        using var copy = new ForeignSdk();
        var stored = new Amazon.PowerShell.Common.AWSPSCredentials(copy.Session("AKIDPS", "pssecret", "pstoken"), "ops", Amazon.PowerShell.Common.CredentialsSource.Saved);
        var r = KmsClientFactory.Create(new KmsConnectionSettings { StoredCredentials = stored, Region = "eu-west-2", EndpointUrl = Endpoint });
        Assert.Equal("$StoredAWSCredentials (AWSPSCredentials (SessionAWSCredentials, Saved, 'ops'))", r.CredentialSource);
        AssertKeys(r, "AKIDPS", "pssecret", "pstoken");
    }

    [Fact]
    public void Something_else_in_StoredAWSCredentials_is_refused_without_quoting_it()
    {
        var ex = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { StoredCredentials = "AKIDTEXT:secret-text", Region = "eu-west-2", EndpointUrl = Endpoint }));
        Assert.Equal(ErrorIds.StoredCredentialsUnreadable, ex.ErrorId);
        Assert.DoesNotContain("secret-text", ex.ToString());
    }

    [Fact]
    public void Credential_of_another_SDK_copy_comes_after_keys_and_before_the_stored_default()
    {
        using var copy = new ForeignSdk();
        var r = KmsClientFactory.Create(new KmsConnectionSettings
        {
            Credential = copy.Session("AKIDGIVEN", "givensecret", "giventoken"),
            StoredCredentials = copy.Session("AKIDSTORED", "storedsecret", null),
            Region = "eu-west-2",
            EndpointUrl = Endpoint,
        });
        Assert.Equal("-Credential (SessionAWSCredentials)", r.CredentialSource);
        AssertKeys(r, "AKIDGIVEN", "givensecret", "giventoken");
        // Our own SDK's object is used as it is.
        var own = new Amazon.Runtime.BasicAWSCredentials("AKIDOWN", "ownsecret");
        Assert.Same(own, ClientCredentials(KmsClientFactory.Create(new KmsConnectionSettings { Credential = own, Region = "eu-west-2", EndpointUrl = Endpoint })));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Credential_with_keys_or_a_profile_is_a_conflict_not_a_silent_choice(bool withKeys)
    {
        using var copy = new ForeignSdk();
        var settings = new KmsConnectionSettings { Credential = copy.Session("AKIDGIVEN", "givensecret", null), Region = "eu-west-2", EndpointUrl = Endpoint };
        if (withKeys) { settings.AccessKey = "AKIDX"; settings.SecretKey = "s"; } else settings.ProfileName = "ops";
        Assert.Equal(ErrorIds.CredentialParametersConflict, Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(settings)).ErrorId);
    }

    [Fact]
    public void Credential_that_is_not_an_AWSCredentials_is_refused_with_our_ErrorId()
    {
        foreach (var bad in new object[] { "AKIDTEXT:secret-text", new DuckCredentials(), new System.Net.NetworkCredential("user", "secret-text") })
        {
            var ex = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { Credential = bad, Region = "eu-west-2", EndpointUrl = Endpoint }));
            Assert.Equal(ErrorIds.CredentialNotSupported, ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
            Assert.DoesNotContain("secret-text", ex.ToString());
        }
    }

    [Fact]
    public async Task The_adapter_asks_the_foreign_object_on_every_signing_so_refreshed_keys_are_used()
    {
        var foreign = new DuckCredentials();
        var adapter = new ForeignAWSCredentials(foreign);
        Assert.Equal(0, foreign.Calls); // nothing copied up front
        Assert.Equal("AKIDGEN1", adapter.GetCredentials().AccessKey);
        Assert.Equal("AKIDGEN2", adapter.GetCredentials().AccessKey);
        var viaAsync = await adapter.GetCredentialsAsync();
        Assert.Equal("AKIDGEN3", viaAsync.AccessKey);
        Assert.Equal("secret3", viaAsync.SecretKey);
        Assert.Equal("token3", viaAsync.Token);
        Assert.Equal(1, foreign.AsyncCalls); // the foreign async method, where there is one
    }

    [Fact]
    public void A_foreign_object_that_fails_to_give_keys_is_reported_without_secrets()
    {
        var adapter = new ForeignAWSCredentials(new FailingCredentials());
        var ex = Assert.Throws<KmsImportException>(() => adapter.GetCredentials());
        Assert.Equal(ErrorIds.CredentialsUnavailable, ex.ErrorId);
        Assert.Contains("FailingCredentials", ex.Message);
        var empty = Assert.Throws<KmsImportException>(() => new ForeignAWSCredentials(new EmptyKeys()).GetCredentials());
        Assert.Equal(ErrorIds.CredentialsUnavailable, empty.ErrorId);
    }

    [Fact]
    public void Environment_credentials_and_region_are_used_when_nothing_else_is_given()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "envsecret");
        Environment.SetEnvironmentVariable("AWS_REGION", "sa-east-1");
        var r = KmsClientFactory.Create(new KmsConnectionSettings { EndpointUrl = Endpoint });
        Assert.Equal("environment variables", r.CredentialSource);
        Assert.Equal("sa-east-1", r.Region);
    }

    [Fact]
    public void The_default_profile_is_used_after_the_environment()
    {
        File.WriteAllText(Path.Combine(_dir, "credentials"), "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = defsecret\n");
        var r = KmsClientFactory.Create(new KmsConnectionSettings { Region = "eu-west-1", EndpointUrl = Endpoint });
        Assert.Equal("profile 'default'", r.CredentialSource);
    }

    [Fact]
    public void No_region_anywhere_is_refused_with_what_to_do()
    {
        var ex = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { AccessKey = "A", SecretKey = "S", EndpointUrl = Endpoint }));
        Assert.Equal(ErrorIds.RegionNotSpecified, ex.ErrorId);
        Assert.Contains("-Region", ex.Message);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/")]
    public void A_bad_endpoint_url_is_refused(string url)
    {
        var ex = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { Region = "eu-west-2", AccessKey = "A", SecretKey = "S", EndpointUrl = url }));
        Assert.Equal(ErrorIds.EndpointUrlInvalid, ex.ErrorId);
    }

    [Fact]
    public void Configured_endpoints_follow_the_SDKs_precedence_and_sign_for_the_resolved_region()
    {
        File.WriteAllText(Path.Combine(_dir, "config"),
            "[default]\nendpoint_url = http://127.0.0.1:4\nservices = local\n\n[services local]\nkms =\n  endpoint_url = http://127.0.0.1:3\ns3 =\n  endpoint_url = http://127.0.0.1:9\n");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", "http://127.0.0.1:2");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:1/");
        AssertEndpoint("http://127.0.0.1:1", "AWS_ENDPOINT_URL_KMS");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", null);
        AssertEndpoint("http://127.0.0.1:2", "AWS_ENDPOINT_URL");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", null);
        AssertEndpoint("http://127.0.0.1:3", "the kms endpoint_url of profile 'default' (shared config file)");
        File.WriteAllText(Path.Combine(_dir, "config"), "[default]\nendpoint_url = http://127.0.0.1:4 # local\n");
        AssertEndpoint("http://127.0.0.1:4", "the endpoint_url of profile 'default' (shared config file)");

        // -EndpointUrl wins over all of them.
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:1");
        var r = Create(new KmsConnectionSettings { Region = "ap-southeast-2", EndpointUrl = "http://127.0.0.1:5" });
        Assert.Equal(("http://127.0.0.1:5", "-EndpointUrl"), (r.EndpointUrl, r.EndpointSource));
    }

    [Fact]
    public void Ignore_configured_endpoint_urls_turns_them_off_from_the_environment_or_the_profile()
    {
        File.WriteAllText(Path.Combine(_dir, "config"), "[profile ops]\nendpoint_url = http://127.0.0.1:4\nignore_configured_endpoint_urls = true\n[default]\nendpoint_url = http://127.0.0.1:6\n");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:1");
        Environment.SetEnvironmentVariable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        AssertEndpoint(null, null);
        Environment.SetEnvironmentVariable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", null);
        Environment.SetEnvironmentVariable("AWS_PROFILE", "ops");
        AssertEndpoint(null, null); // the profile's own ignore setting
        Environment.SetEnvironmentVariable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
        AssertEndpoint("http://127.0.0.1:1", "AWS_ENDPOINT_URL_KMS"); // the variable decides when set
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", null);
        AssertEndpoint("http://127.0.0.1:4", "the endpoint_url of profile 'ops' (shared config file)");
    }

    [Fact]
    public void A_bad_configured_endpoint_names_where_it_came_from()
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", "kms.local");
        var ex = Assert.Throws<KmsImportException>(() => Create(new KmsConnectionSettings { Region = "eu-west-2" }));
        Assert.Equal(ErrorIds.EndpointUrlInvalid, ex.ErrorId);
        Assert.Contains("AWS_ENDPOINT_URL_KMS", ex.Message);
    }

    [Fact]
    public void Config_file_parsing_reads_only_the_named_profile_and_its_services_section()
    {
        const string text = "# comment\n[profile a]\nregion = eu-west-1\nservices = svc\n[services svc]\ndynamodb =\n  endpoint_url = http://d\nkms =\n  endpoint_url = http://k\n[profile b]\nendpoint_url = http://b\n";
        var a = ConfiguredEndpoint.Parse(text, "a");
        Assert.Equal("http://k", a.KmsEndpoint);
        Assert.Null(a.Endpoint);
        var b = ConfiguredEndpoint.Parse(text, "b");
        Assert.Equal("http://b", b.Endpoint);
        Assert.Null(b.KmsEndpoint);
        Assert.Null(ConfiguredEndpoint.Parse(text, "c").Endpoint);
    }

    private ResolvedKmsClient Create(KmsConnectionSettings s)
    {
        s.AccessKey ??= "AKIDX";
        s.SecretKey ??= "s";
        return KmsClientFactory.Create(s);
    }

    /// <summary>
    /// The endpoint and the Region the SDK client will use: a configured endpoint gets ServiceURL plus
    /// AuthenticationRegion (the Region every request is signed for), and the SDK is told not to apply
    /// configured endpoints again.
    /// </summary>
    private void AssertEndpoint(string? url, string? source)
    {
        var r = Create(new KmsConnectionSettings { Region = "ap-southeast-2" });
        Assert.Equal(url, r.EndpointUrl);
        Assert.Equal(source, r.EndpointSource);
        Assert.Equal("ap-southeast-2", r.Region);
        var config = r.Client.Config;
        Assert.True(config.IgnoreConfiguredEndpointUrls);
        if (url == null)
        {
            Assert.Equal("ap-southeast-2", config.RegionEndpoint?.SystemName);
            Assert.Null(config.ServiceURL);
        }
        else
        {
            Assert.Equal(url + "/", config.ServiceURL);
            Assert.Equal("ap-southeast-2", config.AuthenticationRegion);
        }
    }

    private static void AssertKeys(ResolvedKmsClient r, string access, string secret, string? token)
    {
        var credentials = Assert.IsType<ForeignAWSCredentials>(ClientCredentials(r));
        var keys = credentials.GetCredentials();
        Assert.Equal(access, keys.AccessKey);
        Assert.Equal(secret, keys.SecretKey);
        Assert.Equal(token ?? "", keys.Token ?? "");
    }

    private static Amazon.Runtime.AWSCredentials ClientCredentials(ResolvedKmsClient r) =>
        (Amazon.Runtime.AWSCredentials)typeof(Amazon.Runtime.AmazonServiceClient)
            .GetProperty("ExplicitAWSCredentials", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(r.Client)!;

    /// <summary>Another copy of the AWS SDK: the same AWSSDK.Core file loaded into its own load context, so its types are not ours.</summary>
    private sealed class ForeignSdk : IDisposable
    {
        private readonly System.Runtime.Loader.AssemblyLoadContext _context = new("foreign-aws-sdk", isCollectible: true);
        private readonly System.Reflection.Assembly _core;

        public ForeignSdk() => _core = _context.LoadFromAssemblyPath(typeof(Amazon.Runtime.AWSCredentials).Assembly.Location);

        public object Session(string access, string secret, string? token)
        {
            var o = token == null
                ? Activator.CreateInstance(_core.GetType("Amazon.Runtime.BasicAWSCredentials", true)!, access, secret)!
                : Activator.CreateInstance(_core.GetType("Amazon.Runtime.SessionAWSCredentials", true)!, access, secret, token)!;
            Assert.IsNotAssignableFrom<Amazon.Runtime.AWSCredentials>(o);
            return o;
        }

        public void Dispose() => _context.Unload();
    }

    /// <summary>Credentials of some other library: the adapter's members by name, but no AWSCredentials.</summary>
    private sealed class DuckCredentials
    {
        public int Calls;
        public int AsyncCalls;
        public DuckImmutable GetCredentials() => new(++Calls);
        public Task<DuckImmutable> GetCredentialsAsync() { AsyncCalls++; return Task.FromResult(GetCredentials()); }
    }

    private sealed class DuckImmutable(int generation)
    {
        public string AccessKey => "AKIDGEN" + generation;
        public string SecretKey => "secret" + generation;
        public string Token => "token" + generation;
    }

    private sealed class FailingCredentials
    {
        public object GetCredentials() => throw new InvalidOperationException("the SSO session has expired");
    }

    private sealed class EmptyKeys
    {
        public DuckImmutable? GetCredentials() => null;
    }
}
