using System.Security.Cryptography;
using System.Text;
using LocalKms.Crypto;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>The endpoint's crypto building blocks against published vectors and OpenSSL.</summary>
public sealed class CryptoUnitTests
{
    public static TheoryData<string, string, string> Rfc5649Vectors => new()
    {
        // RFC 5649 section 6 (192-bit KEK) and Wycheproof aes_kwp_test.json tcId 167 (AES-256 KEK).
        { "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a" },
        { "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f" },
        { "38e1b1d075d9d852b9a6c01c8ff6965af01bac457a4e339ae3e1d7b2ffacc0cd", "80ad6820f1c90981e2ca42b817a345c1179d0a11d8e23a8adc0505e13d87295a", "b63b7e0fec7e315816233db6758fd3e744b9f6a40862bdf866487e53bcb950d8b2649269e51b4475" },
    };

    [Theory]
    [MemberData(nameof(Rfc5649Vectors))]
    public void DotNetKeyUnwrapWithPadding_TheServersUnwrap_MatchesRfc5649Vectors(string kek, string key, string wrapped)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromHexString(kek);
        Assert.Equal(key, Convert.ToHexStringLower(aes.DecryptKeyWrapPadded(Convert.FromHexString(wrapped))));
        Assert.Equal(wrapped, Convert.ToHexStringLower(aes.EncryptKeyWrapPadded(Convert.FromHexString(key))));
    }

    [Theory]
    [MemberData(nameof(Rfc5649Vectors))]
    public void TestLocalRfc5649Wrap_MatchesRfc5649Vectors(string kek, string key, string wrapped) =>
        Assert.Equal(wrapped, Convert.ToHexStringLower(TestRfc5649.Wrap(Convert.FromHexString(kek), Convert.FromHexString(key))));

    [Fact]
    public void Unwrapper_RefusesTamperedRsaAesKeyWrap()
    {
        using var rsa = RSA.Create(2048);
        byte[] material = RandomNumberGenerator.GetBytes(40);
        byte[] wrapped = Kms.WrapRsaAes(rsa.ExportSubjectPublicKeyInfo(), material, "RSA_AES_KEY_WRAP_SHA_256");
        byte[] pkcs8 = rsa.ExportPkcs8PrivateKey();
        Assert.Equal(material, Unwrapper.Unwrap("RSA_AES_KEY_WRAP_SHA_256", pkcs8, wrapped));
        Assert.Null(Unwrapper.Unwrap("RSA_AES_KEY_WRAP_SHA_1", pkcs8, wrapped));
        wrapped[^1] ^= 1;
        Assert.Null(Unwrapper.Unwrap("RSA_AES_KEY_WRAP_SHA_256", pkcs8, wrapped));
        Assert.Null(Unwrapper.Unwrap("RSAES_OAEP_SHA_256", pkcs8, wrapped));
    }

    [Theory]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22")]
    [InlineData("4a656665", "what do ya want for nothing?", "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44")]
    public void HmacSha224_MatchesRfc4231(string key, string data, string mac) =>
        Assert.Equal(mac, Convert.ToHexStringLower(HmacSha224.Compute(Convert.FromHexString(key), Encoding.ASCII.GetBytes(data))));

    [Fact]
    public void HmacSha224_LongKey_MatchesRfc4231Case6() =>
        Assert.Equal(
            "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
            Convert.ToHexStringLower(HmacSha224.Compute(Enumerable.Repeat((byte)0xaa, 131).ToArray(), "Test Using Larger Than Block-Size Key - Hash Key First"u8)));

    [Fact]
    public async Task HmacSha224_MatchesOpenSsl_ForManyLengths()
    {
        string dir = Tools.TempDir();
        try
        {
            foreach (int len in new[] { 0, 1, 55, 56, 63, 64, 65, 200 })
            {
                byte[] key = RandomNumberGenerator.GetBytes(28 + len % 50);
                byte[] msg = RandomNumberGenerator.GetBytes(len);
                string file = Path.Combine(dir, $"m{len}.bin");
                await File.WriteAllBytesAsync(file, msg);
                Tools.Result r = await Tools.RunOkAsync("openssl", ["mac", "-digest", "SHA224", "-macopt", "hexkey:" + Convert.ToHexString(key), "-in", file, "HMAC"]);
                Assert.Equal(r.StdOut.Trim().ToLowerInvariant(), Convert.ToHexStringLower(HmacSha224.Compute(key, msg)));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ImportTokens_RoundTrip_AndRefuseTamperingOrAnotherServer()
    {
        byte[] serverKey = RandomNumberGenerator.GetBytes(32);
        var p = new ImportParameters(RandomNumberGenerator.GetBytes(16), "arn:aws:kms:eu-west-2:111122223333:key/x", "RSAES_OAEP_SHA_256", "RSA_2048",
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), DateTimeOffset.FromUnixTimeMilliseconds(1_700_086_400_000), [1, 2, 3]);
        byte[] token = ImportTokens.Seal(p, serverKey);
        ImportParameters? back = ImportTokens.Open(token, serverKey);
        Assert.NotNull(back);
        Assert.Equal(p.KeyArn, back!.KeyArn);
        Assert.Equal(p.ValidTo, back.ValidTo);
        Assert.Equal(p.WrappingPrivateKeyPkcs8, back.WrappingPrivateKeyPkcs8);
        Assert.Null(ImportTokens.Open(token, RandomNumberGenerator.GetBytes(32)));
        token[20] ^= 0x40;
        Assert.Null(ImportTokens.Open(token, serverKey));
        Assert.Null(ImportTokens.Open(RandomNumberGenerator.GetBytes(64), serverKey));
    }

    [Fact]
    public async Task MaterialValidator_RefusesMultiPrimeRsaAndExplicitCurves()
    {
        string dir = Tools.TempDir();
        try
        {
            string mpPem = Path.Combine(dir, "mp.pem"), mp = Path.Combine(dir, "mp.der");
            await Tools.RunOkAsync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_primes:3", "-out", mpPem]);
            await Tools.RunOkAsync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", mpPem, "-outform", "DER", "-out", mp]);
            var e1 = Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("RSA_2048", File.ReadAllBytes(mp)));
            Assert.Contains("two primes", e1.Message);

            string sec1 = Path.Combine(dir, "explicit.pem"), explicitDer = Path.Combine(dir, "explicit.der");
            await Tools.RunOkAsync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-param_enc", "explicit", "-noout", "-out", sec1]);
            await Tools.RunOkAsync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", sec1, "-outform", "DER", "-out", explicitDer]);
            var e2 = Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("ECC_NIST_P256", File.ReadAllBytes(explicitDer)));
            Assert.Contains("named curves", e2.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MaterialValidator_ChecksSizesCurvesAndFormats()
    {
        Assert.Equal(32, MaterialValidator.Validate("SYMMETRIC_DEFAULT", new byte[32]).Length);
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("SYMMETRIC_DEFAULT", new byte[16]));
        Assert.Equal(28, MaterialValidator.Validate("HMAC_224", new byte[28]).Length);
        Assert.Equal(128, MaterialValidator.Validate("HMAC_512", new byte[128]).Length);
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("HMAC_512", new byte[63]));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("HMAC_256", new byte[129]));
        // HMAC material from the digest length up to the hash's block size, exactly (KMS's range).
        foreach (var (spec, min, max) in new[] { ("HMAC_224", 28, 64), ("HMAC_256", 32, 64), ("HMAC_384", 48, 128), ("HMAC_512", 64, 128) })
        {
            Assert.Equal(min, MaterialValidator.Validate(spec, new byte[min]).Length);
            Assert.Equal(max, MaterialValidator.Validate(spec, new byte[max]).Length);
            Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate(spec, new byte[min - 1]));
            Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate(spec, new byte[max + 1]));
        }

        byte[] p256 = Kms.Ec("ECC_NIST_P256");
        Assert.NotEmpty(MaterialValidator.Validate("ECC_NIST_P256", p256));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("ECC_NIST_P384", p256));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("ECC_SECG_P256K1", p256));
        Assert.NotEmpty(MaterialValidator.Validate("ECC_SECG_P256K1", Kms.Ec("ECC_SECG_P256K1")));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("RSA_2048", p256));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("ECC_NIST_P256", [.. p256, 0]));

        using var rsa = RSA.Create(2048);
        Assert.NotEmpty(MaterialValidator.Validate("RSA_2048", rsa.ExportPkcs8PrivateKey()));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("RSA_3072", rsa.ExportPkcs8PrivateKey()));
        Assert.Throws<InvalidMaterialException>(() => MaterialValidator.Validate("RSA_2048", rsa.ExportRSAPrivateKey())); // PKCS#1, not PKCS#8
    }

    [Fact]
    public void Options_ParseTheDocumentedCommandLine()
    {
        LocalKmsOptions o = LocalKmsOptions.Parse(
            ["--port", "0", "--account-id", "444455556666", "--state-file", "s.json", "--verify-signatures", "--credential", "AKID1:se:cret", "--wrapping-key-pool", "3", "--exit-on-stdin-close"]);
        Assert.Equal(0, o.Port);
        Assert.Equal("444455556666", o.AccountId);
        Assert.EndsWith("s.json", o.StateFile);
        Assert.True(o.VerifySignatures);
        Assert.Equal("se:cret", o.Credentials["AKID1"]);
        Assert.Equal(3, o.WrappingKeyPool);
        Assert.True(o.ExitOnStdinClose);
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--verify-signatures"]));
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--port", "x"]));
        Assert.Throws<ArgumentException>(() => LocalKmsOptions.Parse(["--nope"]));
    }

    [Fact]
    public void ReusedWrappingKeys_OnePairPerSpec_HandedOutAsCopies()
    {
        Assert.True(LocalKmsOptions.Parse(["--reuse-wrapping-keys"]).ReuseWrappingKeys);
        Assert.False(LocalKmsOptions.Parse([]).ReuseWrappingKeys);
        using var pool = new WrappingKeyPool(4, reuse: true);
        Assert.Equal(0, pool.Ready["RSA_2048"]);
        byte[] first = pool.Take("RSA_2048");
        byte[] second = pool.Take("RSA_2048");
        Assert.Equal(first, second);
        Assert.NotSame(first, second);
        Assert.Equal(1, pool.Ready["RSA_2048"]);
        // The caller zeroes what it took (GetParametersForImport does): the next caller still gets the pair.
        CryptographicOperations.ZeroMemory(first);
        Assert.Equal(second, pool.Take("RSA_2048"));
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(second, out _);
        Assert.Equal(2048, rsa.KeySize);
        Assert.Equal(0, pool.Ready["RSA_4096"]);
    }
}
