using System.Numerics;
using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using Xunit;
using BcProperties = Org.BouncyCastle.Utilities.Properties;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>
/// The wrapping key is parsed without BouncyCastle's Miller-Rabin rounds (see WrappingPublicKey); the
/// cheap checks must still refuse a broken modulus, and the thread's own setting must be left as it was.
/// </summary>
public class WrappingKeyValidationTests
{
    private static byte[] SpkiWithModulus(BigInteger modulus)
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        p.Modulus = modulus.ToByteArray(isUnsigned: true, isBigEndian: true);
        using var other = RSA.Create();
        other.ImportParameters(p);
        return other.ExportSubjectPublicKeyInfo();
    }

    [Fact]
    public void An_even_modulus_or_one_with_a_small_factor_is_still_refused()
    {
        using var rsa = RSA.Create(2048);
        var n = new BigInteger(rsa.ExportParameters(false).Modulus, isUnsigned: true, isBigEndian: true);
        var even = n - 1;                  // n is odd, so n - 1 is even
        var withFactor3 = n - (n % 3);     // a multiple of 3, still 2048 bits
        if (withFactor3.IsEven) withFactor3 -= 3;
        foreach (var bad in new[] { even, withFactor3 })
        {
            var ex = Assert.Throws<KmsImportException>(() => WrappingPublicKey.Inspect(SpkiWithModulus(bad)));
            Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, ex.ErrorId);
        }
    }

    [Fact]
    public void The_threads_own_BouncyCastle_setting_is_restored()
    {
        using var rsa = RSA.Create(2048);
        var spki = rsa.ExportSubjectPublicKeyInfo();
        BcProperties.SetThreadProperty("Org.BouncyCastle.Rsa.MaxMRTests", "7");
        try
        {
            Assert.Equal(WrappingKeySpec.RSA_2048, WrappingPublicKey.Inspect(spki));
            Assert.Equal("7", BcProperties.GetThreadProperty("Org.BouncyCastle.Rsa.MaxMRTests"));
        }
        finally
        {
            BcProperties.RemoveThreadProperty("Org.BouncyCastle.Rsa.MaxMRTests");
        }
        Assert.Equal(WrappingKeySpec.RSA_2048, WrappingPublicKey.Inspect(spki));
        Assert.Null(BcProperties.GetThreadProperty("Org.BouncyCastle.Rsa.MaxMRTests"));
    }
}
