using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>CreateKey, DescribeKey, ListKeys, aliases, enable/disable, deletion and Regions, through the AWS SDK.</summary>
public sealed class KeyLifecycleTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    public static TheoryData<string, string> AllowedPairs => new()
    {
        { "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT" },
        { "HMAC_224", "GENERATE_VERIFY_MAC" }, { "HMAC_256", "GENERATE_VERIFY_MAC" },
        { "HMAC_384", "GENERATE_VERIFY_MAC" }, { "HMAC_512", "GENERATE_VERIFY_MAC" },
        { "RSA_2048", "ENCRYPT_DECRYPT" }, { "RSA_2048", "SIGN_VERIFY" },
        { "RSA_3072", "ENCRYPT_DECRYPT" }, { "RSA_3072", "SIGN_VERIFY" },
        { "RSA_4096", "ENCRYPT_DECRYPT" }, { "RSA_4096", "SIGN_VERIFY" },
        { "ECC_NIST_P256", "SIGN_VERIFY" }, { "ECC_NIST_P256", "KEY_AGREEMENT" },
        { "ECC_NIST_P384", "SIGN_VERIFY" }, { "ECC_NIST_P384", "KEY_AGREEMENT" },
        { "ECC_NIST_P521", "SIGN_VERIFY" }, { "ECC_NIST_P521", "KEY_AGREEMENT" },
        { "ECC_SECG_P256K1", "SIGN_VERIFY" },
    };

    [Theory]
    [MemberData(nameof(AllowedPairs))]
    public async Task CreateKey_External_AcceptsEveryImportableSpecAndUsage(string spec, string usage)
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL, KeySpec = spec, KeyUsage = usage })).KeyMetadata;
        Assert.Equal(spec, md.KeySpec.Value);
        Assert.Equal(usage, md.KeyUsage.Value);
        Assert.Equal(OriginType.EXTERNAL, md.Origin);
        Assert.Equal(KeyState.PendingImport, md.KeyState);
        Assert.False(md.Enabled);
        Assert.False(md.MultiRegion);
        Assert.Null(md.CurrentKeyMaterialId);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", md.KeyId);
        Assert.Equal($"arn:aws:kms:eu-west-2:111122223333:key/{md.KeyId}", md.Arn);
        Assert.Equal("111122223333", md.AWSAccountId);
        Assert.InRange(md.CreationDate!.Value, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        if (usage == "ENCRYPT_DECRYPT")
        {
            Assert.Contains(spec == "SYMMETRIC_DEFAULT" ? "SYMMETRIC_DEFAULT" : "RSAES_OAEP_SHA_256", md.EncryptionAlgorithms);
        }
        else if (usage == "SIGN_VERIFY")
        {
            Assert.NotEmpty(md.SigningAlgorithms);
        }
        else if (usage == "GENERATE_VERIFY_MAC")
        {
            Assert.Equal("HMAC_SHA_" + spec[5..], Assert.Single(md.MacAlgorithms));
        }
        else
        {
            Assert.Equal("ECDH", Assert.Single(md.KeyAgreementAlgorithms));
        }
    }

    [Theory]
    [InlineData("SYMMETRIC_DEFAULT", null)]
    [InlineData("HMAC_256", "GENERATE_VERIFY_MAC")]
    [InlineData("ECC_NIST_P256", "SIGN_VERIFY")]
    [InlineData("ECC_SECG_P256K1", "SIGN_VERIFY")]
    [InlineData("RSA_2048", "ENCRYPT_DECRYPT")]
    public async Task CreateKey_AwsKms_IsEnabledWithMaterial(string spec, string? usage)
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = usage })).KeyMetadata;
        Assert.Equal(KeyState.Enabled, md.KeyState);
        Assert.True(md.Enabled);
        Assert.Equal(OriginType.AWS_KMS, md.Origin);
        Assert.Null(md.ExpirationModel);
        if (spec == "SYMMETRIC_DEFAULT")
        {
            Assert.Matches("^[0-9a-f]{64}$", md.CurrentKeyMaterialId);
            Assert.Equal(KeyUsageType.ENCRYPT_DECRYPT, md.KeyUsage);
        }
    }

    [Theory]
    [InlineData("HMAC_256", "ENCRYPT_DECRYPT")]
    [InlineData("SYMMETRIC_DEFAULT", "SIGN_VERIFY")]
    [InlineData("ECC_SECG_P256K1", "KEY_AGREEMENT")]
    [InlineData("RSA_2048", "KEY_AGREEMENT")]
    [InlineData("ECC_NIST_P256", "ENCRYPT_DECRYPT")]
    [InlineData("RSA_4096", "GENERATE_VERIFY_MAC")]
    public Task CreateKey_RefusesIncompatibleKeyUsage(string spec, string usage) =>
        Kms.FailsWith("ValidationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL, KeySpec = spec, KeyUsage = usage }));

    [Fact]
    public async Task CreateKey_RefusesWhatAwsRefuses()
    {
        await Kms.FailsWith("ValidationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "RSA_2048" })); // no KeyUsage
        await Kms.FailsWith("ValidationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "HMAC_256" }));
        await Kms.FailsWith("ValidationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "NOT_A_SPEC" }));
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "SM2", KeyUsage = "SIGN_VERIFY", Origin = OriginType.EXTERNAL }));
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ML_DSA_65", KeyUsage = "SIGN_VERIFY", Origin = OriginType.EXTERNAL }));
        await Kms.FailsWith("MalformedPolicyDocumentException", () => _kms.CreateKeyAsync(new CreateKeyRequest { Policy = "{not json" }));
        await Kms.FailsWith("TagException", () => _kms.CreateKeyAsync(new CreateKeyRequest { Tags = [new Tag { TagKey = "aws:reserved", TagValue = "x" }] }));
        await Kms.FailsWith("TagException", () => _kms.CreateKeyAsync(new CreateKeyRequest { Tags = [new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "a", TagValue = "2" }] }));
        await Kms.FailsWith("CustomKeyStoreNotFoundException", () => _kms.CreateKeyAsync(new CreateKeyRequest { CustomKeyStoreId = "cks-1234567890abcdef0", Origin = OriginType.AWS_CLOUDHSM }));
        await Kms.FailsWith("ValidationException", () => _kms.CreateKeyAsync(new CreateKeyRequest { Description = new string('d', 8193) }));
    }

    [Fact]
    public async Task CreateKey_StoresDescriptionTagsAndPolicy()
    {
        const string policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest
        {
            Origin = OriginType.EXTERNAL,
            Description = "byok test key",
            Policy = policy,
            Tags = [new Tag { TagKey = "Project", TagValue = "KmsImport" }, new Tag { TagKey = "Empty", TagValue = "" }],
        })).KeyMetadata;
        Assert.Equal("byok test key", md.Description);
        GetKeyPolicyResponse p = await _kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = md.KeyId });
        Assert.Equal(policy, p.Policy);
        ListResourceTagsResponse t = await _kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = md.Arn });
        Assert.Equal(["Project=KmsImport", "Empty="], t.Tags.Select(x => x.TagKey + "=" + x.TagValue));

        KeyMetadata plain = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.Contains("arn:aws:iam::111122223333:root", (await _kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = plain.KeyId })).Policy);
    }

    [Fact]
    public async Task CreateKey_MultiRegion_HasMrkIdAndPrimaryConfiguration()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms, multiRegion: true);
        Assert.Matches("^mrk-[0-9a-f]{32}$", md.KeyId);
        Assert.True(md.MultiRegion);
        Assert.Equal(MultiRegionKeyType.PRIMARY, md.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(md.Arn, md.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Equal("eu-west-2", md.MultiRegionConfiguration.PrimaryKey.Region);
        Assert.Empty(md.MultiRegionConfiguration.ReplicaKeys ?? []);
    }

    [Fact]
    public async Task DescribeKey_ResolvesIdArnAliasNameAndAliasArn()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        string alias = "alias/describe-" + Guid.NewGuid().ToString("N");
        await _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = md.KeyId });
        foreach (string id in new[] { md.KeyId, md.Arn, alias, $"arn:aws:kms:eu-west-2:111122223333:{alias}" })
        {
            KeyMetadata got = await Kms.DescribeAsync(_kms, id);
            Assert.Equal(md.KeyId, got.KeyId);
            Assert.Equal(KeyState.PendingImport, got.KeyState);
        }
    }

    [Fact]
    public async Task DescribeKey_Errors()
    {
        string missing = Guid.NewGuid().ToString();
        var e = await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, missing));
        Assert.Contains(missing, e.Message);
        await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, "not-a-key-id"));
        await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, "alias/does-not-exist"));
        await Kms.FailsWith("InvalidArnException", () => Kms.DescribeAsync(_kms, "arn:aws:kms:eu-west-2"));
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, md.Arn.Replace("eu-west-2", "eu-west-1", StringComparison.Ordinal)));
        await Kms.FailsWith("ValidationException", () => _kms.DescribeKeyAsync(new DescribeKeyRequest()));
    }

    [Fact]
    public async Task ListKeys_PaginatesWithMarker()
    {
        var kms = host.Client("sa-east-1");
        var created = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            created.Add((await kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL })).KeyMetadata.KeyId);
        }

        var seen = new List<string>();
        string? marker = null;
        int pages = 0;
        do
        {
            ListKeysResponse page = await kms.ListKeysAsync(new ListKeysRequest { Limit = 2, Marker = marker });
            seen.AddRange(page.Keys.Select(k => k.KeyId));
            Assert.All(page.Keys, k => Assert.Equal($"arn:aws:kms:sa-east-1:111122223333:key/{k.KeyId}", k.KeyArn));
            marker = page.Truncated == true ? page.NextMarker : null;
            pages++;
        }
        while (marker is not null);
        Assert.True(pages >= 3);
        Assert.Superset(created.ToHashSet(), seen.ToHashSet());
        await Kms.FailsWith("InvalidMarkerException", () => kms.ListKeysAsync(new ListKeysRequest { Marker = "bogus" }));
        await Kms.FailsWith("ValidationException", () => kms.ListKeysAsync(new ListKeysRequest { Limit = int.Parse("0", System.Globalization.CultureInfo.InvariantCulture) }));
    }

    [Fact]
    public async Task Aliases_CreateListDeleteAndErrors()
    {
        KeyMetadata a = await Kms.CreateExternalAsync(_kms);
        KeyMetadata b = await Kms.CreateExternalAsync(_kms);
        string name = "alias/kmsimport/" + Guid.NewGuid().ToString("N");
        await _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = a.Arn });
        await Kms.FailsWith("AlreadyExistsException", () => _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = b.KeyId }));
        await Kms.FailsWith("InvalidAliasNameException", () => _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "no-prefix", TargetKeyId = b.KeyId }));
        await Kms.FailsWith("InvalidAliasNameException", () => _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/aws/reserved", TargetKeyId = b.KeyId }));
        await Kms.FailsWith("ValidationException", () => _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = $"alias/bad name!{string.Empty}", TargetKeyId = b.KeyId }));
        await Kms.FailsWith("NotFoundException", () => _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name + "x", TargetKeyId = Guid.NewGuid().ToString() }));

        ListAliasesResponse forA = await _kms.ListAliasesAsync(new ListAliasesRequest { KeyId = a.KeyId });
        AliasListEntry entry = Assert.Single(forA.Aliases);
        Assert.Equal(name, entry.AliasName);
        Assert.Equal(a.KeyId, entry.TargetKeyId);
        Assert.Equal($"arn:aws:kms:eu-west-2:111122223333:{name}", entry.AliasArn);
        Assert.NotNull(entry.CreationDate);
        Assert.Contains((await _kms.ListAliasesAsync(new ListAliasesRequest())).Aliases, x => x.AliasName == name);

        await _kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = name });
        Assert.Empty((await _kms.ListAliasesAsync(new ListAliasesRequest { KeyId = a.KeyId })).Aliases ?? []);
        await Kms.FailsWith("NotFoundException", () => _kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = name }));
    }

    [Fact]
    public async Task EnableDisable_ChangeStateAndGateCryptography()
    {
        string keyId = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
        await _kms.DisableKeyAsync(new DisableKeyRequest { KeyId = keyId });
        KeyMetadata md = await Kms.DescribeAsync(_kms, keyId);
        Assert.Equal(KeyState.Disabled, md.KeyState);
        Assert.False(md.Enabled);
        var e = await Kms.FailsWith("DisabledException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1]) }));
        Assert.Contains("is disabled", e.Message);
        await _kms.EnableKeyAsync(new EnableKeyRequest { KeyId = keyId });
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, keyId)).KeyState);
        await Kms.FailsWith("NotFoundException", () => _kms.EnableKeyAsync(new EnableKeyRequest { KeyId = Guid.NewGuid().ToString() }));
    }

    [Fact]
    public async Task ScheduleAndCancelDeletion()
    {
        string keyId = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
        await Kms.FailsWith("ValidationException", () => _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keyId, PendingWindowInDays = 6 }));
        await Kms.FailsWith("ValidationException", () => _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keyId, PendingWindowInDays = 31 }));
        ScheduleKeyDeletionResponse s = await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keyId, PendingWindowInDays = 7 });
        Assert.Equal(KeyState.PendingDeletion, s.KeyState);
        Assert.Equal(7, s.PendingWindowInDays);
        Assert.InRange(s.DeletionDate!.Value, DateTime.UtcNow.AddDays(7).AddMinutes(-5), DateTime.UtcNow.AddDays(7).AddMinutes(5));
        KeyMetadata md = await Kms.DescribeAsync(_kms, keyId);
        Assert.Equal(KeyState.PendingDeletion, md.KeyState);
        Assert.NotNull(md.DeletionDate);
        var e = await Kms.FailsWith("KMSInvalidStateException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1]) }));
        Assert.Contains("pending deletion", e.Message);
        await Kms.FailsWith("KMSInvalidStateException", () => _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keyId }));
        await Kms.FailsWith("KMSInvalidStateException", () => _kms.EnableKeyAsync(new EnableKeyRequest { KeyId = keyId }));

        Assert.EndsWith(keyId, (await _kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = keyId })).KeyId);
        md = await Kms.DescribeAsync(_kms, keyId);
        Assert.Equal(KeyState.Disabled, md.KeyState);
        Assert.Null(md.DeletionDate);
        await Kms.FailsWith("KMSInvalidStateException", () => _kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = keyId }));

        // A key without material returns to PendingImport.
        KeyMetadata ext = await Kms.CreateExternalAsync(_kms);
        Assert.Equal(30, (await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = ext.KeyId })).PendingWindowInDays);
        await _kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = ext.KeyId });
        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, ext.KeyId)).KeyState);
    }

    [Fact]
    public async Task Regions_HaveSeparateKeySpacesAndAliases()
    {
        var london = host.Client("eu-west-2");
        var virginia = host.Client("us-east-1");
        KeyMetadata a = await Kms.CreateExternalAsync(london);
        KeyMetadata b = await Kms.CreateExternalAsync(virginia);
        Assert.Contains(":eu-west-2:", a.Arn);
        Assert.Contains(":us-east-1:", b.Arn);
        await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(virginia, a.KeyId));
        await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(london, b.KeyId));
        Assert.DoesNotContain((await virginia.ListKeysAsync(new ListKeysRequest { Limit = 1000 })).Keys, k => k.KeyId == a.KeyId);

        string alias = "alias/same-name-" + Guid.NewGuid().ToString("N");
        await london.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = a.KeyId });
        await virginia.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = b.KeyId });
        Assert.Equal(a.KeyId, (await Kms.DescribeAsync(london, alias)).KeyId);
        Assert.Equal(b.KeyId, (await Kms.DescribeAsync(virginia, alias)).KeyId);
    }

    [Fact]
    public async Task ChinaRegions_UseTheAwsCnPartition()
    {
        var beijing = host.Client("cn-north-1");
        KeyMetadata md = (await beijing.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        Assert.StartsWith("arn:aws-cn:kms:cn-north-1:111122223333:key/", md.Arn);
        await Kms.FailsWith("UnsupportedOperationException", () => beijing.CreateKeyAsync(new CreateKeyRequest { KeySpec = "SM2", KeyUsage = "SIGN_VERIFY" }));
    }
}
