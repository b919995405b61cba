using Xunit;
using System.Diagnostics;
using System.Text;
using KmsImport.Core.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>
/// The parser bugs the mutation fuzzer (and its review) found, each reduced to a minimal input, with the documented ErrorId
/// the input now ends in.
/// </summary>
public class FuzzRegressionTests
{
    private static KmsImportException Refused(Action action) => Assert.Throws<KmsImportException>(action);

    private static byte[] RsaSpki(BigInteger modulus) =>
        new SubjectPublicKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance),
            new RsaPublicKeyStructure(modulus, BigInteger.ValueOf(65537))).GetEncoded(Asn1Encodable.Der);

    public static TheoryData<string, byte[]> InvalidModuli()
    {
        var n = FuzzCorpus.Rsa(KeySpec.RSA_2048).Modulus;
        return new()
        {
            // A flipped low bit: BouncyCastle's RsaKeyParameters threw ArgumentException("RSA modulus is even").
            { "even", RsaSpki(n.FlipBit(0)) },
            // Fuzz case Inspect/RSA_2048/SPKI #0: ArgumentException("RSA modulus has a small prime factor").
            { "small factor", RsaSpki(BigInteger.One.ShiftLeft(2046).Add(BigInteger.One).Multiply(BigInteger.Three)) },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidModuli))]
    public void Wrapping_key_with_an_invalid_rsa_modulus_is_malformed(string what, byte[] spki)
    {
        Assert.Equal(2048, RsaPublicKeyStructure.GetInstance(SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spki)).ParsePublicKey()).Modulus.BitLength);
        var e = Refused(() => WrappingPublicKey.Inspect(spki));
        Assert.True(e.ErrorId == ErrorIds.WrappingPublicKeyMalformed, $"{what}: {e.ErrorId}");
        Assert.Contains("modulus", e.Message);
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, FuzzCorpus.RawKeys[0].Data);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed,
            Refused(() => KeyWrapper.Wrap(material, spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048)).ErrorId);
        // The proofs refuse it the same way.
        Assert.Equal(ErrorIds.PublicKeyMalformed, Refused(() => MaterialProof.EncryptOaepSha256(spki, new byte[32])).ErrorId);
        Assert.Equal(ErrorIds.PublicKeyMalformed, Refused(() => MaterialProof.VerifySignature(spki, "RSASSA_PSS_SHA_256", [1], new byte[256])).ErrorId);
    }

    [Fact]
    public void Rsa_spki_whose_bit_string_is_empty_is_malformed()
    {
        // Fuzz cases Wrap/RSA_4096/SPKI #20 and PublicKeysMatch/RSA_4096/SPKI #18: NullReferenceException (GetInstance(null) is null).
        byte[] spki = Convert.FromHexString("3012300D06092A864886F70D0101010500030100");
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Refused(() => WrappingPublicKey.Inspect(spki)).ErrorId);
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, FuzzCorpus.RawKeys[0].Data);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed,
            Refused(() => KeyWrapper.Wrap(material, spki, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048)).ErrorId);
        Assert.Equal(ErrorIds.PublicKeyMalformed, Refused(() => MaterialProof.PublicKeysMatch(spki, FuzzCorpus.Spki(KeySpec.RSA_2048))).ErrorId);
    }

    [Theory]
    [InlineData("base point off the curve")]
    [InlineData("base point with an invalid encoding")]
    public void Explicit_curve_parameters_with_a_damaged_base_point_are_explicit_parameters(string what)
    {
        // Found reviewing the fuzz corpus (explicit-parameter seeds were added): ArgumentException("Invalid point compression")
        // and FormatException("Invalid point encoding 6") escaped while comparing the parameters with the known curves.
        var seed = FuzzCorpus.PrivateKeys.Single(s => s.Name == "ECC_NIST_P256/SEC1 PEM explicit parameters");
        var curve = FuzzCorpus.Curve(KeySpec.ECC_NIST_P256).Curve;
        byte[] g = FuzzCorpus.Curve(KeySpec.ECC_NIST_P256).G.GetEncoded(true); // BouncyCastle writes G compressed
        byte[] der = Convert.FromBase64String(string.Concat(Encoding.ASCII.GetString(seed.Data).Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----"))));
        int at = IndexOf(der, g);
        Assert.True(at > 0);
        if (what.Contains("encoding"))
        {
            der[at] = 0x06; // hybrid-format marker on a 33-byte encoding: invalid
        }
        else
        {
            // The first change of the last byte of x that leaves no point with that x.
            for (int xor = 1; ; xor++)
            {
                byte[] candidate = (byte[])g.Clone();
                candidate[32] ^= (byte)xor;
                try { curve.DecodePoint(candidate); } catch (ArgumentException) { der[at + 32] ^= (byte)xor; break; }
            }
        }

        var e = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, der));
        Assert.True(e.ErrorId == ErrorIds.KeyMaterialExplicitCurve, $"{what}: {e.ErrorId} {e.Message}");
        Assert.Contains("match none", e.Message);
    }

    private static int IndexOf(byte[] data, byte[] pattern)
    {
        for (int i = 0; i + pattern.Length <= data.Length; i++)
            if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern)) return i;
        return -1;
    }

    [Fact]
    public void Pem_messages_repeat_only_known_labels()
    {
        // Fuzz case FromBytes/ECC_SECG_P256K1/ecparam -genkey PEM #51: a lost line break put key base64 into the BEGIN line
        // and the "no matching END" message repeated it.
        const string keyText = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
        var e = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, Encoding.ASCII.GetBytes($"-----BEGIN PRIVATE KEY{keyText}-----\nAAAA\n")));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, e.ErrorId);
        Assert.DoesNotContain(keyText[..16], e.Message);
        Assert.Contains($"unrecognized label ({"PRIVATE KEY".Length + keyText.Length} characters)", e.Message);

        // A complete block with such a label is listed without its label as well.
        var e2 = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, Encoding.ASCII.GetBytes($"-----BEGIN X{keyText}-----\nAAAA\n-----END X{keyText}-----\n")));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, e2.ErrorId);
        Assert.DoesNotContain(keyText[..16], e2.Message);

        // Known labels are still named, they help.
        var e3 = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, Encoding.ASCII.GetBytes("-----BEGIN PRIVATE KEY-----\nAAAA\n")));
        Assert.Contains("'-----END PRIVATE KEY-----'", e3.Message);
        var e4 = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, Encoding.ASCII.GetBytes("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n")));
        Assert.Contains("'DSA PRIVATE KEY'", e4.Message);
    }

    /// <summary>The corpus's encrypted P-256 key with its PBKDF2 iteration count INTEGER replaced (lengths re-encoded).</summary>
    private static byte[] EncryptedWithIterations(byte[] iterationContent)
    {
        var seed = FuzzCorpus.PrivateKeys.Single(s => s.Name == "ECC_NIST_P256/Encrypted PKCS#8 DER");
        var roots = DerNode.TryParse(seed.Data)!;
        var integer = DerNode.Walk(roots).Select(n => n.Node).Single(n => n.IsUniversal(2) && n.IsPrimitive);
        Assert.Equal(new byte[] { 0x08, 0x00 }, integer.Content); // 2048
        integer.Content = iterationContent;
        return DerNode.EncodeAll(roots);
    }

    public static TheoryData<string, byte[], string> IterationCounts() => new()
    {
        { "int.MaxValue", [0x7F, 0xFF, 0xFF, 0xFF], ErrorIds.KeyMaterialUnsupportedEncryption },
        { "5,000,001", [0x4C, 0x4B, 0x41], ErrorIds.KeyMaterialUnsupportedEncryption },
        { "2^64 (fuzz: bytes appended to the INTEGER)", [0x01, 0, 0, 0, 0, 0, 0, 0, 0], ErrorIds.KeyMaterialUnsupportedEncryption },
        { "zero", [0x00], ErrorIds.KeyMaterialUnrecognizedFormat },
        { "negative", [0x88, 0x00], ErrorIds.KeyMaterialUnrecognizedFormat },
    };

    [Theory]
    [MemberData(nameof(IterationCounts))]
    public void Pbkdf2_iteration_count_is_bounded_before_any_key_derivation(string what, byte[] count, string expected)
    {
        // Found reviewing the encrypted-PKCS#8 path for the fuzzer's hang oracle: the iteration count went to BouncyCastle
        // unchecked. BouncyCastle 2.7 happens to refuse more than 5,000,000 (and zero or negative) with an ArgumentException,
        // so there was no hang, but every such file was reported as KeyMaterialWrongPassword ("the password is wrong").
        byte[] der = EncryptedWithIterations(count);
        var clock = Stopwatch.StartNew();
        var e = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, der, FuzzCorpus.Password.ToCharArray()));
        clock.Stop();
        Assert.True(expected == e.ErrorId, $"{what}: {e.ErrorId} {e.Message}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{what}: took {clock.Elapsed}");
    }

    [Fact]
    public void Iteration_counts_up_to_the_limit_still_decrypt()
    {
        var seed = FuzzCorpus.PrivateKeys.Single(s => s.Name == "ECC_NIST_P256/Encrypted PKCS#8 DER");
        using var reference = KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, seed.Data, seed.Password);
        byte[] pkcs8 = reference.ExportForImport();
        using var material = KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, FuzzCorpus.EncryptedPkcs8Der(pkcs8, FuzzCorpus.Password, 100_000),
            FuzzCorpus.Password.ToCharArray());
        Assert.Equal(reference.Fingerprint, material.Fingerprint);
        Assert.True(KeyMaterialReader.MaxPbeIterations >= 1_300_000); // OWASP's PBKDF2-HMAC-SHA1 recommendation fits
    }

    [Fact]
    public void Pkcs12_pbe_iteration_count_is_bounded_too()
    {
        // pbeWithSHAAnd3-KeyTripleDES-CBC with 2^31-1 iterations: refused before the PKCS#12 key derivation runs (was
        // KeyMaterialWrongPassword).
        var parameters = new DerSequence(new DerOctetString(new byte[8]), DerInteger.ValueOf(int.MaxValue));
        var epki = new EncryptedPrivateKeyInfo(new AlgorithmIdentifier(new DerObjectIdentifier("1.2.840.113549.1.12.1.3"), parameters), new byte[48]);
        var clock = Stopwatch.StartNew();
        var e = Refused(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, epki.GetEncoded(Asn1Encodable.Der), "x".ToCharArray()));
        Assert.Equal(ErrorIds.KeyMaterialUnsupportedEncryption, e.ErrorId);
        Assert.Contains("2147483647", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2));
    }
}

