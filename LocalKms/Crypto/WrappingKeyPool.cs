using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace LocalKms.Crypto;

/// <summary>
/// Fresh RSA wrapping key pairs for GetParametersForImport, generated ahead of time on a background thread
/// so the call answers quickly (RSA-4096 generation takes about a second). Every pair is handed out once.
/// At start one pair per spec is prepared; a spec that has been asked for is then kept at the full size.
/// When the pool is empty the call generates its pair itself.
/// With reuse (--reuse-wrapping-keys, for benchmarks only) each spec has one pair, made on first use and
/// handed out (as a copy) again and again: no background generation, nothing for a big batch to wait for.
/// </summary>
internal sealed class WrappingKeyPool : IDisposable
{
    private static readonly string[] Specs = ["RSA_2048", "RSA_4096", "RSA_3072"];

    private readonly int _target;
    private readonly Dictionary<string, int> _targets;
    private readonly Dictionary<string, ConcurrentQueue<byte[]>> _pools = Specs.ToDictionary(s => s, _ => new ConcurrentQueue<byte[]>());
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread? _worker;
    private readonly ConcurrentDictionary<string, byte[]>? _reused;
    private int _disposed;

    public WrappingKeyPool(int perSpec, bool reuse = false)
    {
        if (reuse)
        {
            _reused = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
            perSpec = 0;
        }

        _target = perSpec;
        _targets = Specs.ToDictionary(s => s, _ => Math.Min(1, perSpec));
        if (perSpec > 0)
        {
            _worker = new Thread(Fill) { IsBackground = true, Name = "LocalKms wrapping key pool", Priority = ThreadPriority.BelowNormal };
            _worker.Start();
        }
    }

    /// <summary>Number of ready pairs per spec (for diagnostics and tests).</summary>
    public IReadOnlyDictionary<string, int> Ready => _reused is null
        ? _pools.ToDictionary(p => p.Key, p => p.Value.Count)
        : Specs.ToDictionary(s => s, s => _reused.ContainsKey(s) ? 1 : 0);

    /// <summary>Returns a PKCS#8 RSA private key never handed out before.</summary>
    public byte[] Take(string wrappingKeySpec)
    {
        if (!_pools.TryGetValue(wrappingKeySpec, out ConcurrentQueue<byte[]>? q))
        {
            throw new ArgumentOutOfRangeException(nameof(wrappingKeySpec));
        }

        if (_reused is not null)
        {
            // A copy: the caller zeroes what it is given.
            return (byte[])_reused.GetOrAdd(wrappingKeySpec, Generate).Clone();
        }

        byte[]? pkcs8 = q.TryDequeue(out byte[]? ready) ? ready : null;
        if (_target > 0 && _disposed == 0)
        {
            lock (_targets)
            {
                _targets[wrappingKeySpec] = _target;
            }

            _wake.Release();
        }

        return pkcs8 ?? Generate(wrappingKeySpec);
    }

    private static byte[] Generate(string spec)
    {
        using var rsa = RSA.Create(KmsNames.RsaBits(spec));
        return rsa.ExportPkcs8PrivateKey();
    }

    private void Fill()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                bool generated = false;
                foreach (string spec in Specs)
                {
                    if (_stop.IsCancellationRequested)
                    {
                        return;
                    }

                    int target;
                    lock (_targets)
                    {
                        target = _targets[spec];
                    }

                    if (_pools[spec].Count < target)
                    {
                        _pools[spec].Enqueue(Generate(spec));
                        generated = true;
                        break; // re-check from the cheapest spec: it is the one most likely needed
                    }
                }

                if (!generated)
                {
                    _wake.Wait(_stop.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _worker?.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        _wake.Dispose();
        foreach (byte[] k in _reused?.Values ?? [])
        {
            CryptographicOperations.ZeroMemory(k);
        }

        foreach (ConcurrentQueue<byte[]> q in _pools.Values)
        {
            while (q.TryDequeue(out byte[]? k))
            {
                CryptographicOperations.ZeroMemory(k);
            }
        }
    }
}
