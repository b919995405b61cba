using System.Text;
using BenchmarkDotNet.Attributes;
using KmsImport.Core.Crypto;

namespace KmsImport.Benchmarks;

/// <summary>
/// KeyMaterial.FromBytes per input format: recognition, validation against the key spec and
/// normalisation to unencrypted PKCS#8 DER (what Protect-KeyMaterial -Path does after reading the file).
/// </summary>
public class ParseBenchmarks
{
    public sealed record ParseCase(string Format, string Key, KeySpec Spec)
    {
        public override string ToString() => $"{Format}/{Key}";
    }

    public static IEnumerable<ParseCase> Cases() => new[]
    {
        new ParseCase("Raw", "SYMMETRIC_32B", KeySpec.SYMMETRIC_DEFAULT),
        new ParseCase("Raw", "HMAC_512", KeySpec.HMAC_512),
        new ParseCase("PKCS8_DER", "ECC_P256", KeySpec.ECC_NIST_P256),
        new ParseCase("PKCS8_PEM", "ECC_P256", KeySpec.ECC_NIST_P256),
        new ParseCase("SEC1_PEM", "ECC_P256", KeySpec.ECC_NIST_P256),
        new ParseCase("EncPKCS8_PEM", "ECC_P256", KeySpec.ECC_NIST_P256),
        new ParseCase("PKCS8_DER", "RSA_2048", KeySpec.RSA_2048),
        new ParseCase("PKCS8_PEM", "RSA_2048", KeySpec.RSA_2048),
        new ParseCase("PKCS1_PEM", "RSA_2048", KeySpec.RSA_2048),
        new ParseCase("EncPKCS8_PEM", "RSA_2048", KeySpec.RSA_2048),
    };

    [ParamsSource(nameof(Cases))]
    public ParseCase Case { get; set; } = null!;

    private byte[] _input = null!;
    private char[]? _password;

    [GlobalSetup]
    public void Setup()
    {
        System.Security.Cryptography.AsymmetricAlgorithm key = Case.Key == "RSA_2048" ? Materials.Rsa : Materials.Ecc;
        _password = Case.Format.StartsWith("Enc", StringComparison.Ordinal) ? Materials.Password.ToCharArray() : null;
        _input = Case.Format switch
        {
            "Raw" => Materials.Random(Case.Spec == KeySpec.HMAC_512 ? 64 : 32),
            "PKCS8_DER" => key.ExportPkcs8PrivateKey(),
            "PKCS8_PEM" => Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()),
            "SEC1_PEM" => Encoding.ASCII.GetBytes(Materials.Ecc.ExportECPrivateKeyPem()),
            "PKCS1_PEM" => Encoding.ASCII.GetBytes(Materials.Rsa.ExportRSAPrivateKeyPem()),
            "EncPKCS8_PEM" => Encoding.ASCII.GetBytes(key.ExportEncryptedPkcs8PrivateKeyPem(Materials.Password.AsSpan(), Materials.OpenSslDefaultPbe)),
            _ => throw new InvalidOperationException(Case.Format),
        };
        using var check = KeyMaterial.FromBytes(Case.Spec, _input, _password); // fail setup, not the measurement, on a bad case
    }

    [Benchmark]
    public int Parse()
    {
        using var material = KeyMaterial.FromBytes(Case.Spec, _input, _password);
        return material.Length;
    }
}
