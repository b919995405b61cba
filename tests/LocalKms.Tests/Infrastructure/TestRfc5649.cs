using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LocalKms.Tests.Infrastructure;

/// <summary>
/// Test-local RFC 5649 AES key wrap with padding, written by hand on AES-ECB so the tests do not wrap with
/// the same code the server unwraps with (the server uses .NET 10's Aes.DecryptKeyWrapPadded).
/// </summary>
public static class TestRfc5649
{
    public static byte[] Wrap(byte[] kek, byte[] plaintext)
    {
        int m = plaintext.Length;
        int padded = (m + 7) / 8 * 8;
        byte[] p = new byte[padded];
        plaintext.CopyTo(p, 0);
        byte[] a = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(a, 0xA65959A6);
        BinaryPrimitives.WriteUInt32BigEndian(a.AsSpan(4), (uint)m);

        using var aes = Aes.Create();
        aes.Key = kek;
        if (padded == 8)
        {
            return aes.EncryptEcb([.. a, .. p], PaddingMode.None);
        }

        int n = padded / 8;
        byte[][] r = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            r[i] = p.AsSpan(i * 8, 8).ToArray();
        }

        for (int j = 0; j <= 5; j++)
        {
            for (int i = 1; i <= n; i++)
            {
                byte[] b = aes.EncryptEcb([.. a, .. r[i - 1]], PaddingMode.None);
                ulong t = (ulong)(n * j + i);
                ulong msb = BinaryPrimitives.ReadUInt64BigEndian(b) ^ t;
                BinaryPrimitives.WriteUInt64BigEndian(a, msb);
                r[i - 1] = b.AsSpan(8, 8).ToArray();
            }
        }

        return [.. a, .. r.SelectMany(x => x)];
    }
}
