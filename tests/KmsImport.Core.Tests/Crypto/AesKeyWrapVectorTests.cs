using Xunit;
using System.Security.Cryptography;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>RFC 5649 vectors (facts file) through the product's own wrap function, byte for byte.</summary>
public class AesKeyWrapVectorTests
{
    public static TheoryData<string, string, string> Vectors => new()
    {
        // RFC 5649 section 6, 192-bit KEK, 20-byte key
        { "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "c37b7e6492584340bed12207808941155068f738",
          "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a" },
        // RFC 5649 section 6, 192-bit KEK, 7-byte key (single-block case)
        { "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f" },
        // Wycheproof aes_kwp_test.json tcId 167: AES-256 KEK, 32-byte key
        { "38e1b1d075d9d852b9a6c01c8ff6965af01bac457a4e339ae3e1d7b2ffacc0cd",
          "80ad6820f1c90981e2ca42b817a345c1179d0a11d8e23a8adc0505e13d87295a",
          "b63b7e0fec7e315816233db6758fd3e744b9f6a40862bdf866487e53bcb950d8b2649269e51b4475" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void WrapPad_matches_the_published_vector(string kek, string key, string expected)
    {
        byte[] wrapped = AesKeyWrap.WrapPad(Convert.FromHexString(kek), Convert.FromHexString(key));
        Assert.Equal(expected, Convert.ToHexString(wrapped).ToLowerInvariant());
        Assert.Equal(AesKeyWrap.WrappedLength(key.Length / 2), wrapped.Length);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector_unwraps_with_an_independent_implementation(string kek, string key, string expected)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromHexString(kek);
        Assert.Equal(key, Convert.ToHexString(aes.DecryptKeyWrapPadded(Convert.FromHexString(expected))).ToLowerInvariant());
        Assert.Equal(key, Convert.ToHexString(AesKeyWrap.UnwrapPad(Convert.FromHexString(kek), Convert.FromHexString(expected))).ToLowerInvariant());
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(8, 16)]
    [InlineData(9, 24)]
    [InlineData(32, 40)]
    [InlineData(138, 152)]
    [InlineData(2375, 2384)]
    public void Wrapped_length_is_8_times_blocks_plus_one(int m, int expected)
    {
        Assert.Equal(expected, AesKeyWrap.WrappedLength(m));
        Assert.Equal(expected, AesKeyWrap.WrapPad(new byte[32], new byte[m]).Length);
    }

    [Fact]
    public void Tampered_output_fails_the_integrity_check()
    {
        var kek = Convert.FromHexString("38e1b1d075d9d852b9a6c01c8ff6965af01bac457a4e339ae3e1d7b2ffacc0cd");
        var wrapped = AesKeyWrap.WrapPad(kek, new byte[32]);
        wrapped[5] ^= 1;
        // BouncyCastle's integrity-check failure, not any exception (a NullReferenceException would not do).
        Assert.Throws<Org.BouncyCastle.Crypto.InvalidCipherTextException>(() => AesKeyWrap.UnwrapPad(kek, wrapped));
    }
}
