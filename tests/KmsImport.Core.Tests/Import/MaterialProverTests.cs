using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using Xunit;

namespace KmsImport.Core.Tests.Import;

public sealed class MaterialProverTests
{
    private const string Region = "eu-west-2";
    private readonly FakeKms _kms = new();

    private KmsKeyDescription Describe(string keyId) => _kms.Service(Region).DescribeKey(keyId);

    [Fact]
    public void HMAC_material_is_proved_by_GenerateMac_and_other_material_is_refused()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var key = _kms.Seed(Region, "HMAC_256", "GENERATE_VERIFY_MAC", bytes);
        using var same = KeyMaterial.FromBytes(KeySpec.HMAC_256, bytes);
        using var other = KeyMaterial.FromBytes(KeySpec.HMAC_256, RandomNumberGenerator.GetBytes(32));

        var yes = MaterialProver.Prove(_kms.Service(Region), Describe(key.KeyId), same);
        var no = MaterialProver.Prove(_kms.Service(Region), Describe(key.KeyId), other);

        Assert.Equal(("GenerateMac", true), (yes.Method, yes.Proved));
        Assert.Equal(("GenerateMac", false), (no.Method, no.Proved));
        Assert.True(MaterialProver.ProvesIdentity(yes));
    }

    [Fact]
    public void ECC_material_is_proved_by_public_key_and_a_signature_that_verifies_locally()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pkcs8 = ec.ExportPkcs8PrivateKey();
        var key = _kms.Seed(Region, "ECC_NIST_P256", "SIGN_VERIFY", pkcs8);
        using var same = KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, pkcs8);
        using var otherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, otherEc.ExportPkcs8PrivateKey());

        var yes = MaterialProver.Prove(_kms.Service(Region), Describe(key.KeyId), same);
        var no = MaterialProver.Prove(_kms.Service(Region), Describe(key.KeyId), other);

        Assert.Equal(("GetPublicKey+Sign", true), (yes.Method, yes.Proved));
        Assert.Equal(("GetPublicKey", false), (no.Method, no.Proved));
        Assert.DoesNotContain("Sign", _kms.Operations(key.KeyId).Skip(3)); // the mismatch stops before signing
    }

    [Fact]
    public void Symmetric_keys_get_a_round_trip_that_does_not_identify_the_material()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var key = _kms.Seed(Region, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", bytes);
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, bytes);

        var proof = MaterialProver.Prove(_kms.Service(Region), Describe(key.KeyId), material);

        Assert.Equal((ProofMethods.EncryptDecrypt, true), (proof.Method, proof.Proved));
        Assert.False(MaterialProver.ProvesIdentity(proof));
        Assert.Contains("Encrypt", _kms.Operations(key.KeyId));
        Assert.Contains("Decrypt", _kms.Operations(key.KeyId));
    }

    [Fact]
    public void Nothing_is_asked_of_KMS_for_a_key_that_is_not_Enabled_or_of_another_spec()
    {
        var pending = _kms.Seed(Region, "HMAC_256", "GENERATE_VERIFY_MAC", null);
        var symmetric = _kms.Seed(Region, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", RandomNumberGenerator.GetBytes(32));
        using var material = KeyMaterial.FromBytes(KeySpec.HMAC_256, RandomNumberGenerator.GetBytes(32));
        var pendingKey = Describe(pending.KeyId);
        var symmetricKey = Describe(symmetric.KeyId);
        _kms.ClearLog();

        var notEnabled = MaterialProver.Prove(_kms.Service(Region), pendingKey, material);
        var otherSpec = MaterialProver.Prove(_kms.Service(Region), symmetricKey, material);

        Assert.Equal(("None", false), (notEnabled.Method, notEnabled.Proved));
        Assert.Equal(("None", false), (otherSpec.Method, otherSpec.Proved));
        Assert.Empty(_kms.Operations());
    }
}