/// <summary>Inputs mutation does not produce but a hostile or broken file can: deep nesting, the size limit.</summary>
public class ParserHardeningTests
{
    private static byte[] NestedIndefinite(int depth) =>
        [.. Enumerable.Repeat(new byte[] { 0x30, 0x80 }, depth).SelectMany(b => b), .. new byte[2 * depth]];

    private static byte[] NestedDefinite(int depth)
    {
        byte[] inner = [0x05, 0x00];
        for (int i = 0; i < depth; i++) inner = [0x30, .. DerNode.EncodeLength(inner.Length), .. inner];
        return inner;
    }

    public static TheoryData<string, int> Nestings() => new() { { "indefinite", 100_000 }, { "definite", 20_000 } };

    [Theory]
    [MemberData(nameof(Nestings))]
    public void Deeply_nested_der_is_refused_without_exhausting_the_stack(string form, int depth)
    {
        byte[] data = form == "definite" ? NestedDefinite(depth) : NestedIndefinite(depth);
        Assert.True(data.Length < KeyMaterial.MaxFileSize);
        // A stack overflow would end the test process; each call must end in its documented error instead.
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, data)).ErrorId);
        Assert.Equal(ErrorIds.WrappingPublicKeyMalformed, Assert.Throws<KmsImportException>(() => WrappingPublicKey.Inspect(data)).ErrorId);
        Assert.Equal(ErrorIds.PublicKeyMalformed, Assert.Throws<KmsImportException>(() => MaterialProof.PublicKeysMatch(data, data)).ErrorId);
        byte[] pem = FuzzCorpus.Pem("PRIVATE KEY", data);
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, pem)).ErrorId);
    }

    [Fact]
    public void A_megabyte_of_pem_like_garbage_is_refused_quickly()
    {
        var text = new StringBuilder();
        while (text.Length < KeyMaterial.MaxFileSize - 100) text.Append("-----BEGIN PRIVATE KEY-----\nMIIE\n");
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.RSA_2048, Encoding.ASCII.GetBytes(text.ToString())));
        Assert.Equal(ErrorIds.KeyMaterialUnrecognizedFormat, e.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
