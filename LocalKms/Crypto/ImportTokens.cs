using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LocalKms.Crypto;

/// <summary>What an import token stands for: one GetParametersForImport response.</summary>
internal sealed record ImportParameters(
    byte[] ParameterSetId,
    string KeyArn,
    string WrappingAlgorithm,
    string WrappingKeySpec,
    DateTimeOffset IssuedAt,
    DateTimeOffset ValidTo,
    byte[] WrappingPrivateKeyPkcs8);

/// <summary>
/// Import tokens are self-contained: the parameter set (key ARN, algorithm, spec, validity and the wrapping
/// private key) sealed with AES-256-GCM under a server secret. Nothing is stored per token, so a newer
/// GetParametersForImport never invalidates an older, unexpired set (AWS documents no such invalidation),
/// and tokens survive a restart when a state file keeps the server secret.
/// </summary>
internal static class ImportTokens
{
    private static readonly byte[] Magic = "LKIT\x01"u8.ToArray();

    public static byte[] Seal(ImportParameters p, byte[] serverKey)
    {
        using var ms = new MemoryStream();
        ms.Write(p.ParameterSetId);
        WriteString(ms, p.KeyArn);
        WriteString(ms, p.WrappingAlgorithm);
        WriteString(ms, p.WrappingKeySpec);
        WriteInt64(ms, p.IssuedAt.ToUnixTimeMilliseconds());
        WriteInt64(ms, p.ValidTo.ToUnixTimeMilliseconds());
        WriteBytes(ms, p.WrappingPrivateKeyPkcs8);
        byte[] plain = ms.ToArray();

        byte[] token = new byte[Magic.Length + 12 + plain.Length + 16];
        Magic.CopyTo(token, 0);
        Span<byte> nonce = token.AsSpan(Magic.Length, 12);
        RandomNumberGenerator.Fill(nonce);
        using (var gcm = new AesGcm(serverKey, 16))
        {
            gcm.Encrypt(nonce, plain, token.AsSpan(Magic.Length + 12, plain.Length), token.AsSpan(token.Length - 16), Magic);
        }

        CryptographicOperations.ZeroMemory(plain);
        return token;
    }

    /// <summary>Returns null when the token was not issued by this server (or was altered).</summary>
    public static ImportParameters? Open(byte[] token, byte[] serverKey)
    {
        if (token.Length < Magic.Length + 12 + 16 + 16 || !token.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }

        int plainLen = token.Length - Magic.Length - 12 - 16;
        byte[] plain = new byte[plainLen];
        try
        {
            using var gcm = new AesGcm(serverKey, 16);
            gcm.Decrypt(token.AsSpan(Magic.Length, 12), token.AsSpan(Magic.Length + 12, plainLen), token.AsSpan(token.Length - 16), plain, Magic);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        try
        {
            int pos = 0;
            byte[] id = plain[..16];
            pos += 16;
            string arn = ReadString(plain, ref pos);
            string alg = ReadString(plain, ref pos);
            string spec = ReadString(plain, ref pos);
            long issued = ReadInt64(plain, ref pos);
            long validTo = ReadInt64(plain, ref pos);
            byte[] pkcs8 = ReadBytes(plain, ref pos);
            return new ImportParameters(id, arn, alg, spec, DateTimeOffset.FromUnixTimeMilliseconds(issued), DateTimeOffset.FromUnixTimeMilliseconds(validTo), pkcs8);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static void WriteString(Stream s, string v) => WriteBytes(s, Encoding.UTF8.GetBytes(v));

    private static void WriteBytes(Stream s, byte[] v)
    {
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, checked((ushort)v.Length));
        s.Write(len);
        s.Write(v);
    }

    private static void WriteInt64(Stream s, long v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, v);
        s.Write(b);
    }

    private static string ReadString(byte[] b, ref int pos) => Encoding.UTF8.GetString(ReadBytes(b, ref pos));

    private static byte[] ReadBytes(byte[] b, ref int pos)
    {
        if (pos + 2 > b.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(b));
        }

        int len = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(pos));
        pos += 2;
        if (pos + len > b.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(b));
        }

        byte[] v = b[pos..(pos + len)];
        pos += len;
        return v;
    }

    private static long ReadInt64(byte[] b, ref int pos)
    {
        if (pos + 8 > b.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(b));
        }

        long v = BinaryPrimitives.ReadInt64BigEndian(b.AsSpan(pos));
        pos += 8;
        return v;
    }
}
