using Xunit;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>What completion offers: only combinations KMS accepts in the context (key spec, wrapping key spec, China or not).</summary>
public class WrappingOfferTests
{
    [Theory]
    [InlineData(null, null, false, "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256,RSA_AES_KEY_WRAP_SHA_1,RSA_AES_KEY_WRAP_SHA_256")]
    [InlineData(null, null, true, "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256,SM2PKE")]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, null, false, "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256")]
    [InlineData(KeySpec.HMAC_512, null, true, "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256,SM2PKE")]
    [InlineData(KeySpec.RSA_2048, null, false, "RSA_AES_KEY_WRAP_SHA_1,RSA_AES_KEY_WRAP_SHA_256")]
    [InlineData(KeySpec.RSA_4096, null, true, "SM2PKE")]
    [InlineData(KeySpec.ECC_NIST_P521, WrappingKeySpec.RSA_2048, false, "RSA_AES_KEY_WRAP_SHA_1,RSA_AES_KEY_WRAP_SHA_256")]
    [InlineData(KeySpec.ECC_NIST_P521, WrappingKeySpec.RSA_3072, false, "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256,RSA_AES_KEY_WRAP_SHA_1,RSA_AES_KEY_WRAP_SHA_256")]
    [InlineData(null, WrappingKeySpec.SM2, true, "SM2PKE")]
    [InlineData(null, WrappingKeySpec.SM2, false, "")]
    [InlineData(KeySpec.SM2, null, false, "")]
    [InlineData(KeySpec.SM2, null, true, "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256,SM2PKE")]
    public void Algorithms_offered(KeySpec? spec, WrappingKeySpec? wrappingKeySpec, bool china, string expected)
    {
        var offered = WrappingMatrix.OfferedAlgorithms(spec, wrappingKeySpec, china);
        Assert.Equal(expected, string.Join(",", offered));
        Assert.DoesNotContain(WrappingAlgorithm.RSAES_PKCS1_V1_5, offered);
    }

    [Theory]
    [InlineData(null, null, false, "RSA_2048,RSA_3072,RSA_4096")]
    [InlineData(null, null, true, "RSA_2048,RSA_3072,RSA_4096,SM2")]
    [InlineData(KeySpec.ECC_NIST_P521, WrappingAlgorithm.RSAES_OAEP_SHA_256, false, "RSA_3072,RSA_4096")]
    [InlineData(null, WrappingAlgorithm.SM2PKE, true, "SM2")]
    [InlineData(null, WrappingAlgorithm.RSAES_PKCS1_V1_5, false, "")]
    public void Wrapping_key_specs_offered(KeySpec? spec, WrappingAlgorithm? algorithm, bool china, string expected) =>
        Assert.Equal(expected, string.Join(",", WrappingMatrix.OfferedWrappingKeySpecs(spec, algorithm, china)));

    /// <summary>Everything offered is allowed by the matrix: completion never offers what the cmdlet then refuses.</summary>
    [Fact]
    public void Every_offer_is_allowed()
    {
        foreach (var spec in Enum.GetValues<KeySpec>())
            foreach (var w in Enum.GetValues<WrappingKeySpec>())
                foreach (var china in new[] { false, true })
                    foreach (var a in WrappingMatrix.OfferedAlgorithms(spec, w, china))
                        Assert.True(WrappingMatrix.IsAllowed(spec, a, w, out _), $"{spec}/{a}/{w}");
    }
}
