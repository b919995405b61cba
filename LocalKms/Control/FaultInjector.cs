using System.Diagnostics;
using System.Text.Json.Serialization;

namespace LocalKms.Control;

/// <summary>One fault rule of the control API (<c>POST /_localkms/faults</c>).</summary>
internal sealed class FaultRule
{
    /// <summary>KMS operation name, or "*" for every operation.</summary>
    [JsonPropertyName("operation")]
    public string Operation { get; set; } = "*";

    /// <summary>Only requests signed for this Region (null = any Region).</summary>
    [JsonPropertyName("region")]
    public string? Region { get; set; }

    /// <summary>Only requests of this account (the caller's account; null = any account).</summary>
    [JsonPropertyName("account")]
    public string? Account { get; set; }

    [JsonPropertyName("latencyMs")]
    public int? LatencyMs { get; set; }

    [JsonPropertyName("throttleRate")]
    public double? ThrottleRate { get; set; }

    /// <summary>At most this many requests per second (sliding one-second window, per account and Region).</summary>
    [JsonPropertyName("quotaPerSecond")]
    public double? QuotaPerSecond { get; set; }

    /// <summary>Rules with the same bucket share one quota window (default: the operation name).</summary>
    [JsonPropertyName("bucket")]
    public string? Bucket { get; set; }

    /// <summary>How many units of the quota one request uses (AWS: ReplicateKey counts 2 against CreateKey).</summary>
    [JsonPropertyName("weight")]
    public int? Weight { get; set; }

    [JsonPropertyName("internalErrorRate")]
    public double? InternalErrorRate { get; set; }

    [JsonPropertyName("dropRate")]
    public double? DropRate { get; set; }

    /// <summary>
    /// An odd answer instead of the normal one: "dropAfter" (the connection is closed without an answer),
    /// "emptyBody" (HTTP 200, no body at all), "emptyObject" (HTTP 200, <c>{}</c>), "html" (an HTML error page
    /// with <see cref="Status"/>, as a proxy sends) or "untypedError" (JSON without <c>__type</c>, with <see cref="Status"/>).
    /// </summary>
    [JsonPropertyName("answer")]
    public string? Answer { get; set; }

    /// <summary>
    /// With answer "patch": merged into the normal answer (RFC 7386 style: objects merge, null removes a
    /// field), e.g. <c>{"KeyMetadata":{"KeySpec":"QUANTUM_9000"}}</c>: an endpoint with quirks.
    /// </summary>
    [JsonPropertyName("patch")]
    public System.Text.Json.Nodes.JsonObject? Patch { get; set; }

    /// <summary>Share of matching requests that get <see cref="Answer"/> (default 1).</summary>
    [JsonPropertyName("answerRate")]
    public double? AnswerRate { get; set; }

    /// <summary>
    /// Whether the operation is carried out before the odd answer goes out. Default: yes for dropAfter,
    /// emptyBody and emptyObject (the server acted, the client cannot tell); no for html and untypedError.
    /// </summary>
    [JsonPropertyName("perform")]
    public bool? Perform { get; set; }

    /// <summary>HTTP status of an html or untypedError answer (400-599; default 502 and 400).</summary>
    [JsonPropertyName("status")]
    public int? Status { get; set; }

    /// <summary>The rule applies to this many matching requests, then stops (null = no limit).</summary>
    [JsonPropertyName("count")]
    public int? Count { get; set; }

    [JsonPropertyName("seed")]
    public int? Seed { get; set; }

    /// <summary>Matching requests seen so far (reported by GET).</summary>
    [JsonPropertyName("applied")]
    public int Applied { get; set; }

    [JsonIgnore]
    internal Random Rng { get; set; } = new();

    internal string QuotaBucket => Bucket ?? Operation;

    internal static readonly string[] AnswerKinds = ["dropAfter", "emptyBody", "emptyObject", "html", "untypedError", "patch"];

