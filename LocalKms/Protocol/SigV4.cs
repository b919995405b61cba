using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace LocalKms.Protocol;

/// <summary>The parts of an <c>AWS4-HMAC-SHA256</c> Authorization header.</summary>
internal sealed record SigV4Authorization(
    string AccessKeyId, string Date, string Region, string Service, string[] SignedHeaders, string Signature)
{
    public string Scope => $"{Date}/{Region}/{Service}/aws4_request";

    /// <summary>Returns null when the header is absent or not SigV4; never throws.</summary>
    public static SigV4Authorization? TryParse(string? header)
    {
        const string Prefix = "AWS4-HMAC-SHA256 ";
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (string part in header[Prefix.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            string name = part[..eq], value = part[(eq + 1)..];
            switch (name)
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }

        if (credential is null)
        {
            return null;
        }

        string[] scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
        {
            return null;
        }

        return new SigV4Authorization(
            scope[0], scope[1], scope[2], scope[3],
            (signedHeaders ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries),
            signature ?? "");
    }
}

/// <summary>Verifies SigV4 request signatures (header form, as the SDKs and the CLI sign KMS calls).</summary>
internal static class SigV4
{
    /// <summary>
    /// Checks the signature of a request signed with <paramref name="secret"/> for <paramref name="service"/>
    /// ("kms" or "sts"); throws <c>InvalidSignatureException</c> when it does not match.
    /// </summary>
    public static void Verify(HttpRequest request, byte[] body, SigV4Authorization auth, string secret, string service)
    {
        string? amzDate = request.Headers["X-Amz-Date"].FirstOrDefault();
        if (amzDate is null || auth.SignedHeaders.Length == 0 || !auth.SignedHeaders.Contains("host") || auth.Service != service)
        {
            throw InvalidSignature();
        }

        string expected = ComputeSignature(request, body, auth, amzDate, secret);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Signature)))
        {
            throw InvalidSignature();
        }
    }

    private static KmsException InvalidSignature() => new(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");

    internal static string ComputeSignature(HttpRequest request, byte[] body, SigV4Authorization auth, string amzDate, string secret)
    {
        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        canonical.Append(CanonicalPath(request.Path.HasValue ? request.Path.Value! : "/")).Append('\n');
        canonical.Append(CanonicalQuery(request.QueryString.HasValue ? request.QueryString.Value! : "")).Append('\n');
        foreach (string h in auth.SignedHeaders)
        {
            string value = h == "host" && request.Headers.Host.Count == 0
                ? request.Host.Value ?? ""
                : string.Join(",", request.Headers[h].Select(NormalizeValue));
            canonical.Append(h).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(string.Join(";", auth.SignedHeaders)).Append('\n');
        string? payloadHash = request.Headers["X-Amz-Content-Sha256"].FirstOrDefault();
        canonical.Append(string.IsNullOrEmpty(payloadHash) ? Hex(SHA256.HashData(body)) : payloadHash);

        string stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + auth.Scope + "\n" +
            Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));

        byte[] k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(auth.Date));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(auth.Region));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(auth.Service));
        k = HMACSHA256.HashData(k, "aws4_request"u8.ToArray());
        return Hex(HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private static string NormalizeValue(string? v)
    {
        if (v is null)
        {
            return "";
        }

        var sb = new StringBuilder(v.Length);
        bool space = false;
        foreach (char c in v.Trim())
        {
            if (c == ' ')
            {
                if (!space)
                {
                    sb.Append(c);
                }

                space = true;
            }
            else
            {
                sb.Append(c);
                space = false;
            }
        }

        return sb.ToString();
    }

    private static string CanonicalPath(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        return string.Join("/", path.Split('/').Select(seg => UriEncode(Uri.UnescapeDataString(seg))));
    }

    private static string CanonicalQuery(string query)
    {
        if (query.StartsWith('?'))
        {
            query = query[1..];
        }

        if (query.Length == 0)
        {
            return "";
        }

        return string.Join("&", query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                int eq = p.IndexOf('=', StringComparison.Ordinal);
                string k = eq < 0 ? p : p[..eq], v = eq < 0 ? "" : p[(eq + 1)..];
                return (K: UriEncode(Uri.UnescapeDataString(k)), V: UriEncode(Uri.UnescapeDataString(v)));
            })
            .OrderBy(p => p.K, StringComparer.Ordinal).ThenBy(p => p.V, StringComparer.Ordinal)
            .Select(p => p.K + "=" + p.V));
    }

    private static string UriEncode(string s)
    {
        var sb = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(s))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
