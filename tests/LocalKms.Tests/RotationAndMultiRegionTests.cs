using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>On-demand rotation of imported material and multi-Region keys.</summary>
public sealed class RotationAndMultiRegionTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    private static MemoryStream S(byte[] b) => new(b);

    private static async Task<List<RotationsListEntry>> AllMaterial(IAmazonKeyManagementService kms, string keyId) =>
        (await kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = keyId, IncludeKeyMaterial = IncludeKeyMaterial.ALL_KEY_MATERIAL })).Rotations;

    [Fact]
    public async Task SingleRegion_ImportNewMaterial_RotateOnDemand_AndDecryptWithNonCurrentMaterial()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        byte[] m1 = RandomNumberGenerator.GetBytes(32), m2 = RandomNumberGenerator.GetBytes(32);
        string id1 = (await Kms.ImportAsync(_kms, md.KeyId, m1, configure: r => r.KeyMaterialDescription = "first material")).KeyMaterialId;
        byte[] c1 = (await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]) })).CiphertextBlob.ToArray();

        await Kms.FailsWith("KMSInvalidStateException", () => _kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = md.KeyId }));
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, md.KeyId, m1, configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL));
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, md.KeyId, m2)); // default EXISTING after the first import
        string id2 = (await Kms.ImportAsync(_kms, md.KeyId, m2, configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL)).KeyMaterialId;
        Assert.NotEqual(id1, id2);

        List<RotationsListEntry> all = await AllMaterial(_kms, md.KeyId);
        Assert.Equal(2, all.Count);
        Assert.Equal((id1, "CURRENT", "IMPORTED"), (all[0].KeyMaterialId, all[0].KeyMaterialState.Value, all[0].ImportState.Value));
        Assert.Equal("first material", all[0].KeyMaterialDescription);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE, all[0].ExpirationModel);
        Assert.Null(all[0].RotationDate);
        Assert.Equal((id2, "PENDING_ROTATION", "IMPORTED"), (all[1].KeyMaterialId, all[1].KeyMaterialState.Value, all[1].ImportState.Value));
        Assert.Empty((await _kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = md.KeyId })).Rotations ?? []);
        Assert.Equal(id1, (await Kms.DescribeAsync(_kms, md.KeyId)).CurrentKeyMaterialId);

        // One pending material at a time.
        await Kms.FailsWith("KMSInvalidStateException", () => Kms.ImportAsync(_kms, md.KeyId, RandomNumberGenerator.GetBytes(32), configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL));

        Assert.Equal(md.Arn, (await _kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = md.KeyId })).KeyId);
        Assert.Equal(id2, (await Kms.DescribeAsync(_kms, md.KeyId)).CurrentKeyMaterialId);
        RotationsListEntry rotation = Assert.Single((await _kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = md.KeyId })).Rotations);
        Assert.Equal(id2, rotation.KeyMaterialId);
        Assert.Equal(RotationType.ON_DEMAND, rotation.RotationType);
        Assert.NotNull(rotation.RotationDate);
        Assert.Equal("NON_CURRENT", (await AllMaterial(_kms, md.KeyId))[0].KeyMaterialState.Value);

        byte[] c2 = (await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([2]) })).CiphertextBlob.ToArray();
        DecryptResponse d1 = await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(c1) });
        Assert.Equal([1], d1.Plaintext.ToArray());
        Assert.Equal(id1, d1.KeyMaterialId);
        Assert.Equal(id2, (await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(c2) })).KeyMaterialId);

        // Re-import an older material by id; a wrong id or an id with NEW is refused.
        await Kms.ImportAsync(_kms, md.KeyId, m1, configure: r => { r.ImportType = ImportType.EXISTING_KEY_MATERIAL; r.KeyMaterialId = id1; });
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(_kms, md.KeyId, m1, configure: r => r.KeyMaterialId = id2));
        await Kms.FailsWith("ValidationException", () => Kms.ImportAsync(_kms, md.KeyId, m1, configure: r => { r.ImportType = ImportType.NEW_KEY_MATERIAL; r.KeyMaterialId = id1; }));

        // Deleting the NON_CURRENT material makes the key unusable until it is imported again.
        Assert.Equal(id1, (await _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = md.KeyId, KeyMaterialId = id1 })).KeyMaterialId);
        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
        Assert.Equal("PENDING_IMPORT", (await AllMaterial(_kms, md.KeyId))[0].ImportState.Value);
        await Kms.ImportAsync(_kms, md.KeyId, m1);
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
        Assert.Equal("first material", (await AllMaterial(_kms, md.KeyId))[0].KeyMaterialDescription);
        await Kms.FailsWith("NotFoundException", () => _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = md.KeyId, KeyMaterialId = new string('0', 64) }));
    }

    [Fact]
    public async Task PendingRotationMaterial_CanBeDeletedAndReplaced()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        await Kms.ImportAsync(_kms, md.KeyId, RandomNumberGenerator.GetBytes(32));
        string pending = (await Kms.ImportAsync(_kms, md.KeyId, RandomNumberGenerator.GetBytes(32), configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL)).KeyMaterialId;
        await _kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = md.KeyId, KeyMaterialId = pending });
        Assert.Single(await AllMaterial(_kms, md.KeyId));
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
        await Kms.ImportAsync(_kms, md.KeyId, RandomNumberGenerator.GetBytes(32), configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL);
        await _kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = md.KeyId });
    }

    [Fact]
    public async Task Rotation_IsForSymmetricKeysOnly()
    {
        KeyMetadata hmac = await Kms.CreateExternalAsync(_kms, "HMAC_256");
        await Kms.ImportAsync(_kms, hmac.KeyId, RandomNumberGenerator.GetBytes(32));
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = hmac.KeyId }));
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = hmac.KeyId }));
        KeyMetadata pending = await Kms.CreateExternalAsync(_kms);
        await Kms.FailsWith("KMSInvalidStateException", () => _kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = pending.KeyId }));
    }

    [Fact]
    public async Task AwsKmsKey_RotatesOnDemand_AndKeepsOldCiphertextReadable()
    {
        KeyMetadata md = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        byte[] c1 = (await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([9]) })).CiphertextBlob.ToArray();
        await _kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = md.KeyId });
        Assert.NotEqual(md.CurrentKeyMaterialId, (await Kms.DescribeAsync(_kms, md.KeyId)).CurrentKeyMaterialId);
        Assert.Equal([9], (await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(c1), KeyId = md.Arn })).Plaintext.ToArray());
        RotationsListEntry e = Assert.Single((await _kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = md.KeyId })).Rotations);
        Assert.Null(e.ImportState);
    }

    [Fact]
    public async Task MultiRegion_ReplicateImportSameMaterialPerRegion_AndRotateFromThePrimary()
    {
        var primaryKms = host.Client("eu-west-2");
        var replicaKms = host.Client("eu-central-1");
        KeyMetadata primary = await Kms.CreateExternalAsync(primaryKms, multiRegion: true);
        string keyId = primary.KeyId;

        // The facts: ReplicateKey fails while the primary is pending import.
        var pendingError = await Kms.FailsWith("KMSInvalidStateException", () => primaryKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = "eu-central-1" }));
        Assert.Contains("is pending import", pendingError.Message);

        byte[] m1 = RandomNumberGenerator.GetBytes(32);
        string id1 = (await Kms.ImportAsync(primaryKms, keyId, m1)).KeyMaterialId;
        byte[] ciphertext = (await primaryKms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = S([7]) })).CiphertextBlob.ToArray();

        ReplicateKeyResponse rep = await primaryKms.ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = keyId,
            ReplicaRegion = "eu-central-1",
            Description = "replica",
            Tags = [new Tag { TagKey = "Region", TagValue = "Frankfurt" }],
        });
        Assert.Equal(KeyState.Creating, rep.ReplicaKeyMetadata.KeyState);
        Assert.Equal($"arn:aws:kms:eu-central-1:111122223333:key/{keyId}", rep.ReplicaKeyMetadata.Arn);
        Assert.Equal("Frankfurt", Assert.Single(rep.ReplicaTags).TagValue);
        Assert.False(string.IsNullOrEmpty(rep.ReplicaPolicy));
        await Kms.FailsWith("AlreadyExistsException", () => primaryKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = "eu-central-1" }));
        await Kms.FailsWith("ValidationException", () => primaryKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = "eu-west-2" }));

        KeyMetadata replica = await Kms.DescribeAsync(replicaKms, keyId);
        Assert.Equal(KeyState.PendingImport, replica.KeyState);
        Assert.Equal(keyId, replica.KeyId);
        Assert.Equal(MultiRegionKeyType.REPLICA, replica.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(primary.Arn, replica.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Equal("eu-central-1", Assert.Single(replica.MultiRegionConfiguration.ReplicaKeys).Region);
        Assert.Equal("eu-central-1", Assert.Single((await Kms.DescribeAsync(primaryKms, keyId)).MultiRegionConfiguration.ReplicaKeys).Region);
        await Kms.FailsWith("UnsupportedOperationException", () => replicaKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = "us-east-1" }));

        // A token is bound to the key of its own Region; different material is refused; the same is accepted.
        GetParametersForImportResponse primaryParams = await Kms.ParamsAsync(primaryKms, keyId);
        await Kms.FailsWith("InvalidImportTokenException", () => replicaKms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = keyId,
            ImportToken = S(primaryParams.ImportToken.ToArray()),
            EncryptedKeyMaterial = S(Kms.WrapOaep(primaryParams.PublicKey.ToArray(), m1, "RSAES_OAEP_SHA_256")),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }));
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(replicaKms, keyId, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(id1, (await Kms.ImportAsync(replicaKms, keyId, m1)).KeyMaterialId);
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(replicaKms, keyId)).KeyState);
        Assert.Equal([7], (await replicaKms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(ciphertext) })).Plaintext.ToArray());

        // New material: primary first (pending everywhere), then the replica, then rotate on the primary.
        byte[] m2 = RandomNumberGenerator.GetBytes(32);
        await Kms.FailsWith("UnsupportedOperationException", () => Kms.ImportAsync(replicaKms, keyId, m2, configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL));
        string id2 = (await Kms.ImportAsync(primaryKms, keyId, m2, configure: r => r.ImportType = ImportType.NEW_KEY_MATERIAL)).KeyMaterialId;
        Assert.Equal("PENDING_MULTI_REGION_IMPORT_AND_ROTATION", (await AllMaterial(primaryKms, keyId))[1].KeyMaterialState.Value);
        RotationsListEntry onReplica = (await AllMaterial(replicaKms, keyId))[1];
        Assert.Equal((id2, "PENDING_MULTI_REGION_IMPORT_AND_ROTATION", "PENDING_IMPORT"), (onReplica.KeyMaterialId, onReplica.KeyMaterialState.Value, onReplica.ImportState.Value));
        var notYet = await Kms.FailsWith("KMSInvalidStateException", () => primaryKms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }));
        Assert.Contains("replica", notYet.Message);

        await Kms.ImportAsync(replicaKms, keyId, m2, configure: r => r.ImportType = ImportType.EXISTING_KEY_MATERIAL);
        Assert.Equal("PENDING_ROTATION", (await AllMaterial(primaryKms, keyId))[1].KeyMaterialState.Value);
        Assert.Equal("PENDING_ROTATION", (await AllMaterial(replicaKms, keyId))[1].KeyMaterialState.Value);
        await Kms.FailsWith("UnsupportedOperationException", () => replicaKms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }));
        await primaryKms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId });
        Assert.Equal(id2, (await Kms.DescribeAsync(primaryKms, keyId)).CurrentKeyMaterialId);
        Assert.Equal(id2, (await Kms.DescribeAsync(replicaKms, keyId)).CurrentKeyMaterialId);
        Assert.Equal(RotationType.ON_DEMAND, Assert.Single((await replicaKms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = keyId })).Rotations).RotationType);

        // Key states are per Region: deleting the replica's material leaves the primary alone.
        await replicaKms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = keyId });
        Assert.Equal(KeyState.PendingImport, (await Kms.DescribeAsync(replicaKms, keyId)).KeyState);
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(primaryKms, keyId)).KeyState);
    }

    [Fact]
    public async Task MultiRegion_AsymmetricReplicaNeedsTheSameKey()
    {
        var primaryKms = host.Client("us-west-2");
        var replicaKms = host.Client("ap-northeast-1");
        KeyMetadata primary = await Kms.CreateExternalAsync(primaryKms, "ECC_NIST_P256", multiRegion: true);
        byte[] ec = Kms.Ec("ECC_NIST_P256");
        await Kms.ImportAsync(primaryKms, primary.KeyId, ec);
        await primaryKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = "ap-northeast-1" });
        await Kms.FailsWith("IncorrectKeyMaterialException", () => Kms.ImportAsync(replicaKms, primary.KeyId, Kms.Ec("ECC_NIST_P256")));
        await Kms.ImportAsync(replicaKms, primary.KeyId, ec, "RSA_AES_KEY_WRAP_SHA_256");
        byte[] message = "multi-Region"u8.ToArray();
        byte[] sig = (await replicaKms.SignAsync(new SignRequest { KeyId = primary.KeyId, Message = S(message), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 })).Signature.ToArray();
        Assert.True((await primaryKms.VerifyAsync(new VerifyRequest { KeyId = primary.KeyId, Message = S(message), Signature = S(sig), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 })).SignatureValid);
    }

    [Fact]
    public async Task ReplicateKey_RefusesSingleRegionKeys()
    {
        string keyId = (await _kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
        await Kms.FailsWith("UnsupportedOperationException", () => _kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = "us-east-1" }));
        string mrk = (await _kms.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true })).KeyMetadata.KeyId;
        await Kms.FailsWith("ValidationException", () => _kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = mrk, ReplicaRegion = "cn-north-1" }));
        ReplicateKeyResponse ok = await _kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = mrk, ReplicaRegion = "us-east-1" });
        Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(host.Client("us-east-1"), mrk)).KeyState); // AWS_KMS material is shared
        Assert.Equal(KeyState.Creating, ok.ReplicaKeyMetadata.KeyState);

        // A primary with replicas waits for them: PendingReplicaDeletion, no deletion date yet.
        ScheduleKeyDeletionResponse s = await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = mrk, PendingWindowInDays = 10 });
        Assert.Equal(KeyState.PendingReplicaDeletion, s.KeyState);
        Assert.Null(s.DeletionDate);
        KeyMetadata md = await Kms.DescribeAsync(_kms, mrk);
        Assert.Equal(10, md.PendingDeletionWindowInDays);
        Assert.Null(md.DeletionDate);
        await Kms.FailsWith("KMSInvalidStateException", () => _kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = mrk, ReplicaRegion = "us-west-1" }));
    }
}
