using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LocalKms.Control;
using LocalKms.Service;
using Microsoft.AspNetCore.Http;

namespace LocalKms.Http;

/// <summary>The test control API under <c>/_localkms/</c> (off the KMS path; loopback only like the rest).</summary>
internal sealed class ControlEndpoint(KmsService service, StsService sts, SettableClock clock, RequestLog log, FaultInjector faults)
{
    public const string Prefix = "/_localkms/";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = false,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public async Task HandleAsync(HttpContext http)
    {
        string path = http.Request.Path.Value!.TrimEnd('/');
        string method = http.Request.Method;
        try
        {
            switch (path, method)
            {
                case ("/_localkms/health", "GET"):
                    await WriteAsync(http, 200, new JsonObject { ["status"] = "ok", ["wrappingKeysReady"] = ReadyJson() });
                    return;

                case ("/_localkms/requests", "GET"):
                    await WriteRawAsync(http, 200, JsonSerializer.Serialize(log.Snapshot(), JsonOptions));
                    return;
                case ("/_localkms/requests", "DELETE"):
                    log.Clear();
                    http.Response.StatusCode = 204;
                    return;

                case ("/_localkms/clock", "GET"):
                    await WriteAsync(http, 200, ClockJson());
                    return;
                case ("/_localkms/clock", "POST"):
                    {
                        JsonObject body = await ReadObjectAsync(http);
                        if (body["advanceSeconds"] is JsonValue adv && adv.GetValueKind() == JsonValueKind.Number && body.Count == 1)
                        {
                            clock.Advance(adv.GetValue<double>());
                        }
                        else if (body["now"] is JsonValue nowValue && nowValue.TryGetValue(out string? iso) && body.Count == 1
                            && DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset now))
                        {
                            clock.Set(now);
                        }
                        else
                        {
                            throw new ControlException("Send {\"advanceSeconds\": N} or {\"now\": \"ISO 8601\"}.");
                        }

                        await WriteAsync(http, 200, ClockJson());
                        return;
                    }

                case ("/_localkms/clock", "DELETE"):
                    clock.Reset();
                    await WriteAsync(http, 200, ClockJson());
                    return;

                case ("/_localkms/faults", "GET"):
                    await WriteRawAsync(http, 200, JsonSerializer.Serialize(faults.Snapshot(), JsonOptions));
                    return;
                case ("/_localkms/faults", "POST"):
                    {
                        JsonNode? body = await ReadNodeAsync(http);
                        List<FaultRule> rules;
                        if (body is JsonObject o && o.Count == 1 && o["preset"] is JsonValue preset && preset.TryGetValue(out string? name))
                        {
                            rules = name == "aws-default-quotas"
                                ? FaultInjector.AwsDefaultQuotas()
                                : throw new ControlException($"Unknown preset '{name}'. Known: aws-default-quotas.");
                        }
                        else if (body is JsonArray or JsonObject)
                        {
                            try
                            {
                                // A single rule object is taken as a one-rule list (PowerShell unrolls one-element arrays).
                                rules = body is JsonArray
                                    ? body.Deserialize<List<FaultRule>>(JsonOptions) ?? []
                                    : [body.Deserialize<FaultRule>(JsonOptions)!];
                            }
                            catch (JsonException e)
                            {
                                throw new ControlException("Fault rules are not valid: " + e.Message);
                            }
                        }
                        else
                        {
                            throw new ControlException("Send a JSON array of fault rules, one rule object, or {\"preset\": \"aws-default-quotas\"}.");
                        }

                        try
                        {
                            faults.Set(rules);
                        }
                        catch (ArgumentException e)
                        {
                            throw new ControlException(e.Message);
                        }

                        await WriteRawAsync(http, 200, JsonSerializer.Serialize(faults.Snapshot(), JsonOptions));
                        return;
                    }

                case ("/_localkms/faults", "DELETE"):
                    faults.Clear();
                    http.Response.StatusCode = 204;
                    return;

                case ("/_localkms/sts", "GET"):
                    await WriteAsync(http, 200, StsJson());
                    return;
                case ("/_localkms/sts", "POST"):
                    ConfigureSts(await ReadObjectAsync(http));
                    await WriteAsync(http, 200, StsJson());
                    return;
                case ("/_localkms/sts", "DELETE"):
                    sts.Reset(sessions: false);
                    await WriteAsync(http, 200, StsJson());
                    return;

                case ("/_localkms/reset", "POST"):
                    service.Reset();
                    sts.Reset(sessions: true);
                    log.Clear();
                    faults.Clear();
                    clock.Reset();
                    http.Response.StatusCode = 204;
                    return;

                default:
                    await WriteAsync(http, 404, new JsonObject { ["error"] = $"No control endpoint {method} {path}." });
                    return;
            }
        }
        catch (ControlException e)
        {
            await WriteAsync(http, 400, new JsonObject { ["error"] = e.Message });
        }
    }

    private JsonObject ReadyJson()
    {
        var o = new JsonObject();
        foreach ((string spec, int n) in service.Pool.Ready)
        {
            o[spec] = n;
        }

        return o;
    }

    /// <summary>
    /// <c>{"deniedRoleArns": [...], "credentialLifetimeSeconds": N}</c>, each optional: the role ARNs AssumeRole
    /// refuses (replaces the list) and the lifetime of new temporary credentials (null = as asked, default 3600 s).
    /// </summary>
    private void ConfigureSts(JsonObject body)
    {
        List<string>? denied = null;
        bool setLifetime = false;
        int? lifetime = null;
        foreach ((string name, JsonNode? value) in body)
        {
            switch (name)
            {
                case "deniedRoleArns":
                    denied = value is JsonArray list && list.All(v => v is JsonValue sv && sv.GetValueKind() == JsonValueKind.String)
                        ? [.. list.Select(v => v!.GetValue<string>())]
                        : throw new ControlException("deniedRoleArns must be a list of role ARNs.");
                    break;
                case "credentialLifetimeSeconds":
                    setLifetime = true;
                    if (value is null)
                    {
                        break;
                    }

                    lifetime = value is JsonValue nv && nv.GetValueKind() == JsonValueKind.Number && nv.TryGetValue(out int n) && n is >= 1 and <= 43200
                        ? n
                        : throw new ControlException("credentialLifetimeSeconds must be an integer from 1 to 43200, or null.");
                    break;
                default:
                    throw new ControlException($"Unknown field '{name}'. Known: deniedRoleArns, credentialLifetimeSeconds.");
            }
        }

        sts.Configure(denied, setLifetime, lifetime);
    }

    private JsonObject StsJson()
    {
        var denied = new JsonArray();
        foreach (string arn in sts.DeniedRoleArns)
        {
            denied.Add(arn);
        }

        return new JsonObject
        {
            ["deniedRoleArns"] = denied,
            ["credentialLifetimeSeconds"] = sts.CredentialLifetimeSeconds,
            ["sessions"] = sts.SessionCount,
        };
    }

    private JsonObject ClockJson() => new()
    {
        ["now"] = clock.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["offsetSeconds"] = clock.OffsetSeconds,
    };

    private static async Task<JsonNode?> ReadNodeAsync(HttpContext http)
    {
        try
        {
            return await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException)
        {
            throw new ControlException("The body is not valid JSON.");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext http) =>
        await ReadNodeAsync(http) as JsonObject ?? throw new ControlException("The body must be a JSON object.");

    private static Task WriteAsync(HttpContext http, int status, JsonNode body) => WriteRawAsync(http, status, body.ToJsonString());

    private static async Task WriteRawAsync(HttpContext http, int status, string json)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(json);
    }

    private sealed class ControlException(string message) : Exception(message);
}
