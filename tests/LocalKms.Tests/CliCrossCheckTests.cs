using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>
/// Independent clients: the aws CLI (botocore signs and parses) and OpenSSL (wraps, generates and verifies).
/// Missing tools fail these tests; they never skip.
/// </summary>
public sealed class CliCrossCheckTests(CliHost host) : IClassFixture<CliHost>, IDisposable
{
    private readonly string _dir = Tools.TempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    private string F(string name) => Path.Combine(_dir, name);

    private static Dictionary<string, string> AwsEnv(string secret = LocalKmsHost.Secret) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = LocalKmsHost.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = secret,
        ["AWS_DEFAULT_REGION"] = "eu-west-2",
        ["AWS_REGION"] = "eu-west-2",
        ["AWS_CONFIG_FILE"] = "/nonexistent/localkms-aws-config",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/localkms-aws-credentials",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_PAGER"] = "",
    };

    private Task<Tools.Result> Aws(string url, params string[] args) => Aws(url, AwsEnv(), args);

    private async Task<Tools.Result> Aws(string url, Dictionary<string, string> env, params string[] args) =>
        await Tools.RunAsync("aws", [.. args, "--endpoint-url", url, "--output", "json"], _dir, env);

    private async Task<JsonNode> AwsOk(params string[] args)
    {
        Tools.Result r = await Aws(host.Url, args);
        Assert.True(r.ExitCode == 0, $"aws {string.Join(' ', args)} failed: {r.StdErr}");
        return r.StdOut.Trim().Length == 0 ? new JsonObject() : JsonNode.Parse(r.StdOut)!;
    }

    private Task OpenSsl(params string[] args) => Tools.RunOkAsync("openssl", args, _dir);

    private async Task<string> GetParametersToFilesAsync(string keyId, string algorithm, string spec)
    {
        JsonNode p = await AwsOk("kms", "get-parameters-for-import", "--key-id", keyId, "--wrapping-algorithm", algorithm, "--wrapping-key-spec", spec);
        await File.WriteAllBytesAsync(F("PublicKey.bin"), Convert.FromBase64String((string)p["PublicKey"]!));
        await File.WriteAllBytesAsync(F("ImportToken.bin"), Convert.FromBase64String((string)p["ImportToken"]!));
        return (string)p["KeyId"]!;
    }

    [Fact]
    public async Task SeedProcedure_AwsCliAndOpenSsl_ImportSymmetricMaterial()
    {
        JsonNode created = await AwsOk("kms", "create-key", "--origin", "EXTERNAL");
        string keyId = (string)created["KeyMetadata"]!["KeyId"]!;
        Assert.Equal("PendingImport", (string?)created["KeyMetadata"]!["KeyState"]);
        Assert.Equal($"arn:aws:kms:eu-west-2:111122223333:key/{keyId}", await GetParametersToFilesAsync(keyId, "RSAES_OAEP_SHA_256", "RSA_2048"));

        await OpenSsl("rand", "-out", "m.bin", "32");
        await OpenSsl("pkeyutl", "-encrypt", "-in", "m.bin", "-out", "enc.bin", "-inkey", "PublicKey.bin", "-keyform", "DER", "-pubin",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256");
        JsonNode imported = await AwsOk("kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://enc.bin",
            "--import-token", "fileb://ImportToken.bin", "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE");
        JsonNode described = await AwsOk("kms", "describe-key", "--key-id", keyId);
        Assert.Equal("Enabled", (string?)described["KeyMetadata"]!["KeyState"]);
        Assert.Equal("KEY_MATERIAL_DOES_NOT_EXPIRE", (string?)described["KeyMetadata"]!["ExpirationModel"]);

        // KeyMaterialId came to the KMS API in 2025: an aws CLI whose bundled model is older (Debian's
        // awscli 2.9) drops it from its output. The SDK's model has it, so the server is checked there,
        // and the CLI's copy must agree wherever the CLI shows it.
        string? materialId = (await host.Client().DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId })).KeyMetadata.CurrentKeyMaterialId;
        Assert.Matches("^[0-9a-f]{64}$", materialId);
        if (imported["KeyMaterialId"] is JsonNode cliImported) Assert.Equal(materialId, (string?)cliImported);
        if (described["KeyMetadata"]!["CurrentKeyMaterialId"] is JsonNode cliDescribed) Assert.Equal(materialId, (string?)cliDescribed);

        // The classic mistake: pkeyutl's OAEP defaults to SHA-1 -> InvalidCiphertextException.
        var kms = host.Client();
        GetParametersForImportResponse again = await Kms.ParamsAsync(kms, keyId, "RSAES_OAEP_SHA_256", "RSA_2048");
        await File.WriteAllBytesAsync(F("PublicKey.bin"), again.PublicKey.ToArray());
        await File.WriteAllBytesAsync(F("ImportToken.bin"), again.ImportToken.ToArray());
        await OpenSsl("pkeyutl", "-encrypt", "-in", "m.bin", "-out", "enc-sha1.bin", "-inkey", "PublicKey.bin", "-keyform", "DER", "-pubin", "-pkeyopt", "rsa_padding_mode:oaep");
        Tools.Result wrong = await Aws(host.Url, "kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://enc-sha1.bin",
            "--import-token", "fileb://ImportToken.bin", "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("InvalidCiphertextException", wrong.StdErr);

        // The SDK agrees with the CLI about the key, and the material works.
        byte[] ct = (await kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([3, 1, 4]) })).CiphertextBlob.ToArray();
        Assert.Equal([3, 1, 4], (await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ct) })).Plaintext.ToArray());
    }

    [Fact]
    public async Task RsaPrivateKey_RsaAesKeyWrapSha256_WrappedWithOpenSsl_SignsForOpenSsl()
    {
        JsonNode created = await AwsOk("kms", "create-key", "--origin", "EXTERNAL", "--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY");
        string keyId = (string)created["KeyMetadata"]!["KeyId"]!;
        await GetParametersToFilesAsync(keyId, "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096");

        await OpenSsl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem");
        await OpenSsl("pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der");
        await OpenSsl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem");
        byte[] aesKey = RandomNumberGenerator.GetBytes(32);
        await File.WriteAllBytesAsync(F("aes.bin"), aesKey);
        await OpenSsl("enc", "-id-aes256-wrap-pad", "-K", Convert.ToHexString(aesKey), "-iv", "A65959A6", "-in", "key.der", "-out", "wrapped.bin");
        await OpenSsl("pkeyutl", "-encrypt", "-in", "aes.bin", "-out", "rsa-part.bin", "-inkey", "PublicKey.bin", "-keyform", "DER", "-pubin",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256");
        byte[] rsaPart = await File.ReadAllBytesAsync(F("rsa-part.bin")), wrapped = await File.ReadAllBytesAsync(F("wrapped.bin"));
        Assert.Equal(512, rsaPart.Length);
        await File.WriteAllBytesAsync(F("enc.bin"), [.. rsaPart, .. wrapped]);
        await AwsOk("kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://enc.bin",
            "--import-token", "fileb://ImportToken.bin", "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE");

        // KMS holds the intended key: its public key has OpenSSL's modulus and it signs for OpenSSL.
        var kms = host.Client();
        GetPublicKeyResponse pub = await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyId });
        using var fromKms = RSA.Create();
        fromKms.ImportSubjectPublicKeyInfo(pub.PublicKey.ToArray(), out _);
        using var fromOpenSsl = RSA.Create();
        fromOpenSsl.ImportFromPem(await File.ReadAllTextAsync(F("pub.pem")));
        Assert.Equal(fromOpenSsl.ExportParameters(false).Modulus, fromKms.ExportParameters(false).Modulus);

        byte[] message = RandomNumberGenerator.GetBytes(200);
        await File.WriteAllBytesAsync(F("msg.bin"), message);
        SignResponse sig = await kms.SignAsync(new SignRequest { KeyId = keyId, Message = new MemoryStream(message), MessageType = MessageType.RAW, SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 });
        await File.WriteAllBytesAsync(F("sig.bin"), sig.Signature.ToArray());
        await OpenSsl("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-verify", "pub.pem", "-signature", "sig.bin", "msg.bin");
    }

    [Fact]
    public async Task EcKeyFromOpenSsl_ImportedWithOaepSha1_SignsForOpenSsl()
    {
        var kms = host.Client();
        string keyId = (await Kms.CreateExternalAsync(kms, "ECC_SECG_P256K1")).KeyId;
        GetParametersForImportResponse p = await Kms.ParamsAsync(kms, keyId, "RSAES_OAEP_SHA_1", "RSA_2048");
        await File.WriteAllBytesAsync(F("PublicKey.bin"), p.PublicKey.ToArray());
        await File.WriteAllBytesAsync(F("ImportToken.bin"), p.ImportToken.ToArray());
        await OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", "ec.pem");
        await OpenSsl("pkcs8", "-topk8", "-nocrypt", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der");
        await OpenSsl("pkey", "-in", "ec.pem", "-pubout", "-out", "ec-pub.pem");
        await OpenSsl("pkeyutl", "-encrypt", "-in", "ec.der", "-out", "enc.bin", "-inkey", "PublicKey.bin", "-keyform", "DER", "-pubin",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1", "-pkeyopt", "rsa_mgf1_md:sha1");
        DateTime validTo = DateTime.UtcNow.AddDays(10);
        await AwsOk("kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://enc.bin",
            "--import-token", "fileb://ImportToken.bin", "--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to", validTo.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        KeyMetadata md = await Kms.DescribeAsync(kms, keyId);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, md.ExpirationModel);
        Assert.InRange(md.ValidTo!.Value, validTo.AddSeconds(-2), validTo.AddSeconds(2));

        byte[] message = RandomNumberGenerator.GetBytes(64);
        await File.WriteAllBytesAsync(F("msg.bin"), message);
        SignResponse sig = await kms.SignAsync(new SignRequest { KeyId = keyId, Message = new MemoryStream(message), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 });
        await File.WriteAllBytesAsync(F("sig.bin"), sig.Signature.ToArray());
        await OpenSsl("dgst", "-sha256", "-verify", "ec-pub.pem", "-signature", "sig.bin", "msg.bin");
    }

    [Fact]
    public async Task AwsCliSignatures_VerifyOnAVerifyingServer()
    {
        var options = new LocalKmsOptions { VerifySignatures = true, WrappingKeyPool = 0 };
        options.Credentials[LocalKmsHost.AccessKeyId] = LocalKmsHost.Secret;
        await using LocalKmsServer server = await LocalKmsServer.StartAsync(options);
        Tools.Result ok = await Aws(server.Url, "kms", "create-key", "--description", "signed by botocore", "--tags", "TagKey=a b,TagValue=c/d");
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Tools.Result wrong = await Aws(server.Url, AwsEnv("wrong-secret"), "kms", "list-keys");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("InvalidSignatureException", wrong.StdErr);
    }
}
