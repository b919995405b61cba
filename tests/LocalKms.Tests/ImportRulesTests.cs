using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>The rules of ImportKeyMaterial and DeleteImportedKeyMaterial: re-import, validation, expiration model, wrapping matrix, key states.</summary>
public sealed class ImportRulesTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    private static MemoryStream S(byte[] b) => new(b);

    [Fact]
    public async Task Reimport_SameMaterialIsAccepted_DifferentIsIncorrectKeyMaterial()
    {
        KeyMetadata sym = await Kms.CreateExternalAsync(_kms);
        byte[] material = RandomNumberGenerator.GetBytes(32);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, sym.KeyId);
        string id1 = (await Kms.ImportWithAsync(_kms, sym.KeyId, p, material)).KeyMaterialId;
        string id2 = (await Kms.ImportWithAsync(_kms, sym.KeyId, p, material, configure: r =>
        {
            r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES;
            r.ValidTo = DateTime.UtcNow.AddDays(30);
        })).KeyMaterialId;
        Assert.Equal(id1, id2);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, (await Kms.DescribeAsync(_kms, sym.KeyId)).ExpirationModel);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportWithAsync(_kms, sym.KeyId, p, RandomNumberGenerator.GetBytes(32)));

        // The same bytes in another key give another KeyMaterialId (it hashes key id and material).
        KeyMetadata other = await Kms.CreateExternalAsync(_kms);
        Assert.NotEqual(id1, (await Kms.ImportAsync(_kms, other.KeyId, material)).KeyMaterialId);

        KeyMetadata hmac = await Kms.CreateExternalAsync(_kms, "HMAC_256");
        byte[] hmacKey = RandomNumberGenerator.GetBytes(32);
        GetParametersForImportResponse hp = await Kms.ParamsAsync(_kms, hmac.KeyId);
        await Kms.ImportWithAsync(_kms, hmac.KeyId, hp, hmacKey);
        await Kms.ImportWithAsync(_kms, hmac.KeyId, hp, hmacKey);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportWithAsync(_kms, hmac.KeyId, hp, RandomNumberGenerator.GetBytes(32)));

        KeyMetadata ec = await Kms.CreateExternalAsync(_kms, "ECC_NIST_P256");
        byte[] ecKey = Kms.Ec("ECC_NIST_P256");
        GetParametersForImportResponse ep = await Kms.ParamsAsync(_kms, ec.KeyId);
        await Kms.ImportWithAsync(_kms, ec.KeyId, ep, ecKey);
        await Kms.ImportAsync(_kms, ec.KeyId, ecKey, "RSA_AES_KEY_WRAP_SHA_256");
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportWithAsync(_kms, ec.KeyId, ep, Kms.Ec("ECC_NIST_P256")));
    }

    [Fact]
    public async Task Material_IsValidatedAgainstTheKeySpec()
    {
        KeyMetadata sym = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, sym.KeyId);
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportWithAsync(_kms, sym.KeyId, p, RandomNumberGenerator.GetBytes(31)));
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportWithAsync(_kms, sym.KeyId, p, RandomNumberGenerator.GetBytes(33)));
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
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId);
        await Kms.FailsWith("ValidationException", () => Kms.ImportWithAsync(_kms, md.KeyId, p, m, configure: r => r.ExpirationModel = null)); // default EXPIRES, no ValidTo
        await Kms.FailsWith("ValidationException", () => Kms.ImportWithAsync(_kms, md.KeyId, p, m, configure: r => { r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES; r.ValidTo = DateTime.UtcNow.AddMinutes(-1); }));
        await Kms.FailsWith("ValidationException", () => Kms.ImportWithAsync(_kms, md.KeyId, p, m, configure: r => { r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES; r.ValidTo = DateTime.UtcNow.AddDays(366); }));
        await Kms.FailsWith("ValidationException", () => Kms.ImportWithAsync(_kms, md.KeyId, p, m, configure: r => r.ValidTo = DateTime.UtcNow.AddDays(1)));
        await Kms.ImportWithAsync(_kms, md.KeyId, p, m, configure: r => { r.ExpirationModel = null; r.ValidTo = DateTime.UtcNow.AddDays(365).AddMinutes(-1); });
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
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, hmac.KeyId);
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ImportWithAsync(_kms, hmac.KeyId, p, k, configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL));
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ImportWithAsync(_kms, hmac.KeyId, p, k, configure: r => r.KeyMaterialDescription = "x"));
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
