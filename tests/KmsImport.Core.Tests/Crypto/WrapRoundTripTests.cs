using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>Every RSA algorithm x wrapping key size x material kind: unwrapped by the test's own decoder to the same bytes.</summary>
public class WrapRoundTripTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    public static TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec> AllRsaCombinations()
    {
        var data = new TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec>();
        foreach (var spec in Materials.AllSpecs)
            foreach (var alg in Materials.RsaAlgorithms)
                foreach (var wks in Materials.RsaWrappingKeySpecs)
                    data.Add(spec, alg, wks);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllRsaCombinations))]
    public void Allowed_combinations_round_trip_and_forbidden_ones_are_refused(KeySpec spec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        using var material = Materials.For(spec, keys);
        byte[] spki = keys.PublicSpki(WrappedMaterialDecoder.KeySpecOf(wrappingKeySpec));

        if (!Materials.ExpectedAllowed(spec, algorithm, wrappingKeySpec))
        {
            var e = Assert.Throws<KmsImportException>(() => KeyWrapper.Wrap(material, spki, algorithm, wrappingKeySpec));
            Assert.Equal(ErrorIds.WrappingNotAllowed, e.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
            return;
        }

        byte[] wrapped = KeyWrapper.Wrap(material, spki, algorithm, wrappingKeySpec);

        int k = WrappingMatrix.ModulusBytes(wrappingKeySpec)!.Value;
        int m = material.Length;
        int expectedLength = WrappedMaterialDecoder.IsRsaAes(algorithm) ? k + 8 * ((m + 7) / 8 + 1) : k;
        Assert.Equal(expectedLength, wrapped.Length);
        Assert.Equal(expectedLength, KeyWrapper.WrappedLength(m, algorithm, wrappingKeySpec));
        Assert.True(wrapped.Length <= 6144);

        using var rsa = keys.RsaPrivate(WrappedMaterialDecoder.KeySpecOf(wrappingKeySpec));
        Assert.Equal(material.ExportForImport(), WrappedMaterialDecoder.Unwrap(wrapped, rsa, algorithm));
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void The_recommended_choice_is_allowed_and_round_trips(KeySpec spec)
    {
        var choice = WrappingMatrix.Recommend(spec);
        Assert.Equal(WrappingKeySpec.RSA_4096, choice.WrappingKeySpec);
        Assert.Equal(KeySpecRules.IsRsa(spec) ? WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256 : WrappingAlgorithm.RSAES_OAEP_SHA_256, choice.Algorithm);
        Assert.True(WrappingMatrix.IsAllowed(spec, choice.Algorithm, choice.WrappingKeySpec, out var reason), reason);

        using var material = Materials.For(spec, keys);
        byte[] wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_4096), choice.Algorithm, choice.WrappingKeySpec);
        using var rsa = keys.RsaPrivate(KeySpec.RSA_4096);
        Assert.Equal(material.ExportForImport(), WrappedMaterialDecoder.Unwrap(wrapped, rsa, choice.Algorithm));
    }

    public static TheoryData<KeySpec> AllSpecs() => new(Materials.AllSpecs);

    [Fact]
    public void Oaep_with_the_other_hash_does_not_decrypt()
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        byte[] wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048);
        using var rsa = keys.RsaPrivate(KeySpec.RSA_2048);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => WrappedMaterialDecoder.Unwrap(wrapped, rsa, WrappingAlgorithm.RSAES_OAEP_SHA_1));
    }

    [Fact]
    public void Each_wrap_is_randomized()
    {
        using var material = KeyMaterial.Generate(KeySpec.HMAC_256);
        var spki = keys.PublicSpki(KeySpec.RSA_2048);
        Assert.NotEqual(
            KeyWrapper.Wrap(material, spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048),
            KeyWrapper.Wrap(material, spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048));
    }

    [Theory]
    [InlineData(WrappingKeySpec.RSA_2048, WrappingKeySpec.RSA_4096)]
    [InlineData(WrappingKeySpec.RSA_4096, WrappingKeySpec.RSA_2048)]
    [InlineData(WrappingKeySpec.RSA_3072, WrappingKeySpec.RSA_2048)]
    public void A_public_key_of_another_size_than_the_named_spec_is_refused(WrappingKeySpec actual, WrappingKeySpec named)
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        var e = Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(material, keys.PublicSpki(WrappedMaterialDecoder.KeySpecOf(actual)), WrappingAlgorithm.RSAES_OAEP_SHA_256, named));
        Assert.Equal(ErrorIds.WrappingKeySpecMismatch, e.ErrorId);
        Assert.Contains(actual.ToString(), e.Message);
        Assert.Contains(named.ToString(), e.Message);
    }

    [Fact]
    public void Material_larger_than_the_oaep_capacity_is_refused_before_any_rsa_operation()
    {
        // Synthetic 191-byte "P-384" material: one byte over the RSA_2048 / SHA-256 capacity of 190 bytes.
        var spki = KeyMaterial.Generate(KeySpec.ECC_NIST_P384).GetPublicKeySpki()!;
        using var oversized = new KeyMaterial(KeySpec.ECC_NIST_P384, new byte[191], "Test", spki);
        var e = Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(oversized, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048));
        Assert.Equal(ErrorIds.WrappingCapacityExceeded, e.ErrorId);
        Assert.Contains("190", e.Message);

        using var fits = new KeyMaterial(KeySpec.ECC_NIST_P384, new byte[190], "Test", spki);
        Assert.Equal(256, KeyWrapper.Wrap(fits, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048).Length);
        using var fitsSha1 = new KeyMaterial(KeySpec.ECC_NIST_P384, new byte[214], "Test", spki);
        Assert.Equal(256, KeyWrapper.Wrap(fitsSha1, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_2048).Length);
    }

    [Theory]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_2048, 214)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048, 190)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_3072, 342)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_3072, 318)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_4096, 470)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096, 446)]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_4096, 5624)]
    [InlineData(WrappingAlgorithm.SM2PKE, WrappingKeySpec.SM2, 6047)]
    public void Capacities_are_those_of_the_facts_file(WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec, int capacity)
    {
        Assert.Equal(capacity, WrappingMatrix.MaxMaterialLength(algorithm, wrappingKeySpec));
    }
}