    internal OddAnswer ToOddAnswer() => new(
        Answer!,
        Perform ?? Answer is "dropAfter" or "emptyBody" or "emptyObject" or "patch",
        Status ?? (Answer == "html" ? 502 : 400),
        (System.Text.Json.Nodes.JsonObject?)Patch?.DeepClone());

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Operation))
        {
            throw new ArgumentException("operation is required (an operation name or \"*\").");
        }

        if (Account is not null && !LocalKmsOptions.IsAccountId(Account))
        {
            throw new ArgumentException("account must be a 12-digit account id.");
        }

        static void Rate(string name, double? r)
        {
            if (r is { } v && (double.IsNaN(v) || v < 0 || v > 1))
            {
                throw new ArgumentException($"{name} must be between 0 and 1.");
            }
        }

        Rate("throttleRate", ThrottleRate);
        Rate("internalErrorRate", InternalErrorRate);
        Rate("dropRate", DropRate);
        Rate("answerRate", AnswerRate);
        if (Answer is not null && !AnswerKinds.Contains(Answer))
        {
            throw new ArgumentException("answer must be one of: " + string.Join(", ", AnswerKinds) + ".");
        }

        if (Status is { } st && (st < 400 || st > 599 || Answer is not ("html" or "untypedError")))
        {
            throw new ArgumentException("status (400-599) applies to the answers html and untypedError only.");
        }

        if ((Patch is null) != (Answer != "patch"))
        {
            throw new ArgumentException("patch (an object) goes with the answer \"patch\", and only with it.");
        }

        if ((Perform is not null || AnswerRate is not null) && Answer is null)
        {
            throw new ArgumentException("perform and answerRate need an answer.");
        }
        if (LatencyMs is < 0 or > 600_000)
        {
            throw new ArgumentException("latencyMs must be between 0 and 600000.");
        }

        if (QuotaPerSecond is { } q && (double.IsNaN(q) || q <= 0))
        {
            throw new ArgumentException("quotaPerSecond must be positive.");
        }

        if (Count is < 0)
        {
            throw new ArgumentException("count must not be negative.");
        }

        if (Weight is < 1)
        {
            throw new ArgumentException("weight must be at least 1.");
        }
    }
}

internal enum FaultOutcome
{
    None,
    Throttle,
    InternalError,
    Drop,
    OddAnswer,
}

/// <summary>An odd answer to send (see <see cref="FaultRule.Answer"/>).</summary>
internal sealed record OddAnswer(string Kind, bool Perform, int Status, System.Text.Json.Nodes.JsonObject? Patch = null);

internal readonly record struct FaultDecision(int LatencyMs, FaultOutcome Outcome, OddAnswer? Answer = null);

