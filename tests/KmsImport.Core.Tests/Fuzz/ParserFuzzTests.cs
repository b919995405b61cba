using Xunit;
using Xunit.Abstractions;
using System.Security.Cryptography;
using System.Text;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>
/// Bounded, seeded mutation fuzzing of every parser entry point (issue "Reliability", item 3). Oracle: each input ends in
/// success or a <see cref="KmsImportException"/> with a documented crypto-layer <see cref="ErrorIds"/> id — never another exception,
/// never a hang — and error messages never carry key bytes. Deterministic: a failure prints target, seed name, case index and
/// base seed; <see cref="FuzzRunner.Generate"/> regenerates that input. KMSIMPORT_FUZZ_SCALE / KMSIMPORT_FUZZ_SEED widen or
/// vary a local run.
/// </summary>
public class ParserFuzzTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyDictionary<KeySpec, WrappingKeySpec> WrappingSpecOf = new Dictionary<KeySpec, WrappingKeySpec>
    {
        [KeySpec.RSA_2048] = WrappingKeySpec.RSA_2048,
        [KeySpec.RSA_3072] = WrappingKeySpec.RSA_3072,
        [KeySpec.RSA_4096] = WrappingKeySpec.RSA_4096,
        [KeySpec.SM2] = WrappingKeySpec.SM2,
        [KeySpec.ECC_NIST_P256] = WrappingKeySpec.RSA_2048, // an EC key offered as a wrapping key: refused as WrappingPublicKeyNotRsa
    };

    private static readonly Lazy<KeyMaterial> Symmetric = new(() => KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, FuzzCorpus.RawKeys[0].Data));
    private static readonly Lazy<KeyMaterial> P256 = new(() => KeyMaterial.FromBytes(KeySpec.ECC_NIST_P256, FuzzCorpus.PrivateKeys.First(s => s.Name == "ECC_NIST_P256/PKCS#8 DER").Data));

    internal static IReadOnlyList<FuzzSeed> WrappingKeySeeds() =>
    [
        .. WrappingSpecOf.Keys.Select(spec => new FuzzSeed($"{spec}/SPKI", spec, SeedKind.Der, FuzzCorpus.Spki(spec))),
        new FuzzSeed("SM2/SPKI compressed", KeySpec.SM2, SeedKind.Der, FuzzCorpus.EcSpki(KeySpec.SM2, compressed: true, explicitParameters: false)),
    ];

    internal static IReadOnlyList<FuzzSeed> PublicKeySeeds() =>
    [
        .. FuzzCorpus.AsymmetricSpecs.Select(spec => new FuzzSeed($"{spec}/SPKI", spec, SeedKind.Der, FuzzCorpus.Spki(spec))),
        .. new[] { KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P521, KeySpec.SM2 }.Select(spec =>
            new FuzzSeed($"{spec}/SPKI compressed", spec, SeedKind.Der, FuzzCorpus.EcSpki(spec, compressed: true, explicitParameters: false))),
        new FuzzSeed("ECC_NIST_P256/SPKI explicit", KeySpec.ECC_NIST_P256, SeedKind.Der, FuzzCorpus.EcSpki(KeySpec.ECC_NIST_P256, compressed: false, explicitParameters: true)),
        new FuzzSeed("RSA_2048/SPKI without NULL", KeySpec.RSA_2048, SeedKind.Der, FuzzCorpus.RsaSpkiWithoutNull(KeySpec.RSA_2048)),
    ];

    /// <summary>The KMS signing algorithm of a signature seed: its name is "spec/algorithm".</summary>
    private static string SignatureAlgorithm(FuzzSeed seed) => seed.Name[(seed.Name.IndexOf('/') + 1)..];

    internal static IReadOnlyList<FuzzSeed> SignatureSeeds()
    {
        var seeds = new List<FuzzSeed>();
        foreach (var spec in FuzzCorpus.AsymmetricSpecs)
        {
            var algorithms = KeySpecRules.IsRsa(spec) ? new[] { "RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256" } : new[] { MaterialProof.SigningAlgorithmFor(spec) };
            foreach (var algorithm in algorithms.Take(spec == KeySpec.RSA_2048 ? 2 : 1))
            {
                seeds.Add(new FuzzSeed($"{spec}/{algorithm}", spec, SeedKind.Der, FuzzCorpus.Signature(spec, algorithm)));
            }
        }
        return seeds;
    }

    private void Report(FuzzReport report, int minimumInputs)
    {
        output.WriteLine(report.Summary());
        output.WriteLine($"base seed 0x{FuzzRunner.BaseSeed:X8}, scale {FuzzRunner.Scale}");
        Assert.True(report.Findings.IsEmpty, report.Failures());
        Assert.Equal(0, report.NotRun);
        Assert.True(report.Inputs >= minimumInputs * Math.Min(1.0, FuzzRunner.Scale), $"only {report.Inputs} inputs ran");
    }

    // ---- the corpus -----------------------------------------------------------------------------------------------

    [Fact]
    public void Corpus_seeds_are_valid_inputs()
    {
        foreach (var seed in FuzzCorpus.PrivateKeys.Concat(FuzzCorpus.RawKeys))
        {
            if (seed.ExpectedError != null)
            {
                var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(seed.Spec, seed.Data, seed.Password));
                Assert.True(seed.ExpectedError == e.ErrorId, $"{seed.Name}: {e.ErrorId} {e.Message}");
                continue;
            }
            using var material = KeyMaterial.FromBytes(seed.Spec, seed.Data, seed.Password);
            Assert.Equal(seed.Spec, material.KeySpec);
            if (material.IsAsymmetric)
                Assert.True(MaterialProof.PublicKeysMatch(material.GetPublicKeySpki()!, FuzzCorpus.Spki(seed.Spec)), seed.Name);
        }
        Assert.True(FuzzCorpus.PrivateKeys.Count >= 50);
        foreach (var seed in WrappingKeySeeds().Where(s => s.Spec != KeySpec.ECC_NIST_P256))
            Assert.Equal(WrappingSpecOf[seed.Spec], WrappingPublicKey.Inspect(seed.Data));
        foreach (var seed in PublicKeySeeds())
            Assert.True(MaterialProof.PublicKeysMatch(seed.Data, FuzzCorpus.Spki(seed.Spec)), seed.Name);
        foreach (var seed in SignatureSeeds())
            Assert.True(MaterialProof.VerifySignature(FuzzCorpus.Spki(seed.Spec), SignatureAlgorithm(seed), FuzzCorpus.SignedMessage, seed.Data), seed.Name);
    }

    [Fact]
    public void Cases_are_reproducible()
    {
        var seed = FuzzCorpus.PrivateKeys[0];
        var a = FuzzRunner.Generate("FromBytes", seed, 42);
        var b = FuzzRunner.Generate("FromBytes", seed, 42);
        Assert.Equal(a.Input, b.Input);
        Assert.Equal(a.Mutation, b.Mutation);
        Assert.NotEqual(a.Input, FuzzRunner.Generate("FromBytes", seed, 43).Input);
        // The corpus and the first cases are the same on every machine and run (pinned: a change of the mutator or the corpus
        // renumbers every case; then update this digest).
        if (FuzzRunner.BaseSeed == 0x4B4D5346)
        {
            var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var s in FuzzCorpus.PrivateKeys.Concat(FuzzCorpus.RawKeys))
            {
                hash.AppendData(s.Data);
                for (int i = 0; i < 5; i++) hash.AppendData(FuzzRunner.Generate("FromBytes", s, i).Input);
            }
            string actual = Convert.ToHexString(hash.GetHashAndReset());
            Assert.True(actual == PinnedCorpusDigest, $"the corpus or the mutator changed; new digest {actual}");
        }
    }

    private const string PinnedCorpusDigest = "C54F3CA5EA0B52B0B77E4DB0C170D397719C04E6D4D6C683A456A43E90767CC6";

    [Fact]
    public void Leak_detector_finds_hex_and_base64_of_key_bytes()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(64);
        var detector = new SecretFragments([secret]);
        Assert.Null(detector.FindIn("The supplied key material (1217 bytes) is not a private key. OID 1.2.840.113549.1.1.1"));
        Assert.NotNull(detector.FindIn("damaged near " + Convert.ToHexString(secret, 20, 8)));
        Assert.NotNull(detector.FindIn("damaged near " + Convert.ToHexString(secret, 21, 9).ToLowerInvariant()));
        Assert.NotNull(detector.FindIn("bad base64 '" + Convert.ToBase64String(secret)[5..25] + "'"));
        Assert.NotNull(detector.FindIn("bad base64 '" + Convert.ToBase64String(secret[1..])[8..26] + "'"));
        Assert.NotNull(detector.FindIn(new KmsImportException("X", ErrorKind.InvalidData, "outer", new FormatException("inner " + Convert.ToHexString(secret)))));
    }

    [Fact]
    public void The_oracle_reports_hangs_foreign_exceptions_and_undocumented_ids()
    {
        var seeds = new[] { FuzzCorpus.RawKeys[0] };
        var report = FuzzRunner.Run("OracleSelfTest", seeds, _ => 5, (seed, input, index) => index switch
        {
            0 => Sleep(),
            1 => throw new IndexOutOfRangeException("boom"),
            2 => throw new KmsImportException("NotADocumentedId", ErrorKind.InvalidData, "x"),
            3 => throw new KmsImportException(ErrorIds.KeyMaterialWrongLength, ErrorKind.InvalidData, "fine"),
            _ => null,
        }, timeout: TimeSpan.FromMilliseconds(300));

        static string? Sleep()
        {
            Thread.Sleep(3000);
            return null;
        }

        var problems = report.Findings.OrderBy(f => f.Case).Select(f => (f.Case, f.Problem.Split('\n')[0])).ToList();
        Assert.Equal(3, problems.Count);
        Assert.StartsWith("HANG", problems[0].Item2);
        Assert.StartsWith("System.IndexOutOfRangeException: boom", problems[1].Item2);
        Assert.Contains("undocumented ErrorId 'NotADocumentedId'", problems[2].Item2);
        Assert.Equal(1, report.Refusals[ErrorIds.KeyMaterialWrongLength]);
        Assert.Equal(1, report.Accepted);
        Assert.Contains("case=1", report.Failures());
        Assert.Contains("seed='SYMMETRIC_DEFAULT/raw'", report.Failures());
    }

    // ---- KeyMaterial.FromBytes ------------------------------------------------------------------------------------

    private static string? FromBytes(FuzzSeed seed, byte[] input, int index)
    {
        char[]? password = seed.Password;
        if (password != null && index % 16 == 0) password = null;
        else if (password != null && index % 16 == 1) password = "not the password".ToCharArray();
        using var material = KeyMaterial.FromBytes(seed.Spec, input, password);
        if (material.KeySpec != seed.Spec) return $"accepted as {material.KeySpec}";
        if (!material.IsAsymmetric) return material.Length == KeySpecRules.RawMaterialLength(seed.Spec) ? null : $"accepted {material.Length} bytes";
        // Accepted: the normalized PKCS#8 must read back as the same key, and its SPKI must be consistent.
        byte[] pkcs8 = material.ExportForImport();
        using var again = KeyMaterial.FromBytes(seed.Spec, pkcs8);
        if (again.Fingerprint != material.Fingerprint) return "the normalized PKCS#8 reads back as another key";
        if (!pkcs8.AsSpan().SequenceEqual(again.ExportForImport())) return "normalization is not idempotent";
        if (!MaterialProof.PublicKeysMatch(material.GetPublicKeySpki()!, again.GetPublicKeySpki()!)) return "SPKI differs after re-reading";
        return null;
    }

    [Fact]
    public void KeyMaterial_FromBytes_survives_mutated_private_keys()
    {
        var report = FuzzRunner.Run("FromBytes", FuzzCorpus.PrivateKeys, FuzzRunner.CasesWeighted(100), FromBytes);
        Report(report, 4000);
    }

    [Fact]
    public void KeyMaterial_FromBytes_survives_mutated_raw_material()
    {
        var report = FuzzRunner.Run("FromBytesRaw", FuzzCorpus.RawKeys, FuzzRunner.CasesWeighted(80), FromBytes);
        Report(report, 400);
    }

    [Fact]
    public void Errors_from_mutated_private_keys_never_contain_the_key_bytes()
    {
        // Its own cases (another target name): every refusal's message chain is searched for hex and base64 of the
        // original key (PKCS#8 and PKCS#1/SEC1 DER). The runner applies the same check in the big run above.
        int messages = 0;
        var detectors = new System.Collections.Concurrent.ConcurrentDictionary<string, SecretFragments>();
        var report = FuzzRunner.Run("FromBytesLeak", FuzzCorpus.PrivateKeys, FuzzRunner.CasesWeighted(20), (seed, input, index) =>
        {
            try
            {
                return FromBytes(seed, input, index);
            }
            catch (KmsImportException e)
            {
                Interlocked.Increment(ref messages);
                string all = string.Join(" | ", Chain(e).Select(x => x.Message));
                string? leak = detectors.GetOrAdd(seed.Name, _ => new SecretFragments(seed.SecretForms)).FindIn(all);
                if (leak != null) return "LEAK " + leak + ": " + all;
                throw;
            }
        });
        output.WriteLine($"{messages} error messages checked");
        Report(report, 800);
        Assert.True(messages > 700 * Math.Min(1.0, FuzzRunner.Scale), $"only {messages} messages were checked");
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException) yield return x;
    }

    // ---- wrapping keys ------------------------------------------------------------------------------------------------

    [Fact]
    public void WrappingPublicKey_Inspect_survives_mutated_spki()
    {
        var report = FuzzRunner.Run("Inspect", WrappingKeySeeds(), FuzzRunner.CasesWeighted(150), (seed, input, _) =>
        {
            var spec = WrappingPublicKey.Inspect(input);
            return Enum.IsDefined(spec) ? null : $"returned {spec}";
        });
        Report(report, 650);
    }

    [Fact]
    public void KeyWrapper_Wrap_survives_mutated_spki()
    {
        var report = FuzzRunner.Run("Wrap", WrappingKeySeeds(), FuzzRunner.CasesWeighted(120), (seed, input, index) =>
        {
            var wrappingKeySpec = WrappingSpecOf[seed.Spec];
            KeyMaterial material;
            WrappingAlgorithm algorithm;
            if (wrappingKeySpec == WrappingKeySpec.SM2) (material, algorithm) = (Symmetric.Value, WrappingAlgorithm.SM2PKE);
            else if (index % 2 == 0) (material, algorithm) = (Symmetric.Value, WrappingAlgorithm.RSAES_OAEP_SHA_256);
            else (material, algorithm) = (P256.Value, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256);
            byte[] wrapped = KeyWrapper.Wrap(material, input, algorithm, wrappingKeySpec);
            int? expected = KeyWrapper.WrappedLength(material.Length, algorithm, wrappingKeySpec);
            return wrapped.Length == expected ? null : $"wrapped length {wrapped.Length}, expected {expected}";
        });
        Report(report, 500);
    }

    // ---- proofs ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void MaterialProof_survives_mutated_spki()
    {
        byte[] challenge = new byte[32];
        var report = FuzzRunner.Run("PublicKeysMatch", PublicKeySeeds(), FuzzRunner.CasesWeighted(100), (seed, input, _) =>
        {
            bool ab = MaterialProof.PublicKeysMatch(input, seed.Data);
            bool ba = MaterialProof.PublicKeysMatch(seed.Data, input);
            if (ab != ba) return $"not symmetric: {ab} / {ba}";
            if (!MaterialProof.PublicKeysMatch(input, input)) return "not reflexive";
            // The same mutated key used for the other proofs: a signature of the original key verifies exactly when the
            // keys match; OAEP encryption works for any valid RSA key.
            string algorithm = MaterialProof.SigningAlgorithmFor(seed.Spec);
            bool verified = MaterialProof.VerifySignature(input, algorithm, FuzzCorpus.SignedMessage, FuzzCorpus.Signature(seed.Spec, algorithm));
            if (verified != ab) return $"PublicKeysMatch {ab} but the original signature verifies: {verified}";
            if (KeySpecRules.IsRsa(seed.Spec)) MaterialProof.EncryptOaepSha256(input, challenge);
            return null;
        });
        Report(report, 1100);
    }

    [Fact]
    public void MaterialProof_VerifySignature_rejects_mutated_signatures_without_throwing()
    {
        var report = FuzzRunner.Run("VerifySignature", SignatureSeeds(), seed => FuzzRunner.Cases(seed.Spec switch
        {
            // Each RSA verification re-validates the modulus (BouncyCastle's Miller-Rabin rounds): few cases, the signature
            // bytes of RSA have little structure to explore anyway.
            KeySpec.RSA_2048 => 25,
            KeySpec.RSA_3072 or KeySpec.RSA_4096 => 6,
            _ => 80,
        }), (seed, input, _) =>
        {
            bool verified;
            try
            {
                verified = MaterialProof.VerifySignature(FuzzCorpus.Spki(seed.Spec), SignatureAlgorithm(seed), FuzzCorpus.SignedMessage, input);
            }
            catch (KmsImportException e)
            {
                return $"threw {e.ErrorId} for a signature: {e.Message}";
            }
            if (!verified) return null;
            if (input.AsSpan().SequenceEqual(seed.Data)) return null; // the mutation changed nothing
            // RSA: the same integer with another number of leading zero bytes is the same signature.
            if (KeySpecRules.IsRsa(seed.Spec) && new System.Numerics.BigInteger(input, isUnsigned: true, isBigEndian: true)
                    == new System.Numerics.BigInteger(seed.Data, isUnsigned: true, isBigEndian: true))
                return null;
            return "a mutated signature verified";
        });
        Report(report, 450);
    }
}
