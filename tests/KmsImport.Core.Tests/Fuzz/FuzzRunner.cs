using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>One input that broke the oracle.</summary>
internal sealed record FuzzFinding(string Target, string Seed, int Case, string Mutation, string Problem, byte[] Input)
{
    public override string ToString() =>
        $"target={Target} seed='{Seed}' case={Case} baseSeed=0x{FuzzRunner.BaseSeed:X8} mutation=[{Mutation}]\n  {Problem}\n"
        + $"  input ({Input.Length} bytes, base64): {Convert.ToBase64String(Input)[..Math.Min(Convert.ToBase64String(Input).Length, 400)]}";
}

/// <summary>What a fuzz run did.</summary>
internal sealed class FuzzReport
{
    public required string Target { get; init; }
    public int Seeds { get; init; }
    public int Inputs;
    public int Accepted;
    public int NotRun;
    public readonly ConcurrentDictionary<string, int> Refusals = new();
    public readonly ConcurrentBag<FuzzFinding> Findings = [];
    public readonly ConcurrentDictionary<string, double> MillisecondsBySeed = new();
    public TimeSpan Elapsed;
    public double SlowestMs;
    public string SlowestCase = "";
    private readonly object _slowLock = new();

    internal void Slow(double ms, string where)
    {
        lock (_slowLock)
        {
            if (ms <= SlowestMs) return;
            SlowestMs = ms;
            SlowestCase = where;
        }
    }

    public string Summary() =>
        $"{Target}: {Inputs} inputs from {Seeds} seeds in {Elapsed.TotalSeconds:F1} s; accepted {Accepted}, refused {Refusals.Values.Sum()} "
        + $"({string.Join(", ", Refusals.OrderByDescending(kv => kv.Value).Select(kv => kv.Key + " " + kv.Value))}); "
        + $"findings {Findings.Count}{(NotRun > 0 ? $", NOT RUN {NotRun}" : "")}; slowest {SlowestMs:F0} ms ({SlowestCase}); "
        + $"costliest seeds: {string.Join(", ", MillisecondsBySeed.OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key} {kv.Value / 1000:F1} s"))}";

    public string Failures(int max = 8)
    {
        var groups = Findings.OrderBy(f => f.Seed, StringComparer.Ordinal).ThenBy(f => f.Case)
            .GroupBy(f => f.Problem.Split('\n')[0].Length > 160 ? f.Problem.Split('\n')[0][..160] : f.Problem.Split('\n')[0]).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"{Findings.Count} finding(s) in {groups.Count} group(s) for {Target}; reproduce one with FuzzRunner.Generate(target, seed, case):");
        foreach (var g in groups.Take(max))
        {
            sb.AppendLine($"--- {g.Count()} x {g.Key}");
            sb.AppendLine(g.OrderBy(f => f.Input.Length).First().ToString());
        }
        return sb.ToString();
    }
}

/// <summary>
/// Runs seeded mutation cases against one entry point with the oracle: every input ends in success (then the target's own
/// checks apply) or in a <see cref="KmsImportException"/> whose ErrorId is one of the crypto layer's <see cref="ErrorIds"/>, whose
/// messages never contain hex or base64 of the seed's secret key bytes, within <see cref="CaseTimeout"/>. Cases run on
/// dedicated worker threads watched by the calling thread, so a hang is reported (with its case) rather than blocking the run.
/// Case i of seed s of target t is always the same input: its mutator is seeded from (BaseSeed, t, s, i).
/// </summary>
internal static class FuzzRunner
{
    /// <summary>The base seed; KMSIMPORT_FUZZ_SEED (decimal or 0x hex) overrides it for exploratory runs.</summary>
    public static readonly int BaseSeed = ReadSeed();

