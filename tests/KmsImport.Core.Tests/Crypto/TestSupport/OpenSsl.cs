using Xunit;
using System.Diagnostics;
using Xunit.Sdk;

namespace KmsImport.Core.Tests.Crypto.TestSupport;

/// <summary>Runs /usr/bin/openssl. A missing binary FAILS the test (it is a required tool of this suite).</summary>
internal static class OpenSsl
{
    public const string Binary = "/usr/bin/openssl";

    public static byte[] Run(params string[] args) => RunWithInput(null, args);

    public static byte[] RunWithInput(byte[]? stdin, params string[] args)
    {
        var (code, stdout, stderr) = TryRun(stdin, args);
        if (code != 0)
            throw new XunitException($"openssl {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    public static (int Code, byte[] Stdout, string Stderr) TryRun(byte[]? stdin, params string[] args)
    {
        if (!File.Exists(Binary))
            throw new XunitException($"{Binary} is missing: the OpenSSL interop tests need OpenSSL 3 (apt-get install openssl).");
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdoutStream = new MemoryStream();
        var stdoutTask = p.StandardOutput.BaseStream.CopyToAsync(stdoutStream);
        if (stdin != null) p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new XunitException($"openssl {string.Join(' ', args)} did not finish in 120 s");
        }
        stdoutTask.Wait();
        return (p.ExitCode, stdoutStream.ToArray(), stderrTask.Result);
    }

    public static string Hex(byte[] data) => Convert.ToHexString(data).ToLowerInvariant();
}

/// <summary>A temporary directory deleted (recursively) on Dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("kmsimport-crypto-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] content)
    {
        var f = File(name);
        System.IO.File.WriteAllBytes(f, content);
        return f;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
