using System.Text.RegularExpressions;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

/// <summary>
/// AssumeRole over HTTP against a local STS-compatible endpoint: where the request goes (explicit, AWS_ENDPOINT_URL_STS,
/// AWS_ENDPOINT_URL, the profile's services section), the Region it is signed for, what it carries, and how refusals and
/// odd answers become RoleNotAssumable.
/// </summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class StsRoleAssumerTests : IDisposable
{
    private static readonly string[] Variables =
    {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED",
        "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    };
    private const string B = "222222222222";
    private readonly Dictionary<string, string?> _saved = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-sts-").FullName;
    private readonly FakeStsServer _sts = new();

    public StsRoleAssumerTests()
    {
        foreach (var v in Variables) { _saved[v] = Environment.GetEnvironmentVariable(v); Environment.SetEnvironmentVariable(v, null); }
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(_dir, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(_dir, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    public void Dispose()
    {
        _sts.Dispose();
        foreach (var kv in _saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value);
        Directory.Delete(_dir, recursive: true);
    }

    private KmsConnectionSettings Base(string? sts = null) =>
        new() { Region = "eu-west-2", AccessKey = "AKIDBASE", SecretKey = "basesecret", EndpointUrl = "http://127.0.0.1:1", StsEndpointUrl = sts, MaxErrorRetry = 0, TimeoutSeconds = 10 };

    private static string Form(string body, string name) =>
        System.Net.WebUtility.UrlDecode(Regex.Match(body, "(?:^|&)" + name + "=([^&]*)").Groups[1].Value);

    [Fact]
    public void A_pattern_role_is_assumed_at_the_explicit_STS_endpoint_signed_for_the_command_Region()
    {
        var source = new AccountCredentialSource(Base(_sts.Url), "arn:aws:iam::{Account}:role/KmsImportFleet", "fleet-run-1");
        var creds = source.For(B, null, null);
        var (auth, body) = _sts.Requests.Single();
        Assert.Equal("AssumeRole", Form(body, "Action"));
        Assert.Equal("2011-06-15", Form(body, "Version"));
        Assert.Equal($"arn:aws:iam::{B}:role/KmsImportFleet", Form(body, "RoleArn"));
        Assert.Equal("fleet-run-1", Form(body, "RoleSessionName"));
        Assert.Matches(@"Credential=AKIDBASE/\d{8}/eu-west-2/sts/aws4_request", auth);
        Assert.Equal("ASIASTS000001", creds.GetCredentials().AccessKey);
        Assert.Equal("ststoken1", creds.GetCredentials().Token);

        // The KMS client of the row signs with the role's keys: evidence lines carry the role's access key id.
        var client = KmsClientFactory.Create(source.SettingsFor("eu-west-1", B, null, null));
        Assert.Equal("ASIASTS000001", client.AccessKeyId());
        Assert.Equal("eu-west-1", client.Region);
        Assert.Contains($"role 'arn:aws:iam::{B}:role/KmsImportFleet' (session 'fleet-run-1'", client.CredentialSource);
        Assert.Single(_sts.Requests);
    }

    [Fact]
    public void Without_an_explicit_endpoint_AWS_ENDPOINT_URL_STS_then_AWS_ENDPOINT_URL_choose_it()
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", _sts.Url);
        new AccountCredentialSource(Base(), "arn:aws:iam::{Account}:role/R", "s1").For(B, null, null);
        Assert.Single(_sts.Requests);

        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", null);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", _sts.Url);
        new AccountCredentialSource(Base(), "arn:aws:iam::{Account}:role/R", "s2").For(B, null, null);
        Assert.Equal(2, _sts.Requests.Count);
    }

    [Fact]
    public void A_role_profile_goes_to_the_sts_endpoint_of_its_services_section_and_New_client_uses_it()
    {
        File.WriteAllText(Path.Combine(_dir, "credentials"), "[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n");
        File.WriteAllText(Path.Combine(_dir, "config"),
            $"[profile fleet]\nrole_arn = arn:aws:iam::{B}:role/Ops\nsource_profile = base\nregion = ap-south-1\nservices = local\n" +
            $"[services local]\nsts =\n  endpoint_url = {_sts.Url}\nkms =\n  endpoint_url = http://127.0.0.1:1\n");
        var client = KmsClientFactory.Create(new KmsConnectionSettings { ProfileName = "fleet", MaxErrorRetry = 0 });
        Assert.Equal("http://127.0.0.1:1", client.EndpointUrl);
        Assert.Equal("ap-south-1", client.Region);
        Assert.Contains("profile 'fleet'", client.CredentialSource);
        Assert.Single(_sts.Requests); // assumed at once: a refusal comes before any KMS request
        Assert.Equal("ASIASTS000001", client.AccessKeyId());
        var (auth, body) = _sts.Requests.Single();
        Assert.Matches(@"Credential=AKIDSRC/\d{8}/ap-south-1/sts/aws4_request", auth); // no Region given: the profile's
        Assert.Matches(new Regex("^KmsImport-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$"), Form(body, "RoleSessionName"));
    }

    [Theory]
    [InlineData("AccessDenied", ErrorKind.PermissionDenied)]
    [InlineData("InvalidClientTokenId", ErrorKind.AuthenticationError)]
    [InlineData("RegionDisabledException", ErrorKind.PermissionDenied)]
    public void A_refusal_is_RoleNotAssumable_naming_role_and_account_but_not_STS_text(string code, ErrorKind kind)
    {
        _sts.ErrorCode = code;
        var source = new AccountCredentialSource(Base(_sts.Url), "arn:aws:iam::{Account}:role/KmsImportFleet", "s1");
        var ex = Assert.Throws<KmsImportException>(() => source.For(B, null, null));
        Assert.Equal(ErrorIds.RoleNotAssumable, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Contains($"arn:aws:iam::{B}:role/KmsImportFleet", ex.Message);
        Assert.Contains($"account {B}", ex.Message);
        Assert.Contains(code, ex.Message);
        Assert.DoesNotContain("secret-user-name", ex.Message);
        Assert.DoesNotContain("basesecret", ex.ToString());
        Assert.Throws<KmsImportException>(() => source.For(B, null, null));
        Assert.Single(_sts.Requests); // not asked again
    }

    [Fact]
    public void Credentials_of_another_account_in_the_answer_are_refused()
    {
        _sts.AnswerAccount = "999999999999";
        var ex = Assert.Throws<KmsImportException>(() => new AccountCredentialSource(Base(_sts.Url), "arn:aws:iam::{Account}:role/R", "s1").For(B, null, null));
        Assert.Equal(ErrorIds.RoleNotAssumable, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidResult, ex.Kind);
    }

    [Fact]
    public void An_unreachable_STS_endpoint_is_RoleNotAssumable_and_transient()
    {
        var ex = Assert.Throws<KmsImportException>(() => new AccountCredentialSource(Base("http://127.0.0.1:1"), "arn:aws:iam::{Account}:role/R", "s1").For(B, null, null));
        Assert.Equal(ErrorIds.RoleNotAssumable, ex.ErrorId);
        Assert.True(ex.IsTransient);
    }

    [Theory]
    [InlineData("eu-west-2", "aws", "eu-west-2")]
    [InlineData(null, "aws", "us-east-1")]
    [InlineData("eu-west-2", "aws-cn", "cn-north-1")]
    [InlineData("cn-northwest-1", "aws-cn", "cn-northwest-1")]
    [InlineData("eu-west-2", "aws-us-gov", "us-gov-west-1")]
    public void STS_is_signed_for_the_command_Region_when_it_is_in_the_role_partition(string? region, string partition, string expected) =>
        Assert.Equal(expected, StsRoleAssumer.SigningRegion(region, partition));
}
