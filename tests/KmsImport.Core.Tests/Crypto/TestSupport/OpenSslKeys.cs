using Xunit;
using System.Collections.Concurrent;
using KmsImport;

namespace KmsImport.Core.Tests.Crypto.TestSupport;

/// <summary>
/// Key files made by OpenSSL once per test run (RSA-4096 generation is slow-ish), shared by every test class through
/// <see cref="Shared"/> (so the classes still run in parallel), deleted when the test process exits.
/// </summary>
public sealed class OpenSslKeys : IDisposable
{
    private static readonly Lazy<OpenSslKeys> Instance = new(() =>
    {
        var keys = new OpenSslKeys();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => keys.Dispose();
        return keys;
    });

    /// <summary>The one instance of the test run.</summary>
    public static OpenSslKeys Shared => Instance.Value;

    public const string Password = "correct horse battery staple";

    private readonly TempDir _dir = new();
    private readonly ConcurrentDictionary<string, Lazy<string>> _derived = new();

    /// <summary>Base name of the PKCS#8 PEM file OpenSSL generated per key spec.</summary>
    public static readonly IReadOnlyDictionary<KeySpec, string> Names = new Dictionary<KeySpec, string>
    {
        [KeySpec.RSA_2048] = "rsa2048",
        [KeySpec.RSA_3072] = "rsa3072",
        [KeySpec.RSA_4096] = "rsa4096",
        [KeySpec.ECC_NIST_P256] = "p256",
        [KeySpec.ECC_NIST_P384] = "p384",
        [KeySpec.ECC_NIST_P521] = "p521",
        [KeySpec.ECC_SECG_P256K1] = "k256",
        [KeySpec.SM2] = "sm2",
    };

    public static readonly IReadOnlyDictionary<KeySpec, string> OpenSslCurve = new Dictionary<KeySpec, string>
    {
        [KeySpec.ECC_NIST_P256] = "prime256v1",
        [KeySpec.ECC_NIST_P384] = "secp384r1",
        [KeySpec.ECC_NIST_P521] = "secp521r1",
        [KeySpec.ECC_SECG_P256K1] = "secp256k1",
    };

    private OpenSslKeys()
    {
        var jobs = new List<Task>
        {
            Gen("rsa2048", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"),
            Gen("rsa3072", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"),
            Gen("rsa4096", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"),
            Gen("rsa2048-3primes", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_primes:3"),
            Gen("rsa1024", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"),
            Gen("p256", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"),
            Gen("p384", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"),
            Gen("p521", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"),
            Gen("k256", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"),
            Gen("sm2", "-algorithm", "SM2"),
            Gen("ed25519", "-algorithm", "ED25519"),
        };
        Task.WaitAll(jobs.ToArray());
    }

    private Task Gen(string name, params string[] args) => Task.Run(() =>
    {
        OpenSsl.Run(["genpkey", .. args, "-out", _dir.File(name + ".pem")]);
    });

    public string Dir => _dir.Path;

    /// <summary>The PKCS#8 PEM file of a generated key ("rsa2048", "p256", "sm2", "ed25519", "rsa2048-3primes", "rsa1024").</summary>
    public string Pem(string name) => _dir.File(name + ".pem");

    public string Pem(KeySpec spec) => Pem(Names[spec]);

    /// <summary>A file derived once from a key with an openssl command; {in} and {out} are replaced.</summary>
    public string Derived(string fileName, params string[] args) =>
        _derived.GetOrAdd(fileName, f => new Lazy<string>(() =>
        {
            var output = _dir.File(f);
            OpenSsl.Run(args.Select(a => a.Replace("{out}", output)).ToArray());
            return output;
        })).Value;

    public string Pkcs8Der(string name) => Derived(name + ".p8.der", "pkcs8", "-topk8", "-nocrypt", "-in", Pem(name), "-outform", "DER", "-out", "{out}");

    public string Pkcs1Pem(string name) => Derived(name + ".pkcs1.pem", "rsa", "-in", Pem(name), "-traditional", "-out", "{out}");

    public string Pkcs1Der(string name) => Derived(name + ".pkcs1.der", "rsa", "-in", Pem(name), "-traditional", "-outform", "DER", "-out", "{out}");

    public string Sec1Pem(string name) => Derived(name + ".sec1.pem", "ec", "-in", Pem(name), "-out", "{out}");

    public string Sec1Der(string name) => Derived(name + ".sec1.der", "ec", "-in", Pem(name), "-outform", "DER", "-out", "{out}");

    public string EncryptedPem(string name) => Derived(name + ".enc.pem", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", Pem(name), "-passout", "pass:" + Password, "-out", "{out}");

    public string EncryptedDer(string name) => Derived(name + ".enc.der", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", Pem(name), "-passout", "pass:" + Password, "-outform", "DER", "-out", "{out}");

    public string PublicPem(string name) => Derived(name + ".pub.pem", "pkey", "-in", Pem(name), "-pubout", "-out", "{out}");

    public string PublicDer(string name) => Derived(name + ".pub.der", "pkey", "-in", Pem(name), "-pubout", "-outform", "DER", "-out", "{out}");

    public byte[] PublicSpki(KeySpec spec) => File.ReadAllBytes(PublicDer(Names[spec]));

    public string Pkcs1PublicPem(string name) => Derived(name + ".pkcs1pub.pem", "rsa", "-in", Pem(name), "-RSAPublicKey_out", "-out", "{out}");

    /// <summary>'openssl ecparam -genkey' output: an EC PARAMETERS block followed by a SEC1 EC PRIVATE KEY block.</summary>
    public string EcparamGenkey(string curve) => Derived(curve + ".ecparam.pem", "ecparam", "-name", curve, "-genkey", "-out", "{out}");

    public string EcparamExplicit(string curve) => Derived(curve + ".explicit.pem", "ecparam", "-name", curve, "-genkey", "-param_enc", "explicit", "-out", "{out}");

    /// <summary>A wrapping key pair as KMS would have it: .NET RSA with the private key of the fixture.</summary>
    public System.Security.Cryptography.RSA RsaPrivate(KeySpec spec)
    {
        var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(Pem(spec)));
        return rsa;
    }

    public void Dispose() => _dir.Dispose();
}