/// <summary>Evaluates fault rules for each KMS request. Off (no rules) by default.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Bucket, string Account, string Region), Queue<(long Ticks, int Weight)>> _windows = [];
    private List<FaultRule> _rules = [];

    public void Set(IEnumerable<FaultRule> rules)
    {
        var list = rules.ToList();
        foreach (FaultRule r in list)
        {
            r.Validate();
            r.Applied = 0;
            r.Rng = r.Seed is { } s ? new Random(s) : new Random();
        }

        lock (_gate)
        {
            _rules = list;
            _windows.Clear();
        }
    }

    public void Clear() => Set([]);

    public FaultRule[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _rules];
        }
    }

    public FaultDecision Evaluate(string operation, string region, string account)
    {
        lock (_gate)
        {
            if (_rules.Count == 0)
            {
                return default;
            }

            int latency = 0;
            FaultOutcome outcome = FaultOutcome.None;
            OddAnswer? odd = null;
            var quotaRules = new List<FaultRule>();
            foreach (FaultRule r in _rules)
            {
                if ((r.Operation != "*" && r.Operation != operation) || (r.Region is not null && r.Region != region) || (r.Account is not null && r.Account != account))
                {
                    continue;
                }

                if (r.Count is { } c && r.Applied >= c)
                {
                    continue;
                }

                r.Applied++;
                latency += r.LatencyMs ?? 0;
                if (outcome != FaultOutcome.None)
                {
                    continue;
                }

                if (r.DropRate is { } d && r.Rng.NextDouble() < d)
                {
                    outcome = FaultOutcome.Drop;
                }
                else if (r.Answer is not null && r.Rng.NextDouble() < (r.AnswerRate ?? 1))
                {
                    outcome = FaultOutcome.OddAnswer;
                    odd = r.ToOddAnswer();
                }
                else if (r.InternalErrorRate is { } ie && r.Rng.NextDouble() < ie)
                {
                    outcome = FaultOutcome.InternalError;
                }
                else if (r.ThrottleRate is { } t && r.Rng.NextDouble() < t)
                {
                    outcome = FaultOutcome.Throttle;
                }
                else if (r.QuotaPerSecond is not null)
                {
                    quotaRules.Add(r);
                }
            }

            if (outcome == FaultOutcome.None && quotaRules.Count > 0)
            {
                long now = Stopwatch.GetTimestamp();
                long windowStart = now - Stopwatch.Frequency;
                foreach (FaultRule r in quotaRules)
                {
                    Queue<(long Ticks, int Weight)> w = Window(r.QuotaBucket, account, region);
                    while (w.Count > 0 && w.Peek().Ticks <= windowStart)
                    {
                        w.Dequeue();
                    }

                    int used = w.Sum(x => x.Weight);
                    if (used + (r.Weight ?? 1) > r.QuotaPerSecond!.Value + 1e-9)
                    {
                        outcome = FaultOutcome.Throttle;
                        break;
                    }
                }

                if (outcome == FaultOutcome.None)
                {
                    // Only admitted requests use quota; the same bucket is charged once per request.
                    foreach (var g in quotaRules.GroupBy(r => r.QuotaBucket))
                    {
                        Window(g.Key, account, region).Enqueue((now, g.Max(r => r.Weight ?? 1)));
                    }
                }
            }

            return new FaultDecision(latency, outcome, odd);
        }
    }

    private Queue<(long Ticks, int Weight)> Window(string bucket, string account, string region)
    {
        if (!_windows.TryGetValue((bucket, account, region), out Queue<(long, int)>? q))
        {
            q = new Queue<(long, int)>();
            _windows[(bucket, account, region)] = q;
        }

        return q;
    }

    /// <summary>
    /// The per-account, per-Region request quotas of AWS KMS (default values) as rules. The import-related
    /// values come from the project's facts file; the others from the AWS KMS quotas page (approximate).
    /// </summary>
    public static List<FaultRule> AwsDefaultQuotas()
    {
        static FaultRule Q(string op, double rps, string? bucket = null, int? weight = null) =>
            new() { Operation = op, QuotaPerSecond = rps, Bucket = bucket, Weight = weight };

        return
        [
            Q("CreateKey", 5, "CreateKey"),
            Q("ReplicateKey", 5, "CreateKey", 2),
            Q("GetParametersForImport", 1),
            Q("ImportKeyMaterial", 15),
            Q("DeleteImportedKeyMaterial", 15),
            Q("DescribeKey", 2000),
            Q("GetPublicKey", 2000),
            Q("ListKeyRotations", 100),
            Q("RotateKeyOnDemand", 5),
            Q("ListKeys", 100),
            Q("ListAliases", 100),
            Q("CreateAlias", 5),
            Q("DeleteAlias", 5),
            Q("EnableKey", 5),
            Q("DisableKey", 5),
            Q("ScheduleKeyDeletion", 5),
            Q("CancelKeyDeletion", 5),
            Q("GetKeyPolicy", 1000),
            Q("ListResourceTags", 2000),
            Q("Encrypt", 5500, "symmetric-crypto"),
            Q("Decrypt", 5500, "symmetric-crypto"),
            Q("GenerateMac", 5500, "symmetric-crypto"),
            Q("VerifyMac", 5500, "symmetric-crypto"),
            Q("Sign", 500, "asymmetric-crypto"),
            Q("Verify", 500, "asymmetric-crypto"),
        ];
    }
}
