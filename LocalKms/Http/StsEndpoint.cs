using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using LocalKms.Control;
using LocalKms.Protocol;
using LocalKms.Service;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace LocalKms.Http;

/// <summary>
/// A minimal STS on the KMS port: <c>POST /</c> with a form body <c>Action=AssumeRole&amp;Version=2011-06-15&amp;...</c>
/// (the query protocol, SigV4 service <c>sts</c>), answered in XML as AWS does. AssumeRole and GetCallerIdentity only.
/// </summary>
internal sealed class StsEndpoint(LocalKmsOptions options, StsService sts, SettableClock clock, RequestLog log, ILogger logger)
{
    private const int MaxBody = 64 * 1024;
    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";

    /// <summary>KMS's authentication error types as STS names them.</summary>
    private static readonly Dictionary<string, (string Code, int Status)> AuthErrors = new(StringComparer.Ordinal)
    {
        ["MissingAuthenticationTokenException"] = ("MissingAuthenticationToken", 403),
        ["UnrecognizedClientException"] = ("InvalidClientTokenId", 403),
        ["InvalidSignatureException"] = ("SignatureDoesNotMatch", 403),
        ["ExpiredTokenException"] = ("ExpiredToken", 400),
    };

    /// <summary>A request for STS: no KMS target header, and a form body or an STS signature.</summary>
    public static bool IsStsRequest(HttpRequest request)
    {
        if (request.Headers.ContainsKey("X-Amz-Target"))
        {
            return false;
        }

        if (request.ContentType is { } ct && ct.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return SigV4Authorization.TryParse(request.Headers.Authorization.FirstOrDefault())?.Service == "sts";
    }

    public async Task HandleAsync(HttpContext http)
    {
        var sw = Stopwatch.StartNew();
        string requestId = Guid.NewGuid().ToString();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        SigV4Authorization? auth = SigV4Authorization.TryParse(http.Request.Headers.Authorization.FirstOrDefault());
        string region = auth is not null && KmsNames.IsValidRegion(auth.Region) ? auth.Region : options.DefaultRegion;
        string partition = KmsNames.Partition(region);
        var entry = new RequestLogEntry
        {
            Time = clock.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            Service = "sts",
            Region = region,
            AccessKeyId = auth?.AccessKeyId,
            Account = sts.AccountOf(auth?.AccessKeyId),
            RequestId = requestId,
        };

        XElement answer;
        try
        {
            byte[] body = await ReadBodyAsync(http.Request);
            Dictionary<string, StringValues> form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
            string? Param(string name) => form.TryGetValue(name, out StringValues v) ? v.FirstOrDefault() : null;
            string? action = Param("Action");
            entry.Operation = action;

            Caller caller;
            try
            {
                caller = sts.Authenticate(http.Request, body, auth, "sts");
            }
            catch (KmsException e) when (AuthErrors.TryGetValue(e.Type, out var mapped))
            {
                throw new StsException(mapped.Code, e.Message, mapped.Status);
            }

            entry.Account = caller.Account;
            if (Param("Version") is { } version && version != "2011-06-15")
            {
                throw new StsException("InvalidAction", $"Could not find operation {action} for version {version}");
            }

            answer = action switch
            {
                "AssumeRole" => AssumeRole(caller, partition, Param("RoleArn"), Param("RoleSessionName"), Param("DurationSeconds"), requestId),
                "GetCallerIdentity" => Result(
                    "GetCallerIdentity",
                    requestId,
                    new XElement(Ns + "Arn", StsService.CallerArn(caller, partition)),
                    new XElement(Ns + "UserId", caller.Session?.AssumedRoleId ?? caller.AccessKeyId ?? "anonymous"),
                    new XElement(Ns + "Account", caller.Account)),
                null => throw new StsException("MissingAction", "Missing Action"),
                _ => throw new StsException("InvalidAction", $"Could not find operation {action} for version 2011-06-15"),
            };
            entry.Status = 200;
        }
        catch (StsException e)
        {
            entry.Status = e.Status;
            entry.ErrorType = e.Code;
            answer = new XElement(
                Ns + "ErrorResponse",
                new XElement(Ns + "Error", new XElement(Ns + "Type", e.Status >= 500 ? "Receiver" : "Sender"), new XElement(Ns + "Code", e.Code), new XElement(Ns + "Message", e.Message)),
                new XElement(Ns + "RequestId", requestId));
        }

        entry.DurationMs = sw.ElapsedMilliseconds;
        log.Add(entry);
        logger.LogInformation("sts {Operation} -> {Status} {Error}", entry.Operation, entry.Status, entry.ErrorType);
        byte[] bytes = Encoding.UTF8.GetBytes(answer.ToString(SaveOptions.DisableFormatting));
        http.Response.StatusCode = entry.Status;
        http.Response.ContentType = "text/xml";
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    private XElement AssumeRole(Caller caller, string partition, string? roleArn, string? sessionName, string? duration, string requestId)
    {
        StsSession s = sts.AssumeRole(caller, partition, roleArn, sessionName, duration);
        return Result(
            "AssumeRole",
            requestId,
            new XElement(
                Ns + "Credentials",
                new XElement(Ns + "AccessKeyId", s.AccessKeyId),
                new XElement(Ns + "SecretAccessKey", s.SecretAccessKey),
                new XElement(Ns + "SessionToken", s.SessionToken),
                new XElement(Ns + "Expiration", s.Expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
            new XElement(Ns + "AssumedRoleUser", new XElement(Ns + "AssumedRoleId", s.AssumedRoleId), new XElement(Ns + "Arn", s.AssumedRoleArn)));
    }

    private static XElement Result(string action, string requestId, params object[] content) => new(
        Ns + (action + "Response"),
        new XElement(Ns + (action + "Result"), content),
        new XElement(Ns + "ResponseMetadata", new XElement(Ns + "RequestId", requestId)));

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var ms = new MemoryStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > MaxBody)
            {
                throw new StsException("ValidationError", "The request body is too large.");
            }
        }

        return ms.ToArray();
    }
}
