using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

/// <summary>The fleet's credentials per row: role patterns, session names, one AssumeRole per account, renewal, profiles.</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class AccountCredentialSourceTests : IDisposable
{
    private static readonly string[] Variables =
    {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED",
        "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    };
    private const string Pattern = "arn:aws:iam::{Account}:role/KmsImportFleet";
    private const string A = "111111111111", B = "222222222222", C = "333333333333";
    private readonly Dictionary<string, string?> _saved = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-fleet-creds-").FullName;
    private readonly FakeClock _clock = new();
    private readonly FakeAssumer _sts;

    public AccountCredentialSourceTests()
    {
        foreach (var v in Variables) { _saved[v] = Environment.GetEnvironmentVariable(v); Environment.SetEnvironmentVariable(v, null); }
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(_dir, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(_dir, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        _sts = new FakeAssumer(_clock.UtcNow);
    }

    public void Dispose()
    {
        foreach (var kv in _saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value);
        Directory.Delete(_dir, recursive: true);
    }

    private static KmsConnectionSettings Base() => new() { Region = "eu-west-2", AccessKey = "AKIDBASE", SecretKey = "basesecret" };

    private AccountCredentialSource Source(string? pattern = Pattern, KmsConnectionSettings? settings = null, string? session = "KmsImport-test-run") =>
        new(settings ?? Base(), pattern, session, "run1", (_, _, _) => _sts, _clock.UtcNow);

    private void WriteFiles(string credentials, string config)
    {
        File.WriteAllText(Path.Combine(_dir, "credentials"), credentials);
        File.WriteAllText(Path.Combine(_dir, "config"), config);
    }

    // ---- the -RoleArn pattern, checked locally ----------------------------------------------------------------

    [Theory]
    [InlineData("arn:aws:iam::{Account}:role/KmsImportFleet", "aws", null)]
    [InlineData("arn:aws-cn:iam::{Account}:role/ops/KmsImportFleet", "aws-cn", null)]
    [InlineData("arn:aws-us-gov:iam::{Account}:role/a/b/Fleet+=,.@_-", "aws-us-gov", null)]
    [InlineData("arn:aws:iam::012345678901:role/KmsImportFleet", "aws", "012345678901")]
    public void Role_patterns_of_a_known_partition_with_one_placeholder_or_a_literal_account_are_taken(string pattern, string partition, string? literal)
    {
        var p = RoleArnPattern.Parse(pattern);
        Assert.Equal(partition, p.Partition);
        Assert.Equal(literal, p.LiteralAccount);
        Assert.Equal(literal == null, p.HasPlaceholder);
    }

    [Theory]
    [InlineData("arn:aws:iam::{Account}{Account}:role/X")]            // two placeholders
    [InlineData("arn:aws:iam::{Account}:role/{Account}")]             // placeholder in the name
    [InlineData("arn:aws:iam::{account}:role/X")]                     // the placeholder is spelt {Account}
    [InlineData("arn:aws:iam::12345678901:role/X")]                   // 11 digits
    [InlineData("arn:aws:iam::1234567890123:role/X")]                 // 13 digits
    [InlineData("arn:aws:iam:eu-west-2:{Account}:role/X")]            // IAM ARNs have no Region
    [InlineData("arn:aws:sts::{Account}:role/X")]                     // not IAM
    [InlineData("arn:aws:iam::{Account}:user/X")]                     // not a role
    [InlineData("arn:aws:iam::{Account}:role/")]                      // no name
    [InlineData("arn:awz:iam::{Account}:role/X")]                     // no such partition
    [InlineData("arn:aws:iam::{Account}:role/X Y")]                   // a space
    [InlineData("KmsImportFleet")]
    public void Role_patterns_that_are_not_IAM_role_ARNs_are_refused_before_any_call(string pattern)
    {
        var ex = Assert.Throws<KmsImportException>(() => Source(pattern));
        Assert.Equal(ErrorIds.RoleArnInvalid, ex.ErrorId);
        Assert.Equal(0, _sts.CallCount);
    }

    [Fact]
    public void A_role_name_longer_than_64_characters_is_refused()
    {
        var ex = Assert.Throws<KmsImportException>(() => RoleArnPattern.Parse("arn:aws:iam::{Account}:role/" + new string('r', 65)));
        Assert.Equal(ErrorIds.RoleArnInvalid, ex.ErrorId);
        Assert.Equal("arn:aws:iam::" + A + ":role/" + new string('r', 64), RoleArnPattern.Parse("arn:aws:iam::{Account}:role/" + new string('r', 64)).For(A));
    }

    [Theory]
    [InlineData("12345678901")]
    [InlineData("1234567890123")]
    [InlineData("12345678901a")]
    [InlineData(" ")]
    [InlineData("1.11111111111E+11")]
    public void Accounts_are_exactly_12_digits(string account)
    {
        var ex = Assert.Throws<KmsImportException>(() => RoleArnPattern.Parse(Pattern).For(account));
        Assert.Equal(ErrorIds.RoleArnInvalid, ex.ErrorId);
        Assert.Equal("arn:aws:iam::000000000042:role/KmsImportFleet", RoleArnPattern.Parse(Pattern).For("000000000042"));
    }

    [Fact]
    public void A_literal_role_of_another_account_is_refused_for_a_row_of_another_account()
    {
        var source = Source("arn:aws:iam::" + A + ":role/Fleet");
        Assert.Equal("arn:aws:iam::" + A + ":role/Fleet", source.RoleFor(A, null, null));
        var ex = Assert.Throws<KmsImportException>(() => source.For(B, null, null));
        Assert.Equal(ErrorIds.RoleArnInvalid, ex.ErrorId);
        Assert.Contains(B, ex.Message);
        Assert.Equal(0, _sts.CallCount);
    }

    [Fact]
    public void A_row_RoleArn_wins_over_the_pattern_and_must_be_in_the_row_account()
    {
        var source = Source();
        Assert.Equal("arn:aws:iam::" + A + ":role/Other", source.RoleFor(A, null, "arn:aws:iam::" + A + ":role/Other"));
        Assert.Equal("arn:aws:iam::" + A + ":role/Other", source.RoleFor(A, null, "arn:aws:iam::{Account}:role/Other"));
        Assert.Equal(ErrorIds.RoleArnInvalid, Assert.Throws<KmsImportException>(() => source.RoleFor(B, null, "arn:aws:iam::" + A + ":role/Other")).ErrorId);
        Assert.Equal(ErrorIds.RoleArnInvalid, Assert.Throws<KmsImportException>(() => source.RoleFor(null, null, "arn:aws:iam::{Account}:role/Other")).ErrorId);
        Assert.Null(source.RoleFor(null, null, null));
        Assert.Null(Source(pattern: null).RoleFor(A, null, null));
    }

    // ---- session names ----------------------------------------------------------------------------------------

    [Fact]
    public void The_default_session_name_names_the_run_within_STS_rules()
    {
        var name = RoleSessionNames.Default(new DateTime(2026, 12, 2, 3, 4, 5, DateTimeKind.Utc), "3f2a9c1d-77aa-4bd0-9e1e-0123456789ab");
        Assert.Equal("KmsImport-20261202T030405-3f2a9c1d", name);
        Assert.Matches(new Regex("^[A-Za-z0-9_+=,.@-]{2,64}$"), name);
        var source = new AccountCredentialSource(Base(), Pattern, null, "abcdef0123456789");
        Assert.Matches(new Regex("^KmsImport-[0-9]{8}T[0-9]{6}-abcdef01$"), source.SessionName);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("has space")]
    [InlineData("slash/no")]
    [InlineData("colon:no")]
    [InlineData("ünïcode")]
    public void Session_names_outside_STS_rules_are_refused_before_any_call(string name)
    {
        var ex = Assert.Throws<KmsImportException>(() => Source(session: name));
        Assert.Equal(ErrorIds.RoleSessionNameInvalid, ex.ErrorId);
        Assert.Equal(0, _sts.CallCount);
    }

    [Fact]
    public void Session_names_of_2_and_64_characters_of_STS_characters_are_taken_and_65_are_not()
    {
        Assert.Equal("ab", RoleSessionNames.Validate("ab"));
        var longest = "A_+=,.@-" + new string('z', 56);
        Assert.Equal(longest, RoleSessionNames.Validate(longest));
        Assert.Equal(ErrorIds.RoleSessionNameInvalid, Assert.Throws<KmsImportException>(() => RoleSessionNames.Validate(longest + "z")).ErrorId);
    }

    // ---- once per account, cached, renewed ----------------------------------------------------------------------

    [Fact]
    public void Each_account_is_assumed_once_with_the_run_session_name_whatever_the_Regions_and_rows()
    {
        var source = Source();
        var seen = new Dictionary<string, Amazon.Runtime.AWSCredentials>();
        foreach (var account in new[] { A, B, C })
            foreach (var region in new[] { "eu-west-1", "eu-west-2", "us-east-1" })
                for (int row = 0; row < 5; row++)
                {
                    var settings = source.SettingsFor(region, account, null, null);
                    Assert.Equal(region, settings.Region);
                    var creds = source.For(account, null, null);
                    Assert.Same(creds, settings.Credential);
                    if (seen.TryGetValue(account, out var before)) Assert.Same(before, creds);
                    seen[account] = creds;
                    creds.GetCredentials();
                }
        Assert.Equal(3, _sts.CallCount);
        Assert.Equal(new[] { A, B, C }.Select(a => $"arn:aws:iam::{a}:role/KmsImportFleet"), _sts.Calls.Select(c => c.Role).OrderBy(r => r));
        Assert.All(_sts.Calls, c => Assert.Equal("KmsImport-test-run", c.Session));
        Assert.All(_sts.Calls, c => Assert.Equal("AKIDBASE", c.SourceKey));
        Assert.Equal(3, seen.Values.Select(c => c.GetCredentials().AccessKey).Distinct().Count());
    }

    [Fact]
    public void Rows_of_one_account_assumed_in_parallel_still_make_one_call()
    {
        var source = Source();
        Parallel.For(0, 64, i => source.For(i % 2 == 0 ? A : B, null, null).GetCredentials());
        Assert.Equal(2, _sts.CallCount);
    }

    [Fact]
    public void A_role_that_cannot_be_assumed_fails_its_account_only_and_is_not_asked_again()
    {
        var source = Source();
        _sts.Denied.Add($"arn:aws:iam::{B}:role/KmsImportFleet");
        source.For(A, null, null);
        var first = Assert.Throws<KmsImportException>(() => source.For(B, null, null));
        var second = Assert.Throws<KmsImportException>(() => source.SettingsFor("eu-west-1", B, null, null));
        Assert.Equal(ErrorIds.RoleNotAssumable, first.ErrorId);
        Assert.Equal(ErrorIds.RoleNotAssumable, second.ErrorId);
        source.For(C, null, null);
        Assert.Equal(3, _sts.CallCount);
    }

    [Fact]
    public async Task Credentials_are_renewed_before_they_expire_not_on_every_request()
    {
        var source = Source();
        var creds = source.For(A, null, null);
        var first = creds.GetCredentials().AccessKey;
        Assert.Equal(_clock.Now.AddHours(1), creds.Expiration);
        _clock.Now = _clock.Now.AddMinutes(54);             // before the 5-minute margin
        Assert.Equal(first, creds.GetCredentials().AccessKey);
        Assert.Equal(1, _sts.CallCount);
        _clock.Now = _clock.Now.AddMinutes(2);              // 4 minutes before expiry: renewed
        var second = creds.GetCredentials().AccessKey;
        Assert.NotEqual(first, second);
        Assert.Equal(2, _sts.CallCount);
        Assert.Equal(second, (await creds.GetCredentialsAsync()).AccessKey);
        Assert.Equal(2, _sts.CallCount);
    }

    [Fact]
    public void Short_lived_credentials_are_renewed_at_half_their_lifetime()
    {
        _sts.Lifetime = TimeSpan.FromSeconds(4);
        var creds = Source().For(A, null, null);
        var first = creds.GetCredentials().AccessKey;
        _clock.Now = _clock.Now.AddSeconds(1.9);
        Assert.Equal(first, creds.GetCredentials().AccessKey);
        _clock.Now = _clock.Now.AddSeconds(0.2);
        Assert.NotEqual(first, creds.GetCredentials().AccessKey);
        Assert.Equal(2, _sts.CallCount);
    }

    [Fact]
    public void A_failed_renewal_keeps_valid_keys_and_fails_with_RoleNotAssumable_once_they_expire()
    {
        var creds = Source().For(A, null, null);
        var first = creds.GetCredentials().AccessKey;
        _sts.FailAll = true;
        _clock.Now = _clock.Now.AddMinutes(58);
        Assert.Equal(first, creds.GetCredentials().AccessKey);
        _clock.Now = _clock.Now.AddMinutes(3);
        var ex = Assert.Throws<KmsImportException>(() => creds.GetCredentials());
        Assert.Equal(ErrorIds.RoleNotAssumable, ex.ErrorId);
        _sts.FailAll = false;
        Assert.NotEqual(first, creds.GetCredentials().AccessKey);
    }

    [Fact]
    public void Rows_without_role_or_profile_keep_the_command_settings()
    {
        var source = Source(pattern: null);
        var settings = source.SettingsFor("us-west-2", A, null, null);
        Assert.Equal("us-west-2", settings.Region);
        Assert.Equal("AKIDBASE", settings.AccessKey);
        Assert.Null(settings.Credential);
        Assert.Equal(0, _sts.CallCount);
    }

    // ---- profiles as the SDK resolves them ------------------------------------------------------------------------

    [Fact]
    public void A_profile_with_role_arn_and_source_profile_assumes_the_role_with_the_source_keys()
    {
        WriteFiles("[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n",
            $"[profile fleet-b]\nrole_arn = arn:aws:iam::{B}:role/Ops\nsource_profile = base\n" +
            $"[profile named]\nrole_arn = arn:aws:iam::{C}:role/Ops\nsource_profile = base\nrole_session_name = my-session\n");
        var source = Source(pattern: null);
        var creds = source.For(null, "fleet-b", null);
        Assert.StartsWith("ASIATEMP", creds.GetCredentials().AccessKey);
        Assert.Equal(($"arn:aws:iam::{B}:role/Ops", "KmsImport-test-run", "AKIDSRC"), _sts.Calls.Single());
        Assert.Same(creds, source.For(null, "fleet-b", null));
        source.For(null, "named", null);
        Assert.Equal("my-session", _sts.Calls[1].Session);
        Assert.Equal(2, _sts.CallCount);

        var settings = source.SettingsFor("eu-west-1", null, "fleet-b", null);
        Assert.Null(settings.ProfileName);
        Assert.Equal("fleet-b", settings.EndpointProfileName);
        Assert.Null(settings.AccessKey);
        settings.EndpointUrl = "http://127.0.0.1:1";
        var client = KmsClientFactory.Create(settings);
        Assert.Contains($"arn:aws:iam::{B}:role/Ops", client.CredentialSource);
        Assert.DoesNotContain("-Credential", client.CredentialSource);
        Assert.Equal(creds.GetCredentials().AccessKey, client.AccessKeyId()); // evidence names the role's keys
    }

    [Fact]
    public void A_chain_of_role_profiles_assumes_each_role_in_turn()
    {
        WriteFiles("[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n",
            $"[profile hub]\nrole_arn = arn:aws:iam::{A}:role/Hub\nsource_profile = base\n[profile spoke]\nrole_arn = arn:aws:iam::{B}:role/Spoke\nsource_profile = hub\n");
        Source(pattern: null).For(null, "spoke", null).GetCredentials();
        Assert.Equal(2, _sts.CallCount);
        Assert.Equal(($"arn:aws:iam::{A}:role/Hub", "AKIDSRC"), (_sts.Calls[0].Role, _sts.Calls[0].SourceKey));
        Assert.Equal($"arn:aws:iam::{B}:role/Spoke", _sts.Calls[1].Role);
        Assert.StartsWith("ASIATEMP", _sts.Calls[1].SourceKey);
    }

    [Fact]
    public void A_profile_with_credential_source_Environment_signs_with_the_environment_keys()
    {
        WriteFiles("", $"[profile envrole]\nrole_arn = arn:aws:iam::{B}:role/Ops\ncredential_source = Environment\n");
        var source = Source(pattern: null);
        var ex = Assert.Throws<KmsImportException>(() => source.For(null, "envrole", null));
        Assert.Equal(ErrorIds.ProfileNotUsable, ex.ErrorId);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENVIRON");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "envsecret");
        Source(pattern: null).For(null, "envrole", null);
        Assert.Equal("AKIDENVIRON", _sts.Calls.Single().SourceKey);
    }

    [Fact]
    public void A_pattern_role_with_a_row_profile_uses_the_profile_as_its_source()
    {
        WriteFiles("[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = othersecret\n", "");
        Source().For(B, "other", null);
        Assert.Equal(($"arn:aws:iam::{B}:role/KmsImportFleet", "AKIDOTHER"), (_sts.Calls.Single().Role, _sts.Calls.Single().SourceKey));
    }

    [Theory]
    [InlineData("[profile p]\nrole_arn = arn:aws:iam::222222222222:role/Ops\n", "neither source_profile nor credential_source")]
    [InlineData("[profile p]\nrole_arn = arn:aws:iam::222222222222:role/Ops\ncredential_source = Somewhere\n", "credential_source is not one of")]
    [InlineData("[profile p]\nrole_arn = arn:aws:iam::222222222222:role/Ops\nsource_profile = missing\n", "'missing', which does not exist")]
    [InlineData("[profile p]\nrole_arn = arn:aws:iam::222222222222:role/Ops\nsource_profile = q\n[profile q]\nrole_arn = arn:aws:iam::222222222222:role/Q\nsource_profile = p\n", "loops")]
    [InlineData("[profile p]\nrole_arn = not-an-arn\nsource_profile = base\n", "not an IAM role ARN")]
    [InlineData("[profile p]\nrole_arn = arn:aws:iam::222222222222:role/Ops\nsource_profile = base\ncredential_source = Environment\n", "both source_profile and credential_source")]
    public void Unusable_role_profiles_fail_with_ProfileNotUsable_before_any_call(string config, string why)
    {
        WriteFiles("[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n", config);
        var ex = Assert.Throws<KmsImportException>(() => Source(pattern: null).For(null, "p", null));
        Assert.Equal(ErrorIds.ProfileNotUsable, ex.ErrorId);
        Assert.Contains(why, ex.Message);
        Assert.DoesNotContain("srcsecret", ex.Message);
        Assert.Equal(0, _sts.CallCount);
    }

    [Fact]
    public void A_missing_profile_is_ProfileNotFound()
    {
        WriteFiles("[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n", "");
        Assert.Equal(ErrorIds.ProfileNotFound, Assert.Throws<KmsImportException>(() => Source(pattern: null).For(null, "nope", null)).ErrorId);
    }

    // ---- the files are untrusted ---------------------------------------------------------------------------------

    [Fact]
    public void A_credentials_file_over_the_size_cap_is_refused_without_quoting_it()
    {
        WriteFiles("[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n" + new string('#', (int)ProfileCredentials.MaxFileBytes), "");
        var ex = Assert.Throws<KmsImportException>(() => Source(pattern: null).For(null, "base", null));
        Assert.Equal(ErrorIds.CredentialsFileInvalid, ex.ErrorId);
        Assert.DoesNotContain("srcsecret", ex.Message);
    }

    [Fact]
    public void A_credentials_file_that_is_a_FIFO_is_refused_not_read()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return; // no FIFOs in the Windows file system; Linux CI runs it
        var fifo = Path.Combine(_dir, "credentials");
        var mk = System.Diagnostics.Process.Start("mkfifo", fifo)!;
        mk.WaitForExit();
        Assert.Equal(0, mk.ExitCode);
        var ex = Assert.Throws<KmsImportException>(() => Source(pattern: null).For(null, "base", null));
        Assert.Equal(ErrorIds.CredentialsFileInvalid, ex.ErrorId);
        var ex2 = Assert.Throws<KmsImportException>(() => KmsClientFactory.Create(new KmsConnectionSettings { Region = "eu-west-2", ProfileName = "base", EndpointUrl = "http://127.0.0.1:1" }));
        Assert.Equal(ErrorIds.CredentialsFileInvalid, ex2.ErrorId);
    }

    [Fact]
    public void A_malformed_config_line_in_a_role_profile_file_names_no_secret()
    {
        WriteFiles("[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key: colonsecret\n",
            $"[profile p]\nrole_arn = arn:aws:iam::{B}:role/Ops\nsource_profile = base\n");
        var ex = Assert.Throws<KmsImportException>(() => Source(pattern: null).For(null, "p", null));
        Assert.Equal(ErrorIds.CredentialsFileInvalid, ex.ErrorId);
        Assert.DoesNotContain("colonsecret", ex.ToString());
        Assert.Equal(0, _sts.CallCount);
    }
}
