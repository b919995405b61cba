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
        var r = KmsClientFactory.Create(new KmsConnectionSettings { StoredCredentials = new ForeignCredentials(), StoredRegion = "us-west-2", EndpointUrl = Endpoint });
        Assert.Equal("$StoredAWSCredentials", r.CredentialSource);
        Assert.Equal("us-west-2", r.Region);
    }

    [Fact]
    public void Stored_credentials_of_another_SDK_copy_are_read_by_reflection()
    {
        var creds = KmsClientFactory.FromStoredCredentials(new ForeignCredentials()).GetCredentials();
        Assert.Equal("AKIDSTORED", creds.AccessKey);
        Assert.Equal("storedsecret", creds.SecretKey);
        Assert.Equal("token", creds.Token);
        Assert.Equal(ErrorIds.StoredCredentialsUnreadable,
            Assert.Throws<KmsImportException>(() => KmsClientFactory.FromStoredCredentials(new object())).ErrorId);
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

    /// <summary>Stands in for AWS Tools' AWSCredentials from another SDK copy: same shape, unrelated type.</summary>
    private sealed class ForeignCredentials
    {
        public ForeignImmutable GetCredentials() => new();
    }

    private sealed class ForeignImmutable
    {
        public string AccessKey => "AKIDSTORED";
        public string SecretKey => "storedsecret";
        public string Token => "token";
    }
}
