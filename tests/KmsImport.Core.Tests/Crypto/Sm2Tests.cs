using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>SM2PKE (China Regions) with an SM2 wrapping key; SM2 key material.</summary>
public class Sm2Tests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    public static TheoryData<KeySpec> Specs() => new(Materials.AllSpecs);

    private byte[] Sm2Spki => keys.PublicSpki(KeySpec.SM2);

    [Theory]
    [MemberData(nameof(Specs))]
    public void Sm2pke_wraps_every_material_kind_as_c1_c3_c2(KeySpec spec)
    {
        using var material = Materials.For(spec, keys);
        byte[] wrapped = KeyWrapper.Wrap(material, Sm2Spki, WrappingAlgorithm.SM2PKE, WrappingKeySpec.SM2);

        Assert.Equal(material.Length + 97, wrapped.Length);
        Assert.Equal(wrapped.Length, KeyWrapper.WrappedLength(material.Length, WrappingAlgorithm.SM2PKE, WrappingKeySpec.SM2));
        Assert.Equal(0x04, wrapped[0]); // C1: uncompressed point

        var privateKey = (ECPrivateKeyParameters)PrivateKeyFactory.CreateKey(File.ReadAllBytes(keys.Pkcs8Der("sm2")));
        var engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.Init(false, privateKey);
        Assert.Equal(material.ExportForImport(), engine.ProcessBlock(wrapped, 0, wrapped.Length));
    }

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT)]
    [InlineData(KeySpec.RSA_4096)]
    [InlineData(KeySpec.SM2)]
    public void OpenSsl_decrypts_our_sm2pke_output(KeySpec spec)
    {
        using var dir = new TempDir();
        using var material = Materials.For(spec, keys);
        byte[] wrapped = KeyWrapper.Wrap(material, Sm2Spki, WrappingAlgorithm.SM2PKE, WrappingKeySpec.SM2);

        // OpenSSL reads the ASN.1 form (GM/T 0009: x, y, C3, C2) of the same three values.
        var x = new Org.BouncyCastle.Math.BigInteger(1, wrapped, 1, 32);
        var y = new Org.BouncyCastle.Math.BigInteger(1, wrapped, 33, 32);
        var der = new DerSequence(new DerInteger(x), new DerInteger(y), new DerOctetString(wrapped[65..97]), new DerOctetString(wrapped[97..])).GetEncoded();
        var input = dir.Write("c.der", der);

        byte[] decrypted = OpenSsl.Run("pkeyutl", "-decrypt", "-inkey", keys.Pem("sm2"), "-in", input);
        Assert.Equal(material.ExportForImport(), decrypted);
    }

    [Fact]
    public void Sm2_wrapping_key_is_inspected_as_sm2()
    {
        Assert.Equal(WrappingKeySpec.SM2, WrappingPublicKey.Inspect(Sm2Spki));
    }

    [Fact]
    public void Sm2pke_needs_an_sm2_key_and_an_sm2_key_needs_sm2pke()
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        Assert.Equal(ErrorIds.WrappingNotAllowed, Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(material, Sm2Spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.SM2)).ErrorId);
        Assert.Equal(ErrorIds.WrappingNotAllowed, Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.SM2PKE, WrappingKeySpec.RSA_2048)).ErrorId);
        var mismatch = Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.SM2PKE, WrappingKeySpec.SM2));
        Assert.Equal(ErrorIds.WrappingKeySpecMismatch, mismatch.ErrorId);
        var mismatch2 = Assert.Throws<KmsImportException>(() =>
            KeyWrapper.Wrap(material, Sm2Spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048));
        Assert.Equal(ErrorIds.WrappingKeySpecMismatch, mismatch2.ErrorId);
    }

    [Fact]
    public void Sm2_material_wraps_with_oaep_but_not_with_rsa_aes_key_wrap()
    {
        using var material = KeyMaterial.FromFile(KeySpec.SM2, keys.Pem("sm2"));
        Assert.Equal(KeySpecRules.AllowedUsages(KeySpec.SM2), [KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT]);
        var wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048);
        using var rsa = keys.RsaPrivate(KeySpec.RSA_2048);
        Assert.Equal(material.ExportForImport(), WrappedMaterialDecoder.Unwrap(wrapped, rsa, WrappingAlgorithm.RSAES_OAEP_SHA_256));
        Assert.False(WrappingMatrix.IsAllowed(KeySpec.SM2, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_4096, out var reason));
        Assert.Contains("China", reason);
    }
}
