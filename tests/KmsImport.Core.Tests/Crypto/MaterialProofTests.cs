using Xunit;
using System.Security.Cryptography;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>
/// The local half of the import proofs: HMAC (RFC 4231, .NET, BouncyCastle, OpenSSL), public-key comparison by the numbers,
/// verification of signatures made by OpenSSL the way KMS makes them, and OAEP-SHA-256 that OpenSSL decrypts.
/// </summary>
public class MaterialProofTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    private static readonly KeySpec[] AsymmetricSpecs =
    [
        KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096, KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521,
        KeySpec.ECC_SECG_P256K1, KeySpec.SM2,
    ];

    private static byte[] H(string hex) => Convert.FromHexString(hex);

    private static KmsImportException Refused(Action action) => Assert.Throws<KmsImportException>(action);

    // ---- MAC algorithm names ---------------------------------------------------------------------------------

    [Theory]
    [InlineData(KeySpec.HMAC_224, "HMAC_SHA_224")]
    [InlineData(KeySpec.HMAC_256, "HMAC_SHA_256")]
    [InlineData(KeySpec.HMAC_384, "HMAC_SHA_384")]
    [InlineData(KeySpec.HMAC_512, "HMAC_SHA_512")]
    public void MacAlgorithmFor_names_the_kms_mac_algorithm(KeySpec spec, string expected) =>
        Assert.Equal(expected, MaterialProof.MacAlgorithmFor(spec));

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT)]
    [InlineData(KeySpec.RSA_2048)]
    [InlineData(KeySpec.ECC_NIST_P256)]
    [InlineData(KeySpec.SM2)]
    public void MacAlgorithmFor_refuses_non_hmac_specs(KeySpec spec)
    {
        var e = Refused(() => MaterialProof.MacAlgorithmFor(spec));
        Assert.Equal(ErrorIds.ProofNotApplicable, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(spec.ToString(), e.Message);
        var undefined = Refused(() => MaterialProof.MacAlgorithmFor((KeySpec)99));
        Assert.Equal(ErrorIds.KeySpecNotImportable, undefined.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, undefined.Kind);
    }

    // ---- HMAC ------------------------------------------------------------------------------------------------

    private const string Tc7Data = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";

    /// <summary>RFC 4231 section 4, test cases 1-7 (case 5 is truncated to 128 bits by the RFC).</summary>
    public static TheoryData<int, KeySpec, string> Rfc4231() => new()
    {
        { 1, KeySpec.HMAC_224, "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22" },
        { 1, KeySpec.HMAC_256, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { 1, KeySpec.HMAC_384, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
        { 1, KeySpec.HMAC_512, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
        { 2, KeySpec.HMAC_224, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44" },
        { 2, KeySpec.HMAC_256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { 2, KeySpec.HMAC_384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649" },
        { 2, KeySpec.HMAC_512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
        { 3, KeySpec.HMAC_224, "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea" },
        { 3, KeySpec.HMAC_256, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
        { 3, KeySpec.HMAC_384, "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27" },
        { 3, KeySpec.HMAC_512, "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
        { 4, KeySpec.HMAC_224, "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a" },
        { 4, KeySpec.HMAC_256, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
        { 4, KeySpec.HMAC_384, "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb" },
        { 4, KeySpec.HMAC_512, "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
        { 5, KeySpec.HMAC_224, "0e2aea68a90c8d37c988bcdb9fca6fa8" },
        { 5, KeySpec.HMAC_256, "a3b6167473100ee06e0c796c2955552b" },
        { 5, KeySpec.HMAC_384, "3abf34c3503b2a23a46efc619baef897" },
        { 5, KeySpec.HMAC_512, "415fad6271580a531d4179bc891d87a6" },
        { 6, KeySpec.HMAC_224, "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e" },
        { 6, KeySpec.HMAC_256, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
        { 6, KeySpec.HMAC_384, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952" },
        { 6, KeySpec.HMAC_512, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
        { 7, KeySpec.HMAC_224, "3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1" },
        { 7, KeySpec.HMAC_256, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
        { 7, KeySpec.HMAC_384, "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e" },
        { 7, KeySpec.HMAC_512, "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
    };

    private static (byte[] Key, byte[] Data) Rfc4231Input(int testCase) => testCase switch
    {
        1 => (Enumerable.Repeat((byte)0x0b, 20).ToArray(), Encoding.ASCII.GetBytes("Hi There")),
        2 => (Encoding.ASCII.GetBytes("Jefe"), Encoding.ASCII.GetBytes("what do ya want for nothing?")),
        3 => (Enumerable.Repeat((byte)0xaa, 20).ToArray(), Enumerable.Repeat((byte)0xdd, 50).ToArray()),
        4 => (Enumerable.Range(1, 25).Select(i => (byte)i).ToArray(), Enumerable.Repeat((byte)0xcd, 50).ToArray()),
        5 => (Enumerable.Repeat((byte)0x0c, 20).ToArray(), Encoding.ASCII.GetBytes("Test With Truncation")),
        6 => (Enumerable.Repeat((byte)0xaa, 131).ToArray(), Encoding.ASCII.GetBytes("Test Using Larger Than Block-Size Key - Hash Key First")),
        _ => (Enumerable.Repeat((byte)0xaa, 131).ToArray(), Encoding.ASCII.GetBytes(Tc7Data)),
    };

    [Theory]
    [MemberData(nameof(Rfc4231))]
    public void Hmac_matches_rfc4231(int testCase, KeySpec spec, string expectedHex)
    {
        var (key, data) = Rfc4231Input(testCase);
        byte[] mac = MaterialProof.Hmac(spec, key, data);
        // Case 5 publishes the 128-bit truncation only.
        Assert.Equal(expectedHex, Convert.ToHexString(mac, 0, expectedHex.Length / 2).ToLowerInvariant());
    }

    private static byte[] RandomKey(KeySpec spec)
    {
        // Random bytes that are not all printable (else FromBytes refuses them as text: probability ~1e-11).
        var key = RandomNumberGenerator.GetBytes(KeySpecRules.RawMaterialLength(spec)!.Value);
        key[0] = 0x00;
        return key;
    }

    private static string OpenSslDigest(KeySpec spec) => spec switch
    {
        KeySpec.HMAC_224 => "SHA224",
        KeySpec.HMAC_256 => "SHA256",
        KeySpec.HMAC_384 => "SHA384",
        _ => "SHA512",
    };

    [Theory]
    [InlineData(KeySpec.HMAC_224)]
    [InlineData(KeySpec.HMAC_256)]
    [InlineData(KeySpec.HMAC_384)]
    [InlineData(KeySpec.HMAC_512)]
    public void ComputeHmac_of_material_equals_OpenSsl_and_BouncyCastle_HMac(KeySpec spec)
    {
        using var dir = new TempDir();
        byte[] key = RandomKey(spec);
        using var material = KeyMaterial.FromBytes(spec, key);
        foreach (var message in new[] { Array.Empty<byte>(), Encoding.UTF8.GetBytes("KmsImport proof of import"), RandomNumberGenerator.GetBytes(4097) })
        {
            byte[] ours = MaterialProof.ComputeHmac(material, message);

            var input = dir.Write("m.bin", message);
            string openssl = Encoding.ASCII.GetString(OpenSsl.Run("mac", "-digest", OpenSslDigest(spec), "-macopt", "hexkey:" + OpenSsl.Hex(key), "-in", input, "HMAC")).Trim();
            Assert.Equal(openssl, Convert.ToHexString(ours));

            var bc = new Org.BouncyCastle.Crypto.Macs.HMac(Org.BouncyCastle.Security.DigestUtilities.GetDigest(OpenSslDigest(spec).Replace("SHA", "SHA-")));
            bc.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
            bc.BlockUpdate(message, 0, message.Length);
            var expected = new byte[bc.GetMacSize()];
            bc.DoFinal(expected, 0);
            Assert.Equal(expected, ours);
        }
    }

    [Fact]
    public void ComputeHmac_equals_dotnet_hmac_for_256_384_512()
    {
        var message = Encoding.UTF8.GetBytes("challenge");
        foreach (var (spec, hmac) in new (KeySpec, Func<byte[], byte[], byte[]>)[]
                 {
                     (KeySpec.HMAC_256, HMACSHA256.HashData), (KeySpec.HMAC_384, HMACSHA384.HashData), (KeySpec.HMAC_512, HMACSHA512.HashData),
                 })
        {
            byte[] key = RandomKey(spec);
            using var material = KeyMaterial.FromBytes(spec, key);
            Assert.Equal(hmac(key, message), MaterialProof.ComputeHmac(material, message));
        }
    }

    [Fact]
    public void ComputeHmac_zeroes_every_key_derived_buffer()
    {
        var buffers = new List<byte[]>();
        MaterialProof.HmacBufferObserver = buffers.Add;
        try
        {
            using var material = KeyMaterial.Generate(KeySpec.HMAC_384);
            byte[] mac = MaterialProof.ComputeHmac(material, Encoding.UTF8.GetBytes("m"));
            Assert.Contains(mac, b => b != 0);
            // Material copy, padded key, ipad/opad block, inner hash.
            Assert.Equal(4, buffers.Count);
            Assert.Equal(48, buffers[0].Length);
            Assert.All(buffers, buffer => Assert.All(buffer, b => Assert.Equal(0, b)));
        }
        finally
        {
            MaterialProof.HmacBufferObserver = null;
        }
    }

    [Fact]
    public void ComputeHmac_refuses_non_hmac_material_and_disposed_material()
    {
        using var symmetric = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        var e = Refused(() => MaterialProof.ComputeHmac(symmetric, [1, 2, 3]));
        Assert.Equal(ErrorIds.ProofNotApplicable, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);

        var hmac = KeyMaterial.Generate(KeySpec.HMAC_256);
        hmac.Dispose();
        Assert.Throws<ObjectDisposedException>(() => MaterialProof.ComputeHmac(hmac, [1]));
        Assert.Throws<ArgumentNullException>(() => MaterialProof.ComputeHmac(null!, [1]));
        Assert.Throws<ArgumentNullException>(() => MaterialProof.ComputeHmac(symmetric, null!));
    }

    // ---- Fixed-time equality ----------------------------------------------------------------------------------

    [Fact]
    public void FixedTimeEquals_compares_content_and_length()
    {
        byte[] a = RandomNumberGenerator.GetBytes(32);
        Assert.True(MaterialProof.FixedTimeEquals(a, (byte[])a.Clone()));
        Assert.True(MaterialProof.FixedTimeEquals([], []));
        foreach (int i in new[] { 0, 15, 31 })
        {
            var b = (byte[])a.Clone();
            b[i] ^= 0x01;
            Assert.False(MaterialProof.FixedTimeEquals(a, b));
        }
        Assert.False(MaterialProof.FixedTimeEquals(a, a[..31]));
        Assert.False(MaterialProof.FixedTimeEquals(a[..31], a));
        Assert.False(MaterialProof.FixedTimeEquals([], [0]));
        Assert.Throws<ArgumentNullException>(() => MaterialProof.FixedTimeEquals(null!, a));
        Assert.Throws<ArgumentNullException>(() => MaterialProof.FixedTimeEquals(a, null!));
    }

    // ---- Public keys --------------------------------------------------------------------------------------------

    private string Name(KeySpec spec) => OpenSslKeys.Names[spec];

    private byte[] CompressedSpki(KeySpec spec) => File.ReadAllBytes(keys.Derived(Name(spec) + ".pubc.der",
        "ec", "-in", keys.Pem(spec), "-pubout", "-conv_form", "compressed", "-outform", "DER", "-out", "{out}"));

    private byte[] ExplicitSpki(KeySpec spec) => File.ReadAllBytes(keys.Derived(Name(spec) + ".pubx.der",
        "ec", "-in", keys.Pem(spec), "-pubout", "-param_enc", "explicit", "-outform", "DER", "-out", "{out}"));

    public static TheoryData<KeySpec> Asymmetric() => new(AsymmetricSpecs);

    public static TheoryData<KeySpec> Ec() => new(KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521, KeySpec.ECC_SECG_P256K1, KeySpec.SM2);

    [Theory]
    [MemberData(nameof(Asymmetric))]
    public void The_spki_of_loaded_material_matches_the_OpenSsl_public_key(KeySpec spec)
    {
        using var material = KeyMaterial.FromFile(spec, keys.Pem(spec));
        byte[] openSslSpki = keys.PublicSpki(spec);
        Assert.True(MaterialProof.PublicKeysMatch(material.GetPublicKeySpki()!, openSslSpki));
        Assert.True(MaterialProof.PublicKeysMatch(openSslSpki, openSslSpki));
    }

    [Theory]
    [MemberData(nameof(Ec))]
    public void Compressed_and_uncompressed_points_are_the_same_key(KeySpec spec)
    {
        byte[] compressed = CompressedSpki(spec);
        byte[] uncompressed = keys.PublicSpki(spec);
        Assert.NotEqual(compressed.Length, uncompressed.Length);
        Assert.True(MaterialProof.PublicKeysMatch(compressed, uncompressed));
        Assert.True(MaterialProof.PublicKeysMatch(uncompressed, compressed));
    }

    [Theory]
    [InlineData(KeySpec.ECC_NIST_P256)]
    [InlineData(KeySpec.ECC_NIST_P521)]
    [InlineData(KeySpec.ECC_SECG_P256K1)]
    public void Named_curve_and_explicit_parameters_are_the_same_key(KeySpec spec)
    {
        byte[] explicitSpki = ExplicitSpki(spec);
        Assert.True(explicitSpki.Length > keys.PublicSpki(spec).Length + 100);
        Assert.True(MaterialProof.PublicKeysMatch(explicitSpki, keys.PublicSpki(spec)));
        Assert.True(MaterialProof.PublicKeysMatch(CompressedSpki(spec), explicitSpki));
    }

    private static byte[] RsaSpki(byte[] spki, Asn1Encodable? parameters, DerObjectIdentifier? oid = null, Org.BouncyCastle.Math.BigInteger? exponent = null)
    {
        var info = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spki));
        var rsa = RsaPublicKeyStructure.GetInstance(info.ParsePublicKey());
        var algorithm = parameters == null
            ? new AlgorithmIdentifier(oid ?? PkcsObjectIdentifiers.RsaEncryption)
            : new AlgorithmIdentifier(oid ?? PkcsObjectIdentifiers.RsaEncryption, parameters);
        return new SubjectPublicKeyInfo(algorithm, new RsaPublicKeyStructure(rsa.Modulus, exponent ?? rsa.PublicExponent)).GetEncoded(Asn1Encodable.Der);
    }

    [Fact]
    public void Rsa_keys_match_by_modulus_and_exponent_whatever_the_algorithm_identifier()
    {
        byte[] spki = keys.PublicSpki(KeySpec.RSA_2048);
        byte[] withoutNull = RsaSpki(spki, null);
        Assert.Equal(spki.Length - 2, withoutNull.Length);
        Assert.True(MaterialProof.PublicKeysMatch(spki, withoutNull));
        Assert.True(MaterialProof.PublicKeysMatch(RsaSpki(spki, null, new DerObjectIdentifier("1.2.840.113549.1.1.10")), spki));
        // Same modulus, another exponent: another key.
        Assert.False(MaterialProof.PublicKeysMatch(spki, RsaSpki(spki, DerNull.Instance, exponent: Org.BouncyCastle.Math.BigInteger.Three)));
    }

    [Fact]
    public void Different_keys_do_not_match()
    {
        using var a = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        using var b = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        Assert.False(MaterialProof.PublicKeysMatch(a.GetPublicKeySpki()!, b.GetPublicKeySpki()!));
        Assert.False(MaterialProof.PublicKeysMatch(keys.PublicSpki(KeySpec.ECC_NIST_P256), keys.PublicSpki(KeySpec.ECC_SECG_P256K1)));
        Assert.False(MaterialProof.PublicKeysMatch(keys.PublicSpki(KeySpec.ECC_NIST_P256), keys.PublicSpki(KeySpec.SM2)));
        Assert.False(MaterialProof.PublicKeysMatch(keys.PublicSpki(KeySpec.RSA_2048), keys.PublicSpki(KeySpec.ECC_NIST_P256)));
        Assert.False(MaterialProof.PublicKeysMatch(keys.PublicSpki(KeySpec.RSA_2048), keys.PublicSpki(KeySpec.RSA_3072)));
        Assert.False(MaterialProof.PublicKeysMatch(File.ReadAllBytes(keys.PublicDer("rsa2048-3primes")), keys.PublicSpki(KeySpec.RSA_2048)));
    }

    [Fact]
    public void Malformed_public_keys_throw()
    {
        byte[] good = keys.PublicSpki(KeySpec.ECC_NIST_P256);
        byte[] offCurve = (byte[])good.Clone();
        offCurve[^1] ^= 0x01; // last byte of y: (x, y') is not on P-256
        byte[] infinity = [.. good[..^68], 0x03, 0x02, 0x00, 0x00];
        infinity[1] = (byte)(infinity.Length - 2);
        byte[] rsa = keys.PublicSpki(KeySpec.RSA_2048);
        byte[] evenModulus = (byte[])rsa.Clone();
        evenModulus[^6] ^= 0x01; // last byte of the modulus (then 02 03 01 00 01)
        var malformed = new Dictionary<string, byte[]>
        {
            ["empty"] = [],
            ["garbage"] = Encoding.ASCII.GetBytes("not a key at all"),
            ["truncated"] = good[..^1],
            ["trailing byte"] = [.. good, 0x00],
            ["PEM"] = File.ReadAllBytes(keys.PublicPem("p256")),
            ["private key"] = File.ReadAllBytes(keys.Pkcs8Der("p256")),
            ["point off the curve"] = offCurve,
            ["point at infinity"] = infinity,
            ["even modulus"] = evenModulus,
        };
        foreach (var (what, spki) in malformed)
        {
            var e = Refused(() => MaterialProof.PublicKeysMatch(spki, good));
            Assert.True(e.ErrorId == ErrorIds.PublicKeyMalformed, $"{what}: {e.ErrorId} {e.Message}");
            Assert.Equal(ErrorKind.InvalidData, e.Kind);
            Assert.StartsWith("The first public key", e.Message);
            var e2 = Refused(() => MaterialProof.PublicKeysMatch(good, spki));
            Assert.Equal(ErrorIds.PublicKeyMalformed, e2.ErrorId);
            Assert.StartsWith("The second public key", e2.Message);
        }
        Assert.Throws<ArgumentNullException>(() => MaterialProof.PublicKeysMatch(null!, good));
    }

    [Fact]
    public void Keys_of_other_algorithms_are_unsupported()
    {
        var e = Refused(() => MaterialProof.PublicKeysMatch(File.ReadAllBytes(keys.PublicDer("ed25519")), keys.PublicSpki(KeySpec.ECC_NIST_P256)));
        Assert.Equal(ErrorIds.PublicKeyUnsupported, e.ErrorId);
        Assert.Contains("1.3.101.112", e.Message);

        using var dir = new TempDir();
        OpenSsl.Run("ecparam", "-name", "brainpoolP256r1", "-genkey", "-noout", "-out", dir.File("bp.pem"));
        byte[] explicitBrainpool = OpenSsl.Run("ec", "-in", dir.File("bp.pem"), "-pubout", "-param_enc", "explicit", "-outform", "DER");
        var e2 = Refused(() => MaterialProof.PublicKeysMatch(explicitBrainpool, explicitBrainpool));
        Assert.Equal(ErrorIds.PublicKeyUnsupported, e2.ErrorId);
    }

    // ---- Signing algorithm names -------------------------------------------------------------------------------

    [Theory]
    [InlineData(KeySpec.RSA_2048, "RSASSA_PSS_SHA_256")]
    [InlineData(KeySpec.RSA_3072, "RSASSA_PSS_SHA_256")]
    [InlineData(KeySpec.RSA_4096, "RSASSA_PSS_SHA_256")]
    [InlineData(KeySpec.ECC_NIST_P256, "ECDSA_SHA_256")]
    [InlineData(KeySpec.ECC_SECG_P256K1, "ECDSA_SHA_256")]
    [InlineData(KeySpec.ECC_NIST_P384, "ECDSA_SHA_384")]
    [InlineData(KeySpec.ECC_NIST_P521, "ECDSA_SHA_512")]
    [InlineData(KeySpec.SM2, "SM2DSA")]
    public void SigningAlgorithmFor_names_a_kms_signing_algorithm(KeySpec spec, string expected) =>
        Assert.Equal(expected, MaterialProof.SigningAlgorithmFor(spec));

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT)]
    [InlineData(KeySpec.HMAC_256)]
    public void SigningAlgorithmFor_refuses_keys_that_cannot_sign(KeySpec spec)
    {
        var e = Refused(() => MaterialProof.SigningAlgorithmFor(spec));
        Assert.Equal(ErrorIds.ProofNotApplicable, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    // ---- Signature verification against OpenSSL ---------------------------------------------------------------

    private byte[] OpenSslSign(TempDir dir, KeySpec spec, byte[] message, params string[] options)
    {
        var input = dir.Write("message.bin", message);
        return OpenSsl.Run(["dgst", .. options, "-sign", keys.Pem(spec), input]);
    }

    private static readonly string[] Pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"];

    public static TheoryData<KeySpec, string, string> RsaSignatures() => new()
    {
        { KeySpec.RSA_2048, "RSASSA_PSS_SHA_256", "-sha256" },
        { KeySpec.RSA_2048, "RSASSA_PSS_SHA_384", "-sha384" },
        { KeySpec.RSA_2048, "RSASSA_PSS_SHA_512", "-sha512" },
        { KeySpec.RSA_3072, "RSASSA_PSS_SHA_256", "-sha256" },
        { KeySpec.RSA_4096, "RSASSA_PSS_SHA_512", "-sha512" },
    };

    [Theory]
    [MemberData(nameof(RsaSignatures))]
    public void Verifies_OpenSsl_rsa_pss_signatures_with_digest_length_salt(KeySpec spec, string algorithm, string digest)
    {
        using var dir = new TempDir();
        byte[] message = Encoding.UTF8.GetBytes("KmsImport proof of import " + spec);
        byte[] spki = keys.PublicSpki(spec);
        byte[] signature = OpenSslSign(dir, spec, message, [digest, .. Pss]);

        Assert.True(MaterialProof.VerifySignature(spki, algorithm, message, signature));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, [.. message, 0x2e], signature));
        var tampered = (byte[])signature.Clone();
        tampered[10] ^= 0x40;
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message, tampered));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm.Replace("PSS", "PKCS1_V1_5"), message, signature));
        Assert.False(MaterialProof.VerifySignature(keys.PublicSpki(KeySpec.RSA_2048 == spec ? KeySpec.RSA_3072 : KeySpec.RSA_2048), algorithm, message, signature));
    }

    [Fact]
    public void Pss_with_another_salt_length_than_the_hash_length_is_not_what_kms_makes()
    {
        using var dir = new TempDir();
        byte[] message = Encoding.UTF8.GetBytes("salt");
        byte[] signature = OpenSslSign(dir, KeySpec.RSA_2048, message, "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max");
        Assert.False(MaterialProof.VerifySignature(keys.PublicSpki(KeySpec.RSA_2048), "RSASSA_PSS_SHA_256", message, signature));
    }

    [Theory]
    [InlineData("RSASSA_PKCS1_V1_5_SHA_256", "-sha256")]
    [InlineData("RSASSA_PKCS1_V1_5_SHA_384", "-sha384")]
    [InlineData("RSASSA_PKCS1_V1_5_SHA_512", "-sha512")]
    public void Verifies_OpenSsl_rsa_pkcs1_signatures(string algorithm, string digest)
    {
        using var dir = new TempDir();
        byte[] message = RandomNumberGenerator.GetBytes(100);
        byte[] spki = keys.PublicSpki(KeySpec.RSA_2048);
        byte[] signature = OpenSslSign(dir, KeySpec.RSA_2048, message, digest);
        Assert.True(MaterialProof.VerifySignature(spki, algorithm, message, signature));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message[1..], signature));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm.Replace("PKCS1_V1_5", "PSS"), message, signature));
    }

    public static TheoryData<KeySpec, string, string> EcSignatures() => new()
    {
        { KeySpec.ECC_NIST_P256, "ECDSA_SHA_256", "-sha256" },
        { KeySpec.ECC_SECG_P256K1, "ECDSA_SHA_256", "-sha256" },
        { KeySpec.ECC_NIST_P384, "ECDSA_SHA_384", "-sha384" },
        { KeySpec.ECC_NIST_P521, "ECDSA_SHA_512", "-sha512" },
    };

    [Theory]
    [MemberData(nameof(EcSignatures))]
    public void Verifies_OpenSsl_ecdsa_signatures(KeySpec spec, string algorithm, string digest)
    {
        using var dir = new TempDir();
        byte[] message = Encoding.UTF8.GetBytes("KmsImport proof of import " + spec);
        byte[] spki = keys.PublicSpki(spec);
        byte[] signature = OpenSslSign(dir, spec, message, digest);
        Assert.Equal(0x30, signature[0]); // DER ECDSA-Sig-Value, as KMS returns it

        Assert.Equal(MaterialProof.SigningAlgorithmFor(spec), algorithm);
        Assert.True(MaterialProof.VerifySignature(spki, algorithm, message, signature));
        Assert.True(MaterialProof.VerifySignature(CompressedSpki(spec), algorithm, message, signature));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, [.. message, 0], signature));
        var tampered = (byte[])signature.Clone();
        tampered[^1] ^= 0x01;
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message, tampered));
        // Not DER (garbage, truncated, trailing bytes): not a valid signature, no exception.
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message, [1, 2, 3]));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message, signature[..^1]));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message, [.. signature, 0]));
        Assert.False(MaterialProof.VerifySignature(spki, algorithm, message, []));
    }

    [Fact]
    public void Verifies_OpenSsl_sm2dsa_signatures_with_the_default_distinguishing_id()
    {
        using var dir = new TempDir();
        byte[] message = Encoding.UTF8.GetBytes("KmsImport SM2 proof");
        byte[] spki = keys.PublicSpki(KeySpec.SM2);
        byte[] signature = OpenSslSign(dir, KeySpec.SM2, message, "-sm3", "-sigopt", "distid:1234567812345678");
        Assert.True(MaterialProof.VerifySignature(spki, "SM2DSA", message, signature));
        Assert.False(MaterialProof.VerifySignature(spki, "SM2DSA", [.. message, 0], signature));
        byte[] otherId = OpenSslSign(dir, KeySpec.SM2, message, "-sm3", "-sigopt", "distid:someone-else");
        Assert.False(MaterialProof.VerifySignature(spki, "SM2DSA", message, otherId));
    }

    [Fact]
    public void Verification_refuses_algorithms_that_do_not_fit_the_key()
    {
        byte[] rsa = keys.PublicSpki(KeySpec.RSA_2048);
        byte[] p256 = keys.PublicSpki(KeySpec.ECC_NIST_P256);
        byte[] message = [1, 2, 3];
        foreach (var (spki, algorithm) in new[] { (rsa, "ECDSA_SHA_256"), (rsa, "SM2DSA"), (p256, "RSASSA_PSS_SHA_256"), (p256, "RSASSA_PKCS1_V1_5_SHA_256"), (p256, "SM2DSA") })
        {
            var e = Refused(() => MaterialProof.VerifySignature(spki, algorithm, message, [0x30, 0x00]));
            Assert.True(e.ErrorId == ErrorIds.ProofNotApplicable, $"{algorithm}: {e.ErrorId}");
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        }
        foreach (var name in new[] { "RSASSA_PSS_SHA_1", "ecdsa_sha_256", "", "HMAC_SHA_256", "RSAES_OAEP_SHA_256" })
        {
            var e = Refused(() => MaterialProof.VerifySignature(p256, name, message, [0x30, 0x00]));
            Assert.Equal(ErrorIds.SigningAlgorithmUnsupported, e.ErrorId);
        }
        Assert.Equal(ErrorIds.PublicKeyMalformed, Refused(() => MaterialProof.VerifySignature([0x30, 0x00], "ECDSA_SHA_256", message, [0x30, 0x00])).ErrorId);
        Assert.Throws<ArgumentNullException>(() => MaterialProof.VerifySignature(p256, null!, message, []));
    }

    // ---- OAEP encryption, decrypted by OpenSSL -------------------------------------------------------------------

    [Theory]
    [InlineData(KeySpec.RSA_2048, 190)]
    [InlineData(KeySpec.RSA_3072, 318)]
    [InlineData(KeySpec.RSA_4096, 446)]
    public void OpenSsl_decrypts_EncryptOaepSha256_output(KeySpec spec, int capacity)
    {
        using var dir = new TempDir();
        byte[] spki = keys.PublicSpki(spec);
        foreach (int length in new[] { 32, capacity })
        {
            byte[] plaintext = RandomNumberGenerator.GetBytes(length);
            byte[] ciphertext = MaterialProof.EncryptOaepSha256(spki, plaintext);
            Assert.Equal(KeySpecRules.RsaModulusBits(spec)!.Value / 8, ciphertext.Length);
            var input = dir.Write("c.bin", ciphertext);

            byte[] decrypted = OpenSsl.Run("pkeyutl", "-decrypt", "-inkey", keys.Pem(spec), "-in", input,
                "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256");
            Assert.Equal(plaintext, decrypted);

            using var rsa = keys.RsaPrivate(spec);
            Assert.Equal(plaintext, rsa.Decrypt(ciphertext, RSAEncryptionPadding.OaepSHA256));
            Assert.ThrowsAny<CryptographicException>(() => rsa.Decrypt(ciphertext, RSAEncryptionPadding.OaepSHA1));
        }
        var e = Refused(() => MaterialProof.EncryptOaepSha256(spki, new byte[capacity + 1]));
        Assert.Equal(ErrorIds.ProofPlaintextTooLong, e.ErrorId);
        Assert.Contains(capacity.ToString(), e.Message);
    }

    [Fact]
    public void EncryptOaepSha256_is_randomized_and_needs_an_rsa_key()
    {
        byte[] spki = keys.PublicSpki(KeySpec.RSA_2048);
        byte[] plaintext = RandomNumberGenerator.GetBytes(32);
        Assert.NotEqual(MaterialProof.EncryptOaepSha256(spki, plaintext), MaterialProof.EncryptOaepSha256(spki, plaintext));
        var e = Refused(() => MaterialProof.EncryptOaepSha256(keys.PublicSpki(KeySpec.ECC_NIST_P256), plaintext));
        Assert.Equal(ErrorIds.ProofNotApplicable, e.ErrorId);
        Assert.Equal(ErrorIds.PublicKeyMalformed, Refused(() => MaterialProof.EncryptOaepSha256(spki[..^2], plaintext)).ErrorId);
    }

    [Fact]
    public void The_proof_round_trip_with_generated_material_sign_with_dotnet_verify_here()
    {
        // The same flow as against KMS, with .NET playing KMS: material -> PKCS#8 -> "KMS" signs -> we verify.
        foreach (var spec in new[] { KeySpec.RSA_2048, KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521 })
        {
            using var material = Materials.For(spec, keys);
            byte[] pkcs8 = material.ExportForImport();
            byte[] message = Encoding.UTF8.GetBytes("round trip");
            string algorithm = MaterialProof.SigningAlgorithmFor(spec);
            byte[] signature;
            byte[] kmsSpki;
            if (KeySpecRules.IsRsa(spec))
            {
                using var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                signature = rsa.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
                kmsSpki = rsa.ExportSubjectPublicKeyInfo();
            }
            else
            {
                using var ec = ECDsa.Create();
                ec.ImportPkcs8PrivateKey(pkcs8, out _);
                var hash = spec switch { KeySpec.ECC_NIST_P384 => HashAlgorithmName.SHA384, KeySpec.ECC_NIST_P521 => HashAlgorithmName.SHA512, _ => HashAlgorithmName.SHA256 };
                signature = ec.SignData(message, hash, DSASignatureFormat.Rfc3279DerSequence);
                kmsSpki = ec.ExportSubjectPublicKeyInfo();
            }
            Assert.True(MaterialProof.PublicKeysMatch(kmsSpki, material.GetPublicKeySpki()!), spec.ToString());
            Assert.True(MaterialProof.VerifySignature(kmsSpki, algorithm, message, signature), spec.ToString());
        }
    }
}
