namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Tells raw material (SYMMETRIC_DEFAULT, HMAC) that is plainly not random from material that may be: constant
    /// bytes, a short pattern repeated, or too few distinct byte values. It cannot prove randomness; it catches the
    /// placeholder keys (zeros, 0xFF, "abab…", a 16-byte block twice) that get imported by mistake and, for HMAC and
    /// asymmetric keys, can never be replaced.
    /// </summary>
    /// <remarks>
    /// False positives on CSPRNG output, for n = 28..128 bytes (every raw length KMS takes):
    /// <list type="bullet">
    /// <item><description>Repetition: material is refused when for some period p in 1..n-12 every byte equals the one p
    /// before it. For random bytes that holds with probability 256^-(n-p) &lt;= 256^-12 ≈ 1.3e-29 per p; over at most
    /// 116 periods, &lt; 1.5e-27. Constant bytes are the case p = 1.</description></item>
    /// <item><description>Distinct values: refused when fewer than n/4 distinct byte values occur (k = ceil(n/4) - 1 or
    /// fewer). P(at most k distinct) &lt;= C(256, k) · (k/256)^n: n = 28, k = 6: 8.4e-35; n = 29, k = 7: 6.1e-33 (the
    /// worst length); n = 32, k = 7: 1.3e-37; n = 64, k = 15: 9.3e-56; n = 128, k = 31: 3.6e-78 (computed exactly;
    /// it falls with n between the steps of k). A random 28-byte key has about 26.5 distinct values on average.</description></item>
    /// </list>
    /// So a genuine random key is refused with probability below 1e-26: never, in practice. The xUnit suite checks
    /// 2,000 random keys of every length 28..128 (UntrustedInputTests) and recomputes the bound for each length.
    /// </remarks>
    internal static class MaterialEntropy
    {
        /// <summary>Shortest run a repetition must cover before it counts (see the bound above).</summary>
        internal const int MinRepeatedBytes = 12;

        /// <summary>Why the bytes are not random key material, without naming any byte; null when nothing is found.</summary>
        public static string? Weakness(byte[] data)
        {
            int n = data.Length;
            if (n == 0) return "it is empty";
            for (int p = 1; p <= n - MinRepeatedBytes; p++)
            {
                bool repeats = true;
                for (int i = p; i < n && repeats; i++) repeats = data[i] == data[i - p];
                if (repeats)
                    return p == 1 ? $"all {n} bytes have the same value" : $"it repeats a pattern of {p} bytes";
            }
            var seen = new bool[256];
            int distinct = 0;
            foreach (var b in data)
            {
                if (seen[b]) continue;
                seen[b] = true;
                distinct++;
            }
            if (distinct * 4 < n) return $"its {n} bytes take only {distinct} different values (random bytes take about {ExpectedDistinct(n):0})";
            return null;
        }

        private static double ExpectedDistinct(int n) => 256 * (1 - System.Math.Pow(255.0 / 256.0, n));
    }
}
