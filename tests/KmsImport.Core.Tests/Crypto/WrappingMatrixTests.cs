using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

public class WrappingMatrixTests
{
    public static TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec> Everything()
    {
        var data = new TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec>();
        foreach (var s in Enum.GetValues<KeySpec>())
            foreach (var a in Enum.GetValues<WrappingAlgorithm>())
                foreach (var w in Enum.GetValues<WrappingKeySpec>())
                    data.Add(s, a, w);
        return data;
    }

    [Theory]
    [MemberData(nameof(Everything))]
    public void Matrix_is_the_AWS_table(KeySpec spec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        bool expected = Materials.ExpectedAllowed(spec, algorithm, wrappingKeySpec);
        Assert.Equal(expected, WrappingMatrix.IsAllowed(spec, algorithm, wrappingKeySpec, out var reason));
        if (expected)
        {
            Assert.Null(reason);
            WrappingMatrix.EnsureAllowed(spec, algorithm, wrappingKeySpec);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(reason));
            var e = Assert.Throws<KmsImportException>(() => WrappingMatrix.EnsureAllowed(spec, algorithm, wrappingKeySpec));
            Assert.Equal(algorithm == WrappingAlgorithm.RSAES_PKCS1_V1_5 ? ErrorIds.WrappingAlgorithmRetired : ErrorIds.WrappingNotAllowed, e.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        }
    }

    public static TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec> Forbidden()
    {
        var data = new TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec>();
        foreach (var s in Enum.GetValues<KeySpec>())
            foreach (var a in Enum.GetValues<WrappingAlgorithm>())
                foreach (var w in Enum.GetValues<WrappingKeySpec>())
                    if (!Materials.ExpectedAllowed(s, a, w)) data.Add(s, a, w); // the allowed ones: WrapRoundTripTests, Sm2Tests
        return data;
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Forbidden_combinations_are_refused_before_any_key_is_parsed_or_used(KeySpec spec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        using var material = KeySpecRules.IsRsa(spec)
            ? new KeyMaterial(spec, new byte[1200], "Test", KeyMaterial.Generate(KeySpec.ECC_NIST_P256).GetPublicKeySpki()) // no RSA keygen needed
            : KeyMaterial.Generate(spec);
        int observed = 0;
        KeyWrapper.TransientKeyObserver = _ => observed++;
        try
        {
            // The "wrapping key" is not even an SPKI: an error about it would mean it was looked at first.
            var e = Assert.Throws<KmsImportException>(() => KeyWrapper.Wrap(material, [0x30, 0x03, 0x02, 0x01, 0x00], algorithm, wrappingKeySpec));
            Assert.Equal(algorithm == WrappingAlgorithm.RSAES_PKCS1_V1_5 ? ErrorIds.WrappingAlgorithmRetired : ErrorIds.WrappingNotAllowed, e.ErrorId);
        }
        finally
        {
            KeyWrapper.TransientKeyObserver = null;
        }
        Assert.Equal(0, observed);
    }

    [Fact]
    public void Pkcs1_v1_5_is_refused_as_retired_with_what_to_use_instead()
    {
        var e = Assert.Throws<KmsImportException>(() =>
            WrappingMatrix.EnsureAllowed(KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_PKCS1_V1_5, WrappingKeySpec.RSA_2048));
        Assert.Equal(ErrorIds.WrappingAlgorithmRetired, e.ErrorId);
        Assert.Contains("2023-10-10", e.Message);
        Assert.Contains("RSAES_OAEP_SHA_256", e.Message);
        Assert.Contains("RSA_AES_KEY_WRAP_SHA_256", e.Message);
    }

    [Fact]
    public void Refusals_recommend_a_working_choice()
    {
        var e = Assert.Throws<KmsImportException>(() =>
            WrappingMatrix.EnsureAllowed(KeySpec.RSA_2048, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096));
        Assert.Contains("RSA_AES_KEY_WRAP_SHA_256", e.Message);
        var p521 = Assert.Throws<KmsImportException>(() =>
            WrappingMatrix.EnsureAllowed(KeySpec.ECC_NIST_P521, WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_2048));
        Assert.Contains("RSA_2048", p521.Message);
        Assert.Contains("RSA_4096", p521.Message);
    }

    [Fact]
    public void Undefined_values_are_not_allowed()
    {
        Assert.False(WrappingMatrix.IsAllowed((KeySpec)99, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096, out _));
        Assert.False(WrappingMatrix.IsAllowed(KeySpec.SYMMETRIC_DEFAULT, (WrappingAlgorithm)99, WrappingKeySpec.RSA_4096, out _));
        Assert.False(WrappingMatrix.IsAllowed(KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_OAEP_SHA_256, (WrappingKeySpec)99, out _));
        Assert.Equal(ErrorIds.KeySpecNotImportable, Assert.Throws<KmsImportException>(() =>
            WrappingMatrix.EnsureAllowed((KeySpec)99, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096)).ErrorId);
        Assert.Equal(ErrorIds.KeySpecNotImportable, Assert.Throws<KmsImportException>(() => WrappingMatrix.Recommend((KeySpec)99)).ErrorId);
    }
}

public class KeySpecRulesTests
{
    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, new[] { KeyUsage.ENCRYPT_DECRYPT })]
    [InlineData(KeySpec.HMAC_224, KeyUsage.GENERATE_VERIFY_MAC, new[] { KeyUsage.GENERATE_VERIFY_MAC })]
    [InlineData(KeySpec.HMAC_512, KeyUsage.GENERATE_VERIFY_MAC, new[] { KeyUsage.GENERATE_VERIFY_MAC })]
    [InlineData(KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT, new[] { KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY })]
    [InlineData(KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY, new[] { KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT })]
    [InlineData(KeySpec.ECC_NIST_P521, KeyUsage.SIGN_VERIFY, new[] { KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT })]
    [InlineData(KeySpec.ECC_SECG_P256K1, KeyUsage.SIGN_VERIFY, new[] { KeyUsage.SIGN_VERIFY })]
    [InlineData(KeySpec.SM2, KeyUsage.SIGN_VERIFY, new[] { KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT })]
    public void Usages(KeySpec spec, KeyUsage defaultUsage, KeyUsage[] allowed)
    {
        Assert.Equal(defaultUsage, KeySpecRules.DefaultUsage(spec));
        Assert.Equal(allowed, KeySpecRules.AllowedUsages(spec));
        Assert.Contains(defaultUsage, KeySpecRules.AllowedUsages(spec));
        foreach (var u in Enum.GetValues<KeyUsage>()) Assert.Equal(allowed.Contains(u), KeySpecRules.IsUsageAllowed(spec, u));
    }

    [Fact]
    public void Every_spec_is_exactly_one_kind()
    {
        foreach (var spec in Enum.GetValues<KeySpec>())
        {
            int kinds = (KeySpecRules.IsSymmetric(spec) ? 1 : 0) + (KeySpecRules.IsHmac(spec) ? 1 : 0) + (KeySpecRules.IsAsymmetric(spec) ? 1 : 0);
            Assert.Equal(1, kinds);
            Assert.Equal(KeySpecRules.IsAsymmetric(spec), KeySpecRules.RawMaterialLength(spec) == null);
        }
        Assert.False(KeySpecRules.IsAsymmetric((KeySpec)99));
        Assert.Throws<KmsImportException>(() => KeySpecRules.DefaultUsage((KeySpec)99));
        Assert.Throws<KmsImportException>(() => KeySpecRules.RawMaterialLength((KeySpec)99));
    }
}
