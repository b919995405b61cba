using System.Text;
using KmsImport.Core.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>What a seed input is, for choosing mutations.</summary>
internal enum SeedKind { Der, Pem, Raw }

/// <summary>One valid input of the fuzz corpus.</summary>
internal sealed record FuzzSeed(string Name, KeySpec Spec, SeedKind Kind, byte[] Data, char[]? Password = null)
{
    /// <summary>Unencrypted DER forms of the private key (PKCS#8 and PKCS#1/SEC1), for the leak oracle. Empty for public keys.</summary>
    public IReadOnlyList<byte[]> SecretForms { get; init; } = [];

    /// <summary>The ErrorId the unmutated seed is refused with (a valid file of a kind KMS does not import), or null when it is accepted.</summary>
    public string? ExpectedError { get; init; }
}

/// <summary>
/// The fuzz corpus, built deterministically (no randomness, no OpenSSL) so that a (target, seed, case index) triple names the
/// same input on every machine and every run. RSA keys come from fixed primes (generated once with OpenSSL for this purpose;
/// TEST KEYS, never used for anything else); EC keys from scalars derived from fixed strings; encrypted PKCS#8 uses a fixed
/// salt and IV. The formats are those OpenSSL 3 writes.
/// </summary>
internal static class FuzzCorpus
{
    public const string Password = "fuzz corpus password";

    private const string Rsa2048P =
        "e1248ba1309494444b74532adfea21a0b9fd7e3fb63ff258da7e902434992da220ef18e48f986786598f93d58ffedab7" +
        "d8d36f151332ec8283e3d1196594cf39c624147a95e447825aa109077bb432ed5c400e166369b5ddeeb78bb860f12543" +
        "78b0f28356bfb1378bb3a4ffa75e963ebbfd1885e0d758984851974cd1a2dc39";

    private const string Rsa2048Q =
        "d214b4728e06f4efb109d9ad57ae34a7df11424b60f415f598c91f4d127bb8e9b3eb32ca97a0c4c1492ee55718dd360e" +
        "fa3ec778d028fda6f2271427db47010662a66d0b8b88c63fcea7b962f2683f2f5561cb1492683f03c8c4d43ae0b391f5" +
        "fdc126a8da9ba3c2022cf5365b8e507c12866709ba4c42aa80cb0d09f98b2489";

    private const string Rsa3072P =
        "f81fcf45b8b4150b55cee9f53c222d986cb7f62271adbc7bbf7b965d37ed8fb5999ac01a853d1fd94d1a9ee0a4e5ac8b" +
        "8336207ca7adb8d1f6e622bc66a1ce84ec0d609df48ee234b369095e81d8608761d444fbc3bd0a48926325167e104816" +
        "6bac74f472c0668e6c48745108b892f14881e734d55a56b5cb5824a729170acc293384e5273f8b36e8caf00b7165130b" +
        "6d3f4cf3c1f9aed854fb18066d803947a4a4cedfd0e4f74dc2aae1f310430be6c94691e7811d81bd0f55c2ad95c834d5";

    private const string Rsa3072Q =
        "e085384e00874f36aeb9c098b0bdf162fe05c128970635a92ae4a2e543d5f97a2bdebe123eae645b364a79fb297b1ef1" +
        "a2f014a0ea2043c883f84ecd62792c4f3667d888d699b9d965b8383836e348fb685f555a95c52ba64c1a3192c1853fe7" +
        "3e718f7605234920256753af82daaf80342f284ed89658a4abb58224979db02518b9d83ab9795cc5fb94f93abc8a24d4" +
        "0329c10a493a80aad1d7fdcadf1096f1fac076ccbebe58f50e02943e61c1adc5f63b9e1c47c0817402da6604267b3ef5";

