using Xunit;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>Key files made by OpenSSL: accepted and normalised, or refused with the right ErrorId.</summary>
public class KeyFileTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    private const string Pkcs8Pem = "PKCS#8 PEM", Pkcs8Der = "PKCS#8 DER", Pkcs1Pem = "PKCS#1 PEM", Pkcs1Der = "PKCS#1 DER",
        Sec1Pem = "SEC1 PEM", Sec1Der = "SEC1 DER", EncPem = "Encrypted PKCS#8 PEM", EncDer = "Encrypted PKCS#8 DER";

    public static TheoryData<KeySpec, string> AcceptedFiles()
    {
        var data = new TheoryData<KeySpec, string>();
        foreach (var spec in new[] { KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096 })
            foreach (var f in new[] { Pkcs8Pem, Pkcs8Der, Pkcs1Pem, Pkcs1Der, EncPem, EncDer })
                data.Add(spec, f);
        foreach (var spec in new[] { KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521, KeySpec.ECC_SECG_P256K1, KeySpec.SM2 })
            foreach (var f in new[] { Pkcs8Pem, Pkcs8Der, Sec1Pem, Sec1Der, EncPem, EncDer })
                data.Add(spec, f);
        return data;
    }

    private string FileFor(KeySpec spec, string format)
    {
        string n = OpenSslKeys.Names[spec];
        return format switch
        {
            Pkcs8Pem => keys.Pem(n),
            Pkcs8Der => keys.Pkcs8Der(n),
            Pkcs1Pem => keys.Pkcs1Pem(n),
            Pkcs1Der => keys.Pkcs1Der(n),
            Sec1Pem => keys.Sec1Pem(n),
            Sec1Der => keys.Sec1Der(n),
            EncPem => keys.EncryptedPem(n),
            EncDer => keys.EncryptedDer(n),
            _ => throw new ArgumentException(format),
        };
    }

    [Theory]
    [MemberData(nameof(AcceptedFiles))]
    public void OpenSsl_key_files_are_accepted_and_normalised_to_the_same_pkcs8(KeySpec spec, string format)
    {
        char[]? password = format.StartsWith("Encrypted", StringComparison.Ordinal) ? OpenSslKeys.Password.ToCharArray() : null;
        using var material = KeyMaterial.FromFile(spec, FileFor(spec, format), password);

        Assert.Equal(spec, material.KeySpec);
        Assert.Equal(format, material.SourceFormat);
        Assert.True(material.IsAsymmetric);

        byte[] ours = material.ExportForImport();
        byte[] openssl = File.ReadAllBytes(keys.Pkcs8Der(OpenSslKeys.Names[spec]));
        AssertSamePrivateKey(openssl, ours);
        Assert.Equal(openssl, ours); // OpenSSL's 'pkcs8 -topk8 -nocrypt -outform DER' is the canonical form we produce
        Assert.Equal(ours.Length, material.Length);

        // The public key is the one OpenSSL derives.
        Assert.Equal(File.ReadAllBytes(keys.PublicDer(OpenSslKeys.Names[spec])), material.GetPublicKeySpki());
    }

    internal static void AssertSamePrivateKey(byte[] expectedPkcs8, byte[] actualPkcs8)
    {
        var expected = PrivateKeyFactory.CreateKey(expectedPkcs8);
        var actual = PrivateKeyFactory.CreateKey(actualPkcs8);
        switch (expected)
        {
            case RsaPrivateCrtKeyParameters e:
                var a = Assert.IsType<RsaPrivateCrtKeyParameters>(actual);
                Assert.Equal(e.Modulus, a.Modulus);
                Assert.Equal(e.PublicExponent, a.PublicExponent);
                Assert.Equal(e.Exponent, a.Exponent);
                Assert.Equal(e.P, a.P);
                Assert.Equal(e.Q, a.Q);
                Assert.Equal(e.DP, a.DP);
                Assert.Equal(e.DQ, a.DQ);
                Assert.Equal(e.QInv, a.QInv);
                break;
            case ECPrivateKeyParameters e:
                var ec = Assert.IsType<ECPrivateKeyParameters>(actual);
                Assert.Equal(e.D, ec.D);
                Assert.Equal(e.PublicKeyParamSet, ec.PublicKeyParamSet);
                break;
            default:
                Assert.Fail("unexpected key type " + expected.GetType());
                break;
        }
    }

    [Theory]
    [InlineData(KeySpec.ECC_NIST_P256, "prime256v1")]
    [InlineData(KeySpec.ECC_NIST_P384, "secp384r1")]
    [InlineData(KeySpec.ECC_NIST_P521, "secp521r1")]
    [InlineData(KeySpec.ECC_SECG_P256K1, "secp256k1")]
    public void Ecparam_genkey_output_with_its_parameters_block_is_accepted_as_sec1(KeySpec spec, string curve)
    {
        var file = keys.EcparamGenkey(curve);
        Assert.Contains("BEGIN EC PARAMETERS", File.ReadAllText(file));
        using var material = KeyMaterial.FromFile(spec, file);
        Assert.Equal("SEC1 PEM", material.SourceFormat);
        var openssl = OpenSsl.Run("pkcs8", "-topk8", "-nocrypt", "-in", file, "-outform", "DER");
        AssertSamePrivateKey(openssl, material.ExportForImport());
    }

    [Fact]
    public void Sm2_ecparam_genkey_output_is_accepted()
    {
        var file = keys.EcparamGenkey("SM2");
        using var material = KeyMaterial.FromFile(KeySpec.SM2, file);
        var openssl = OpenSsl.Run("pkcs8", "-topk8", "-nocrypt", "-in", file, "-outform", "DER");
        Assert.Equal(openssl, material.ExportForImport());
    }

    [Theory]
    [InlineData(KeySpec.ECC_NIST_P256, 138)]
    [InlineData(KeySpec.ECC_SECG_P256K1, 135)]
    [InlineData(KeySpec.ECC_NIST_P384, 185)]
    [InlineData(KeySpec.ECC_NIST_P521, 241)]
    public void Ec_pkcs8_sizes_are_the_typical_ones(KeySpec spec, int size)
    {
        using var material = KeyMaterial.FromFile(spec, keys.Pem(spec));
        Assert.Equal(size, material.Length);
    }

    [Fact]
    public void Pem_and_der_bytes_load_through_FromBytes_and_the_input_is_not_modified()
    {
        byte[] pem = File.ReadAllBytes(keys.Pem(KeySpec.ECC_NIST_P256));
        byte[] copy = (byte[])pem.Clone();
        using var material = KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, pem);
        Assert.Equal(copy, pem);
        Assert.Equal("PKCS#8 PEM", material.SourceFormat);
    }

    // ---- refusals ---------------------------------------------------------------------------------------------

    private KmsImportException Refused(KeySpec spec, string file, char[]? password = null) =>
        Assert.Throws<KmsImportException>(() => KeyMaterial.FromFile(spec, file, password));

    [Theory]
    [InlineData(KeySpec.RSA_3072, "rsa2048", "2048")]
    [InlineData(KeySpec.RSA_2048, "rsa4096", "4096")]
    [InlineData(KeySpec.RSA_2048, "rsa1024", "1024")]
    public void Wrong_rsa_size_is_refused(KeySpec spec, string key, string foundBits)
    {
        var e = Refused(spec, keys.Pem(key));
        Assert.Equal(ErrorIds.KeyMaterialWrongKeySize, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.Contains(foundBits + " bits", e.Message);
        Assert.Contains(spec.ToString(), e.Message);
        Assert.Equal(keys.Pem(key), e.TargetObject);
    }

    [Theory]
    [InlineData(KeySpec.ECC_NIST_P256, "p384", "P-384")]
    [InlineData(KeySpec.ECC_NIST_P384, "p521", "P-521")]
    [InlineData(KeySpec.ECC_NIST_P256, "k256", "secp256k1")]
    [InlineData(KeySpec.ECC_SECG_P256K1, "p256", "P-256")]
    [InlineData(KeySpec.SM2, "p256", "P-256")]
    [InlineData(KeySpec.ECC_NIST_P256, "sm2", "SM2")]
    public void Wrong_curve_is_refused(KeySpec spec, string key, string found)
    {
        var e = Refused(spec, keys.Pem(key));
        Assert.Equal(ErrorIds.KeyMaterialWrongCurve, e.ErrorId);
        Assert.Contains(found, e.Message);
    }

    [Theory]
    [InlineData(KeySpec.ECC_NIST_P256, "rsa2048")]
    [InlineData(KeySpec.RSA_2048, "p256")]
    [InlineData(KeySpec.RSA_2048, "ed25519")]
    [InlineData(KeySpec.ECC_NIST_P256, "ed25519")]
    public void Wrong_key_type_is_refused(KeySpec spec, string key)
    {
        var e = Refused(spec, keys.Pem(key));
        Assert.Equal(ErrorIds.KeyMaterialWrongKeyType, e.ErrorId);
    }

    [Fact]
    public void Public_keys_and_certificates_are_refused()
    {
        foreach (var file in new[] { keys.PublicPem("rsa2048"), keys.PublicDer("rsa2048"), keys.Pkcs1PublicPem("rsa2048") })
        {
            var e = Refused(KeySpec.RSA_2048, file);
            Assert.Equal(ErrorIds.KeyMaterialIsPublicKey, e.ErrorId);
        }
        var ec = Refused(KeySpec.ECC_NIST_P256, keys.PublicDer("p256"));
        Assert.Equal(ErrorIds.KeyMaterialIsPublicKey, ec.ErrorId);

        var pkcs1PublicDer = keys.Derived("rsa2048.pkcs1pub.der", "rsa", "-in", keys.Pem("rsa2048"), "-RSAPublicKey_out", "-outform", "DER", "-out", "{out}");
        Assert.Equal(ErrorIds.KeyMaterialIsPublicKey, Refused(KeySpec.RSA_2048, pkcs1PublicDer).ErrorId);

        var cert = keys.Derived("p256.crt", "req", "-new", "-x509", "-key", keys.Pem("p256"), "-subj", "/CN=test", "-days", "1", "-out", "{out}");
        var certError = Refused(KeySpec.ECC_NIST_P256, cert);
        Assert.Equal(ErrorIds.KeyMaterialIsPublicKey, certError.ErrorId);
        Assert.Contains("CERTIFICATE", certError.Message);
    }

    [Fact]
    public void Multi_prime_rsa_is_refused_in_every_encoding()
    {
        var pkcs8 = keys.Pem("rsa2048-3primes");
        Assert.Equal(ErrorIds.KeyMaterialMultiPrimeRsa, Refused(KeySpec.RSA_2048, pkcs8).ErrorId);
        Assert.Equal(ErrorIds.KeyMaterialMultiPrimeRsa, Refused(KeySpec.RSA_2048, keys.Pkcs1Pem("rsa2048-3primes")).ErrorId);
        Assert.Equal(ErrorIds.KeyMaterialMultiPrimeRsa, Refused(KeySpec.RSA_2048, keys.Pkcs8Der("rsa2048-3primes")).ErrorId);
    }

    [Fact]
    public void Encrypted_pkcs8_without_password_is_refused()
    {
        var e = Refused(KeySpec.ECC_NIST_P256, keys.EncryptedPem("p256"));
        Assert.Equal(ErrorIds.KeyMaterialPasswordRequired, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("")]
    [InlineData("correct horse battery stapl")]
    public void Encrypted_pkcs8_with_a_wrong_password_is_refused(string password)
    {
        foreach (var file in new[] { keys.EncryptedPem("p256"), keys.EncryptedDer("rsa2048") })
        {
            var spec = file.Contains("p256") ? KeySpec.ECC_NIST_P256 : KeySpec.RSA_2048;
            var e = Refused(spec, file, password.ToCharArray());
            Assert.Equal(ErrorIds.KeyMaterialWrongPassword, e.ErrorId);
            if (password.Length > 0) Assert.DoesNotContain(password, e.Message);
        }
    }

    [Fact]
    public void Scrypt_encrypted_pkcs8_is_refused_as_unsupported_encryption()
    {
        var file = keys.Derived("p256.scrypt.pem", "pkcs8", "-topk8", "-scrypt", "-in", keys.Pem("p256"), "-passout", "pass:x", "-out", "{out}");
        var e = Refused(KeySpec.ECC_NIST_P256, file, "x".ToCharArray());
        Assert.Equal(ErrorIds.KeyMaterialUnsupportedEncryption, e.ErrorId);
    }

    [Fact]
    public void Legacy_encrypted_pem_is_refused_with_a_conversion_hint()
    {
        var file = keys.Derived("rsa2048.legacy.pem", "rsa", "-in", keys.Pem("rsa2048"), "-traditional", "-aes256", "-passout", "pass:x", "-out", "{out}");
        var e = Refused(KeySpec.RSA_2048, file, "x".ToCharArray());
        Assert.Equal(ErrorIds.KeyMaterialLegacyEncryptedPem, e.ErrorId);
        Assert.Contains("openssl pkcs8 -topk8", e.Message);
    }

    [Theory]
    [InlineData("prime256v1", KeySpec.ECC_NIST_P256, "P-256")]
    [InlineData("secp384r1", KeySpec.ECC_NIST_P384, "P-384")]
    public void Explicit_curve_parameters_are_refused(string curve, KeySpec spec, string matched)
    {
        var file = keys.EcparamExplicit(curve);
        var e = Refused(spec, file);
        Assert.Equal(ErrorIds.KeyMaterialExplicitCurve, e.ErrorId);
        Assert.Contains(matched, e.Message);
        Assert.Contains("-param_enc named_curve", e.Message);

        // The same key as PKCS#8 (explicit parameters in the AlgorithmIdentifier) is refused too.
        var pkcs8 = OpenSsl.Run("pkcs8", "-topk8", "-nocrypt", "-in", file, "-outform", "DER");
        Assert.Equal(ErrorIds.KeyMaterialExplicitCurve, Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(spec, pkcs8)).ErrorId);

        // The conversion the message recommends works.
        using var dir = new TempDir();
        var named = dir.File("named.pem");
        OpenSsl.Run("ec", "-in", file, "-param_enc", "named_curve", "-out", named);
        using var material = KeyMaterial.FromFile(spec, named);
        Assert.Equal("SEC1 PEM", material.SourceFormat);
    }

    [Fact]
    public void Garbage_is_refused_as_unrecognized()
    {
        using var dir = new TempDir();
        var random = dir.Write("random.bin", OpenSsl.Run("rand", "2000"));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, Refused(KeySpec.RSA_2048, random).ErrorId);

        var text = dir.Write("notes.txt", Encoding.UTF8.GetBytes("this is not a key, just some notes about where the key is"));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, Refused(KeySpec.ECC_NIST_P256, text).ErrorId);

        var raw = dir.Write("raw.bin", new byte[32]);
        var rawError = Refused(KeySpec.ECC_NIST_P256, raw);
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, rawError.ErrorId);
        Assert.Contains("SYMMETRIC_DEFAULT", rawError.Message);
    }

    [Fact]
    public void Truncated_der_and_pem_are_refused()
    {
        byte[] der = File.ReadAllBytes(keys.Pkcs8Der("rsa2048"));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat,
            Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, der[..(der.Length - 10)])).ErrorId);
        byte[] trailing = [.. der, 0, 0];
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat,
            Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, trailing)).ErrorId);

        string pem = File.ReadAllText(keys.Pem("rsa2048"));
        byte[] cut = Encoding.ASCII.GetBytes(pem[..(pem.Length / 2)]);
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, cut));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, e.ErrorId);
        Assert.Contains("END PRIVATE KEY", e.Message);
    }

    [Fact]
    public void Base64_der_without_pem_lines_gets_a_hint()
    {
        byte[] b64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(File.ReadAllBytes(keys.Pkcs8Der("p256"))));
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, b64));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, e.ErrorId);
        Assert.Contains("BEGIN PRIVATE KEY", e.Message);
    }

    // RSA keys whose numbers do not fit together, each built from a good OpenSSL key. ValidateRsa checks them with exact
    // arithmetic (n = p*q, dp, dq, qinv, e*dp = 1 mod p-1, e*dq = 1 mod q-1); the cases name what each one breaks.
    public static TheoryData<string> BrokenRsaKeys() => new()
    {
        "coefficient + 1", "d + 2, dp and dq stale", "d + 2, dp and dq made from it", "e = 3, the rest stale", "e = 65539, the rest stale",
        "e even", "p and q swapped, CRT values stale", "dp + (p - 1)", "dq + 1", "p = 1 and q = n", "p = q", "d = 0", "n + 2",
    };

    private static Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure Broken(Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure k, string how)
    {
        var one = Org.BouncyCastle.Math.BigInteger.One;
        var two = Org.BouncyCastle.Math.BigInteger.Two;
        var (n, e, d, p, q, dp, dq, qinv) = (k.Modulus, k.PublicExponent, k.PrivateExponent, k.Prime1, k.Prime2, k.Exponent1, k.Exponent2, k.Coefficient);
        switch (how)
        {
            case "coefficient + 1": qinv = qinv.Add(one); break;
            case "d + 2, dp and dq stale": d = d.Add(two); break;
            case "d + 2, dp and dq made from it": d = d.Add(two); dp = d.Mod(p.Subtract(one)); dq = d.Mod(q.Subtract(one)); break;
            case "e = 3, the rest stale": e = Org.BouncyCastle.Math.BigInteger.Three; break;
            case "e = 65539, the rest stale": e = Org.BouncyCastle.Math.BigInteger.ValueOf(65539); break;
            case "e even": e = Org.BouncyCastle.Math.BigInteger.ValueOf(65536); break;
            case "p and q swapped, CRT values stale": (p, q) = (q, p); break;
            case "dp + (p - 1)": dp = dp.Add(p.Subtract(one)); break;
            case "dq + 1": dq = dq.Add(one); break;
            case "p = 1 and q = n": p = one; q = n; dp = Org.BouncyCastle.Math.BigInteger.Zero; dq = d.Mod(n.Subtract(one)); qinv = one; break;
            case "p = q":
                // n = p^2 (still 2048 bits: OpenSSL sets p's two top bits) with every other number made to fit p.
                n = p.Multiply(p); q = p; d = e.ModInverse(p.Subtract(one)); dp = d; dq = d; qinv = one; break;
            case "d = 0": d = Org.BouncyCastle.Math.BigInteger.Zero; dp = d; dq = d; break;
            case "n + 2": n = n.Add(two); break;
            default: throw new ArgumentException(how);
        }
        return new Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure(n, e, d, p, q, dp, dq, qinv);
    }

    [Theory]
    [MemberData(nameof(BrokenRsaKeys))]
    public void Rsa_keys_whose_numbers_do_not_fit_together_are_refused_as_inconsistent(string how)
    {
        var good = Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure.GetInstance(File.ReadAllBytes(keys.Pkcs1Der("rsa2048")));
        var broken = Broken(good, how);
        Assert.Equal(2048, broken.Modulus.BitLength);
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, broken.GetDerEncoded()));
        Assert.Equal(ErrorIds.KeyMaterialInconsistent, e.ErrorId);
    }

    [Fact]
    public void Rsa_keys_that_are_consistent_in_another_way_are_accepted()
    {
        // The check must not refuse good keys written differently: p and q swapped with their CRT values (qinv
        // recomputed), and d not reduced mod lambda(n) (as tools that use phi(n) = (p-1)(q-1) write it).
        var k = Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure.GetInstance(File.ReadAllBytes(keys.Pkcs1Der("rsa2048")));
        var one = Org.BouncyCastle.Math.BigInteger.One;
        var swapped = new Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure(k.Modulus, k.PublicExponent, k.PrivateExponent,
            k.Prime2, k.Prime1, k.Exponent2, k.Exponent1, k.Prime1.ModInverse(k.Prime2));
        var (p1, q1) = (k.Prime1.Subtract(one), k.Prime2.Subtract(one));
        var lambda = p1.Multiply(q1).Divide(p1.Gcd(q1));
        var dPhi = k.PrivateExponent.Add(lambda); // still e^-1 mod lambda(n), and below phi(n): what a phi-based tool may write
        var unreduced = new Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure(k.Modulus, k.PublicExponent, dPhi,
            k.Prime1, k.Prime2, k.Exponent1, k.Exponent2, k.Coefficient);
        foreach (var variant in new[] { swapped, unreduced })
        {
            using var material = KeyMaterial.FromBytes(KeySpec.RSA_2048, variant.GetDerEncoded());
            Assert.Equal(KeySpec.RSA_2048, material.KeySpec);
            // The same key: its public half is (n, e) of the OpenSSL key.
            var spki = Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(material.GetPublicKeySpki());
            var pub = Org.BouncyCastle.Asn1.X509.RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey());
            Assert.Equal(k.Modulus, pub.Modulus);
        }
        Assert.NotEqual(k.PrivateExponent, dPhi);
    }

    [Fact]
    public void Two_private_keys_in_one_file_are_refused()
    {
        byte[] both = [.. File.ReadAllBytes(keys.Pem("p256")), .. File.ReadAllBytes(keys.Sec1Pem("p256"))];
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, both));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, e.ErrorId);
    }

    [Fact]
    public void A_private_key_with_a_certificate_in_the_same_file_is_accepted()
    {
        var cert = keys.Derived("p256.crt2", "req", "-new", "-x509", "-key", keys.Pem("p256"), "-subj", "/CN=test", "-days", "1", "-out", "{out}");
        byte[] bundle = [.. File.ReadAllBytes(cert), .. File.ReadAllBytes(keys.Pem("p256"))];
        using var material = KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, bundle);
        Assert.Equal("PKCS#8 PEM", material.SourceFormat);
    }

    [Fact]
    public void Corrupt_keys_are_refused_as_inconsistent()
    {
        // An EC key whose embedded public key belongs to another private key.
        var a = Org.BouncyCastle.Asn1.Sec.ECPrivateKeyStructure.GetInstance(
            Org.BouncyCastle.Asn1.Pkcs.PrivateKeyInfo.GetInstance(File.ReadAllBytes(keys.Pkcs8Der("p256"))).ParsePrivateKey());
        using var other = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        var otherPoint = Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(other.GetPublicKeySpki()).PublicKey;
        var forged = new Org.BouncyCastle.Asn1.Sec.ECPrivateKeyStructure(256, a.GetKey(), otherPoint,
            new Org.BouncyCastle.Asn1.DerObjectIdentifier("1.2.840.10045.3.1.7"));
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, forged.GetDerEncoded()));
        Assert.Equal(ErrorIds.KeyMaterialInconsistent, e.ErrorId);

        // An RSA key with a damaged CRT coefficient.
        var rsa = Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure.GetInstance(File.ReadAllBytes(keys.Pkcs1Der("rsa2048")));
        var broken = new Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure(rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent,
            rsa.Prime1, rsa.Prime2, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient.Add(Org.BouncyCastle.Math.BigInteger.One));
        e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, broken.GetDerEncoded()));
        Assert.Equal(ErrorIds.KeyMaterialInconsistent, e.ErrorId);
    }

    [Fact]
    public void Error_messages_never_contain_the_key()
    {
        byte[] der = File.ReadAllBytes(keys.Pkcs8Der("rsa2048"));
        string pemBody = File.ReadAllText(keys.Pem("rsa2048")).Split('\n')[3];
        var e = Refused(KeySpec.RSA_3072, keys.Pem("rsa2048"));
        Assert.DoesNotContain(pemBody, e.Message);
        Assert.DoesNotContain(Convert.ToHexString(der.AsSpan(40, 16)), e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
