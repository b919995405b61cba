using Xunit;
using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>Interop with OpenSSL 3 in both directions, following the AWS procedure (facts file).</summary>
public class OpenSslInteropTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    private static string[] OaepOptions(string md) =>
        ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + md, "-pkeyopt", "rsa_mgf1_md:" + md];

    private static string Md(WrappingAlgorithm a) => WrappedMaterialDecoder.Padding(a) == RSAEncryptionPadding.OaepSHA1 ? "sha1" : "sha256";

    public static TheoryData<WrappingAlgorithm, WrappingKeySpec> OaepCases() => new()
    {
        { WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048 },
        { WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_3072 },
        { WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096 },
        { WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_2048 },
        { WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_4096 },
    };

    [Theory]
    [MemberData(nameof(OaepCases))]
    public void OpenSsl_pkeyutl_decrypts_our_oaep_wrapping(WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        using var dir = new TempDir();
        using var material = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        var wrappingKey = WrappedMaterialDecoder.KeySpecOf(wrappingKeySpec);
        byte[] wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(wrappingKey), algorithm, wrappingKeySpec);
        var input = dir.Write("EncryptedKeyMaterial.bin", wrapped);

        byte[] decrypted = OpenSsl.Run(["pkeyutl", "-decrypt", "-inkey", keys.Pem(wrappingKey), "-in", input, .. OaepOptions(Md(algorithm))]);

        Assert.Equal(material.ExportForImport(), decrypted);
    }

    [Theory]
    [MemberData(nameof(OaepCases))]
    public void OpenSsl_pkeyutl_decrypts_the_bouncycastle_oaep_fallback_too(WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        // The path Windows PowerShell 5.1 takes where the platform's RSA has no OAEP-SHA-256 (RSACryptoServiceProvider).
        using var dir = new TempDir();
        using var material = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        var wrappingKey = WrappedMaterialDecoder.KeySpecOf(wrappingKeySpec);
        byte[] wrapped;
        KeyWrapper.ForceBouncyCastleRsa = true;
        try
        {
            wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(wrappingKey), algorithm, wrappingKeySpec);
        }
        finally
        {
            KeyWrapper.ForceBouncyCastleRsa = false;
        }
        var input = dir.Write("EncryptedKeyMaterial.bin", wrapped);

        byte[] decrypted = OpenSsl.Run(["pkeyutl", "-decrypt", "-inkey", keys.Pem(wrappingKey), "-in", input, .. OaepOptions(Md(algorithm))]);

        Assert.Equal(material.ExportForImport(), decrypted);
    }

    public static TheoryData<WrappingAlgorithm, KeySpec> RsaAesCases() => new()
    {
        { WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, KeySpec.RSA_2048 },
        { WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, KeySpec.ECC_NIST_P521 },
        { WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, KeySpec.RSA_4096 },
        { WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, KeySpec.ECC_SECG_P256K1 },
    };

    [Theory]
    [MemberData(nameof(RsaAesCases))]
    public void OpenSsl_unwraps_our_rsa_aes_key_wrap_output(WrappingAlgorithm algorithm, KeySpec materialSpec)
    {
        using var dir = new TempDir();
        using var material = Materials.For(materialSpec, keys);
        byte[] wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_4096), algorithm, WrappingKeySpec.RSA_4096);

        var r = dir.Write("R.bin", wrapped[..512]);
        var w = dir.Write("W.bin", wrapped[512..]);
        byte[] aesKey = OpenSsl.Run(["pkeyutl", "-decrypt", "-inkey", keys.Pem(KeySpec.RSA_4096), "-in", r, .. OaepOptions(Md(algorithm))]);
        Assert.Equal(32, aesKey.Length);
        byte[] unwrapped = OpenSsl.Run("enc", "-d", "-id-aes256-wrap-pad", "-K", OpenSsl.Hex(aesKey), "-iv", "A65959A6", "-in", w);

        Assert.Equal(material.ExportForImport(), unwrapped);
    }

    [Theory]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, KeySpec.RSA_3072)]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, KeySpec.ECC_NIST_P384)]
    public void Material_wrapped_by_OpenSsl_per_the_AWS_procedure_is_unwrapped_by_the_decoder(WrappingAlgorithm algorithm, KeySpec materialSpec)
    {
        using var dir = new TempDir();
        var m = keys.Pkcs8Der(OpenSslKeys.Names[materialSpec]);
        var publicKey = keys.PublicDer("rsa4096");
        var k = dir.File("K.bin");
        OpenSsl.Run("rand", "-out", k, "32");
        var w = dir.File("W.bin");
        OpenSsl.Run("enc", "-id-aes256-wrap-pad", "-K", OpenSsl.Hex(File.ReadAllBytes(k)), "-iv", "A65959A6", "-in", m, "-out", w);
        var r = dir.File("R.bin");
        OpenSsl.Run(["pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", publicKey, "-in", k, "-out", r, .. OaepOptions(Md(algorithm))]);
        byte[] uploaded = [.. File.ReadAllBytes(r), .. File.ReadAllBytes(w)];

        using var rsa = keys.RsaPrivate(KeySpec.RSA_4096);
        Assert.Equal(File.ReadAllBytes(m), WrappedMaterialDecoder.Unwrap(uploaded, rsa, algorithm));

        // ...and the layout is the one our wrapper produces for the same material.
        using var material = KeyMaterial.FromFile(materialSpec, m);
        Assert.Equal(uploaded.Length, KeyWrapper.Wrap(material, File.ReadAllBytes(publicKey), algorithm, WrappingKeySpec.RSA_4096).Length);
    }

    [Fact]
    public void Material_wrapped_by_OpenSsl_with_oaep_sha256_is_unwrapped_by_the_decoder()
    {
        using var dir = new TempDir();
        var m = dir.File("m.bin");
        OpenSsl.Run("rand", "-out", m, "32");
        var c = dir.File("c.bin");
        OpenSsl.Run(["pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", keys.PublicDer("rsa2048"), "-in", m, "-out", c, .. OaepOptions("sha256")]);
        using var rsa = keys.RsaPrivate(KeySpec.RSA_2048);
        Assert.Equal(File.ReadAllBytes(m), WrappedMaterialDecoder.Unwrap(File.ReadAllBytes(c), rsa, WrappingAlgorithm.RSAES_OAEP_SHA_256));
    }

    [Fact]
    public void The_classic_mistake_OpenSsl_default_oaep_hash_is_sha1_and_does_not_decrypt_as_sha256()
    {
        using var dir = new TempDir();
        var m = dir.File("m.bin");
        OpenSsl.Run("rand", "-out", m, "32");
        var c = dir.File("c.bin");
        // As users often type it: OAEP padding but no rsa_oaep_md, so OpenSSL uses SHA-1.
        OpenSsl.Run("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", keys.PublicDer("rsa2048"), "-in", m, "-out", c,
            "-pkeyopt", "rsa_padding_mode:oaep");
        byte[] ciphertext = File.ReadAllBytes(c);
        using var rsa = keys.RsaPrivate(KeySpec.RSA_2048);

        Assert.ThrowsAny<CryptographicException>(() => WrappedMaterialDecoder.Unwrap(ciphertext, rsa, WrappingAlgorithm.RSAES_OAEP_SHA_256));
        Assert.Equal(File.ReadAllBytes(m), WrappedMaterialDecoder.Unwrap(ciphertext, rsa, WrappingAlgorithm.RSAES_OAEP_SHA_1));
    }

    [Fact]
    public void Our_sha256_wrapping_does_not_decrypt_with_OpenSsl_defaults()
    {
        using var dir = new TempDir();
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        var input = dir.Write("c.bin", KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048));
        var (code, stdout, _) = OpenSsl.TryRun(null, "pkeyutl", "-decrypt", "-inkey", keys.Pem(KeySpec.RSA_2048), "-in", input, "-pkeyopt", "rsa_padding_mode:oaep");
        Assert.False(code == 0 && stdout.AsSpan().SequenceEqual(material.ExportForImport()));
        Assert.NotEqual(0, code);
    }
}
