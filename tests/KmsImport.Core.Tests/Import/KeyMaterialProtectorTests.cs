using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Core.Tests.Crypto.TestSupport;
using Xunit;

namespace KmsImport.Core.Tests.Import;

public sealed class KeyMaterialProtectorTests
{
    private static readonly Lazy<RSA> Wrapping = new(() => { var rsa = RSA.Create(); rsa.KeySize = 2048; return rsa; });

    private static KmsImportParameters Parameters(KeySpec spec = KeySpec.SYMMETRIC_DEFAULT, DateTime? validTo = null) => new()
    {
        KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab",
        KeySpec = spec.ToString(),
        WrappingAlgorithm = nameof(WrappingAlgorithm.RSAES_OAEP_SHA_256),
        WrappingKeySpec = nameof(WrappingKeySpec.RSA_2048),
        PublicKey = Wrapping.Value.ExportSubjectPublicKeyInfo(),
        ImportToken = RandomNumberGenerator.GetBytes(64),
        ParametersValidTo = validTo ?? DateTime.UtcNow.AddHours(24),
        Region = "eu-west-2",
        EndpointUrl = "http://fake.invalid",
    };

    [Fact]
    public void Wraps_so_the_private_key_holder_gets_the_material_back_and_carries_no_plaintext()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, bytes);
        var parameters = Parameters();

        var wrapped = KeyMaterialProtector.Protect(parameters, material, "/escrow/x.bin");

        Assert.Equal(bytes, WrappedMaterialDecoder.Unwrap(wrapped.EncryptedKeyMaterial, Wrapping.Value, WrappingAlgorithm.RSAES_OAEP_SHA_256));
        Assert.Equal(parameters.ImportToken, wrapped.ImportToken);
        Assert.NotSame(parameters.ImportToken, wrapped.ImportToken);
        Assert.Equal(material.Fingerprint, wrapped.Fingerprint);
        Assert.Equal("/escrow/x.bin", wrapped.EscrowPath);
        Assert.Equal(("eu-west-2", "http://fake.invalid"), (wrapped.Region, wrapped.EndpointUrl));
        Assert.DoesNotContain(Convert.ToHexString(bytes), Convert.ToHexString(wrapped.EncryptedKeyMaterial));
    }

    [Fact]
    public void Refuses_material_of_another_spec()
    {
        using var material = KeyMaterial.FromBytes(KeySpec.HMAC_256, RandomNumberGenerator.GetBytes(32));
        var ex = Assert.Throws<KmsImportException>(() => KeyMaterialProtector.Protect(Parameters(), material));
        Assert.Equal(ErrorIds.KeyMaterialSpecMismatch, ex.ErrorId);
    }

    [Fact]
    public void Refuses_parameters_that_expire_within_the_safety_margin()
    {
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, RandomNumberGenerator.GetBytes(32));
        var ex = Assert.Throws<KmsImportException>(() => KeyMaterialProtector.Protect(Parameters(validTo: DateTime.UtcNow.AddSeconds(30)), material));
        Assert.Equal(ErrorIds.ImportParametersExpired, ex.ErrorId);
    }

    [Fact]
    public void Refuses_incomplete_parameters()
    {
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, RandomNumberGenerator.GetBytes(32));
        var parameters = Parameters();
        parameters.ImportToken = Array.Empty<byte>();
        Assert.Equal(ErrorIds.ImportParametersIncomplete, Assert.Throws<KmsImportException>(() => KeyMaterialProtector.Protect(parameters, material)).ErrorId);
    }
}
