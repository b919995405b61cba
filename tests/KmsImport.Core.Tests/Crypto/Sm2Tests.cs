using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>
/// SM2PKE (China Regions) with an SM2 wrapping key; SM2 key material. Our output is decrypted by two references that do
/// not share the wrapper's code: GB/T 32918.4 section 7 written out here (curve arithmetic and the SM3 hash from
/// BouncyCastle, checked against the SM3 standard's vector; not its SM2Engine, which the wrapper uses), and OpenSSL.
/// Limit: no SM2PKE sample made by AWS KMS (China Regions) is available to compare with, and LocalKms does not take
/// SM2PKE imports, so that KMS accepts the C1||C3||C2 layout rests on AWS's documentation (README, limits).
/// </summary>
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
        Assert.Equal(material.ExportForImport(), DecryptByTheStandard(wrapped, privateKey));
    }

    [Fact]
    public void Sm3_matches_the_standards_example() =>
        Assert.Equal("66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0", Convert.ToHexString(Sm3("abc"u8.ToArray())));

    [Fact]
    public void The_reference_decryption_refuses_a_tampered_c3()
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        byte[] wrapped = KeyWrapper.Wrap(material, Sm2Spki, WrappingAlgorithm.SM2PKE, WrappingKeySpec.SM2);
        wrapped[70] ^= 1;
        var privateKey = (ECPrivateKeyParameters)PrivateKeyFactory.CreateKey(File.ReadAllBytes(keys.Pkcs8Der("sm2")));
        Assert.Throws<InvalidDataException>(() => DecryptByTheStandard(wrapped, privateKey));
    }

    /// <summary>GB/T 32918.4-2016 section 7.1 (decryption), for C = C1 || C3 || C2 with C1 an uncompressed point.</summary>
    private static byte[] DecryptByTheStandard(byte[] c, ECPrivateKeyParameters key)
    {
        var c1 = key.Parameters.Curve.DecodePoint(c[..65]);                      // B1, B2: C1 is on the curve
        var p2 = c1.Multiply(key.D).Normalize();                                  // B4: (x2, y2) = dB * C1
        byte[] x2 = p2.AffineXCoord.GetEncoded(), y2 = p2.AffineYCoord.GetEncoded();
        byte[] c3 = c[65..97], c2 = c[97..];
        byte[] t = Kdf([.. x2, .. y2], c2.Length);                               // B5: t = KDF(x2 || y2, klen)
        if (t.All(b => b == 0)) throw new InvalidDataException("t is all zero");
        byte[] m = c2.Select((b, i) => (byte)(b ^ t[i])).ToArray();               // B6: M' = C2 xor t
        if (!Sm3([.. x2, .. m, .. y2]).AsSpan().SequenceEqual(c3)) throw new InvalidDataException("C3 does not match"); // B7
        return m;
    }

    /// <summary>The key derivation function of GB/T 32918.4 section 5.4.3 with SM3.</summary>
    private static byte[] Kdf(byte[] z, int length)
    {
        var output = new List<byte>();
        for (uint ct = 1; output.Count < length; ct++)
        {
            output.AddRange(Sm3([.. z, (byte)(ct >> 24), (byte)(ct >> 16), (byte)(ct >> 8), (byte)ct]));
        }
        return output.Take(length).ToArray();
    }

    private static byte[] Sm3(byte[] data)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(data, 0, data.Length);
        var hash = new byte[32];
        digest.DoFinal(hash, 0);
        return hash;
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

        // OpenSSL reads only the ASN.1 form (GM/T 0009: x, y, C3, C2) of the same three values; the test re-encodes them
        // (the layout itself is checked by DecryptByTheStandard above).
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
