using Xunit;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

public class WrappingPublicKeyTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    [Theory]
    [InlineData("rsa2048", WrappingKeySpec.RSA_2048)]
    [InlineData("rsa3072", WrappingKeySpec.RSA_3072)]
    [InlineData("rsa4096", WrappingKeySpec.RSA_4096)]
    [InlineData("sm2", WrappingKeySpec.SM2)]
    public void Inspect_reads_the_spec_from_the_real_key(string key, WrappingKeySpec expected)
    {
        Assert.Equal(expected, WrappingPublicKey.Inspect(File.ReadAllBytes(keys.PublicDer(key))));
    }

    private static KmsImportException Refused(byte[] spki) => Assert.Throws<KmsImportException>(() => WrappingPublicKey.Inspect(spki));

    [Fact]
    public void Unsupported_rsa_size()
    {
        var e = Refused(File.ReadAllBytes(keys.PublicDer("rsa1024")));
        Assert.Equal(ErrorIds.WrappingPublicKeyUnsupportedSize, e.ErrorId);
        Assert.Contains("1024", e.Message);
    }

    [Theory]
    [InlineData("p256", "P-256")]
    [InlineData("k256", "secp256k1")]
    [InlineData("ed25519", "1.3.101.112")]
    public void Non_rsa_keys(string key, string named)
    {
        var e = Refused(File.ReadAllBytes(keys.PublicDer(key)));
        Assert.Equal(ErrorIds.WrappingPublicKeyNotRsa, e.ErrorId);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Malformed_truncated_trailing_pem_empty_garbage()
    {
        byte[] der = File.ReadAllBytes(keys.PublicDer("rsa2048"));
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused(der[..^1]).ErrorId);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused(der[..20]).ErrorId);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused([.. der, 0x00]).ErrorId);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused([]).ErrorId);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused(Encoding.ASCII.GetBytes("hello world")).ErrorId);
        var pem = Refused(File.ReadAllBytes(keys.PublicPem("rsa2048")));
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, pem.ErrorId);
        Assert.Contains("PEM", pem.Message);
        // A private key is not an SPKI either.
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused(File.ReadAllBytes(keys.Pkcs8Der("rsa2048"))).ErrorId);
        Assert.Throws<ArgumentNullException>(() => WrappingPublicKey.Inspect(null!));
    }

    [Fact]
    public void Wrap_checks_the_wrapping_key_before_wrapping()
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        var e = Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(material, File.ReadAllBytes(keys.PublicDer("p256")), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048));
        Assert.Equal(ErrorIds.WrappingPublicKeyNotRsa, e.ErrorId);
    }
}
