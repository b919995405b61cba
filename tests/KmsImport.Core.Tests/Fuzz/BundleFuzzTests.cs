using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzing of the offline bundle reader (ImportParameters.json / ProtectedKeyMaterial.json
/// and their .bin files, and the aws CLI's JSON): every input ends in success or a documented ErrorId.
/// </summary>
public sealed class BundleFuzzTests : IDisposable
{
    private const int Seed = 0x42554E44; // "BUND"
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-bundle-fuzz-").FullName;

    private static readonly HashSet<string> DocumentedIds = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static KmsImportParameters ValidParameters()
    {
        using var rsa = RSA.Create(2048);
        return new KmsImportParameters
        {
            KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab",
            KeySpec = nameof(KeySpec.SYMMETRIC_DEFAULT),
            WrappingAlgorithm = nameof(WrappingAlgorithm.RSAES_OAEP_SHA_256),
            WrappingKeySpec = nameof(WrappingKeySpec.RSA_2048),
            PublicKey = rsa.ExportSubjectPublicKeyInfo(),
            ImportToken = RandomNumberGenerator.GetBytes(256),
            ParametersValidTo = DateTime.UtcNow.AddHours(24),
            Region = "eu-west-2",
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

    private string? Outcome(Func<object> read)
    {
        try
        {
            read();
            return null;
        }
        catch (KmsImportException ex) when (DocumentedIds.Contains(ex.ErrorId))
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex is KmsImportException k ? $"undocumented ErrorId {k.ErrorId}" : $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    [Fact]
    public void Mutated_parameter_bundles_end_in_success_or_a_documented_error()
    {
        var random = new Random(Seed);
        var folder = ImportBundle.WriteParameters(_dir, ValidParameters());
        var originals = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);
        var findings = new List<string>();
        var runs = 0;
        for (var i = 0; i < 600; i++)
        {
            var victim = originals.Keys.ElementAt(random.Next(originals.Count));
            foreach (var (file, content) in originals) File.WriteAllBytes(file, content);
            File.WriteAllBytes(victim, Mutate(random, originals[victim]));
            runs++;
            var problem = Outcome(() => ImportBundle.ReadParameters(folder));
            if (problem != null) findings.Add($"case {i} ({Path.GetFileName(victim)}): {problem}");
        }
        Assert.True(findings.Count == 0, $"{findings.Count} of {runs} inputs broke the oracle (seed {Seed}):\n" + string.Join("\n", findings.Take(10)));
    }

    [Fact]
    public void Mutated_aws_cli_json_ends_in_success_or_a_documented_error()
    {
        var random = new Random(Seed + 1);
        var p = ValidParameters();
        var json = Encoding.UTF8.GetBytes(
            $"{{\"KeyId\": \"arn:aws:kms:eu-west-2:111122223333:key/{p.KeyId}\", \"ImportToken\": \"{Convert.ToBase64String(p.ImportToken)}\", " +
            $"\"PublicKey\": \"{Convert.ToBase64String(p.PublicKey)}\", \"ParametersValidTo\": 1796018982.541}}");
        var path = Path.Combine(_dir, "cli.json");
        var overrides = new BundleOverrides { KeySpec = KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm = WrappingAlgorithm.RSAES_OAEP_SHA_256 };
        File.WriteAllBytes(path, json);
        Assert.Equal(nameof(WrappingKeySpec.RSA_2048), ImportBundle.ReadParameters(path, overrides).WrappingKeySpec);

        var findings = new List<string>();
        for (var i = 0; i < 600; i++)
        {
            File.WriteAllBytes(path, Mutate(random, json));
            var problem = Outcome(() => ImportBundle.ReadParameters(path, overrides));
            if (problem != null) findings.Add($"case {i}: {problem}");
        }
        Assert.True(findings.Count == 0, $"{findings.Count} inputs broke the oracle (seed {Seed + 1}):\n" + string.Join("\n", findings.Take(10)));
    }

    [Fact]
    public void Mutated_protected_bundles_end_in_success_or_a_documented_error()
    {
        var random = new Random(Seed + 2);
        var p = ValidParameters();
        var folder = ImportBundle.WriteProtected(_dir, new ProtectedKeyMaterial
        {
            KeyId = p.KeyId, KeySpec = p.KeySpec, WrappingAlgorithm = p.WrappingAlgorithm, WrappingKeySpec = p.WrappingKeySpec,
            EncryptedKeyMaterial = RandomNumberGenerator.GetBytes(256), ImportToken = p.ImportToken, ParametersValidTo = p.ParametersValidTo,
            Fingerprint = "ABCDEF", FingerprintAlgorithm = "AES-KCV", Region = p.Region,
        });
        var originals = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);
        var findings = new List<string>();
        for (var i = 0; i < 600; i++)
        {
            var victim = originals.Keys.ElementAt(random.Next(originals.Count));
            foreach (var (file, content) in originals) File.WriteAllBytes(file, content);
            File.WriteAllBytes(victim, Mutate(random, originals[victim]));
            var problem = Outcome(() => ImportBundle.ReadProtected(folder));
            if (problem != null) findings.Add($"case {i} ({Path.GetFileName(victim)}): {problem}");
        }
        Assert.True(findings.Count == 0, $"{findings.Count} inputs broke the oracle (seed {Seed + 2}):\n" + string.Join("\n", findings.Take(10)));
    }

    [Fact]
    public void A_written_bundle_reads_back_to_the_same_parameters()
    {
        var p = ValidParameters();
        var back = ImportBundle.ReadParameters(ImportBundle.WriteParameters(_dir, p));
        Assert.Equal(p.KeyId, back.KeyId);
        Assert.Equal(p.PublicKey, back.PublicKey);
        Assert.Equal(p.ImportToken, back.ImportToken);
        Assert.Equal(p.WrappingAlgorithm, back.WrappingAlgorithm);
        Assert.Equal(p.ParametersValidTo, back.ParametersValidTo);
        Assert.Equal(ErrorIds.BundleExists, Assert.Throws<KmsImportException>(() => ImportBundle.WriteParameters(_dir, p)).ErrorId);
    }
}
