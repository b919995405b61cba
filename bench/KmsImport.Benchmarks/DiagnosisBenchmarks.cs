using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KmsImport.Core.Crypto;
using BcProperties = Org.BouncyCastle.Utilities.Properties;

namespace KmsImport.Benchmarks;

/// <summary>
/// Where the time of a wrap goes. BouncyCastle's RsaKeyParameters constructor validates every RSA
/// modulus with Miller-Rabin rounds ("RSA modulus is not composite"): that is WrappingPublicKey.Inspect.
/// The same wrap with that test switched off (BouncyCastle's own thread property
/// Org.BouncyCastle.Rsa.MaxMRTests = 0, for this call only) and .NET's RSA-OAEP encryption of the same
/// 32 bytes show what the wrap itself costs.
/// </summary>
public class WrappingKeyCheckBenchmarks
{
    internal const string MaxMRTests = "Org.BouncyCastle.Rsa.MaxMRTests";

    [Params(WrappingKeySpec.RSA_2048, WrappingKeySpec.RSA_3072, WrappingKeySpec.RSA_4096)]
    public WrappingKeySpec WrappingKey { get; set; }

    private byte[] _spki = null!;
    private KeyMaterial _material = null!;
    private RSA _dotnetRsa = null!;
    private readonly byte[] _plain = Materials.Random(32);

    [GlobalSetup]
    public void Setup()
    {
        _spki = Materials.WrappingPublicKey(WrappingKey);
        _material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, Materials.Random(32));
        _dotnetRsa = RSA.Create();
        _dotnetRsa.ImportSubjectPublicKeyInfo(_spki, out _);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _material.Dispose();
        _dotnetRsa.Dispose();
    }

    /// <summary>Parse + size check of the wrapping public key, including BouncyCastle's modulus validation.</summary>
    [Benchmark]
    public WrappingKeySpec InspectWrappingKey() => WrappingPublicKey.Inspect(_spki);

    /// <summary>The default wrap (RSAES_OAEP_SHA_256, symmetric 32 B) without the Miller-Rabin rounds.</summary>
    [Benchmark]
    public byte[] WrapWithoutModulusMRTest()
    {
        BcProperties.SetThreadProperty(MaxMRTests, "0");
        try { return KeyWrapper.Wrap(_material, _spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKey); }
        finally { BcProperties.RemoveThreadProperty(MaxMRTests); }
    }

    /// <summary>Reference: .NET (OpenSSL) RSA-OAEP-SHA-256 encryption of 32 bytes under the same key.</summary>
    [Benchmark]
    public byte[] DotNetOaepSha256() => _dotnetRsa.Encrypt(_plain, RSAEncryptionPadding.OaepSHA256);
}

/// <summary>RSA private key parsing (PKCS#8 DER, RSA_2048) without BouncyCastle's modulus Miller-Rabin rounds.</summary>
public class RsaParseCheckBenchmarks
{
    private byte[] _pkcs8 = null!;

    [GlobalSetup]
    public void Setup() => _pkcs8 = Materials.Rsa.ExportPkcs8PrivateKey();

    [Benchmark]
    public int ParseRsa2048Pkcs8DerWithoutModulusMRTest()
    {
        BcProperties.SetThreadProperty(WrappingKeyCheckBenchmarks.MaxMRTests, "0");
        try
        {
            using var material = KeyMaterial.FromBytes(KeySpec.RSA_2048, _pkcs8);
            return material.Length;
        }
        finally { BcProperties.RemoveThreadProperty(WrappingKeyCheckBenchmarks.MaxMRTests); }
    }
}