    /// <summary>Multiplier of every case count; KMSIMPORT_FUZZ_SCALE (e.g. 10) for longer local runs.</summary>
    public static readonly double Scale = double.TryParse(Environment.GetEnvironmentVariable("KMSIMPORT_FUZZ_SCALE"), System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 1.0;

    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    // The crypto layer's ids (key specs, material, wrapping, proofs, secret files): a parser that
    // answered with a KMS service or connection id would be a bug.
    private static readonly string[] CryptoPrefixes = { "KeySpec", "KeyMaterial", "Wrapping", "PublicKey", "Proof", "SigningAlgorithm", "SecretFile" };

    public static readonly IReadOnlySet<string> DocumentedIds = typeof(ErrorIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string) && CryptoPrefixes.Any(p => f.Name.StartsWith(p, StringComparison.Ordinal)))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    private static int ReadSeed()
    {
        string? v = Environment.GetEnvironmentVariable("KMSIMPORT_FUZZ_SEED");
        if (string.IsNullOrEmpty(v)) return 0x4B4D5346; // "KMSF"
        return v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.Parse(v[2..], System.Globalization.NumberStyles.HexNumber)
            : int.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>FNV-1a of (base seed, target, seed name, case index): stable across runs, processes and platforms.</summary>
    public static int CaseSeed(string target, string seedName, int index)
    {
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes($"{BaseSeed}|{target}|{seedName}|{index}"))
        {
            h ^= b;
            h *= 16777619;
        }
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>The input of one case, and what the mutator did to the seed.</summary>
    public static (byte[] Input, string Mutation) Generate(string target, FuzzSeed seed, int index)
    {
        var mutator = new Mutator(CaseSeed(target, seed.Name, index));
        byte[] input = mutator.Mutate(seed);
        return (input, string.Join("; ", mutator.Log));
    }

    public static int Cases(int baseCount) => Math.Max(1, (int)Math.Round(baseCount * Scale));

    /// <summary>
    /// Cases per seed: <paramref name="baseCount"/> scaled, fewer for the costly RSA-3072/4096 seeds (BouncyCastle validates an
    /// RSA modulus with Miller-Rabin rounds and checks a private key with a full-size modular exponentiation; their parsing
    /// paths are those of RSA-2048, which gets the full count).
    /// </summary>
    public static Func<FuzzSeed, int> CasesWeighted(int baseCount, double rsa3072 = 0.4, double rsa4096 = 0.2, double encrypted = 0.5) => seed =>
    {
        double weight = seed.Spec switch
        {
            KeySpec.RSA_3072 => rsa3072,
            KeySpec.RSA_4096 => rsa4096,
            _ => 1.0,
        };
        // Encrypted PKCS#8 costs a PBKDF2 run (2048 iterations) per case; past the decryption it is the PKCS#8 path.
        if (seed.Password != null) weight *= encrypted;
        return Cases((int)Math.Round(baseCount * weight));
    };

    /// <summary>
    /// Runs <paramref name="casesPerSeed"/> mutations of every seed through <paramref name="body"/>, which returns null when
    /// the outcome is right or a description of an oracle violation. Exceptions are classified here.
    /// </summary>
    public static FuzzReport Run(string target, IReadOnlyList<FuzzSeed> seeds, Func<FuzzSeed, int> casesPerSeed, Func<FuzzSeed, byte[], int, string?> body,
        Func<FuzzSeed, int, (byte[] Input, string Mutation)>? generate = null, TimeSpan? timeout = null)
    {
        generate ??= (seed, index) => Generate(target, seed, index);
        var caseTimeout = timeout ?? CaseTimeout;
        var report = new FuzzReport { Target = target, Seeds = seeds.Count };
        // Case i of the run is case (i - first[s]) of seed s.
        var first = new int[seeds.Count + 1];
        for (int k = 0; k < seeds.Count; k++) first[k + 1] = first[k] + casesPerSeed(seeds[k]);
        int total = first[seeds.Count];
        (FuzzSeed Seed, int Index) Locate(int i)
        {
            int k = Array.BinarySearch(first, i);
            if (k < 0) k = ~k - 1;
            while (k + 1 < first.Length && first[k + 1] <= i) k++;
            return (seeds[k], i - first[k]);
        }
        var leakCheckers = new ConcurrentDictionary<string, SecretFragments>();
        int next = -1;
        int workerCount = Math.Max(2, Environment.ProcessorCount);
        var current = new int[workerCount];
        var started = new long[workerCount];
        var abandoned = new bool[workerCount];
        var done = new bool[workerCount];
        var threads = new Thread[workerCount];
        var stopwatch = Stopwatch.StartNew();

        for (int w = 0; w < workerCount; w++)
        {
            int worker = w;
            current[worker] = -1;
            threads[worker] = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        int i = Interlocked.Increment(ref next);
                        if (i >= total) break;
                        Volatile.Write(ref started[worker], Stopwatch.GetTimestamp());
                        Volatile.Write(ref current[worker], i);
                        var (seed, index) = Locate(i);
                        try
                        {
                            RunCase(report, seed, index, body, generate, leakCheckers);
                        }
                        catch (Exception e)
                        {
                            // The mutator or the report itself failed: never let it kill the test host.
                            report.Findings.Add(new FuzzFinding(target, seed.Name, index, "?", $"fuzz harness failure {e}", []));
                        }
                        Volatile.Write(ref current[worker], -1);
                        if (Volatile.Read(ref abandoned[worker])) return;
                    }
                }
                finally
                {
                    Volatile.Write(ref done[worker], true);
                }
            }, 16 * 1024 * 1024) { IsBackground = true, Name = $"fuzz {target} #{worker}" };
            threads[worker].Start();
        }

        // Watchdog: the calling thread reports a case that runs longer than the timeout and stops waiting for its worker.
        while (true)
        {
            bool allSettled = true;
            for (int w = 0; w < workerCount; w++)
            {
                if (Volatile.Read(ref done[w]) || abandoned[w]) continue;
                allSettled = false;
                int i = Volatile.Read(ref current[w]);
                if (i < 0) continue;
                var running = Stopwatch.GetElapsedTime(Volatile.Read(ref started[w]));
                if (running > caseTimeout && Volatile.Read(ref current[w]) == i)
                {
                    abandoned[w] = true;
                    var (seed, index) = Locate(i);
                    var (input, mutation) = generate(seed, index);
                    report.Findings.Add(new FuzzFinding(target, seed.Name, index, mutation,
                        $"HANG: still running after {running.TotalSeconds:F1} s (timeout {caseTimeout.TotalSeconds:F1} s)", input));
                }
            }
            if (allSettled) break;
            Thread.Sleep(20);
        }
        stopwatch.Stop();
        report.Elapsed = stopwatch.Elapsed;
        report.NotRun = Math.Max(0, total - report.Inputs - report.Findings.Count(f => f.Problem.StartsWith("HANG", StringComparison.Ordinal)));
        return report;
    }

    private static void RunCase(FuzzReport report, FuzzSeed seed, int index, Func<FuzzSeed, byte[], int, string?> body,
        Func<FuzzSeed, int, (byte[] Input, string Mutation)> generate, ConcurrentDictionary<string, SecretFragments> leakCheckers)
    {
        var (input, mutation) = generate(seed, index);
        long start = Stopwatch.GetTimestamp();
        string? problem;
        try
        {
            problem = body(seed, input, index);
            if (problem == null) Interlocked.Increment(ref report.Accepted);
        }
        catch (KmsImportException e) when (DocumentedIds.Contains(e.ErrorId))
        {
            report.Refusals.AddOrUpdate(e.ErrorId, 1, (_, n) => n + 1);
            problem = seed.SecretForms.Count == 0 ? null
                : leakCheckers.GetOrAdd(seed.Name, _ => new SecretFragments(seed.SecretForms)).FindIn(e);
        }
        catch (KmsImportException e)
        {
            problem = $"KmsImportException with an undocumented ErrorId '{e.ErrorId}': {e.Message}";
        }
        catch (Exception e)
        {
            problem = $"{e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
        }
        Interlocked.Increment(ref report.Inputs);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        report.Slow(ms, $"{seed.Name} #{index}");
        report.MillisecondsBySeed.AddOrUpdate(seed.Name, ms, (_, t) => t + ms);
        if (problem != null) report.Findings.Add(new FuzzFinding(report.Target, seed.Name, index, mutation, problem, input));
    }
}

