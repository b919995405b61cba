using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

public sealed class SigningRegionTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    [Fact]
    public async Task CreateKey_UsesRegionOfCredentialScope()
    {
        var kms = host.Client("ap-southeast-2");
        CreateKeyResponse r = await kms.CreateKeyAsync(new CreateKeyRequest());
        Assert.StartsWith("arn:aws:kms:ap-southeast-2:111122223333:key/", r.KeyMetadata.Arn);
    }
}
