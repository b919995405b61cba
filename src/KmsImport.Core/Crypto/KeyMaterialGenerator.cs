using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace KmsImport.Core.Crypto
{
    /// <summary>Fresh material from the operating system's CSPRNG (directly, or through BouncyCastle's SecureRandom).</summary>
    internal static class KeyMaterialGenerator
    {
        private static readonly BigInteger F4 = BigInteger.ValueOf(65537);

        public static KeyMaterial Generate(KeySpec spec)
        {
            int? raw = KeySpecRules.RawMaterialLength(spec);
            if (raw.HasValue)
            {
                var bytes = new byte[raw.Value];
                try
                {
                    using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
                    return new KeyMaterial(spec, bytes, "Generated", null);
                }
                finally
                {
                    Array.Clear(bytes, 0, bytes.Length);
                }
            }

            int? bits = KeySpecRules.RsaModulusBits(spec);
            if (bits.HasValue)
            {
                var structure = FromPlatform(bits.Value) ?? FromBouncyCastle(bits.Value);
                return KeyMaterialReader.FromGeneratedRsa(spec, structure);
            }

            var curve = CurveInfo.ForSpec(spec) ?? throw KeySpecRules.NotImportable(spec);
            var ecGenerator = new ECKeyPairGenerator("EC");
            ecGenerator.Init(new ECKeyGenerationParameters(curve.Oid, new SecureRandom()));
            var ecPair = ecGenerator.GenerateKeyPair();
            return KeyMaterialReader.FromGeneratedEc(spec, ((ECPrivateKeyParameters)ecPair.Private).D);
        }

        /// <summary>
        /// The operating system's RSA key generation (OpenSSL, CNG, Security.framework: several times faster than
        /// BouncyCastle's). Null when the platform does not deliver exactly the asked size with e = 65537 — notably
        /// .NET Framework, where RSA.Create() is an RSACryptoServiceProvider that ignores a KeySize set after
        /// construction — and then BouncyCastle generates the key.
        /// </summary>
        private static RsaPrivateKeyStructure? FromPlatform(int bits)
        {
            RSAParameters p = default;
            try
            {
                using (var rsa = RSA.Create())
                {
                    rsa.KeySize = bits;
                    p = rsa.ExportParameters(true);
                }
                if (p.Modulus == null || p.Exponent == null || p.D == null || p.P == null || p.Q == null || p.DP == null || p.DQ == null || p.InverseQ == null)
                    return null;
                var n = new BigInteger(1, p.Modulus);
                var e = new BigInteger(1, p.Exponent);
                if (n.BitLength != bits || !e.Equals(F4)) return null;
                return new RsaPrivateKeyStructure(n, e, new BigInteger(1, p.D), new BigInteger(1, p.P), new BigInteger(1, p.Q),
                    new BigInteger(1, p.DP), new BigInteger(1, p.DQ), new BigInteger(1, p.InverseQ));
            }
            catch (CryptographicException)
            {
                return null;
            }
            catch (PlatformNotSupportedException)
            {
                return null;
            }
            finally
            {
                Clear(p.D);
                Clear(p.P);
                Clear(p.Q);
                Clear(p.DP);
                Clear(p.DQ);
                Clear(p.InverseQ);
            }
        }

        private static RsaPrivateKeyStructure FromBouncyCastle(int bits)
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(F4, new SecureRandom(), bits, 100));
            var k = (RsaPrivateCrtKeyParameters)generator.GenerateKeyPair().Private;
            return new RsaPrivateKeyStructure(k.Modulus, k.PublicExponent, k.Exponent, k.P, k.Q, k.DP, k.DQ, k.QInv);
        }

        private static void Clear(byte[]? a)
        {
            if (a != null) Array.Clear(a, 0, a.Length);
        }

        /// <summary>Test hook: the BouncyCastle path, which .NET Framework takes.</summary>
        internal static KeyMaterial GenerateRsaWithBouncyCastle(KeySpec spec) =>
            KeyMaterialReader.FromGeneratedRsa(spec, FromBouncyCastle(KeySpecRules.RsaModulusBits(spec)!.Value));
    }
}
