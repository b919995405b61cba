using BenchmarkDotNet.Attributes;
using KmsImport.Core.Crypto;

namespace KmsImport.Benchmarks;

/// <summary>
/// KeyWrapper.Wrap as Protect-KeyMaterial calls it: matrix check, SPKI parse and size check of the
/// wrapping key, then RSA-OAEP (or RSA-OAEP of a fresh AES key + RFC 5649 wrap). Every combination of
/// algorithm x wrapping key size x material that AWS allows.
/// </summary>
public class WrapBenchmarks
{
    public sealed record WrapCase(string Material, KeySpec Spec, WrappingAlgorithm Algorithm, WrappingKeySpec WrappingKey)
    {
        public override string ToString() => $"{Algorithm}/{WrappingKey}/{Material}";
    }

    private static readonly (string Name, KeySpec Spec)[] MaterialKinds =
    {
        ("SYMMETRIC_32B", KeySpec.SYMMETRIC_DEFAULT),
        ("HMAC_512", KeySpec.HMAC_512),
        ("ECC_P256_PKCS8", KeySpec.ECC_NIST_P256),
        ("RSA_2048_PKCS8", KeySpec.RSA_2048),
    };

    public static IEnumerable<WrapCase> Cases()
    {
        foreach (var algorithm in new[] { WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingAlgorithm.RSAES_OAEP_SHA_256,
                                          WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256 })
            foreach (var wrappingKey in new[] { WrappingKeySpec.RSA_2048, WrappingKeySpec.RSA_3072, WrappingKeySpec.RSA_4096 })
                foreach (var (name, spec) in MaterialKinds)
                    if (WrappingMatrix.IsAllowed(spec, algorithm, wrappingKey, out _))
                        yield return new WrapCase(name, spec, algorithm, wrappingKey);
    }

    [ParamsSource(nameof(Cases))]
    public WrapCase Case { get; set; } = null!;

    private KeyMaterial _material = null!;
    private byte[] _spki = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] bytes = Case.Spec switch
        {
            KeySpec.SYMMETRIC_DEFAULT => Materials.Random(32),
            KeySpec.HMAC_512 => Materials.Random(64),
            KeySpec.ECC_NIST_P256 => Materials.Ecc.ExportPkcs8PrivateKey(),
            KeySpec.RSA_2048 => Materials.Rsa.ExportPkcs8PrivateKey(),
            _ => throw new InvalidOperationException(Case.Spec.ToString()),
        };
        _material = KeyMaterial.FromBytes(Case.Spec, bytes);
        Array.Clear(bytes);
        _spki = Materials.WrappingPublicKey(Case.WrappingKey);
    }

    [GlobalCleanup]
    public void Cleanup() => _material.Dispose();

    [Benchmark]
    public byte[] Wrap() => KeyWrapper.Wrap(_material, _spki, Case.Algorithm, Case.WrappingKey);
}
