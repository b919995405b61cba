using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>GetParametersForImport / ImportKeyMaterial / DeleteImportedKeyMaterial with real wrapping.</summary>
[Collection("import")]
public sealed class ImportTests(ImportHost host)
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
    [InlineData("RSAES_OAEP_SHA_1", "RSA_4096")]
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
    [InlineData("HMAC_256", 100)]
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
    [InlineData("ECC_NIST_P521", "RSAES_OAEP_SHA_256", "RSA_4096", "ECDSA_SHA_512")]
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

    [Fact]
    public async Task ExpiredToken_IsExpiredImportToken()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId);
        try
        {
            await host.AdvanceClockAsync(TimeSpan.FromHours(25));
            var e = await Kms.FailsWith("ExpiredImportTokenException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
            {
                KeyId = md.KeyId,
                ImportToken = S(p.ImportToken.ToArray()),
                EncryptedKeyMaterial = S(Kms.WrapOaep(p.PublicKey.ToArray(), RandomNumberGenerator.GetBytes(32), "RSAES_OAEP_SHA_256")),
                ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
            }));
            Assert.Contains("GetParametersForImport", e.Message);

            // A fresh set works at the advanced time.
            await Kms.ImportAsync(_kms, md.KeyId, RandomNumberGenerator.GetBytes(32));
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }

    [Fact]
    public async Task MaterialExpiry_MovesTheKeyToPendingImport_AndReimportRestoresIt()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        byte[] material = RandomNumberGenerator.GetBytes(32);
        DateTime validTo = DateTime.UtcNow.AddHours(1);
        await Kms.ImportAsync(_kms, md.KeyId, material, configure: r =>
        {
            r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES;
            r.ValidTo = validTo;
        });
        KeyMetadata enabled = await Kms.DescribeAsync(_kms, md.KeyId);
        Assert.Equal(KeyState.Enabled, enabled.KeyState);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, enabled.ExpirationModel);
        Assert.InRange(enabled.ValidTo!.Value, validTo.AddSeconds(-1), validTo.AddSeconds(1));
        byte[] ciphertext = (await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([42]) })).CiphertextBlob.ToArray();
        try
        {
            await host.AdvanceClockAsync(TimeSpan.FromHours(2));
            KeyMetadata expired = await Kms.DescribeAsync(_kms, md.KeyId);
            Assert.Equal(KeyState.PendingImport, expired.KeyState);
            Assert.Null(expired.ValidTo);
            var e = await Kms.FailsWith("KMSInvalidStateException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]) }));
            Assert.Contains("is pending import", e.Message);
            await Kms.FailsWith("KMSInvalidStateException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(ciphertext) }));

            await Kms.ImportAsync(_kms, md.KeyId, material);
            Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
            Assert.Equal([42], (await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(ciphertext) })).Plaintext.ToArray());
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }

    [Fact]
    public async Task ScheduledDeletion_CompletesWhenTheClockPassesTheDeletionDate()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        string alias = "alias/deleted-" + Guid.NewGuid().ToString("N");
        await _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = md.KeyId });
        await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = md.KeyId, PendingWindowInDays = 7 });
        try
        {
            await host.AdvanceClockAsync(TimeSpan.FromDays(6));
            Assert.Equal(KeyState.PendingDeletion, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
            await host.AdvanceClockAsync(TimeSpan.FromDays(2));
            await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, md.KeyId));
            await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, alias));
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }

    [Fact]
    public async Task Reimport_SameMaterialIsAccepted_DifferentIsIncorrectKeyMaterial()
    {
        KeyMetadata sym = await Kms.CreateExternalAsync(_kms);
        byte[] material = RandomNumberGenerator.GetBytes(32);
        string id1 = (await Kms.ImportAsync(_kms, sym.KeyId, material)).KeyMaterialId;
        string id2 = (await Kms.ImportAsync(_kms, sym.KeyId, material, configure: r =>
        {
            r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES;
            r.ValidTo = DateTime.UtcNow.AddDays(30);
        })).KeyMaterialId;
        Assert.Equal(id1, id2);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, (await Kms.DescribeAsync(_kms, sym.KeyId)).ExpirationModel);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, sym.KeyId, RandomNumberGenerator.GetBytes(32)));

        // The same bytes in another key give another KeyMaterialId (it hashes key id and material).
        KeyMetadata other = await Kms.CreateExternalAsync(_kms);
        Assert.NotEqual(id1, (await Kms.ImportAsync(_kms, other.KeyId, material)).KeyMaterialId);

        KeyMetadata hmac = await Kms.CreateExternalAsync(_kms, "HMAC_256");
        byte[] hmacKey = RandomNumberGenerator.GetBytes(32);
        await Kms.ImportAsync(_kms, hmac.KeyId, hmacKey);
        await Kms.ImportAsync(_kms, hmac.KeyId, hmacKey);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, hmac.KeyId, RandomNumberGenerator.GetBytes(32)));

        KeyMetadata ec = await Kms.CreateExternalAsync(_kms, "ECC_NIST_P256");
        byte[] ecKey = Kms.Ec("ECC_NIST_P256");
        await Kms.ImportAsync(_kms, ec.KeyId, ecKey);
        await Kms.ImportAsync(_kms, ec.KeyId, ecKey, "RSA_AES_KEY_WRAP_SHA_256");
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, ec.KeyId, Kms.Ec("ECC_NIST_P256")));
    }

    [Fact]
    public async Task Material_IsValidatedAgainstTheKeySpec()
    {
        KeyMetadata sym = await Kms.CreateExternalAsync(_kms);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, sym.KeyId, RandomNumberGenerator.GetBytes(31)));
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, sym.KeyId, RandomNumberGenerator.GetBytes(33)));
        KeyMetadata hmac = await Kms.CreateExternalAsync(_kms, "HMAC_384");
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, hmac.KeyId, RandomNumberGenerator.GetBytes(32)));
        KeyMetadata p384 = await Kms.CreateExternalAsync(_kms, "ECC_NIST_P384");
        var e = await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, p384.KeyId, Kms.Ec("ECC_NIST_P256")));
        Assert.Contains("curve", e.Message);
        KeyMetadata rsa3072 = await Kms.CreateExternalAsync(_kms, "RSA_3072");
        using var rsa2048 = RSA.Create(2048);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, rsa3072.KeyId, rsa2048.ExportPkcs8PrivateKey(), "RSA_AES_KEY_WRAP_SHA_256"));
        KeyMetadata rsaKey = await Kms.CreateExternalAsync(_kms, "RSA_2048");
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, rsaKey.KeyId, rsa2048.ExportRSAPrivateKey(), "RSA_AES_KEY_WRAP_SHA_256"));
        foreach (KeyMetadata k in new[] { sym, hmac, p384, rsa3072, rsaKey })
        {
            Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, k.KeyId)).KeyState);
        }
    }

    [Fact]
    public async Task ExpirationModel_RulesOfImportKeyMaterial()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        byte[] m = RandomNumberGenerator.GetBytes(32);
        await Kms.FailsWith("ValidationException", () => Kms.ImportAsync(_kms, md.KeyId, m, configure: r => r.ExpirationModel = null)); // default EXPIRES, no ValidTo
        await Kms.FailsWith("ValidationException", () => Kms.ImportAsync(_kms, md.KeyId, m, configure: r => { r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES; r.ValidTo = DateTime.UtcNow.AddMinutes(-1); }));
        await Kms.FailsWith("ValidationException", () => Kms.ImportAsync(_kms, md.KeyId, m, configure: r => { r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES; r.ValidTo = DateTime.UtcNow.AddDays(366); }));
        await Kms.FailsWith("ValidationException", () => Kms.ImportAsync(_kms, md.KeyId, m, configure: r => r.ValidTo = DateTime.UtcNow.AddDays(1)));
        await Kms.ImportAsync(_kms, md.KeyId, m, configure: r => { r.ExpirationModel = null; r.ValidTo = DateTime.UtcNow.AddDays(365).AddMinutes(-1); });
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, (await Kms.DescribeAsync(_kms, md.KeyId)).ExpirationModel);
    }

    [Fact]
    public async Task WrappingMatrix_RefusesWhatAwsRefuses()
    {
        KeyMetadata sym = await Kms.CreateExternalAsync(_kms);
        KeyMetadata rsa = await Kms.CreateExternalAsync(_kms, "RSA_2048");
        KeyMetadata p521 = await Kms.CreateExternalAsync(_kms, "ECC_NIST_P521");
        var e = await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, sym.KeyId, "RSAES_PKCS1_V1_5"));
        Assert.Contains("no longer supported", e.Message);
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, sym.KeyId, "SM2PKE", "SM2"));
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, sym.KeyId, "RSAES_OAEP_SHA_256", "SM2"));
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, rsa.KeyId, "RSAES_OAEP_SHA_256", "RSA_4096"));
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, p521.KeyId, "RSAES_OAEP_SHA_1", "RSA_2048"));
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, sym.KeyId, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048"));
        await Kms.FailsWith("ValidationException", () => Kms.ParamsAsync(_kms, sym.KeyId, "RSAES_OAEP_SHA_512"));
        await Kms.FailsWith("ValidationException", () => _kms.GetParametersForImportAsync(new GetParametersForImportRequest { KeyId = sym.KeyId, WrappingAlgorithm = "RSAES_OAEP_SHA_256" }));
        await Kms.FailsWith("NotFoundException", () => Kms.ParamsAsync(_kms, Guid.NewGuid().ToString()));

        string awsKms = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ParamsAsync(_kms, awsKms));
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = awsKms }));
    }

    [Fact]
    public async Task SymmetricOnlyParameters_AreRefusedOnHmacAndAsymmetricKeys()
    {
        KeyMetadata hmac = await Kms.CreateExternalAsync(_kms, "HMAC_256");
        byte[] k = RandomNumberGenerator.GetBytes(32);
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ImportAsync(_kms, hmac.KeyId, k, configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL));
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ImportAsync(_kms, hmac.KeyId, k, configure: r => r.KeyMaterialDescription = "x"));
        KeyMetadata ec = await Kms.CreateExternalAsync(_kms, "ECC_NIST_P256");
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ImportAsync(_kms, ec.KeyId, Kms.Ec("ECC_NIST_P256"), configure: r => r.KeyMaterialId = new string('a', 64)));
    }

    [Fact]
    public async Task DeleteImportedKeyMaterial_MakesTheKeyPendingImport()
    {
        KeyMetadata ec = await Kms.CreateExternalAsync(_kms, "ECC_NIST_P384");
        byte[] pkcs8 = Kms.Ec("ECC_NIST_P384");
        string id = (await Kms.ImportAsync(_kms, ec.KeyId, pkcs8)).KeyMaterialId;
        DeleteImportedKeyMaterialResponse d = await _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = ec.KeyId });
        Assert.Equal(ec.Arn, d.KeyId);
        Assert.Equal(id, d.KeyMaterialId);
        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, ec.KeyId)).KeyState);
        var e = await Kms.FailsWith("KMSInvalidStateException", () => _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = ec.KeyId }));
        Assert.Contains("is pending import", e.Message);
        await Kms.ImportAsync(_kms, ec.KeyId, pkcs8);
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, ec.KeyId)).KeyState);
        await Kms.FailsWith("NotFoundException", () => _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = Guid.NewGuid().ToString() }));
    }

    [Fact]
    public async Task PendingImportKey_FailsWhereAwsFails()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        foreach (Func<Task> call in new Func<Task>[]
        {
            () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]) }),
            () => _kms.EnableKeyAsync(new EnableKeyRequest { KeyId = md.KeyId }),
            () => _kms.DisableKeyAsync(new DisableKeyRequest { KeyId = md.KeyId }),
        })
        {
            var e = await Kms.FailsWith("KMSInvalidStateException", call);
            Assert.Contains("is pending import", e.Message);
        }

        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
        Assert.Equal(KeyState.PendingDeletion, (await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = md.KeyId })).KeyState);
        await Kms.FailsWith("KMSInvalidStateException", () => Kms.ParamsAsync(_kms, md.KeyId));
    }

    [Fact]
    public async Task PendingDeletionKey_KeepsItsStateWhenMaterialIsDeleted()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        byte[] material = RandomNumberGenerator.GetBytes(32);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId);
        await Kms.ImportAsync(_kms, md.KeyId, material);
        await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = md.KeyId });
        await _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = md.KeyId });
        Assert.Equal(KeyState.PendingDeletion, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
        await Kms.FailsWith("KMSInvalidStateException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = md.KeyId,
            ImportToken = S(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(p.PublicKey.ToArray(), material, "RSAES_OAEP_SHA_256")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }));
        await _kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = md.KeyId });
        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
    }
}
