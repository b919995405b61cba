using System;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsImport.Core.Crypto
{
    /// <summary>Non-secret identifiers of key material; see <see cref="KeyMaterial.Fingerprint"/>.</summary>
    internal static class Fingerprints
    {
        public const string SpkiAlgorithm = "SHA256(SPKI)";
        public const string AesKcvAlgorithm = "AES-KCV";

        /// <summary>SHA-256 over the DER SubjectPublicKeyInfo, 64 lowercase hex digits.</summary>
        public static string OfSpki(byte[] spkiDer)
        {
            var digest = new Sha256Digest();
            digest.BlockUpdate(spkiDer, 0, spkiDer.Length);
            var hash = new byte[digest.GetDigestSize()];
            digest.DoFinal(hash, 0);
            return Hex.Lower(hash);
        }

        /// <summary>AES key check value: first 3 bytes of AES-ECB(key, 16 zero bytes), 6 uppercase hex digits.</summary>
        public static string AesKcv(byte[] key)
        {
            var block = new byte[16];
            var aes = new AesEngine();
            aes.Init(true, new KeyParameter(key));
            aes.ProcessBlock(block, 0, block, 0);
            return Hex.Upper(block, 3);
        }

        /// <summary>HMAC key check value: first 3 bytes of HMAC-SHA-n(key, 16 zero bytes), 6 uppercase hex digits.</summary>
        public static string HmacKcv(KeySpec spec, byte[] key)
        {
            var mac = new HMac(HmacDigest(spec));
            mac.Init(new KeyParameter(key));
            var zero = new byte[16];
            mac.BlockUpdate(zero, 0, zero.Length);
            var output = new byte[mac.GetMacSize()];
            mac.DoFinal(output, 0);
            return Hex.Upper(output, 3);
        }

        public static string HmacKcvAlgorithm(KeySpec spec) => "HMAC-SHA" + HmacBits(spec) + "-KCV";

        private static int HmacBits(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.HMAC_224: return 224;
                case KeySpec.HMAC_256: return 256;
                case KeySpec.HMAC_384: return 384;
                case KeySpec.HMAC_512: return 512;
                default: throw new ArgumentOutOfRangeException(nameof(spec));
            }
        }

        private static IDigest HmacDigest(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.HMAC_224: return new Sha224Digest();
                case KeySpec.HMAC_256: return new Sha256Digest();
                case KeySpec.HMAC_384: return new Sha384Digest();
                case KeySpec.HMAC_512: return new Sha512Digest();
                default: throw new ArgumentOutOfRangeException(nameof(spec));
            }
        }
    }
}
