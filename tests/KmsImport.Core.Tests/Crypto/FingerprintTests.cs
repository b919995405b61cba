using Xunit;
using System.Security.Cryptography;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

public class FingerprintTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    [Fact]
    public void Aes_kcv_matches_openssl_ecb_encryption_of_a_zero_block()
    {
        for (int i = 0; i < 3; i++)
        {
            using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
            byte[] block = OpenSsl.RunWithInput(new byte[16], "enc", "-aes-256-ecb", "-nopad", "-K", OpenSsl.Hex(material.ExportForImport()));
            Assert.Equal(16, block.Length);
            Assert.Equal(Convert.ToHexString(block, 0, 3), material.Fingerprint);
            Assert.Equal("AES-KCV", material.FingerprintAlgorithm);
            Assert.Matches("^[0-9A-F]{6}$", material.Fingerprint);
        }
    }

    [Fact]
    public void Aes_kcv_known_answer_for_the_all_zero_key()
    {
        // AES-256 with an all-zero key encrypts the zero block to dc95c078a2408989ad48a21492842087 (FIPS-197 style KAT).
        using var material = new KeyMaterial(KeySpec.SYMMETRIC_DEFAULT, new byte[32], "Test", null);
        Assert.Equal("DC95C0", material.Fingerprint);
    }

    [Theory]
    [InlineData(KeySpec.HMAC_224, "SHA224")]
    [InlineData(KeySpec.HMAC_256, "SHA256")]
    [InlineData(KeySpec.HMAC_384, "SHA384")]
    [InlineData(KeySpec.HMAC_512, "SHA512")]
    public void Hmac_kcv_matches_openssl_mac_over_16_zero_bytes(KeySpec spec, string digest)
    {
        using var material = KeyMaterial.Generate(spec);
        string mac = Encoding.ASCII.GetString(OpenSsl.RunWithInput(new byte[16], "mac", "-digest", digest, "-macopt", "hexkey:" + OpenSsl.Hex(material.ExportForImport()), "HMAC")).Trim();
        Assert.Equal(mac[..6].ToUpperInvariant(), material.Fingerprint);
        Assert.Equal($"HMAC-{digest}-KCV", material.FingerprintAlgorithm);
    }

    [Theory]
    [InlineData(KeySpec.RSA_2048)]
    [InlineData(KeySpec.ECC_NIST_P384)]
    [InlineData(KeySpec.ECC_SECG_P256K1)]
    [InlineData(KeySpec.SM2)]
    public void Asymmetric_fingerprint_is_sha256_of_openssls_spki(KeySpec spec)
    {
        using var material = KeyMaterial.FromFile(spec, keys.Pem(spec));
        byte[] spki = File.ReadAllBytes(keys.PublicDer(OpenSslKeys.Names[spec]));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(spki)).ToLowerInvariant(), material.Fingerprint);
        Assert.Equal("SHA256(SPKI)", material.FingerprintAlgorithm);
        string dgst = Encoding.ASCII.GetString(OpenSsl.RunWithInput(spki, "dgst", "-sha256", "-r")).Split(' ')[0];
        Assert.Equal(dgst, material.Fingerprint);
    }

    [Fact]
    public void Fingerprint_is_stable_across_encodings_and_differs_between_keys()
    {
        using var a1 = KeyMaterial.FromFile(KeySpec.ECC_NIST_P256, keys.Pem("p256"));
        using var a2 = KeyMaterial.FromFile(KeySpec.ECC_NIST_P256, keys.Sec1Der("p256"));
        using var a3 = KeyMaterial.FromFile(KeySpec.ECC_NIST_P256, keys.EncryptedPem("p256"), OpenSslKeys.Password.ToCharArray());
        using var b = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        Assert.Equal(a1.Fingerprint, a2.Fingerprint);
        Assert.Equal(a1.Fingerprint, a3.Fingerprint);
        Assert.NotEqual(a1.Fingerprint, b.Fingerprint);

        var raw = RandomNumberGenerator.GetBytes(32);
        raw[0] = 0;
        using var s1 = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, raw);
        using var s2 = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, (byte[])raw.Clone());
        raw[31] ^= 1;
        using var s3 = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, raw);
        Assert.Equal(s1.Fingerprint, s2.Fingerprint);
        Assert.NotEqual(s1.Fingerprint, s3.Fingerprint);
    }

    [Fact]
    public void Same_bytes_as_hmac_and_aes_have_different_fingerprint_algorithms()
    {
        var raw = RandomNumberGenerator.GetBytes(32);
        raw[0] = 0;
        using var aes = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, raw);
        using var hmac = KeyMaterial.FromBytes(KeySpec.HMAC_256, raw);
        Assert.NotEqual(aes.FingerprintAlgorithm, hmac.FingerprintAlgorithm);
    }
}
