using System.Net;
using LocalKms.Control;
using LocalKms.Http;
using LocalKms.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LocalKms;

/// <summary>
/// The LocalKms HTTP server on 127.0.0.1. Used by <c>Program</c> and, in-process, by tests:
/// <c>await using var s = await LocalKmsServer.StartAsync(new LocalKmsOptions());</c> then <see cref="Url"/>.
/// </summary>
public sealed class LocalKmsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly KmsService _service;

    private LocalKmsServer(WebApplication app, KmsService service, Uri url)
    {
        _app = app;
        _service = service;
        BaseUrl = url;
    }

    public Uri BaseUrl { get; }

    /// <summary>"http://127.0.0.1:PORT" (no trailing slash).</summary>
    public string Url => BaseUrl.GetLeftPart(UriPartial.Authority);

    public int Port => BaseUrl.Port;

    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<LocalKmsServer> StartAsync(LocalKmsOptions options, CancellationToken cancellationToken = default)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(LocalKmsServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        if (options.Verbose)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        }

        // The host never owns the console: Program handles SIGTERM/Ctrl+C, tests call DisposeAsync.
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 2 << 20;
        });

        var service = new KmsService(options);
        var clock = new SettableClock();
        var log = new RequestLog();
        var faults = new FaultInjector();
        var sts = new StsService(options, clock);

        WebApplication app = builder.Build();
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocalKms");
        var kms = new KmsEndpoint(options, service, sts, clock, log, faults, logger);
        var stsEndpoint = new StsEndpoint(options, sts, clock, log, logger);
        var control = new ControlEndpoint(service, sts, clock, log, faults);
        app.Run(async http =>
        {
            if (http.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
            {
                http.Response.StatusCode = 403;
                return;
            }

            string path = http.Request.Path.Value ?? "/";
            if (path.StartsWith(ControlEndpoint.Prefix, StringComparison.Ordinal) || path == "/_localkms")
            {
                await control.HandleAsync(http);
            }
            else if (path == "/" && HttpMethods.IsPost(http.Request.Method) && StsEndpoint.IsStsRequest(http.Request))
            {
                await stsEndpoint.HandleAsync(http);
            }
            else if (path == "/" && HttpMethods.IsPost(http.Request.Method))
            {
                await kms.HandleAsync(http);
            }
            else
            {
                http.Response.StatusCode = 404;
                http.Response.ContentType = "application/x-amz-json-1.1";
                await http.Response.WriteAsync("{\"__type\":\"UnknownOperationException\",\"message\":\"LocalKms serves KMS at POST /.\"}");
            }
        });
        app.Lifetime.ApplicationStopped.Register(service.Dispose);

        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address);
        return new LocalKmsServer(app, service, new Uri($"http://127.0.0.1:{bound.Port}"));
    }

    public Task StopAsync() => _app.StopAsync();

    /// <summary>Asks the server to stop (returns at once; <see cref="WaitForShutdownAsync"/> completes).</summary>
    public void RequestStop() => _app.Lifetime.StopApplication();

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _service.Dispose();
    }

    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
