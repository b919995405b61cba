using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>LocalKms as a separate process: readiness line, shutdown, state file.</summary>
public sealed class ProcessTests
{
    private static AmazonKeyManagementServiceClient Client(string url, string region = "eu-west-2") =>
        new(new BasicAWSCredentials("AKIDLOCAL", "secret"),
            new AmazonKeyManagementServiceConfig { ServiceURL = url, AuthenticationRegion = region, MaxErrorRetry = 0 });

    private static MemoryStream S(byte[] b) => new(b);

    [Fact]
    public async Task StateFile_SurvivesRestart_WithKeysAliasesMaterialAndImportTokens()
    {
        string dir = Tools.TempDir();
        string state = Path.Combine(dir, "state", "localkms.json");
        try
        {
            string keyId, pendingKeyId, alias = "alias/survives";
            byte[] ciphertext, material2 = RandomNumberGenerator.GetBytes(32);
            GetParametersForImportResponse pending;
            await using (LocalKmsProcess first = await LocalKmsProcess.StartAsync("--port", "0", "--state-file", state, "--wrapping-key-pool", "0", "--account-id", "444455556666"))
            {
                using var kms = Client(first.Url);
                KeyMetadata md = await Kms.CreateExternalAsync(kms);
                keyId = md.KeyId;
                Assert.Contains(":444455556666:", md.Arn);
                await Kms.ImportAsync(kms, keyId, RandomNumberGenerator.GetBytes(32));
                await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = keyId });
                ciphertext = (await kms.EncryptAsync(new EncryptRequest { KeyId = alias, Plaintext = S([5, 6, 7]) })).CiphertextBlob.ToArray();
                pendingKeyId = (await Kms.CreateExternalAsync(kms)).KeyId;
                pending = await Kms.ParamsAsync(kms, pendingKeyId);
                Assert.Equal(0, await first.TerminateAsync());
                Assert.Equal("", (await first.RestOfStdoutAsync()).Trim());
            }

            Assert.True(File.Exists(state));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(state));
            }

            await using LocalKmsProcess second = await LocalKmsProcess.StartAsync("--port", "0", "--state-file", state, "--wrapping-key-pool", "0", "--exit-on-stdin-close", "--account-id", "444455556666");
            using var kms2 = Client(second.Url);
            Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(kms2, alias)).KeyState);
            Assert.Equal([5, 6, 7], (await kms2.DecryptAsync(new DecryptRequest { CiphertextBlob = S(ciphertext) })).Plaintext.ToArray());
            await kms2.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
            {
                KeyId = pendingKeyId,
                ImportToken = S(pending.ImportToken.ToArray()),
                EncryptedKeyMaterial = S(Kms.WrapOaep(pending.PublicKey.ToArray(), material2, "RSAES_OAEP_SHA_256")),
                ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
            });
            Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(kms2, pendingKeyId)).KeyState);
            Assert.Equal(0, await second.CloseStdinAsync());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task ExitOnStdinClose_StopsTheProcess_AndStdoutHasExactlyOneLine()
    {
        await using LocalKmsProcess p = await LocalKmsProcess.StartAsync("--port", "0", "--exit-on-stdin-close", "--wrapping-key-pool", "0");
        using var http = new HttpClient { BaseAddress = new Uri(p.Url) };
        Assert.True((await http.GetAsync("/_localkms/health")).IsSuccessStatusCode);
        Assert.Equal(0, await p.CloseStdinAsync());
        Assert.Equal("", await p.RestOfStdoutAsync());
    }

    [Fact]
    public async Task BadOption_ExitsWithUsage()
    {
        using var proc = Process.Start(LocalKmsProcess.StartInfo(["--frobnicate"]))!;
        string stderr = await proc.StandardError.ReadToEndAsync();
        await proc.WaitForExitAsync();
        Assert.Equal(2, proc.ExitCode);
        Assert.Contains("Unknown option", stderr);
        Assert.Contains("--wrapping-key-pool", stderr);
    }
}
