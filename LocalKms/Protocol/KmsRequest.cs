using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LocalKms.Protocol;

/// <summary>Typed, validating access to the members of a KMS JSON 1.1 request body.</summary>
internal sealed class KmsRequest(JsonObject body)
{
    public JsonObject Body { get; } = body;

    public static KmsRequest Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return new KmsRequest([]);
        }

        JsonObject? body;
        try
        {
            body = JsonNode.Parse(utf8) as JsonObject;
            _ = body?.Count; // materializes the members: duplicate names throw here
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw KmsException.Serialization("The request body is not valid JSON.");
        }

        return body is not null ? new KmsRequest(body) : throw KmsException.Serialization("The request body must be a JSON object.");
    }

    private JsonNode? Get(string name) => Body.TryGetPropertyValue(name, out JsonNode? n) ? n : null;

    public string? String(string name, int min = 0, int max = int.MaxValue, Regex? pattern = null)
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is not JsonValue v || !v.TryGetValue(out string? s))
        {
            throw KmsException.Serialization($"Member {name} must be a string.");
        }

        if (s.Length < min)
        {
            throw KmsException.Constraint(name, s, $"Member must have length greater than or equal to {min}");
        }

        if (s.Length > max)
        {
            throw KmsException.Constraint(name, Shorten(s), $"Member must have length less than or equal to {max}");
        }

        if (pattern is not null && !pattern.IsMatch(s))
        {
            throw KmsException.Constraint(name, Shorten(s), $"Member must satisfy regular expression pattern: {pattern}");
        }

        return s;
    }

    public string RequiredString(string name, int min = 1, int max = int.MaxValue, Regex? pattern = null) =>
        String(name, min, max, pattern) ?? throw KmsException.Missing(name);

    public string? Enum(string name, string[] allowed)
    {
        string? s = String(name);
        if (s is not null && Array.IndexOf(allowed, s) < 0)
        {
            throw KmsException.Constraint(name, s, $"Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }

        return s;
    }

    public string RequiredEnum(string name, string[] allowed) => Enum(name, allowed) ?? throw KmsException.Missing(name);

    public byte[]? Blob(string name, int min = 1, int max = int.MaxValue)
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is not JsonValue v || !v.TryGetValue(out string? s))
        {
            throw KmsException.Serialization($"Member {name} must be a base64 string.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(s);
        }
        catch (FormatException)
        {
            throw KmsException.Serialization($"Member {name} is not valid base64.");
        }

        // The value of a blob is never echoed: it may be secret.
        if (bytes.Length < min)
        {
            throw KmsException.Validation($"1 validation error detected: Value at '{KmsException.Camel(name)}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }

        if (bytes.Length > max)
        {
            throw KmsException.Validation($"1 validation error detected: Value at '{KmsException.Camel(name)}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }

        return bytes;
    }

    public byte[] RequiredBlob(string name, int min = 1, int max = int.MaxValue) => Blob(name, min, max) ?? throw KmsException.Missing(name);

    public bool? Bool(string name)
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is JsonValue v && v.TryGetValue(out bool b))
        {
            return b;
        }

        throw KmsException.Serialization($"Member {name} must be a boolean.");
    }

    public int? Int(string name, int min, int max)
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out int i))
        {
            throw KmsException.Serialization($"Member {name} must be an integer.");
        }

        if (i < min)
        {
            throw KmsException.Constraint(name, i.ToString(CultureInfo.InvariantCulture), $"Member must have value greater than or equal to {min}");
        }

        if (i > max)
        {
            throw KmsException.Constraint(name, i.ToString(CultureInfo.InvariantCulture), $"Member must have value less than or equal to {max}");
        }

        return i;
    }

    /// <summary>A timestamp: epoch seconds (number, as the SDKs send it) or an ISO 8601 string.</summary>
    public DateTimeOffset? Timestamp(string name)
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double seconds) && double.IsFinite(seconds))
            {
                return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000.0));
            }

            if (v.TryGetValue(out string? s))
            {
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs) && double.IsFinite(secs))
                {
                    return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(secs * 1000.0));
                }

                if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset d))
                {
                    return d.ToUniversalTime();
                }
            }
        }

        throw KmsException.Serialization($"Member {name} must be a timestamp.");
    }

    public Dictionary<string, string>? StringMap(string name)
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is not JsonObject o)
        {
            throw KmsException.Serialization($"Member {name} must be a map of strings.");
        }

        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string k, JsonNode? val) in o)
        {
            if (val is not JsonValue jv || !jv.TryGetValue(out string? s))
            {
                throw KmsException.Serialization($"Member {name} must be a map of strings.");
            }

            d[k] = s;
        }

        return d;
    }

    public List<(string Key, string Value)>? Tags(string name = "Tags")
    {
        JsonNode? n = Get(name);
        if (n is null)
        {
            return null;
        }

        if (n is not JsonArray arr)
        {
            throw KmsException.Serialization($"Member {name} must be a list.");
        }

        var list = new List<(string, string)>();
        foreach (JsonNode? item in arr)
        {
            if (item is not JsonObject t)
            {
                throw KmsException.Serialization("A tag must be an object.");
            }

            var tr = new KmsRequest(t);
            string key = tr.RequiredString("TagKey", 1, 128);
            string value = tr.String("TagValue", 0, 256) ?? throw KmsException.Missing("TagValue");
            list.Add((key, value));
        }

        return list;
    }

    private static string Shorten(string s) => s.Length <= 64 ? s : s[..64] + "...";
}
