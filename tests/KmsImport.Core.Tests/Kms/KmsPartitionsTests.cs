using Xunit;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Tests.Kms;

public class KmsPartitionsTests
{
    [Fact]
    public void Known_regions_are_regions_only()
    {
        var names = KmsImportService.KnownRegions().Select(r => r.Name).ToList();
        Assert.Contains("us-east-1", names);
        Assert.DoesNotContain("us-east-1-regional", names);
        Assert.DoesNotContain("aws-global", names);
        Assert.All(KmsImportService.KnownRegions(), r => Assert.False(string.IsNullOrEmpty(r.Partition), r.Name));
    }

    [Theory]
    [InlineData("eu-west-2", "aws")]
    [InlineData("cn-northwest-1", "aws-cn")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("us-isob-east-1", "aws-iso-b")]
    [InlineData("cn-south-9", "aws-cn")]
    [InlineData("nowhere", null)]
    [InlineData("", null)]
    public void Partition_of_a_region(string region, string? expected) => Assert.Equal(expected, KmsPartitions.OfRegion(region));

    [Theory]
    [InlineData("https://kms.eu-west-2.amazonaws.com", "aws")]
    [InlineData("https://kms.cn-north-1.amazonaws.com.cn", "aws-cn")]
    [InlineData("https://kms-fips.us-gov-west-1.amazonaws.com", "aws-us-gov")]
    [InlineData("https://kms.us-iso-east-1.c2s.ic.gov", "aws-iso")]
    [InlineData("http://127.0.0.1:4566", null)]
    [InlineData("https://kms.example.org", null)]
    [InlineData("not a url", null)]
    public void Partition_of_an_endpoint(string url, string? expected) => Assert.Equal(expected, KmsPartitions.OfEndpoint(url));
}
