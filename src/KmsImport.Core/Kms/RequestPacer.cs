using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// Spaces requests per operation so a batch stays inside KMS's per-second request quotas
    /// instead of provoking ThrottlingException. Shared by every worker of a batch; one pacer per
    /// account and Region (quotas are per Region).
    /// </summary>
    public sealed class RequestPacer
    {
        /// <summary>AWS's default quotas (requests per second, per account and Region) for the operations the module calls.</summary>
        public static IReadOnlyDictionary<string, double> AwsDefaultQuotas { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["CreateKey"] = 5,
            ["ReplicateKey"] = 2.5, // counts twice against CreateKey
            ["GetParametersForImport"] = 1,
            ["ImportKeyMaterial"] = 15,
            ["DeleteImportedKeyMaterial"] = 15,
            ["DescribeKey"] = 2000,
            ["ListKeyRotations"] = 100,
            ["RotateKeyOnDemand"] = 5,
            ["GetPublicKey"] = 2000,
        };

        /// <summary>
        /// AWS's default quotas with the caller's overrides (operation name -> requests per second, 0 = not
        /// paced), checked before any request: a name the pacer does not know or a rate that is not a finite
        /// number of 0 or more is refused (neither the name nor the value is quoted back).
        /// </summary>
        public static Dictionary<string, double> WithOverrides(IEnumerable<KeyValuePair<string?, string?>> overrides)
        {
            var quotas = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var q in AwsDefaultQuotas) quotas[q.Key] = q.Value;
            foreach (var o in overrides)
            {
                var name = AwsDefaultQuotas.Keys.FirstOrDefault(k => string.Equals(k, o.Key, StringComparison.OrdinalIgnoreCase));
                if (name == null)
                    throw new KmsImportException(ErrorIds.RequestsPerSecondInvalid, ErrorKind.InvalidArgument,
                        $"-RequestsPerSecond names an operation the batch does not pace. Use one of: {string.Join(", ", AwsDefaultQuotas.Keys)}.")
                    { TargetObject = "RequestsPerSecond" };
                if (!double.TryParse(o.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rate)
                    || double.IsNaN(rate) || double.IsInfinity(rate) || rate < 0)
                    throw new KmsImportException(ErrorIds.RequestsPerSecondInvalid, ErrorKind.InvalidArgument,
                        $"-RequestsPerSecond for {name} is not a number of requests per second (0 or more; 0 stops pacing it), e.g. -RequestsPerSecond @{{ {name} = 2 }}.")
                    { TargetObject = "RequestsPerSecond" };
                quotas[name] = rate;
            }
            return quotas;
        }

        private readonly Dictionary<string, double> _intervalMs = new Dictionary<string, double>(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTime> _next = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        private readonly object _gate = new object();
        private readonly Func<DateTime> _utcNow;
        private readonly Action<TimeSpan> _sleep;

        /// <param name="quotas">Requests per second by operation; operations not named are not paced.</param>
        /// <param name="headroom">Fraction of each quota to use (below 1 leaves room for clock skew and other callers).</param>
        public RequestPacer(IReadOnlyDictionary<string, double> quotas, double headroom = 0.9)
            : this(quotas, headroom, () => DateTime.UtcNow, Thread.Sleep) { }

        /// <summary>With a clock and a sleep of the caller's (tests: no real waiting, no timing).</summary>
        internal RequestPacer(IReadOnlyDictionary<string, double> quotas, double headroom, Func<DateTime> utcNow, Action<TimeSpan> sleep)
        {
            _utcNow = utcNow;
            _sleep = sleep;
            if (headroom <= 0 || headroom > 1) throw new ArgumentOutOfRangeException(nameof(headroom));
            foreach (var q in quotas)
                if (q.Value > 0) _intervalMs[q.Key] = 1000.0 / (q.Value * headroom);
        }

        /// <summary>
        /// Also space each request one interval after the ANSWER to the previous one of its operation (<see cref="Answered"/>).
        /// KMS counts a request when it arrives, and a request released on time can arrive late (a cold connection, a busy
        /// client) so that the next one arrives less than an interval after it; the answer comes after the arrival, so
        /// counting from it keeps arrivals an interval apart whatever the delays, at the cost of one round trip per interval.
        /// </summary>
        public bool SpaceFromAnswers { get; set; }

        private readonly Dictionary<string, int> _inFlight = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTime> _answeredNotBefore = new Dictionary<string, DateTime>(StringComparer.Ordinal);

        /// <summary>The answer to an <paramref name="operation"/> request came back (or it failed): with <see cref="SpaceFromAnswers"/>, the next waits an interval from now.</summary>
        public void Answered(string operation)
        {
            if (!SpaceFromAnswers || !_intervalMs.TryGetValue(operation, out var interval)) return;
            lock (_gate)
            {
                _answeredNotBefore[operation] = _utcNow().AddMilliseconds(interval);
                if (_inFlight.TryGetValue(operation, out var n) && n > 0) _inFlight[operation] = n - 1;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>
        /// With <see cref="SpaceFromAnswers"/>, after its slot: one request of the operation at a time, sent an interval after
        /// the previous answer (a waiter that slept while the previous request was still out waits for its answer too).
        /// </summary>
        private void WaitForAnswer(string operation)
        {
            while (true)
            {
                TimeSpan delay;
                lock (_gate)
                {
                    if (_inFlight.TryGetValue(operation, out var n) && n > 0)
                    {
                        Monitor.Wait(_gate, 100);
                        continue;
                    }
                    var now = _utcNow();
                    delay = _answeredNotBefore.TryGetValue(operation, out var notBefore) && notBefore > now ? notBefore - now : TimeSpan.Zero;
                    if (delay <= TimeSpan.Zero)
                    {
                        _inFlight[operation] = 1;
                        return;
                    }
                    TotalWait += delay;
                }
                _sleep(delay);
            }
        }

        /// <summary>Total time callers spent waiting, for reporting.</summary>
        public TimeSpan TotalWait { get; private set; }

        /// <summary>Blocks until the operation may be sent.</summary>
        public void Wait(string operation)
        {
            if (!_intervalMs.TryGetValue(operation, out var interval)) return;
            TimeSpan delay;
            lock (_gate)
            {
                var now = _utcNow();
                var slot = _next.TryGetValue(operation, out var next) && next > now ? next : now;
                _next[operation] = slot.AddMilliseconds(interval);
                delay = slot - now;
                TotalWait += delay;
            }
            if (delay > TimeSpan.Zero) _sleep(delay);
            if (SpaceFromAnswers) WaitForAnswer(operation);
        }
    }
}
