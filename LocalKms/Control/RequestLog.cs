using System.Text.Json.Serialization;

namespace LocalKms.Control;

/// <summary>One KMS call as the control API reports it. Holds no key material, tokens or plaintext.</summary>
internal sealed class RequestLogEntry
{
    [JsonPropertyName("time")]
    public string Time { get; set; } = "";

    /// <summary>"kms" or "sts".</summary>
    [JsonPropertyName("service")]
    public string Service { get; set; } = "kms";

    [JsonPropertyName("operation")]
    public string? Operation { get; set; }

    [JsonPropertyName("region")]
    public string Region { get; set; } = "";

    [JsonPropertyName("accessKeyId")]
    public string? AccessKeyId { get; set; }

    /// <summary>The caller's account (the default account until the caller is known).</summary>
    [JsonPropertyName("account")]
    public string Account { get; set; } = "";

    /// <summary>HTTP status; 0 when the connection was dropped by a fault.</summary>
    [JsonPropertyName("status")]
    public int Status { get; set; }

    [JsonPropertyName("errorType")]
    public string? ErrorType { get; set; }

    /// <summary>The bare key id (uuid or mrk-...) the call resolved to, or the KeyId it named.</summary>
    [JsonPropertyName("keyId")]
    public string? KeyId { get; set; }

    [JsonPropertyName("requestId")]
    public string RequestId { get; set; } = "";

    [JsonPropertyName("durationMs")]
    public long DurationMs { get; set; }
}

/// <summary>A bounded in-memory log of KMS calls.</summary>
internal sealed class RequestLog
{
    private const int Capacity = 20_000;
    private readonly Lock _gate = new();
    private readonly LinkedList<RequestLogEntry> _entries = new();

    public void Add(RequestLogEntry e)
    {
        lock (_gate)
        {
            _entries.AddLast(e);
            if (_entries.Count > Capacity)
            {
                _entries.RemoveFirst();
            }
        }
    }

    public RequestLogEntry[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }
}