    private const string Rsa4096P =
        "f8dd2188e50fa513b5de40bf1bc1fde445e5d5e0eb8ce533bb4de0e162c1fcf24312b966353792fcfe38f25e649177c7" +
        "a43ed0c11ddb9f7b2e7859e6c1629134adf05c99007ea5a10e8a983538170a301103f55ab9f10e035bca2ce529d403c1" +
        "75bf004236972c451739381c815c0d18ef84277fe33707d7f43886fc9e766421c5d4471db4fe4b6ebb2994fee6adae8a" +
        "3b3afd33bcda79c70ab455c83a9ea5adb2b21c3c82f43e0895f0c7d2243328ba698137001015867b01ddb9c2f8d821c9" +
        "8b9fbbed23f170d38faa52cd42c63cdfa5bec2798fc04cff1c5d117242a785a373dc61685d4ac7802b61a3df8a444e5b" +
        "7a34161ac7c1c0eefdf7c25b82bbdf7d";

    private const string Rsa4096Q =
        "bc89ef0855b84880d425b6275bd8fda325f00030f81d7274e2914f4bd7e921bca63ceeecb7c6d1cef12e7ac777240725" +
        "c3d355e3c9fb33f3e77cb4a3925c4380844fced39ff0bacb61f6fd9d5ba158e9bf2e81df48a803025b81c525ea30ad86" +
        "8e4dae78b814c8c1c4d1509d9ad17ecc0a451a5abbefab4bc38bff40a870c464a44f40cda6062f8241d937b1f2e55e14" +
        "4a46abf87658d22f53b28d0b5bcbd1b2de7d289514f85e4297fb1feaa1f33c18945351829e919f64615a13c4cccb5658" +
        "3d8b77a4da81e58e9d2a9a903fd7c035e98b6f5a84474d4d9150863ead4581026e1d4be398be287381ecb578271bd350" +
        "4854b7d0f5176a6f71c11aed8e09ae97";

    private static readonly Lazy<IReadOnlyList<FuzzSeed>> PrivateKeySeeds = new(BuildPrivateKeySeeds);
    private static readonly Lazy<IReadOnlyDictionary<KeySpec, byte[]>> Spkis = new(BuildSpkis);

    public static readonly KeySpec[] AsymmetricSpecs =
    [
        KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096, KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521,
        KeySpec.ECC_SECG_P256K1, KeySpec.SM2,
    ];

    /// <summary>Every private-key seed: per asymmetric spec PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1, each as PEM and DER, plus OpenSSL variants.</summary>
    public static IReadOnlyList<FuzzSeed> PrivateKeys => PrivateKeySeeds.Value;

    /// <summary>Raw material for SYMMETRIC_DEFAULT and the HMAC specs (fixed bytes, not text).</summary>
    public static IReadOnlyList<FuzzSeed> RawKeys { get; } = BuildRawSeeds();

    /// <summary>DER SubjectPublicKeyInfo of the corpus key of each asymmetric spec (uncompressed point, named curve).</summary>
    public static byte[] Spki(KeySpec spec) => Spkis.Value[spec];

    // ---- RSA ---------------------------------------------------------------------------------------------------

    public static RsaPrivateKeyStructure Rsa(KeySpec spec)
    {
        var (ph, qh) = spec switch
        {
            KeySpec.RSA_2048 => (Rsa2048P, Rsa2048Q),
            KeySpec.RSA_3072 => (Rsa3072P, Rsa3072Q),
            KeySpec.RSA_4096 => (Rsa4096P, Rsa4096Q),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };
        var p = new BigInteger(ph, 16);
        var q = new BigInteger(qh, 16);
        var e = BigInteger.ValueOf(65537);
        var p1 = p.Subtract(BigInteger.One);
        var q1 = q.Subtract(BigInteger.One);
        var lambda = p1.Multiply(q1).Divide(p1.Gcd(q1));
        var d = e.ModInverse(lambda);
        return new RsaPrivateKeyStructure(p.Multiply(q), e, d, p, q, d.Mod(p1), d.Mod(q1), q.ModInverse(p));
    }

    // ---- EC ----------------------------------------------------------------------------------------------------

    private static readonly AlgorithmIdentifier RsaAlgorithm = new(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);

