using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>Encrypt/Decrypt, GenerateMac/VerifyMac, GetPublicKey and Sign/Verify, checked with .NET locally.</summary>
public sealed class CryptoOperationTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    private static MemoryStream S(byte[] b) => new(b);

    [Fact]
    public async Task Symmetric_EncryptDecrypt_BindsKeyAndEncryptionContext()
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        string alias = "alias/crypto-" + Guid.NewGuid().ToString("N");
        await _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = md.KeyId });
        var context = new Dictionary<string, string> { ["purpose"] = "test", ["tenant"] = "a" };
        byte[] plaintext = RandomNumberGenerator.GetBytes(4096);
        EncryptResponse enc = await _kms.EncryptAsync(new EncryptRequest { KeyId = alias, Plaintext = S(plaintext), EncryptionContext = context });
        Assert.Equal(md.Arn, enc.KeyId);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, enc.EncryptionAlgorithm);
        byte[] blob = enc.CiphertextBlob.ToArray();

        DecryptResponse dec = await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(blob), EncryptionContext = new Dictionary<string, string>(context.Reverse()) });
        Assert.Equal(plaintext, dec.Plaintext.ToArray());
        Assert.Equal(md.Arn, dec.KeyId);
        Assert.Equal(md.CurrentKeyMaterialId, dec.KeyMaterialId);
        Assert.Equal(plaintext, (await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(blob), KeyId = alias, EncryptionContext = context })).Plaintext.ToArray());

        await Kms.FailsWith("InvalidCiphertextException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(blob) }));
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(blob), EncryptionContext = new() { ["purpose"] = "other", ["tenant"] = "a" } }));
        byte[] tampered = blob.ToArray();
        tampered[^1] ^= 1;
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(tampered), EncryptionContext = context }));
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(RandomNumberGenerator.GetBytes(80)) }));

        string other = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
        await Kms.FailsWith("IncorrectKeyException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(blob), KeyId = other, EncryptionContext = context }));
        await Kms.FailsWith("DryRunOperationException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]), DryRun = true }), status: 412);
        await Kms.FailsWith("ValidationException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S(new byte[4097]) }));
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 }));
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = md.KeyId }));
    }

    [Fact]
    public async Task RsaEncryptionKey_DecryptsWhatTheLocalPublicKeyEncrypted()
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "RSA_2048", KeyUsage = KeyUsageType.ENCRYPT_DECRYPT })).KeyMetadata;
        GetPublicKeyResponse pub = await _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = md.KeyId });
        Assert.Equal(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], pub.EncryptionAlgorithms);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(pub.PublicKey.ToArray(), out _);
        byte[] secret = RandomNumberGenerator.GetBytes(100);
        foreach ((string alg, RSAEncryptionPadding padding) in new[] { ("RSAES_OAEP_SHA_1", RSAEncryptionPadding.OaepSHA1), ("RSAES_OAEP_SHA_256", RSAEncryptionPadding.OaepSHA256) })
        {
            byte[] ct = rsa.Encrypt(secret, padding);
            DecryptResponse dec = await _kms.DecryptAsync(new DecryptRequest { KeyId = md.KeyId, CiphertextBlob = S(ct), EncryptionAlgorithm = alg });
            Assert.Equal(secret, dec.Plaintext.ToArray());
            Assert.Equal(alg, dec.EncryptionAlgorithm.Value);
        }

        byte[] sha256Ct = rsa.Encrypt(secret, RSAEncryptionPadding.OaepSHA256);
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.DecryptAsync(new DecryptRequest { KeyId = md.KeyId, CiphertextBlob = S(sha256Ct), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_1 }));
        await Kms.FailsWith("InvalidCiphertextException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(sha256Ct), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 }));
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S(secret) }));
        EncryptResponse kmsCt = await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S(secret), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 });
        Assert.Equal(secret, (await _kms.DecryptAsync(new DecryptRequest { KeyId = md.KeyId, CiphertextBlob = kmsCt.CiphertextBlob, EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 })).Plaintext.ToArray());
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S([1]), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }));
    }

    [Fact]
    public async Task RsaSigningKey_EveryAlgorithm_RawAndDigest_VerifiesLocally()
    {
        using var local = RSA.Create(2048);
        KeyMetadata md = await Kms.CreateExternalAsync(_kms, "RSA_2048");
        await Kms.ImportAsync(_kms, md.KeyId, local.ExportPkcs8PrivateKey(), "RSA_AES_KEY_WRAP_SHA_256");
        Assert.Equal(6, (await Kms.DescribeAsync(_kms, md.KeyId)).SigningAlgorithms.Count);
        byte[] message = RandomNumberGenerator.GetBytes(1000);
        foreach (string alg in new[] { "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512" })
        {
            HashAlgorithmName hash = new("SHA" + alg[^3..]);
            RSASignaturePadding padding = alg.Contains("PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
            byte[] raw = (await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(message), SigningAlgorithm = alg })).Signature.ToArray();
            Assert.True(local.VerifyData(message, raw, hash, padding), alg);
            byte[] digest = HashOf(hash, message);
            byte[] fromDigest = (await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(digest), MessageType = MessageType.DIGEST, SigningAlgorithm = alg })).Signature.ToArray();
            Assert.True(local.VerifyHash(digest, fromDigest, hash, padding), alg + " DIGEST");
            Assert.True((await _kms.VerifyAsync(new VerifyRequest { KeyId = md.KeyId, Message = S(message), Signature = S(raw), SigningAlgorithm = alg })).SignatureValid);
        }

        byte[] sig = (await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(message), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 })).Signature.ToArray();
        byte[] other = message.ToArray();
        other[0] ^= 1;
        await Kms.FailsWith("KMSInvalidSignatureException", () => _kms.VerifyAsync(new VerifyRequest { KeyId = md.KeyId, Message = S(other), Signature = S(sig), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }));
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(message), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 }));
        await Kms.FailsWith("ValidationException", () => _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(new byte[31]), MessageType = MessageType.DIGEST, SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }));
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 }));
    }

    private static byte[] HashOf(HashAlgorithmName hash, byte[] data) =>
        hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : hash == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : SHA256.HashData(data);

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P384", "ECDSA_SHA_384")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256")]
    public async Task EccKeysCreatedInKms_SignWithTheirPublishedPublicKey(string spec, string alg)
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;
        Assert.Equal(alg, Assert.Single(md.SigningAlgorithms));
        GetPublicKeyResponse pub = await _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = md.Arn });
        Assert.Equal(alg, Assert.Single(pub.SigningAlgorithms));
        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(pub.PublicKey.ToArray(), out _);
        byte[] message = RandomNumberGenerator.GetBytes(50);
        HashAlgorithmName hash = new("SHA" + alg[^3..]);
        byte[] raw = (await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(message), SigningAlgorithm = alg })).Signature.ToArray();
        Assert.True(ec.VerifyData(message, raw, hash, DSASignatureFormat.Rfc3279DerSequence));
        byte[] digest = HashOf(hash, message);
        byte[] viaDigest = (await _kms.SignAsync(new SignRequest { KeyId = md.KeyId, Message = S(digest), MessageType = MessageType.DIGEST, SigningAlgorithm = alg })).Signature.ToArray();
        Assert.True(ec.VerifyHash(digest, viaDigest, DSASignatureFormat.Rfc3279DerSequence));
        Assert.True((await _kms.VerifyAsync(new VerifyRequest { KeyId = md.KeyId, Message = S(digest), MessageType = MessageType.DIGEST, Signature = S(raw), SigningAlgorithm = alg })).SignatureValid);
    }

    [Fact]
    public async Task HmacKeys_GenerateAndVerifyMac()
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "HMAC_512", KeyUsage = KeyUsageType.GENERATE_VERIFY_MAC })).KeyMetadata;
        byte[] message = RandomNumberGenerator.GetBytes(10);
        GenerateMacResponse mac = await _kms.GenerateMacAsync(new GenerateMacRequest { KeyId = md.KeyId, MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_512, Message = S(message) });
        Assert.Equal(64, mac.Mac.Length);
        Assert.True((await _kms.VerifyMacAsync(new VerifyMacRequest { KeyId = md.KeyId, MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_512, Message = S(message), Mac = S(mac.Mac.ToArray()) })).MacValid);
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.GenerateMacAsync(new GenerateMacRequest { KeyId = md.KeyId, MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256, Message = S(message) }));
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S(message) }));
        string sym = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
        await Kms.FailsWith("InvalidKeyUsageException", () => _kms.GenerateMacAsync(new GenerateMacRequest { KeyId = sym, MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256, Message = S(message) }));
    }
}
