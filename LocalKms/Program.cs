using System.Runtime.InteropServices;

namespace LocalKms;

/// <summary>
/// <c>dotnet LocalKms.dll --port 0</c>: prints exactly one stdout line
/// <c>LocalKms listening on http://127.0.0.1:PORT</c> when ready; stops on SIGTERM, Ctrl+C, or end of
/// stdin with <c>--exit-on-stdin-close</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LocalKmsOptions options;
        try
        {
            options = LocalKmsOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("LocalKms: " + e.Message);
            await Console.Error.WriteLineAsync(LocalKmsOptions.Usage);
            return 2;
        }

        if (options.ShowHelp)
        {
            await Console.Out.WriteLineAsync(LocalKmsOptions.Usage);
            return 0;
        }

        LocalKmsServer server;
        try
        {
            server = await LocalKmsServer.StartAsync(options);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            await Console.Error.WriteLineAsync($"LocalKms: cannot start: {e.Message}");
            return 1;
        }

        await using (server)
        {
            void Stop(PosixSignalContext ctx)
            {
                ctx.Cancel = true;
                server.RequestStop();
            }

            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

            if (options.ExitOnStdinClose)
            {
                var watcher = new Thread(() =>
                {
                    try
                    {
                        using Stream stdin = Console.OpenStandardInput();
                        byte[] buffer = new byte[256];
                        while (stdin.Read(buffer, 0, buffer.Length) > 0)
                        {
                        }
                    }
                    catch (IOException)
                    {
                    }

                    server.RequestStop();
                })
                { IsBackground = true, Name = "LocalKms stdin watcher" };
                watcher.Start();
            }

            Console.Out.WriteLine($"LocalKms listening on {server.Url}");
            Console.Out.Flush();
            await server.WaitForShutdownAsync();
        }

        return 0;
    }
}
