using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>GetParametersForImport and ImportKeyMaterial with real wrapping: every material type and the token errors.</summary>
public sealed class ImportTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    private static MemoryStream S(byte[] b) => new(b);

    [Fact]
    public async Task Symmetric_OaepSha256_ImportsThenEncryptsAndDecrypts()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId);
        Assert.Equal(md.Arn, p.KeyId);
        Assert.InRange(p.ParametersValidTo!.Value, DateTime.UtcNow.AddHours(24).AddMinutes(-5), DateTime.UtcNow.AddHours(24).AddMinutes(5));
        byte[] material = RandomNumberGenerator.GetBytes(32);
        ImportKeyMaterialResponse r = await _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = S(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(p.PublicKey.ToArray(), material, "RSAES_OAEP_SHA_256")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        });
        Assert.Equal(md.Arn, r.KeyId);
        Assert.Matches("^[0-9a-f]{64}$", r.KeyMaterialId);

        KeyMetadata after = await Kms.DescribeAsync(_kms, md.KeyId);
        Assert.Equal(KeyState.Enabled, after.KeyState);
        Assert.True(after.Enabled);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE, after.ExpirationModel);
        Assert.Null(after.ValidTo);
        Assert.Equal(r.KeyMaterialId, after.CurrentKeyMaterialId);

        EncryptResponse enc = await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S("hello"u8.ToArray()) });
        DecryptResponse dec = await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = enc.CiphertextBlob });
        Assert.Equal("hello"u8.ToArray(), dec.Plaintext.ToArray());
        Assert.Equal(r.KeyMaterialId, dec.KeyMaterialId);
    }

    [Theory]
    [InlineData("RSAES_OAEP_SHA_1", "RSA_2048")]
    [InlineData("RSAES_OAEP_SHA_256", "RSA_3072")]
    [InlineData("RSAES_OAEP_SHA_256", "RSA_4096")]
    public async Task Symmetric_EveryOaepAlgorithmAndWrappingKeySpec(string algorithm, string spec)
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId, algorithm, spec);
        using (var rsa = RSA.Create())
        {
            rsa.ImportSubjectPublicKeyInfo(p.PublicKey.ToArray(), out _);
            Assert.Equal(int.Parse(spec[4..], System.Globalization.CultureInfo.InvariantCulture), rsa.KeySize);
        }

        await _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.Arn,
            ImportToken = S(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(p.PublicKey.ToArray(), RandomNumberGenerator.GetBytes(32), algorithm)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        });
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
    }

    [Fact]
    public async Task GetParametersForImport_GivesAFreshKeyPairEveryCall()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        var a = await Kms.ParamsAsync(_kms, md.KeyId);
        var b = await Kms.ParamsAsync(_kms, md.KeyId);
        Assert.NotEqual(a.PublicKey.ToArray(), b.PublicKey.ToArray());
        Assert.NotEqual(a.ImportToken.ToArray(), b.ImportToken.ToArray());
        Assert.InRange(a.ImportToken.Length, 1, 6144);
    }

    [Theory]
    [InlineData("HMAC_224", 28)]
    [InlineData("HMAC_256", 32)]
    [InlineData("HMAC_384", 48)]
    [InlineData("HMAC_512", 64)]
    [InlineData("HMAC_256", 64)]  // longer than the digest, up to the hash block size (KMS's limit)
    [InlineData("HMAC_512", 128)]
    public async Task Hmac_ImportedMaterialComputesTheSameMacAsOpenSsl(string spec, int length)
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms, spec);
        byte[] key = RandomNumberGenerator.GetBytes(length);
        ImportKeyMaterialResponse r = await Kms.ImportAsync(_kms, md.KeyId, key);
        Assert.Matches("^[0-9a-f]{64}$", r.KeyMaterialId);
        KeyMetadata after = await Kms.DescribeAsync(_kms, md.KeyId);
        Assert.Equal(KeyState.Enabled, after.KeyState);
        Assert.Null(after.CurrentKeyMaterialId); // symmetric encryption keys only

        string algorithm = "HMAC_SHA_" + spec[5..];
        byte[] message = RandomNumberGenerator.GetBytes(77);
        GenerateMacResponse mac = await _kms.GenerateMacAsync(new GenerateMacRequest { KeyId = md.KeyId, MacAlgorithm = algorithm, Message = S(message) });

        string dir = Tools.TempDir();
        try
        {
            string file = Path.Combine(dir, "m.bin");
            await File.WriteAllBytesAsync(file, message);
            Tools.Result expected = await Tools.RunOkAsync("openssl", ["mac", "-digest", "SHA" + spec[5..], "-macopt", "hexkey:" + Convert.ToHexString(key), "-in", file, "HMAC"]);
            Assert.Equal(expected.StdOut.Trim().ToLowerInvariant(), Convert.ToHexStringLower(mac.Mac.ToArray()));
        }
        finally
        {
            Directory.Delete(dir, true);
        }

        VerifyMacResponse ok = await _kms.VerifyMacAsync(new VerifyMacRequest { KeyId = md.KeyId, MacAlgorithm = algorithm, Message = S(message), Mac = S(mac.Mac.ToArray()) });
        Assert.True(ok.MacValid);
        byte[] bad = mac.Mac.ToArray();
        bad[0] ^= 1;
        await Kms.FailsWith("KMSInvalidMacException", () => _kms.VerifyMacAsync(new VerifyMacRequest { KeyId = md.KeyId, MacAlgorithm = algorithm, Message = S(message), Mac = S(bad) }));
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "RSAES_OAEP_SHA_256", "RSA_2048", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P384", "RSA_AES_KEY_WRAP_SHA_256", "RSA_3072", "ECDSA_SHA_384")]
    [InlineData("ECC_NIST_P521", "RSAES_OAEP_SHA_256", "RSA_3072", "ECDSA_SHA_512")]
    [InlineData("ECC_NIST_P521", "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048", "ECDSA_SHA_512")]
    [InlineData("ECC_SECG_P256K1", "RSAES_OAEP_SHA_1", "RSA_2048", "ECDSA_SHA_256")]
    public async Task Ecc_ImportedKeySignsWhatTheLocalPublicKeyVerifies(string spec, string algorithm, string wrappingSpec, string signing)
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms, spec);
        byte[] pkcs8 = Kms.Ec(spec);
        await Kms.ImportAsync(_kms, md.KeyId, pkcs8, algorithm, wrappingSpec);
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);

        using var local = ECDsa.Create();
        local.ImportPkcs8PrivateKey(pkcs8, out _);
        GetPublicKeyResponse pub = await _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = md.KeyId });
        Assert.Equal(spec, pub.KeySpec.Value);
        Assert.Equal(KeyUsageType.SIGN_VERIFY, pub.KeyUsage);
        using var remote = ECDsa.Create();
        remote.ImportSubjectPublicKeyInfo(pub.PublicKey.ToArray(), out _);
        ECParameters l = local.ExportParameters(false), r = remote.ExportParameters(false);
        Assert.Equal(l.Q.X, r.Q.X);
        Assert.Equal(l.Q.Y, r.Q.Y);

        byte[] message = RandomNumberGenerator.GetBytes(300);
        SignResponse sig = await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(message), SigningAlgorithm = signing, MessageType = MessageType.RAW });
        HashAlgorithmName hash = signing.EndsWith("512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512 : signing.EndsWith("384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
        Assert.True(local.VerifyData(message, sig.Signature.ToArray(), hash, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Theory]
    [InlineData("RSA_2048", "SIGN_VERIFY", "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096")]
    [InlineData("RSA_3072", "ENCRYPT_DECRYPT", "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048")]
    public async Task Rsa_ImportedWithRsaAesKeyWrap_MatchesTheLocalKey(string spec, string usage, string algorithm, string wrappingSpec)
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms, spec, usage);
        using var local = RSA.Create(int.Parse(spec[4..], System.Globalization.CultureInfo.InvariantCulture));
        await Kms.ImportAsync(_kms, md.KeyId, local.ExportPkcs8PrivateKey(), algorithm, wrappingSpec);
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);

        GetPublicKeyResponse pub = await _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = md.KeyId });
        using var remote = RSA.Create();
        remote.ImportSubjectPublicKeyInfo(pub.PublicKey.ToArray(), out _);
        Assert.Equal(local.ExportParameters(false).Modulus, remote.ExportParameters(false).Modulus);

        byte[] message = RandomNumberGenerator.GetBytes(64);
        if (usage == "SIGN_VERIFY")
        {
            SignResponse sig = await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(message), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 });
            Assert.True(local.VerifyData(message, sig.Signature.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        }
        else
        {
            byte[] ct = local.Encrypt(message, RSAEncryptionPadding.OaepSHA256);
            DecryptResponse dec = await _kms.DecryptAsync(new DecryptRequest { KeyId = md.KeyId, CiphertextBlob = S(ct), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 });
            Assert.Equal(message, dec.Plaintext.ToArray());
        }
    }

    [Fact]
    public async Task WrongOaepHash_IsInvalidCiphertext()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId, "RSAES_OAEP_SHA_256");
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = S(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(p.PublicKey.ToArray(), RandomNumberGenerator.GetBytes(32), "RSAES_OAEP_SHA_1")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }));
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = S(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(RandomNumberGenerator.GetBytes(100)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }));
        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
    }

    [Fact]
    public async Task TokenOfAnotherKey_IsInvalidImportToken()
    {
        KeyMetadata a = await Kms.CreateExternalAsync(_kms);
        KeyMetadata b = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse pa = await Kms.ParamsAsync(_kms, a.KeyId);
        var e = await Kms.FailsWith("InvalidImportTokenException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = b.KeyId,
            ImportToken = S(pa.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(pa.PublicKey.ToArray(), RandomNumberGenerator.GetBytes(32), "RSAES_OAEP_SHA_256")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }));
        Assert.Contains("different KMS key", e.Message);

        byte[] tampered = pa.ImportToken.ToArray();
        tampered[tampered.Length / 2] ^= 0x01;
        foreach (byte[] token in new[] { tampered, RandomNumberGenerator.GetBytes(600) })
        {
            await Kms.FailsWith("InvalidImportTokenException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
            {
                KeyId = a.KeyId,
                ImportToken = S(token),
                EncryptedKeyMaterial = S(Kms.WrapOaep(pa.PublicKey.ToArray(), RandomNumberGenerator.GetBytes(32), "RSAES_OAEP_SHA_256")),
                ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
            }));
        }
    }

    [Fact]
    public async Task OlderParameterSet_StaysValid_ButItsTokenCannotUnwrapForTheNewerPublicKey()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse older = await Kms.ParamsAsync(_kms, md.KeyId);
        GetParametersForImportResponse newer = await Kms.ParamsAsync(_kms, md.KeyId);
        byte[] material = RandomNumberGenerator.GetBytes(32);

        // Token of the older set with material wrapped for the newer public key: KMS unwraps with the
        // older set's private key and fails.
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = S(older.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(newer.PublicKey.ToArray(), material, "RSAES_OAEP_SHA_256")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }));

        // A newer GetParametersForImport does not invalidate an older, unexpired set (AWS documents none).
        await _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = S(older.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(older.PublicKey.ToArray(), material, "RSAES_OAEP_SHA_256")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        });
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
    }
}
