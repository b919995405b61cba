using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;
using KmsImport.Core.Import;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

public class WrappingChoiceTests
{
    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData(KeySpec.HMAC_512, WrappingAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData(KeySpec.ECC_NIST_P521, WrappingAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData(KeySpec.RSA_2048, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256)]
    public void Nothing_given_means_the_recommendation(KeySpec spec, WrappingAlgorithm expected)
    {
        var choice = ImportRules.ChooseWrapping(spec, null, null);
        Assert.Equal(expected, choice.Algorithm);
        Assert.Equal(WrappingKeySpec.RSA_4096, choice.WrappingKeySpec);
    }

    [Fact]
    public void A_smaller_wrapping_key_that_cannot_carry_OAEP_falls_back_to_key_wrap()
    {
        // P-521 PKCS#8 (241 bytes) does not fit OAEP-SHA-256 under RSA_2048 (190 bytes).
        var choice = ImportRules.ChooseWrapping(KeySpec.ECC_NIST_P521, null, WrappingKeySpec.RSA_2048);
        Assert.Equal(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, choice.Algorithm);
        Assert.True(WrappingMatrix.IsAllowed(KeySpec.ECC_NIST_P521, choice.Algorithm, choice.WrappingKeySpec, out _));
    }

    [Fact]
    public void An_algorithm_alone_gets_RSA_4096()
    {
        var choice = ImportRules.ChooseWrapping(KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_OAEP_SHA_1, null);
        Assert.Equal(new WrappingChoice(WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_4096), choice);
    }

    [Fact]
    public void Both_given_are_kept_as_given()
    {
        var choice = ImportRules.ChooseWrapping(KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_3072);
        Assert.Equal(new WrappingChoice(WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_3072), choice);
    }
}
