using System.Net;
using System.Text;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>A server started with --verify-signatures --credential AKIDLOCAL:secret.</summary>
public sealed class VerifyingHost : LocalKmsHost
{
    protected override LocalKmsOptions CreateOptions()
    {
        var o = new LocalKmsOptions { VerifySignatures = true, SharedWrappingKeyPool = SharedPool };
        o.Credentials[AccessKeyId] = Secret;
        o.Credentials["AKIDSECOND"] = "another/secret+with=chars";
        return o;
    }
}

public sealed class SignatureVerificationTests(VerifyingHost host) : IClassFixture<VerifyingHost>
{
    [Fact]
    public async Task KnownCredentials_AreAccepted()
    {
        await host.Client().CreateKeyAsync(new CreateKeyRequest());
        await host.Client("us-east-1", "AKIDSECOND", "another/secret+with=chars").ListKeysAsync(new ListKeysRequest());
        // Signed bodies with non-ASCII and an encryption context still verify.
        var kms = host.Client();
        string keyId = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "clé €" })).KeyMetadata.KeyId;
        await kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1, 2]), EncryptionContext = new() { ["a b"] = "ü" } });
    }

    [Fact]
    public Task WrongSecret_IsInvalidSignature() =>
        Kms.FailsWith("InvalidSignatureException", () => host.Client(secret: "not-the-secret").ListKeysAsync(new ListKeysRequest()));

    [Fact]
    public Task UnknownAccessKey_IsUnrecognizedClient() =>
        Kms.FailsWith("UnrecognizedClientException", () => host.Client(accessKeyId: "AKIDUNKNOWN").ListKeysAsync(new ListKeysRequest()));

    [Fact]
    public async Task UnsignedRequest_IsRefused()
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("{}", Encoding.UTF8, "application/x-amz-json-1.1") };
        req.Headers.TryAddWithoutValidation("X-Amz-Target", "TrentService.ListKeys");
        using HttpResponseMessage r = await host.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("MissingAuthenticationTokenException", await r.Content.ReadAsStringAsync());
    }
}
