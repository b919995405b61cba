namespace LocalKms.Control;

/// <summary>Real time plus a test-settable offset. Every KMS timestamp and expiry uses it.</summary>
internal sealed class SettableClock
{
    private long _offsetMs;

    public DateTimeOffset Now => DateTimeOffset.UtcNow.AddMilliseconds(Interlocked.Read(ref _offsetMs));

    public double OffsetSeconds => Interlocked.Read(ref _offsetMs) / 1000.0;

    public void Advance(double seconds) => Interlocked.Add(ref _offsetMs, (long)Math.Round(seconds * 1000.0));

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _offsetMs, (long)Math.Round((now - DateTimeOffset.UtcNow).TotalMilliseconds));

    public void Reset() => Interlocked.Exchange(ref _offsetMs, 0);
}
