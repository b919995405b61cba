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
/// A short in-process job (no generated project to build, 2 warm-up + 5 measured iterations of
/// ~100 ms each) keeps the whole run near a minute on 2 cores; medians, not means, are reported.
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
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithUnrollFactor(1)
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

        var summaries = BenchmarkRunner.Run(new[] { typeof(WrapBenchmarks), typeof(ParseBenchmarks) }, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
