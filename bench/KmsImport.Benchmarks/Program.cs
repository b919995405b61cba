using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;

namespace KmsImport.Benchmarks;

/// <summary>
/// Crypto micro-benchmarks of KmsImport.Core: wrapping (KeyWrapper.Wrap) per algorithm x wrapping key
/// size x material kind, and parsing (KeyMaterial.FromBytes) per input format.
///
///   dotnet KmsImport.Benchmarks.dll [artifacts-dir] [--filter pattern]
///
/// A short in-process job (no generated project to build, 1 warm-up + 5 measured iterations of
/// ~100 ms each, no overhead evaluation) keeps the whole run near a minute on 2 cores; medians, not
/// means, are reported.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var artifacts = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal)
            ? args[0]
            : Path.Combine(Path.GetTempPath(), "kmsimport-bdn");
        var filter = args.SkipWhile(a => a != "--filter").Skip(1).FirstOrDefault();

        var job = Job.Default
            .WithToolchain(InProcessNoEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithUnrollFactor(1)
            .WithEvaluateOverhead(false) // the cheapest case is ~1 µs; the empty-call overhead is noise here
            .WithId("Short-InProcess");

        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(JsonExporter.Brief, MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);
        if (filter != null) config = config.AddFilter(new BenchmarkDotNet.Filters.GlobFilter(new[] { filter }));

        var summaries = BenchmarkRunner.Run(
            new[] { typeof(WrapBenchmarks), typeof(ParseBenchmarks), typeof(WrappingKeyCheckBenchmarks), typeof(RsaParseCheckBenchmarks) }, config);

        // One flat file with full case names (the exporters shorten long parameter values), read by Invoke-Bench.ps1.
        var rows = summaries.SelectMany(s => s.Reports).Select(r => new
        {
            Class = r.BenchmarkCase.Descriptor.Type.Name,
            Method = r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
            Case = string.Join(",", r.BenchmarkCase.Parameters.Items.Select(p => p.Value?.ToString())),
            r.Success,
            MedianNs = r.ResultStatistics?.Median,
            MeanNs = r.ResultStatistics?.Mean,
            MinNs = r.ResultStatistics?.Min,
            MaxNs = r.ResultStatistics?.Max,
            N = r.ResultStatistics?.N,
            AllocatedBytes = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase),
        }).ToList();
        Directory.CreateDirectory(artifacts);
        File.WriteAllText(Path.Combine(artifacts, "kmsimport-results.json"),
            System.Text.Json.JsonSerializer.Serialize(rows, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
