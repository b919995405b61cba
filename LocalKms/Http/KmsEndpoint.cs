using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LocalKms.Control;
using LocalKms.Protocol;
using LocalKms.Service;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LocalKms.Http;

/// <summary>The KMS JSON 1.1 protocol: <c>POST /</c> with <c>X-Amz-Target: TrentService.Operation</c>.</summary>
internal sealed class KmsEndpoint(
    LocalKmsOptions options, KmsService service, StsService sts, SettableClock clock, RequestLog log, FaultInjector faults, ILogger logger)
{
    private const string ContentType = "application/x-amz-json-1.1";
    private const int MaxBody = 1 << 20;

    public async Task HandleAsync(HttpContext http)
    {
        var sw = Stopwatch.StartNew();
        string requestId = Guid.NewGuid().ToString();
        http.Response.Headers["x-amzn-RequestId"] = requestId;

        string? target = http.Request.Headers["X-Amz-Target"].FirstOrDefault();
        string? operation = target is not null && target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : null;
        SigV4Authorization? auth = SigV4Authorization.TryParse(http.Request.Headers.Authorization.FirstOrDefault());
        string region = auth is not null && KmsNames.IsValidRegion(auth.Region) ? auth.Region : options.DefaultRegion;
        var entry = new RequestLogEntry
        {
            Time = clock.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            Operation = operation ?? target,
            Region = region,
            AccessKeyId = auth?.AccessKeyId,
            Account = sts.AccountOf(auth?.AccessKeyId),
            RequestId = requestId,
        };

        // The entry is logged before the answer goes out: a client that has its answer (and then clears
        // or reads the log) must never see the entry arrive afterwards.
        var logged = false;
        void Record()
        {
            if (logged) return;
            logged = true;
            entry.DurationMs = sw.ElapsedMilliseconds;
            log.Add(entry);
            logger.LogInformation("{Operation} {Region} -> {Status} {Error}", entry.Operation, entry.Region, entry.Status, entry.ErrorType);
        }

        try
        {
            byte[] body = await ReadBodyAsync(http.Request);
            Caller caller = sts.Authenticate(http.Request, body, auth, "kms");
            entry.Account = caller.Account;

            if (operation is null)
            {
                throw new KmsException("UnknownOperationException", "The X-Amz-Target header must name a TrentService operation.");
            }

            KmsRequest request = KmsRequest.Parse(body);
            entry.KeyId = request.Body["KeyId"] is JsonValue keyIdValue && keyIdValue.TryGetValue(out string? named) ? named : null;
            FaultDecision fault = faults.Evaluate(operation, region, caller.Account);
            if (fault.LatencyMs > 0)
            {
                await Task.Delay(fault.LatencyMs, http.RequestAborted);
            }

            switch (fault.Outcome)
            {
                case FaultOutcome.Drop:
                    entry.Status = 0;
                    entry.ErrorType = "ConnectionDropped";
                    Record();
                    http.Abort();
                    return;
                case FaultOutcome.InternalError:
                    throw KmsException.Internal("The request was rejected because an internal exception occurred (LocalKms fault injection). The request can be retried.");
                case FaultOutcome.Throttle:
                    throw KmsException.Throttling("Rate exceeded");
            }

            var ctx = new OperationContext(region, auth?.AccessKeyId, clock.Now, caller.Account);
            JsonObject? response = null;
            if (fault.Answer is not { Perform: false })
            {
                try
                {
                    response = service.Invoke(operation, request, ctx);
                }
                finally
                {
                    entry.KeyId = ctx.KeyIdForLog ?? entry.KeyId;
                }
            }

            if (fault.Answer is { Kind: "patch", Patch: { } patch })
            {
                response = Merge(response ?? [], patch);
                entry.ErrorType = "Patched";
            }
            else if (fault.Answer is { } odd)
            {
                await WriteOddAsync(http, entry, odd, Record);
                return;
            }

            entry.Status = 200;
            Record();
            await WriteAsync(http, 200, response!);
        }
        catch (KmsException e)
        {
            entry.Status = e.Status;
            entry.ErrorType = e.Type;
            Record();
            await WriteErrorAsync(http, e.Status, e.Type, e.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            entry.Status = 0;
            entry.ErrorType = "ClientClosedRequest";
        }
        catch (Exception e)
        {
            // Exception type and message only: crypto exceptions never carry key bytes.
            logger.LogError("Internal error in {Operation}: {Type}: {Message}", operation, e.GetType().Name, e.Message);
            entry.Status = 500;
            entry.ErrorType = "KMSInternalException";
            Record();
            await WriteErrorAsync(http, 500, "KMSInternalException", "LocalKms internal error: " + e.GetType().Name);
        }
        finally
        {
            Record(); // the paths that write nothing (client gone)
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var ms = new MemoryStream();
        byte[] buffer = new byte[16384];
        int n;
        while ((n = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > MaxBody)
            {
                throw KmsException.Validation("The request body is too large.");
            }
        }

        return ms.ToArray();
    }

    private static async Task WriteAsync(HttpContext http, int status, JsonObject body)
    {
        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = ContentType;
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(body.ToJsonString());
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes);
    }

    /// <summary>
    /// The odd answers of fault injection; the log names each (errorType) so a test can count them.
    /// "performed" in the name: the operation was carried out first.
    /// </summary>
    private static async Task WriteOddAsync(HttpContext http, RequestLogEntry entry, OddAnswer odd, Action record)
    {
        string done = odd.Perform ? "AfterSuccess" : "";
        switch (odd.Kind)
        {
            case "dropAfter":
                entry.Status = 0;
                entry.ErrorType = "ConnectionDropped" + done;
                record();
                http.Abort();
                return;
            case "emptyBody":
                entry.Status = 200;
                entry.ErrorType = "EmptyBody" + done;
                record();
                http.Response.StatusCode = 200;
                http.Response.ContentType = ContentType;
                http.Response.ContentLength = 0;
                return;
            case "emptyObject":
                entry.Status = 200;
                entry.ErrorType = "EmptyObject" + done;
                record();
                await WriteAsync(http, 200, new JsonObject());
                return;
            case "html":
                entry.Status = odd.Status;
                entry.ErrorType = "HtmlError" + done;
                record();
                http.Response.StatusCode = odd.Status;
                http.Response.ContentType = "text/html; charset=utf-8";
                byte[] page = System.Text.Encoding.UTF8.GetBytes(
                    $"<html><head><title>{odd.Status} Error</title></head><body><h1>{odd.Status} Error</h1><p>proxy-page-marker</p></body></html>");
                http.Response.ContentLength = page.Length;
                await http.Response.Body.WriteAsync(page);
                return;
            default: // untypedError
                entry.Status = odd.Status;
                entry.ErrorType = "UntypedError" + done;
                record();
                await WriteAsync(http, odd.Status, new JsonObject { ["message"] = "untyped-error-marker" });
                return;
        }
    }

    /// <summary>RFC 7386 merge: objects merge, null removes, anything else replaces.</summary>
    private static JsonObject Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject inner && target[name] is JsonObject existing)
            {
                Merge(existing, inner);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }

        return target;
    }

    private static Task WriteErrorAsync(HttpContext http, int status, string type, string message) =>
        WriteAsync(http, status, new JsonObject { ["__type"] = type, ["message"] = message });
}
