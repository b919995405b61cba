using Xunit;
using System.Security.Cryptography;
using System.Text;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>SYMMETRIC_DEFAULT and HMAC material: exact raw bytes, and the common text mistakes refused helpfully.</summary>
public class RawMaterialTests
{
    public static TheoryData<KeySpec, int> RawSpecs() => new()
    {
        { KeySpec.SYMMETRIC_DEFAULT, 32 }, { KeySpec.HMAC_224, 28 }, { KeySpec.HMAC_256, 32 }, { KeySpec.HMAC_384, 48 }, { KeySpec.HMAC_512, 64 },
    };

    private static byte[] RandomBinary(int n)
    {
        // Random bytes that are certainly not all text (first byte 0x00).
        var b = RandomNumberGenerator.GetBytes(n);
        b[0] = 0;
        return b;
    }

    [Theory]
    [MemberData(nameof(RawSpecs))]
    public void Exact_length_random_bytes_are_accepted(KeySpec spec, int length)
    {
        var data = RandomBinary(length);
        using var material = KeyMaterial.FromBytes(spec, data);
        Assert.Equal(length, material.Length);
        Assert.Equal("Raw", material.SourceFormat);
        Assert.False(material.IsAsymmetric);
        Assert.Null(material.GetPublicKeySpki());
        Assert.Equal(data, material.ExportForImport());
        Assert.Equal(length, KeySpecRules.RawMaterialLength(spec));
    }

    [Theory]
    [MemberData(nameof(RawSpecs))]
    public void Wrong_lengths_are_refused(KeySpec spec, int length)
    {
        foreach (int n in new[] { 0, 1, length - 1, length + 1, length * 2, 1000 })
        {
            var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(spec, RandomBinary(Math.Max(n, 1))[..n]));
            Assert.Equal(ErrorIds.KeyMaterialWrongLength, e.ErrorId);
            Assert.Equal(ErrorKind.InvalidData, e.Kind);
            Assert.Contains($"is {n} bytes", e.Message);
            Assert.Contains($"exactly {length}", e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(RawSpecs))]
    public void Hex_text_of_the_right_length_is_refused_with_a_decode_hint(KeySpec spec, int length)
    {
        var key = RandomBinary(length);
        foreach (var text in new[] { Convert.ToHexString(key), Convert.ToHexString(key).ToLowerInvariant() + "\n", Convert.ToHexString(key) + "\r\n" })
        {
            var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(spec, Encoding.ASCII.GetBytes(text)));
            Assert.Equal(ErrorIds.KeyMaterialLooksLikeText, e.ErrorId);
            Assert.Contains("hex", e.Message);
            Assert.Contains("decode it first", e.Message);
            Assert.DoesNotContain(text.Trim(), e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [MemberData(nameof(RawSpecs))]
    public void Base64_text_of_the_right_length_is_refused_with_a_decode_hint(KeySpec spec, int length)
    {
        var key = RandomBinary(length);
        foreach (var text in new[] { Convert.ToBase64String(key), Convert.ToBase64String(key) + "\n" })
        {
            var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(spec, Encoding.ASCII.GetBytes(text)));
            Assert.Equal(ErrorIds.KeyMaterialLooksLikeText, e.ErrorId);
            Assert.Contains("base64", e.Message);
            Assert.DoesNotContain(text.Trim(), e.Message);
        }
    }

    [Fact]
    public void The_typical_32_byte_mistakes_64_hex_chars_and_44_base64_chars()
    {
        Assert.Equal(32, Base64Len(Convert.ToBase64String(new byte[32])));
        Assert.Equal(44, Convert.ToBase64String(new byte[32]).Length);
        var hex = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, Encoding.ASCII.GetBytes(new string('a', 64))));
        Assert.Equal(ErrorIds.KeyMaterialLooksLikeText, hex.ErrorId);
        var b64 = Assert.Throws<KmsImportException>(() =>
            KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomBinary(32)))));
        Assert.Equal(ErrorIds.KeyMaterialLooksLikeText, b64.ErrorId);
    }

    private static int? Base64Len(string s) => Base64DecodedLength(Encoding.ASCII.GetBytes(s));

    private static int? Base64DecodedLength(byte[] b) => KeyMaterialReader.Base64DecodedLength(b);

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void A_trailing_newline_is_named(string newline)
    {
        byte[] data = [.. RandomBinary(32), .. Encoding.ASCII.GetBytes(newline)];
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, data));
        Assert.Equal(ErrorIds.KeyMaterialWrongLength, e.ErrorId);
        Assert.Contains("trailing line break", e.Message);
    }

    [Fact]
    public void A_passphrase_of_the_right_length_is_refused()
    {
        var e = Assert.Throws<KmsImportException>(() =>
            KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, Encoding.ASCII.GetBytes("my very secret production key 01")));
        Assert.Equal(ErrorIds.KeyMaterialLooksLikeText, e.ErrorId);
        Assert.DoesNotContain("production", e.Message);
    }

    [Fact]
    public void A_private_key_given_for_a_symmetric_spec_gets_a_hint()
    {
        using var ec = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, ec.ExportForImport()));
        Assert.Equal(ErrorIds.KeyMaterialWrongLength, e.ErrorId);
        Assert.Contains("private key", e.Message);
    }

    [Fact]
    public void Bytes_with_a_non_text_byte_are_accepted_even_if_mostly_text()
    {
        var data = Encoding.ASCII.GetBytes(new string('A', 31) + "\u0001");
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, data);
        Assert.Equal(data, material.ExportForImport());
    }

    [Fact]
    public void Undefined_key_specs_are_not_importable()
    {
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes((KeySpec)999, new byte[32]));
        Assert.Equal(ErrorIds.KeySpecNotImportable, e.ErrorId);
        Assert.Equal(ErrorIds.KeySpecNotImportable, Assert.Throws<KmsImportException>(() => KeyMaterial.Generate((KeySpec)999)).ErrorId);
    }
}