    private static DerObjectIdentifier CurveOid(KeySpec spec) => spec switch
    {
        KeySpec.ECC_NIST_P256 => X9ObjectIdentifiers.Prime256v1,
        KeySpec.ECC_NIST_P384 => SecObjectIdentifiers.SecP384r1,
        KeySpec.ECC_NIST_P521 => SecObjectIdentifiers.SecP521r1,
        KeySpec.ECC_SECG_P256K1 => SecObjectIdentifiers.SecP256k1,
        KeySpec.SM2 => new DerObjectIdentifier("1.2.156.10197.1.301"),
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    public static X9ECParameters Curve(KeySpec spec) => ECNamedCurveTable.GetByOid(CurveOid(spec));

    /// <summary>A fixed private scalar in [1, n-1], derived from the spec name.</summary>
    public static BigInteger EcScalar(KeySpec spec)
    {
        var n = Curve(spec).N;
        var seed = Encoding.ASCII.GetBytes("KmsImport fuzz corpus " + spec);
        var h = new byte[128];
        var sha = new Sha512Digest();
        sha.BlockUpdate(seed, 0, seed.Length);
        sha.DoFinal(h, 0);
        sha.BlockUpdate(h, 0, 64);
        sha.DoFinal(h, 64);
        return new BigInteger(1, h).Mod(n.Subtract(BigInteger.One)).Add(BigInteger.One);
    }

    private static byte[] EcPoint(KeySpec spec, bool compressed) =>
        new FixedPointCombMultiplier().Multiply(Curve(spec).G, EcScalar(spec)).Normalize().GetEncoded(compressed);

    /// <summary>RFC 5915 ECPrivateKey; with the curve OID in [0] when <paramref name="withParameters"/>, always with the public key in [1].</summary>
    private static byte[] Sec1Der(KeySpec spec, bool withParameters)
    {
        var x9 = Curve(spec);
        var structure = new ECPrivateKeyStructure(x9.N.BitLength, EcScalar(spec), new DerBitString(EcPoint(spec, false)),
            withParameters ? CurveOid(spec) : null);
        return structure.GetEncoded(Asn1Encodable.Der);
    }

    // ---- encodings -----------------------------------------------------------------------------------------------

    private static byte[] Pkcs8Der(KeySpec spec) => KeySpecRules.IsRsa(spec)
        ? new PrivateKeyInfo(RsaAlgorithm, Rsa(spec)).GetEncoded(Asn1Encodable.Der)
        : new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, CurveOid(spec)),
            Asn1Object.FromByteArray(Sec1Der(spec, withParameters: false))).GetEncoded(Asn1Encodable.Der);

    private static byte[] TraditionalDer(KeySpec spec) =>
        KeySpecRules.IsRsa(spec) ? Rsa(spec).GetEncoded(Asn1Encodable.Der) : Sec1Der(spec, withParameters: true);

    /// <summary>PKCS#8 encrypted the way 'openssl pkcs8 -topk8 -v2 aes-256-cbc' does (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations), with a fixed salt and IV.</summary>
    public static byte[] EncryptedPkcs8Der(byte[] pkcs8, string password, int iterations = 2048)
    {
        byte[] salt = Enumerable.Range(0, 16).Select(i => (byte)(0xA0 + i)).ToArray();
        byte[] iv = Enumerable.Range(0, 16).Select(i => (byte)(0x10 + i)).ToArray();
        var generator = new Pkcs5S2ParametersGenerator(new Sha256Digest());
        generator.Init(Encoding.UTF8.GetBytes(password), salt, iterations);
        var key = (KeyParameter)generator.GenerateDerivedParameters("AES256", 256);
        var cipher = new PaddedBufferedBlockCipher(new CbcBlockCipher(new AesEngine()), new Pkcs7Padding());
        cipher.Init(true, new ParametersWithIV(key, iv));
        byte[] ciphertext = cipher.DoFinal(pkcs8);

        var prf = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance);
        var kdf = new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, new Pbkdf2Params(salt, iterations, prf));
        var scheme = new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv));
        var algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, new PbeS2Parameters(kdf, scheme));
        return new EncryptedPrivateKeyInfo(algorithm, ciphertext).GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>RFC 7468 text: 64-character lines, LF line ends.</summary>
    public static byte[] Pem(string label, byte[] der, string lineEnd = "\n")
    {
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(label).Append("-----").Append(lineEnd);
        string b64 = Convert.ToBase64String(der);
        for (int i = 0; i < b64.Length; i += 64) sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append(lineEnd);
        sb.Append("-----END ").Append(label).Append("-----").Append(lineEnd);
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static IReadOnlyList<FuzzSeed> BuildPrivateKeySeeds()
    {
        var seeds = new List<FuzzSeed>();
        foreach (var spec in AsymmetricSpecs)
        {
            byte[] pkcs8 = Pkcs8Der(spec);
            byte[] traditional = TraditionalDer(spec);
            byte[] encrypted = EncryptedPkcs8Der(pkcs8, Password);
            bool rsa = KeySpecRules.IsRsa(spec);
            string tradName = rsa ? "PKCS#1" : "SEC1";
            string tradLabel = rsa ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
            IReadOnlyList<byte[]> secrets = [pkcs8, traditional];
            char[] password = Password.ToCharArray();
            seeds.Add(new FuzzSeed($"{spec}/PKCS#8 PEM", spec, SeedKind.Pem, Pem("PRIVATE KEY", pkcs8)) { SecretForms = secrets });
            seeds.Add(new FuzzSeed($"{spec}/PKCS#8 DER", spec, SeedKind.Der, pkcs8) { SecretForms = secrets });
            seeds.Add(new FuzzSeed($"{spec}/Encrypted PKCS#8 PEM", spec, SeedKind.Pem, Pem("ENCRYPTED PRIVATE KEY", encrypted), password) { SecretForms = secrets });
            seeds.Add(new FuzzSeed($"{spec}/Encrypted PKCS#8 DER", spec, SeedKind.Der, encrypted, password) { SecretForms = secrets });
            seeds.Add(new FuzzSeed($"{spec}/{tradName} PEM", spec, SeedKind.Pem, Pem(tradLabel, traditional)) { SecretForms = secrets });
            seeds.Add(new FuzzSeed($"{spec}/{tradName} DER", spec, SeedKind.Der, traditional) { SecretForms = secrets });
        }

        // OpenSSL variants: 'openssl ecparam -genkey' (EC PARAMETERS block first), a SEC1 key whose curve is only in the
        // EC PARAMETERS block, 'openssl pkcs12 -nodes' output (Bag Attributes text before the block), CRLF line ends.
        foreach (var spec in new[] { KeySpec.ECC_NIST_P256, KeySpec.ECC_SECG_P256K1 })
        {
            byte[] parameters = Pem("EC PARAMETERS", CurveOid(spec).GetEncoded(Asn1Encodable.Der));
            IReadOnlyList<byte[]> secrets = [Pkcs8Der(spec), Sec1Der(spec, true), Sec1Der(spec, false)];
            seeds.Add(new FuzzSeed($"{spec}/ecparam -genkey PEM", spec, SeedKind.Pem, [.. parameters, .. Pem("EC PRIVATE KEY", Sec1Der(spec, true))]) { SecretForms = secrets });
            seeds.Add(new FuzzSeed($"{spec}/SEC1 PEM, curve in EC PARAMETERS", spec, SeedKind.Pem, [.. parameters, .. Pem("EC PRIVATE KEY", Sec1Der(spec, false))]) { SecretForms = secrets });
        }
        // Valid files of kinds that are refused, so that mutations start from those branches too: explicit curve
        // parameters ('openssl ecparam -param_enc explicit'), public keys.
        {
            var p256 = KeySpec.ECC_NIST_P256;
            var x9 = Curve(p256);
            var explicitSec1 = new ECPrivateKeyStructure(x9.N.BitLength, EcScalar(p256), new DerBitString(EcPoint(p256, false)), x9.ToAsn1Object())
                .GetEncoded(Asn1Encodable.Der);
            seeds.Add(new FuzzSeed($"{p256}/SEC1 PEM explicit parameters", p256, SeedKind.Pem, Pem("EC PRIVATE KEY", explicitSec1))
                { SecretForms = [Pkcs8Der(p256), explicitSec1], ExpectedError = ErrorIds.KeyMaterialExplicitCurve });
            var k1 = KeySpec.ECC_SECG_P256K1;
            var explicitPkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, Curve(k1).ToAsn1Object()),
                Asn1Object.FromByteArray(Sec1Der(k1, withParameters: false))).GetEncoded(Asn1Encodable.Der);
            seeds.Add(new FuzzSeed($"{k1}/PKCS#8 DER explicit parameters", k1, SeedKind.Der, explicitPkcs8)
                { SecretForms = [Pkcs8Der(k1), explicitPkcs8], ExpectedError = ErrorIds.KeyMaterialExplicitCurve });
            seeds.Add(new FuzzSeed("RSA_2048/PUBLIC KEY PEM", KeySpec.RSA_2048, SeedKind.Pem, Pem("PUBLIC KEY", Spki(KeySpec.RSA_2048)))
                { ExpectedError = ErrorIds.KeyMaterialIsPublicKey });
            seeds.Add(new FuzzSeed("ECC_NIST_P384/SPKI DER", KeySpec.ECC_NIST_P384, SeedKind.Der, Spki(KeySpec.ECC_NIST_P384))
                { ExpectedError = ErrorIds.KeyMaterialIsPublicKey });
        }
        {
            var spec = KeySpec.RSA_2048;
            byte[] bag = Encoding.ASCII.GetBytes("Bag Attributes\n    localKeyID: 01 02 03 04\n    friendlyName: fuzz\nKey Attributes: <No Attributes>\n");
            IReadOnlyList<byte[]> secrets = [Pkcs8Der(spec), TraditionalDer(spec)];
            seeds.Add(new FuzzSeed($"{spec}/pkcs12 -nodes PEM", spec, SeedKind.Pem, [.. bag, .. Pem("PRIVATE KEY", Pkcs8Der(spec))]) { SecretForms = secrets });
            var p384 = KeySpec.ECC_NIST_P384;
            seeds.Add(new FuzzSeed($"{p384}/PKCS#8 PEM CRLF", p384, SeedKind.Pem, Pem("PRIVATE KEY", Pkcs8Der(p384), "\r\n")) { SecretForms = [Pkcs8Der(p384), TraditionalDer(p384)] });
        }
        return seeds;
    }

    private static IReadOnlyList<FuzzSeed> BuildRawSeeds()
    {
        var seeds = new List<FuzzSeed>();
        foreach (var spec in new[] { KeySpec.SYMMETRIC_DEFAULT, KeySpec.HMAC_224, KeySpec.HMAC_256, KeySpec.HMAC_384, KeySpec.HMAC_512 })
        {
            var data = new byte[KeySpecRules.RawMaterialLength(spec)!.Value];
            new Random(data.Length * 7919 + (int)spec).NextBytes(data);
            data[0] = 0x00; // never all printable text
            seeds.Add(new FuzzSeed($"{spec}/raw", spec, SeedKind.Raw, data) { SecretForms = [data] });
        }
        return seeds;
    }

    private static IReadOnlyDictionary<KeySpec, byte[]> BuildSpkis()
    {
        var result = new Dictionary<KeySpec, byte[]>();
        foreach (var spec in AsymmetricSpecs)
        {
            if (KeySpecRules.IsRsa(spec))
            {
                var rsa = Rsa(spec);
                result[spec] = new SubjectPublicKeyInfo(RsaAlgorithm, new RsaPublicKeyStructure(rsa.Modulus, rsa.PublicExponent)).GetEncoded(Asn1Encodable.Der);
            }
            else
            {
                result[spec] = EcSpki(spec, compressed: false, explicitParameters: false);
            }
        }
        return result;
    }

    /// <summary>SPKI of the corpus EC key, with a compressed or uncompressed point and named or explicit parameters.</summary>
    public static byte[] EcSpki(KeySpec spec, bool compressed, bool explicitParameters)
    {
        Asn1Encodable parameters = explicitParameters ? Curve(spec).ToAsn1Object() : CurveOid(spec);
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, parameters), EcPoint(spec, compressed))
            .GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>The message the corpus signatures sign.</summary>
    public static readonly byte[] SignedMessage = Encoding.ASCII.GetBytes("KmsImport fuzz corpus: proof of import");

    /// <summary>
    /// A signature of <see cref="SignedMessage"/> by the corpus key, as KMS Sign makes it for <paramref name="algorithm"/>
    /// (RSASSA_PSS_SHA_256, RSASSA_PKCS1_V1_5_SHA_256, ECDSA_SHA_256/384/512, SM2DSA); deterministic (fixed-seed PRNG for salts and k).
    /// </summary>
    public static byte[] Signature(KeySpec spec, string algorithm) =>
        (byte[])SignatureCache.GetOrAdd((spec, algorithm), key => MakeSignature(key.Spec, key.Algorithm)).Clone();

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(KeySpec Spec, string Algorithm), byte[]> SignatureCache = new();

    private static byte[] MakeSignature(KeySpec spec, string algorithm)
    {
        var random = SecureRandom.GetInstance("SHA256PRNG", false);
        random.SetSeed(Encoding.ASCII.GetBytes("KmsImport fuzz signatures " + spec + algorithm));
        Org.BouncyCastle.Crypto.ISigner signer;
        Org.BouncyCastle.Crypto.ICipherParameters key;
        if (KeySpecRules.IsRsa(spec))
        {
            var k = Rsa(spec);
            key = new ParametersWithRandom(new RsaPrivateCrtKeyParameters(k.Modulus, k.PublicExponent, k.PrivateExponent, k.Prime1, k.Prime2,
                k.Exponent1, k.Exponent2, k.Coefficient), random);
            signer = algorithm == "RSASSA_PSS_SHA_256"
                ? new PssSigner(new RsaEngine(), new Sha256Digest(), new Sha256Digest(), 32)
                : new RsaDigestSigner(new Sha256Digest());
        }
        else
        {
            var x9 = Curve(spec);
            var domain = new ECNamedDomainParameters(CurveOid(spec), x9);
            var priv = new ECPrivateKeyParameters(EcScalar(spec), domain);
            if (algorithm == "SM2DSA")
            {
                signer = new SM2Signer(StandardDsaEncoding.Instance, new SM3Digest());
                key = new ParametersWithID(new ParametersWithRandom(priv, random), Encoding.ASCII.GetBytes("1234567812345678"));
            }
            else
            {
                Org.BouncyCastle.Crypto.IDigest Digest() => algorithm switch
                {
                    "ECDSA_SHA_384" => new Sha384Digest(),
                    "ECDSA_SHA_512" => new Sha512Digest(),
                    _ => new Sha256Digest(),
                };
                signer = new DsaDigestSigner(new ECDsaSigner(new HMacDsaKCalculator(Digest())), Digest(), StandardDsaEncoding.Instance);
                key = priv;
            }
        }
        signer.Init(true, key);
        signer.BlockUpdate(SignedMessage, 0, SignedMessage.Length);
        return signer.GenerateSignature();
    }

    /// <summary>RSA SPKI of the corpus key without the NULL algorithm parameters.</summary>
    public static byte[] RsaSpkiWithoutNull(KeySpec spec)
    {
        var rsa = Rsa(spec);
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption), new RsaPublicKeyStructure(rsa.Modulus, rsa.PublicExponent))
            .GetEncoded(Asn1Encodable.Der);
    }
}
