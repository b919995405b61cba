using System.Security.Cryptography;
using KmsImport.Core.Crypto;

namespace KmsImport.Benchmarks;

/// <summary>Test keys, made once per process (RSA generation is slow) and shared by every case.</summary>
internal static class Materials
{
    private static readonly Lazy<RSA> Rsa2048 = new(() => RSA.Create(2048));
    private static readonly Lazy<ECDsa> P256 = new(() => ECDsa.Create(ECCurve.NamedCurves.nistP256));
    private static readonly Dictionary<WrappingKeySpec, byte[]> WrappingKeys = new();

    public const string Password = "correct horse battery staple";

    /// <summary>OpenSSL 3's default for `openssl pkcs8 -topk8 -v2 aes-256-cbc`: PBKDF2-HMAC-SHA256, 2048 iterations.</summary>
    public static readonly PbeParameters OpenSslDefaultPbe = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 2048);

    public static byte[] Random(int n)
    {
        var b = new byte[n];
        RandomNumberGenerator.Fill(b);
        return b;
    }

    /// <summary>The DER SubjectPublicKeyInfo of an RSA wrapping key of the spec's size (one per size and process).</summary>
    public static byte[] WrappingPublicKey(WrappingKeySpec spec)
    {
        lock (WrappingKeys)
        {
            if (!WrappingKeys.TryGetValue(spec, out var spki))
            {
                var bits = spec switch
                {
                    WrappingKeySpec.RSA_2048 => 2048,
                    WrappingKeySpec.RSA_3072 => 3072,
                    WrappingKeySpec.RSA_4096 => 4096,
                    _ => throw new ArgumentOutOfRangeException(nameof(spec)),
                };
                using var rsa = RSA.Create(bits);
                WrappingKeys[spec] = spki = rsa.ExportSubjectPublicKeyInfo();
            }
            return spki;
        }
    }

    public static RSA Rsa => Rsa2048.Value;
    public static ECDsa Ecc => P256.Value;
}
