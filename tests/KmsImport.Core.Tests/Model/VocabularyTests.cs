using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Model;

/// <summary>The one parser from KMS names to the module's enums, and values new to the module kept as text.</summary>
public class VocabularyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-vocabulary-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<Type, string> EveryName()
    {
        var data = new TheoryData<Type, string>();
        foreach (var type in new[] { typeof(KeySpec), typeof(KeyUsage), typeof(WrappingAlgorithm), typeof(WrappingKeySpec), typeof(ExpirationModel) })
            foreach (var name in Enum.GetNames(type)) data.Add(type, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryName))]
    public void Every_KMS_name_parses_to_its_member_and_back(Type type, string name)
    {
        var parse = typeof(KmsNames).GetMethod(nameof(KmsNames.ParseOrNull))!.MakeGenericMethod(type);
        var value = parse.Invoke(null, new object?[] { name });
        Assert.NotNull(value);
        Assert.Equal(name, value!.ToString());
        // Any case, as PowerShell binds enum parameters; the canonical name comes back.
        Assert.Equal(name, parse.Invoke(null, new object?[] { name.ToLowerInvariant() })!.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("12")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("0x1")]
    [InlineData("1,2")]
    [InlineData("SYMMETRIC_DEFAULT, HMAC_224")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(" HMAC_256")]
    [InlineData("HMAC_256 ")]
    [InlineData("HMAC-256")]
    [InlineData("ML_DSA_44")]
    [InlineData("ECC_NIST_EDWARDS25519")]
    public void Numbers_blanks_lists_and_unknown_names_are_not_key_specs(string text)
    {
        Assert.False(KmsNames.TryParse<KeySpec>(text, out _));
        Assert.Null(KmsNames.ParseOrNull<KeySpec>(text));
        // The trap the parser exists for: Enum.TryParse reads some of these as members.
        if (text == "1") Assert.True(Enum.TryParse<KeySpec>(text, out var trap) && trap == KeySpec.HMAC_224);
    }

    [Fact]
    public void Parse_refuses_with_the_given_ErrorId_and_lists_the_names()
    {
        var ex = Assert.Throws<KmsImportException>(() => KmsNames.Parse<WrappingAlgorithm>("2", ErrorIds.WrappingNotAllowed, "key-1"));
        Assert.Equal(ErrorIds.WrappingNotAllowed, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("key-1", ex.TargetObject);
        foreach (var name in Enum.GetNames<WrappingAlgorithm>()) Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void A_value_that_does_not_look_like_a_KMS_name_is_not_quoted_back()
    {
        var odd = "<script>" + new string('x', 100);
        var ex = Assert.Throws<KmsImportException>(() => KmsNames.Parse<KeySpec>(odd, ErrorIds.KeySpecNotImportable, null));
        Assert.DoesNotContain("script", ex.Message);
        Assert.Contains("'ML_DSA_44'", Assert.Throws<KmsImportException>(() => KmsNames.Parse<KeySpec>("ML_DSA_44", ErrorIds.KeySpecNotImportable, null)).Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ParseOptional_gives_null_for_a_value_not_given(string? text) =>
        Assert.Null(KmsNames.ParseOptional<WrappingKeySpec>(text, ErrorIds.WrappingNotAllowed, null));

    [Fact]
    public void ParseOptional_still_refuses_a_value_given_wrong() =>
        Assert.Equal(ErrorIds.WrappingNotAllowed,
            Assert.Throws<KmsImportException>(() => KmsNames.ParseOptional<WrappingKeySpec>("RSA_1024", ErrorIds.WrappingNotAllowed, null)).ErrorId);

    [Fact]
    public void Name_refuses_a_number_that_names_no_member()
    {
        Assert.Equal("RSA_4096", KmsNames.Name(WrappingKeySpec.RSA_4096));
        Assert.Null(KmsNames.Name((ExpirationModel?)null));
        Assert.Throws<ArgumentOutOfRangeException>(() => KmsNames.Name((KeySpec)99));
    }

    [Theory]
    [InlineData("ML_DSA_44")]
    [InlineData("")]
    [InlineData("1")]
    public void ImportableKeySpec_is_the_one_refusal_for_specs_KMS_imports_no_material_for(string spec)
    {
        var ex = Assert.Throws<KmsImportException>(() => KmsNames.ImportableKeySpec(spec, "key-1"));
        Assert.Equal(ErrorIds.KeySpecNotImportable, ex.ErrorId);
        Assert.Equal("key-1", ex.TargetObject);
        Assert.Contains("SYMMETRIC_DEFAULT", ex.Message);
        Assert.Equal(ErrorIds.ProofNotPossible, Assert.Throws<KmsImportException>(() => KmsNames.ImportableKeySpec(spec, "key-1", ErrorIds.ProofNotPossible)).ErrorId);
        Assert.Equal(KeySpec.ECC_NIST_P384, KmsNames.ImportableKeySpec("ECC_NIST_P384", "key-1"));
    }

    [Fact]
    public void A_key_spec_and_usage_new_to_the_module_stay_text_on_the_emitted_key()
    {
        using var client = new AmazonKeyManagementServiceClient(new BasicAWSCredentials("AKIDTEST", "secret"),
            new AmazonKeyManagementServiceConfig { ServiceURL = "http://127.0.0.1:9" });
        var service = new KmsImportService(client, "eu-west-2", "http://127.0.0.1:9");
        var key = service.ToExternalKey(new KeyMetadata
        {
            KeyId = "k", Arn = "arn:aws:kms:eu-west-2:111122223333:key/k", KeyState = KeyState.FindValue("PendingImport"),
            KeySpec = Amazon.KeyManagementService.KeySpec.FindValue("ML_DSA_44"), KeyUsage = KeyUsageType.FindValue("SIGN_VERIFY_FUTURE"),
            Origin = OriginType.EXTERNAL,
        }, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
        Assert.Equal("ML_DSA_44", key.KeySpec);
        Assert.Equal("SIGN_VERIFY_FUTURE", key.KeyUsage);
        Assert.Equal(KeyStates.PendingImport, key.KeyState);
    }

    [Theory]
    [InlineData("KeySpec", "1")]
    [InlineData("KeySpec", "ML_DSA_44")]
    [InlineData("WrappingAlgorithm", "0")]
    [InlineData("WrappingKeySpec", "2")]
    public void A_bundle_naming_a_value_by_number_or_unknown_name_is_refused(string property, string value)
    {
        var folder = ImportBundle.WriteParameters(_dir, Parameters());
        var json = Path.Combine(folder, ImportBundle.ParametersFile);
        var text = File.ReadAllText(json);
        var original = property == "KeySpec" ? "SYMMETRIC_DEFAULT" : property == "WrappingAlgorithm" ? "RSAES_OAEP_SHA_256" : "RSA_2048";
        File.WriteAllText(json, text.Replace($"\"{property}\": \"{original}\"", $"\"{property}\": \"{value}\""));
        Assert.NotEqual(text, File.ReadAllText(json));
        var ex = Assert.Throws<KmsImportException>(() => ImportBundle.ReadParameters(folder));
        Assert.Equal(ErrorIds.BundleInvalid, ex.ErrorId);
        Assert.DoesNotContain($"'{value}'", ex.Message);
    }

    [Fact]
    public void A_bundle_round_trips_the_KMS_names()
    {
        var folder = ImportBundle.WriteParameters(_dir, Parameters());
        var read = ImportBundle.ReadParameters(folder);
        Assert.Equal(("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256", "RSA_2048"), (read.KeySpec, read.WrappingAlgorithm, read.WrappingKeySpec));
    }

    [Theory]
    [InlineData("HMAC_999", "RSAES_OAEP_SHA_256", "RSA_2048", "KeySpecNotImportable")]
    [InlineData("SYMMETRIC_DEFAULT", "1", "RSA_2048", "WrappingNotAllowed")]
    [InlineData("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256", "", "WrappingNotAllowed")]
    public void Wrapping_refuses_parameters_with_names_it_does_not_know(string spec, string algorithm, string wrappingKeySpec, string errorId)
    {
        var p = Parameters();
        p.KeySpec = spec;
        p.WrappingAlgorithm = algorithm;
        p.WrappingKeySpec = wrappingKeySpec;
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Assert.Equal(errorId, Assert.Throws<KmsImportException>(() => KeyMaterialProtector.Protect(p, material)).ErrorId);
    }

    private static KmsImportParameters Parameters()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        return new KmsImportParameters
        {
            KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab",
            KeySpec = nameof(KeySpec.SYMMETRIC_DEFAULT),
            WrappingAlgorithm = nameof(WrappingAlgorithm.RSAES_OAEP_SHA_256),
            WrappingKeySpec = nameof(WrappingKeySpec.RSA_2048),
            PublicKey = rsa.ExportSubjectPublicKeyInfo(),
            ImportToken = System.Security.Cryptography.RandomNumberGenerator.GetBytes(256),
            ParametersValidTo = DateTime.UtcNow.AddHours(24),
            Region = "eu-west-2",
        };
    }
}
