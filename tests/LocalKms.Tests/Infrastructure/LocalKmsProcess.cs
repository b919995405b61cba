using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace LocalKms.Tests.Infrastructure;

/// <summary>LocalKms started as its own process: <c>dotnet LocalKms.dll --port 0 ...</c>.</summary>
public sealed partial class LocalKmsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _restOfStdout;
    private readonly Task<string> _stderr;

    private LocalKmsProcess(Process process, string url, string firstLine)
    {
        _process = process;
        Url = url;
        FirstLine = firstLine;
        _restOfStdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public string Url { get; }

    public string FirstLine { get; }

    public int Pid => _process.Id;

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "LocalKms.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Tools.Find("dotnet");
        var psi = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    public static async Task<LocalKmsProcess> StartAsync(params string[] args)
    {
        var p = Process.Start(StartInfo(args))!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        try
        {
            line = await p.StandardOutput.ReadLineAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(true);
            throw new TimeoutException("LocalKms did not report readiness within 60 s.");
        }

        if (line is null)
        {
            string err = await p.StandardError.ReadToEndAsync();
            throw new InvalidOperationException("LocalKms exited before it was ready: " + err);
        }

        Match m = ReadyLine().Match(line);
        Assert.True(m.Success, $"Unexpected first stdout line: '{line}'");
        return new LocalKmsProcess(p, m.Groups[1].Value, line);
    }

    /// <summary>Sends SIGTERM (kill -TERM) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        await Tools.RunOkAsync("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return await WaitForExitAsync();
    }

    public async Task<int> CloseStdinAsync()
    {
        _process.StandardInput.Close();
        return await WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Everything written to stdout after the readiness line (only valid after exit).</summary>
    public Task<string> RestOfStdoutAsync() => _restOfStdout;

    public Task<string> StderrAsync() => _stderr;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex("^LocalKms listening on (http://127\\.0\\.0\\.1:[0-9]+)$")]
    private static partial Regex ReadyLine();
}