/// <summary>
/// Recognizes secret key bytes in text: any 8-byte run of a secret as hex (either case), any 16-character run of the base64 of
/// a secret (at each of the three byte alignments, so also runs cut from the middle of a PEM body).
/// </summary>
internal sealed class SecretFragments
{
    private const int HexWindow = 16;
    private const int Base64Window = 16;
    private readonly HashSet<string> _hex = new(StringComparer.Ordinal);
    private readonly HashSet<string> _base64 = new(StringComparer.Ordinal);

    public SecretFragments(IEnumerable<byte[]> secrets)
    {
        foreach (var secret in secrets)
        {
            string hex = Convert.ToHexString(secret).ToLowerInvariant();
            for (int i = 0; i + HexWindow <= hex.Length; i += 2) _hex.Add(hex.Substring(i, HexWindow));
            for (int shift = 0; shift < 3 && shift < secret.Length; shift++)
            {
                string b64 = Convert.ToBase64String(secret, shift, secret.Length - shift);
                for (int i = 0; i + Base64Window <= b64.Length - 4; i++) _base64.Add(b64.Substring(i, Base64Window));
            }
        }
    }

    /// <summary>A description of the first secret fragment in the exception's messages (inner ones too), or null.</summary>
    public string? FindIn(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException)
        {
            string? found = FindIn(x.Message);
            if (found != null) return $"LEAK: the message of {x.GetType().Name} contains {found}: {x.Message}";
        }
        return null;
    }

    public string? FindIn(string text)
    {
        string lower = text.ToLowerInvariant();
        for (int i = 0; i + HexWindow <= lower.Length; i++)
        {
            if (_hex.Contains(lower.Substring(i, HexWindow))) return $"hex of key bytes at {i}";
        }
        for (int i = 0; i + Base64Window <= text.Length; i++)
        {
            if (_base64.Contains(text.Substring(i, Base64Window))) return $"base64 of key bytes at {i}";
        }
        return null;
    }
}
