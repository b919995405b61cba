using System;
using System.Collections.Generic;
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
        }
    }
}
