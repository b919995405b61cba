using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzing of the offline bundle reader (ImportParameters.json / ProtectedKeyMaterial.json and their .bin
/// files, and the aws CLI's JSON): every input ends in a documented ErrorId, or in a read whose every field is what the
/// files say: the original's value where the mutation left its source alone, the mutated file's bytes for a damaged .bin,
/// and for a damaged JSON what an independent reading of it (<see cref="JsonDocument"/>, the documented format) says.
/// The base bundles are fixed (the fuzz corpus's RSA-2048 key, a token derived from a constant, a fixed time), so a seed
/// names the same inputs on every run; a failing input is printed in full (base64) with its case number.
/// </summary>
public sealed class BundleFuzzTests : IDisposable
{
    private const int Seed = 0x42554E44; // "BUND"
    private const int CasesPerRun = 600;
    private static readonly DateTime FixedValidTo = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-bundle-fuzz-").FullName;

    private static readonly HashSet<string> DocumentedIds = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>256 bytes that look like a token, the same on every run.</summary>
    private static byte[] FixedToken() => SHA512.HashData(Encoding.ASCII.GetBytes("token 1")).Concat(SHA512.HashData(Encoding.ASCII.GetBytes("token 2")))
        .Concat(SHA512.HashData(Encoding.ASCII.GetBytes("token 3"))).Concat(SHA512.HashData(Encoding.ASCII.GetBytes("token 4"))).ToArray();

    /// <summary>The endpoint the base bundles name; a reader trusts it only when the caller names it too (issue 14, finding 3).</summary>
    private const string BaseEndpoint = "http://127.0.0.1:4566";

    /// <summary>What a caller who trusts the bundle's endpoint passes, so the fuzz reaches the reader's success path.</summary>
    private static BundleOverrides Trusted() => new() { EndpointUrl = BaseEndpoint };

    /// <summary>Reads that succeeded in this thread, so a fuzz run that only ever ends in errors cannot pass unnoticed.</summary>
    [ThreadStatic] private static int s_successfulReads;

    private static KmsImportParameters ValidParameters() => new()
    {
        KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab",
        KeySpec = nameof(KeySpec.SYMMETRIC_DEFAULT),
        WrappingAlgorithm = nameof(WrappingAlgorithm.RSAES_OAEP_SHA_256),
        WrappingKeySpec = nameof(WrappingKeySpec.RSA_2048),
        PublicKey = FuzzCorpus.Spki(KeySpec.RSA_2048),
        ImportToken = FixedToken(),
        ParametersValidTo = FixedValidTo,
        Region = "eu-west-2",
        EndpointUrl = BaseEndpoint,
    };

    private static ProtectedKeyMaterial ValidProtected()
    {
        var p = ValidParameters();
        return new ProtectedKeyMaterial
        {
            KeyId = p.KeyId, KeySpec = p.KeySpec, WrappingAlgorithm = p.WrappingAlgorithm, WrappingKeySpec = p.WrappingKeySpec,
            EncryptedKeyMaterial = SHA512.HashData(Encoding.ASCII.GetBytes("ciphertext")).Concat(SHA512.HashData(Encoding.ASCII.GetBytes("more"))).ToArray(),
            ImportToken = p.ImportToken, ParametersValidTo = p.ParametersValidTo, Fingerprint = "ABCDEF", FingerprintAlgorithm = "AES-KCV",
            Region = p.Region, EndpointUrl = p.EndpointUrl,
        };
    }

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = input.ToList();
        var edits = random.Next(1, 4);
        for (var i = 0; i < edits && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, (byte)"{}[]\",:0aZ\\ \n"[random.Next(13)]); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes[at] = (byte)random.Next(256); break;
            }
        }
        return bytes.ToArray();
    }

    // ---- the oracle ---------------------------------------------------------------------------------------------------

    /// <summary>Null when the read is right: a documented refusal, or fields equal to <paramref name="expected"/>().</summary>
    private static string? Outcome(Func<object> read, Func<Dictionary<string, object?>> expected)
    {
        object got;
        try
        {
            got = read();
            s_successfulReads++;
        }
        catch (KmsImportException ex) when (DocumentedIds.Contains(ex.ErrorId))
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex is KmsImportException k ? $"undocumented ErrorId {k.ErrorId}" : $"{ex.GetType().Name}: {ex.Message}";
        }
        Dictionary<string, object?> want;
        try
        {
            want = expected();
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidDataException or InvalidOperationException)
        {
            return $"read succeeded although the files are not a valid bundle ({ex.Message})";
        }
        var wrong = new List<string>();
        foreach (var (name, value) in want)
        {
            object? actual = got.GetType().GetProperty(name)!.GetValue(got);
            bool same = value is byte[] b ? actual is byte[] a && a.AsSpan().SequenceEqual(b) : Equals(actual, value);
            if (!same) wrong.Add($"{name}: read {Show(actual)}, the files say {Show(value)}");
        }
        return wrong.Count == 0 ? null : "a successful read differs from the files: " + string.Join("; ", wrong);
    }

    private static string Show(object? v) => v switch
    {
        null => "null",
        byte[] b => $"{b.Length} bytes {Convert.ToHexString(b.AsSpan(0, Math.Min(8, b.Length)))}...",
        DateTime d => d.ToString("o", CultureInfo.InvariantCulture),
        _ => $"'{v}'",
    };

    /// <summary>The fields a bundle's files describe: <paramref name="original"/>'s, with those the damaged file feeds re-read.</summary>
    private static Dictionary<string, object?> Expected(object original, string folder, string jsonPath, string victim, BundleOverrides? overrides = null)
    {
        var want = original.GetType().GetProperties().Where(p => p.Name is not "EscrowPath")
            .ToDictionary(p => p.Name, p => p.GetValue(original));
        if (!victim.EndsWith(".json", StringComparison.Ordinal))
        {
            string field = victim switch
            {
                ImportBundle.PublicKeyFile => "PublicKey",
                ImportBundle.ImportTokenFile => "ImportToken",
                ImportBundle.EncryptedMaterialFile => "EncryptedKeyMaterial",
                _ => throw new InvalidOperationException($"unknown victim {victim}"),
            };
            want[field] = File.ReadAllBytes(Path.Combine(folder, victim));
            return want;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        JsonElement json = doc.RootElement;
        if (json.ValueKind != JsonValueKind.Object) throw new InvalidDataException("not an object");
        string? Str(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        // A KMS name of the vocabulary, spelled exactly (KMS's names are the enum members' names).
        string Enum<T>(string name, string? fallback) where T : struct, Enum =>
            Str(name) is string s ? (System.Enum.GetNames<T>().Contains(s, StringComparer.Ordinal) ? s : throw new FormatException($"{name} '{s}'"))
            : fallback ?? throw new InvalidDataException($"{name} missing");
        byte[] Bin(string inline, string fileProperty, string defaultName) =>
            Str(inline) is string b64 ? Convert.FromBase64String(b64) : File.ReadAllBytes(Path.Combine(folder, Str(fileProperty) ?? defaultName));

        bool parameters = original is KmsImportParameters;
        want["KeyId"] = overrides?.KeyId ?? Str("KeyId") ?? throw new InvalidDataException("KeyId missing");
        // A protected bundle that does not record a value leaves it empty.
        want["KeySpec"] = overrides?.KeySpec?.ToString() ?? Enum<KeySpec>("KeySpec", parameters ? null : "");
        want["WrappingAlgorithm"] = overrides?.WrappingAlgorithm?.ToString() ?? Enum<WrappingAlgorithm>("WrappingAlgorithm", parameters ? null : "");
        // Without a WrappingKeySpec a parameters bundle inspects its public key (the original's, which is RSA_2048).
        want["WrappingKeySpec"] = overrides?.WrappingKeySpec?.ToString() ?? Enum<WrappingKeySpec>("WrappingKeySpec", parameters ? nameof(WrappingKeySpec.RSA_2048) : "");
        want["Region"] = overrides?.Region ?? Str("Region") ?? "";
        // The reader uses the caller's endpoint once it matches the bundle's (or the bundle names none).
        want["EndpointUrl"] = overrides?.EndpointUrl ?? Str("EndpointUrl");
        if (json.TryGetProperty("ParametersValidTo", out var validTo))
        {
            want["ParametersValidTo"] = validTo.ValueKind == JsonValueKind.Number
                ? DateTime.UnixEpoch.AddSeconds(validTo.GetDouble())
                : DateTimeOffset.Parse(validTo.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime;
        }
        else
        {
            want["ParametersValidTo"] = File.GetLastWriteTimeUtc(Path.Combine(folder, ImportBundle.ImportTokenFile)).AddHours(24);
        }
        if (parameters)
        {
            want["PublicKey"] = Bin("PublicKey", "PublicKeyFile", ImportBundle.PublicKeyFile);
            want["ImportToken"] = Bin("ImportToken", "ImportTokenFile", ImportBundle.ImportTokenFile);
        }
        else
        {
            want["EncryptedKeyMaterial"] = File.ReadAllBytes(Path.Combine(folder, Str("EncryptedKeyMaterialFile") ?? ImportBundle.EncryptedMaterialFile));
            want["ImportToken"] = File.ReadAllBytes(Path.Combine(folder, Str("ImportTokenFile") ?? ImportBundle.ImportTokenFile));
            want["Fingerprint"] = Str("Fingerprint") ?? "";
            want["FingerprintAlgorithm"] = Str("FingerprintAlgorithm") ?? "";
        }
        return want;
    }

    /// <summary>One mutated file per case, the others restored; findings name the case, the file and its whole content.</summary>
    private static List<string> FuzzFolder(int seed, string folder, string jsonName, Func<object> read, object original, BundleOverrides? overrides)
    {
        s_successfulReads = 0;
        var random = new Random(seed);
        var originals = Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal).ToDictionary(f => f, File.ReadAllBytes);
        var names = originals.Keys.ToList();
        var findings = new List<string>();
        for (var i = 0; i < CasesPerRun; i++)
        {
            var victim = names[random.Next(names.Count)];
            foreach (var (file, content) in originals) File.WriteAllBytes(file, content);
            byte[] mutated = Mutate(random, originals[victim]);
            File.WriteAllBytes(victim, mutated);
            var problem = Outcome(read, () => Expected(original, folder, Path.Combine(folder, jsonName), Path.GetFileName(victim), overrides));
            if (problem != null) findings.Add($"case {i}, {Path.GetFileName(victim)} (base64 {Convert.ToBase64String(mutated)}): {problem}");
        }
        Assert.True(s_successfulReads > 0, $"none of {CasesPerRun} mutated bundles read successfully: the oracle was never exercised (seed {seed})");
        return findings;
    }

    [Fact]
    public void The_base_bundles_are_the_same_on_every_run()
    {
        var a = ImportBundle.WriteParameters(Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName, ValidParameters());
        var b = ImportBundle.WriteParameters(Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName, ValidParameters());
        foreach (var name in new[] { ImportBundle.ParametersFile, ImportBundle.PublicKeyFile, ImportBundle.ImportTokenFile })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, name)), File.ReadAllBytes(Path.Combine(b, name)));
        }
    }

    [Fact]
    public void Mutated_parameter_bundles_end_in_a_documented_error_or_read_what_the_files_say()
    {
        var original = ValidParameters();
        var folder = ImportBundle.WriteParameters(_dir, original);
        var findings = FuzzFolder(Seed, folder, ImportBundle.ParametersFile, () => ImportBundle.ReadParameters(folder, Trusted()), original, Trusted());
        Assert.True(findings.Count == 0, $"{findings.Count} of {CasesPerRun} inputs broke the oracle (seed {Seed}):\n" + string.Join("\n", findings.Take(10)));
    }

    [Fact]
    public void Mutated_aws_cli_json_ends_in_a_documented_error_or_reads_what_the_json_says()
    {
        var random = new Random(Seed + 1);
        var p = ValidParameters();
        var json = Encoding.UTF8.GetBytes(
            $"{{\"KeyId\": \"arn:aws:kms:eu-west-2:111122223333:key/{p.KeyId}\", \"ImportToken\": \"{Convert.ToBase64String(p.ImportToken)}\", " +
            $"\"PublicKey\": \"{Convert.ToBase64String(p.PublicKey)}\", \"ParametersValidTo\": 1893499200.5}}");
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "cli")).FullName;
        var path = Path.Combine(folder, "cli.json");
        var overrides = new BundleOverrides { KeySpec = KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm = WrappingAlgorithm.RSAES_OAEP_SHA_256 };
        File.WriteAllBytes(path, json);
        var read = ImportBundle.ReadParameters(path, overrides);
        Assert.Equal(nameof(WrappingKeySpec.RSA_2048), read.WrappingKeySpec);
        Assert.Equal(p.PublicKey, read.PublicKey);
        Assert.Equal(new DateTime(2030, 1, 1, 12, 0, 0, 500, DateTimeKind.Utc), read.ParametersValidTo);
        // What the JSON holds, as the reader would build it unmutated.
        var original = new KmsImportParameters
        {
            KeyId = $"arn:aws:kms:eu-west-2:111122223333:key/{p.KeyId}", KeySpec = nameof(KeySpec.SYMMETRIC_DEFAULT), WrappingAlgorithm = nameof(WrappingAlgorithm.RSAES_OAEP_SHA_256),
            WrappingKeySpec = nameof(WrappingKeySpec.RSA_2048), PublicKey = p.PublicKey, ImportToken = p.ImportToken, ParametersValidTo = read.ParametersValidTo, Region = "",
        };
        Assert.Null(Outcome(() => read, () => Expected(original, folder, path, "cli.json", overrides)));

        var findings = new List<string>();
        for (var i = 0; i < CasesPerRun; i++)
        {
            byte[] mutated = Mutate(random, json);
            File.WriteAllBytes(path, mutated);
            var problem = Outcome(() => ImportBundle.ReadParameters(path, overrides), () => Expected(original, folder, path, "cli.json", overrides));
            if (problem != null) findings.Add($"case {i} (base64 {Convert.ToBase64String(mutated)}): {problem}");
        }
        Assert.True(findings.Count == 0, $"{findings.Count} inputs broke the oracle (seed {Seed + 1}):\n" + string.Join("\n", findings.Take(10)));
    }

    [Fact]
    public void Mutated_protected_bundles_end_in_a_documented_error_or_read_what_the_files_say()
    {
        var original = ValidProtected();
        var folder = ImportBundle.WriteProtected(_dir, original);
        var findings = FuzzFolder(Seed + 2, folder, ImportBundle.ProtectedFile, () => ImportBundle.ReadProtected(folder, Trusted()), original, Trusted());
        Assert.True(findings.Count == 0, $"{findings.Count} of {CasesPerRun} inputs broke the oracle (seed {Seed + 2}):\n" + string.Join("\n", findings.Take(10)));
    }

    [Fact]
    public void The_oracle_catches_a_read_that_differs_from_the_files()
    {
        var original = ValidParameters();
        var folder = ImportBundle.WriteParameters(Directory.CreateDirectory(Path.Combine(_dir, "oracle")).FullName, original);
        string json = Path.Combine(folder, ImportBundle.ParametersFile);
        Assert.Null(Outcome(() => ImportBundle.ReadParameters(folder, Trusted()), () => Expected(original, folder, json, ImportBundle.ParametersFile, Trusted())));
        // A reader that dropped the Region, or returned the original token after ImportToken.bin changed, is caught.
        var wrongRegion = ImportBundle.ReadParameters(folder, Trusted());
        wrongRegion.Region = "";
        Assert.Contains("Region", Outcome(() => wrongRegion, () => Expected(original, folder, json, ImportBundle.ParametersFile)));
        File.WriteAllBytes(Path.Combine(folder, ImportBundle.ImportTokenFile), [1, 2, 3]);
        Assert.Contains("ImportToken", Outcome(() => original, () => Expected(original, folder, json, ImportBundle.ImportTokenFile)));
        // ...and so is a read that succeeds on JSON that does not parse.
        File.WriteAllText(json, "{ not json");
        Assert.Contains("not a valid bundle", Outcome(() => original, () => Expected(original, folder, json, ImportBundle.ParametersFile)));
    }

    [Fact]
    public void A_written_bundle_reads_back_to_the_same_parameters()
    {
        var p = ValidParameters();
        var back = ImportBundle.ReadParameters(ImportBundle.WriteParameters(_dir, p), Trusted());
        Assert.Equal(p.KeyId, back.KeyId);
        Assert.Equal(p.PublicKey, back.PublicKey);
        Assert.Equal(p.ImportToken, back.ImportToken);
        Assert.Equal(p.WrappingAlgorithm, back.WrappingAlgorithm);
        Assert.Equal(p.ParametersValidTo, back.ParametersValidTo);
        Assert.Equal(ErrorIds.BundleExists, Assert.Throws<KmsImportException>(() => ImportBundle.WriteParameters(_dir, p)).ErrorId);
    }
}
