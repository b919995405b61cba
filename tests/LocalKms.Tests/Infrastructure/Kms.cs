using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Xunit;

namespace LocalKms.Tests.Infrastructure;

/// <summary>Shared steps of the tests: create keys, wrap and import material, check errors.</summary>
public static class Kms
{
    /// <summary>Asserts that the call fails with the KMS error <paramref name="errorType"/>; returns the exception.</summary>
    public static async Task<AmazonServiceException> FailsWith(string errorType, Func<Task> call, int status = 400)
    {
        AmazonServiceException? caught = null;
        try
        {
            await call();
        }
        catch (AmazonServiceException e)
        {
            caught = e;
        }

        Assert.True(caught is not null, $"Expected {errorType}, but the call succeeded.");
        Assert.True(caught!.ErrorCode == errorType, $"Expected {errorType}, got {caught.ErrorCode}: {caught.Message}");
        Assert.Equal(status, (int)caught.StatusCode);
        return caught;
    }

    public static async Task<KeyMetadata> CreateExternalAsync(
        IAmazonKeyManagementService kms, string keySpec = "SYMMETRIC_DEFAULT", string? keyUsage = null, bool multiRegion = false)
    {
        var req = new CreateKeyRequest { Origin = OriginType.EXTERNAL, KeySpec = keySpec, MultiRegion = multiRegion };
        req.KeyUsage = keyUsage ?? keySpec switch
        {
            "SYMMETRIC_DEFAULT" => "ENCRYPT_DECRYPT",
            _ when keySpec.StartsWith("HMAC_", StringComparison.Ordinal) => "GENERATE_VERIFY_MAC",
            _ => "SIGN_VERIFY",
        };
        CreateKeyResponse r = await kms.CreateKeyAsync(req);
        Assert.Equal(KeyState.PendingImport, r.KeyMetadata.KeyState);
        return r.KeyMetadata;
    }

    public static byte[] WrapOaep(byte[] publicKeySpki, byte[] material, string algorithm)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
        return rsa.Encrypt(material, algorithm.EndsWith("SHA_1", StringComparison.Ordinal) ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256);
    }

    /// <summary>RSA_AES_KEY_WRAP_SHA_*: OAEP(ephemeral AES-256 key) || RFC 5649 wrap (test-local implementation).</summary>
    public static byte[] WrapRsaAes(byte[] publicKeySpki, byte[] material, string algorithm)
    {
        byte[] aesKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            byte[] wrapped = TestRfc5649.Wrap(aesKey, material);
            byte[] r = WrapOaep(publicKeySpki, aesKey, algorithm);
            return [.. r, .. wrapped];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }
    }

    public static byte[] Wrap(byte[] publicKeySpki, byte[] material, string algorithm) =>
        algorithm.StartsWith("RSA_AES_", StringComparison.Ordinal) ? WrapRsaAes(publicKeySpki, material, algorithm) : WrapOaep(publicKeySpki, material, algorithm);

    public static Task<GetParametersForImportResponse> ParamsAsync(IAmazonKeyManagementService kms, string keyId, string algorithm = "RSAES_OAEP_SHA_256", string spec = "RSA_2048") =>
        kms.GetParametersForImportAsync(new GetParametersForImportRequest { KeyId = keyId, WrappingAlgorithm = algorithm, WrappingKeySpec = spec });

    /// <summary>GetParametersForImport, wrap locally with .NET, ImportKeyMaterial (does-not-expire unless told).</summary>
    public static async Task<ImportKeyMaterialResponse> ImportAsync(
        IAmazonKeyManagementService kms, string keyId, byte[] material, string algorithm = "RSAES_OAEP_SHA_256", string spec = "RSA_2048",
        Action<ImportKeyMaterialRequest>? configure = null)
    {
        GetParametersForImportResponse p = await ParamsAsync(kms, keyId, algorithm, spec);
        var req = new ImportKeyMaterialRequest
        {
            KeyId = keyId,
            ImportToken = new MemoryStream(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = new MemoryStream(Wrap(p.PublicKey.ToArray(), material, algorithm)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        };
        configure?.Invoke(req);
        return await kms.ImportKeyMaterialAsync(req);
    }

    /// <summary>ImportKeyMaterial with an existing parameter set (tokens stay valid until ParametersValidTo).</summary>
    public static Task<ImportKeyMaterialResponse> ImportWithAsync(
        IAmazonKeyManagementService kms, string keyId, GetParametersForImportResponse p, byte[] material, string algorithm = "RSAES_OAEP_SHA_256",
        Action<ImportKeyMaterialRequest>? configure = null)
    {
        var req = new ImportKeyMaterialRequest
        {
            KeyId = keyId,
            ImportToken = new MemoryStream(p.ImportToken.ToArray()),
            EncryptedKeyMaterial = new MemoryStream(Wrap(p.PublicKey.ToArray(), material, algorithm)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        };
        configure?.Invoke(req);
        return kms.ImportKeyMaterialAsync(req);
    }

    public static byte[] Ec(string keySpec)
    {
        string oid = keySpec switch
        {
            "ECC_NIST_P256" => "1.2.840.10045.3.1.7",
            "ECC_NIST_P384" => "1.3.132.0.34",
            "ECC_NIST_P521" => "1.3.132.0.35",
            "ECC_SECG_P256K1" => "1.3.132.0.10",
            _ => throw new ArgumentOutOfRangeException(nameof(keySpec)),
        };
        using var ec = ECDsa.Create(ECCurve.CreateFromValue(oid));
        return ec.ExportPkcs8PrivateKey();
    }

    public static async Task<KeyMetadata> DescribeAsync(IAmazonKeyManagementService kms, string keyId) =>
        (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId })).KeyMetadata;
}
