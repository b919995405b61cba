using System;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// RFC 5649 AES Key Wrap with Padding (alternative IV A65959A6 || MLI), through BouncyCastle's
    /// <see cref="AesWrapPadEngine"/>. This is the one function the RSA_AES_KEY_WRAP path uses.
    /// </summary>
    internal static class AesKeyWrap
    {
        /// <summary>Output length for <paramref name="plaintextLength"/> bytes: 8 * (ceil(m/8) + 1), 16 when m &lt;= 8.</summary>
        public static int WrappedLength(int plaintextLength) => 8 * ((plaintextLength + 7) / 8 + 1);

        public static byte[] WrapPad(byte[] kek, byte[] plaintext)
        {
            if (kek == null) throw new ArgumentNullException(nameof(kek));
            if (plaintext == null) throw new ArgumentNullException(nameof(plaintext));
            if (plaintext.Length == 0) throw new ArgumentException("RFC 5649 cannot wrap zero bytes.", nameof(plaintext));
            var engine = new AesWrapPadEngine();
            engine.Init(true, new KeyParameter(kek));
            return engine.Wrap(plaintext, 0, plaintext.Length);
        }

        /// <summary>Inverse of <see cref="WrapPad"/>; throws when the integrity check fails. Used by tests.</summary>
        public static byte[] UnwrapPad(byte[] kek, byte[] wrapped)
        {
            var engine = new AesWrapPadEngine();
            engine.Init(false, new KeyParameter(kek));
            return engine.Unwrap(wrapped, 0, wrapped.Length);
        }
    }
}
