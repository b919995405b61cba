using System;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsImport.Core.Crypto
{
    /// <summary>The wrapping public key of a GetParametersForImport response (DER X.509 SubjectPublicKeyInfo).</summary>
    public static class WrappingPublicKey
    {
        /// <summary>
        /// Parses the DER SubjectPublicKeyInfo and tells which wrapping key spec it is, from the real key: an
        /// rsaEncryption key of exactly 2048, 3072 or 4096 bits, or an SM2 (sm2p256v1) EC key. Throws
        /// WrappingPublicKeyMalformed (not DER SPKI, truncated, trailing bytes, PEM text),
        /// WrappingPublicKeyNotRsa (another algorithm or curve) or WrappingPublicKeyUnsupportedSize.
        /// </summary>
        public static WrappingKeySpec Inspect(byte[] subjectPublicKeyInfoDer) => Parse(subjectPublicKeyInfoDer).Spec;

        internal sealed class Parsed
        {
            public Parsed(WrappingKeySpec spec, RsaKeyParameters? rsa, ECPublicKeyParameters? sm2, string description)
            {
                Spec = spec;
                Rsa = rsa;
                Sm2 = sm2;
                Description = description;
            }

            public WrappingKeySpec Spec { get; }
            public RsaKeyParameters? Rsa { get; }
            public ECPublicKeyParameters? Sm2 { get; }
            public string Description { get; }

            /// <summary>k, the modulus length in bytes (RSA only).</summary>
            public int ModulusBytes => Rsa == null ? 0 : (Rsa.Modulus.BitLength + 7) / 8;
        }

        internal static Parsed Parse(byte[] spkiDer)
        {
            if (spkiDer == null) throw new ArgumentNullException(nameof(spkiDer));
            if (spkiDer.Length == 0) throw Malformed("it is empty (0 bytes)", null);
            if (Pem.LooksLikePem(spkiDer))
                throw Malformed("it is PEM text, not DER. KMS's PublicKey field is DER; pass those bytes (or decode the PEM body from base64)", null);

            SubjectPublicKeyInfo spki;
            try
            {
                var obj = Asn1Object.FromByteArray(spkiDer);
                spki = SubjectPublicKeyInfo.GetInstance(obj);
            }
            catch (Exception e)
            {
                throw Malformed($"{spkiDer.Length} bytes that do not parse as one DER SubjectPublicKeyInfo ({e.Message})", e);
            }

            var oid = spki.Algorithm.Algorithm;
            if (oid.Equals(PkcsObjectIdentifiers.RsaEncryption))
            {
                RsaPublicKeyStructure rsa;
                try
                {
                    // GetInstance(null) is null: an empty BIT STRING holds no key.
                    rsa = RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey())
                          ?? throw new ArgumentException("the BIT STRING holds no RSAPublicKey");
                }
                catch (Exception e)
                {
                    throw Malformed("its RSA public key is damaged (" + e.Message + ")", e);
                }
                if (rsa.Modulus.SignValue <= 0 || !rsa.PublicExponent.TestBit(0) || rsa.PublicExponent.BitLength < 2)
                    throw Malformed("its RSA modulus or exponent is not valid", null);
                int bits = rsa.Modulus.BitLength;
                WrappingKeySpec spec;
                switch (bits)
                {
                    case 2048: spec = WrappingKeySpec.RSA_2048; break;
                    case 3072: spec = WrappingKeySpec.RSA_3072; break;
                    case 4096: spec = WrappingKeySpec.RSA_4096; break;
                    default:
                        throw new KmsImportException(ErrorIds.WrappingPublicKeyUnsupportedSize, ErrorKind.InvalidData,
                            $"The wrapping public key is a {bits}-bit RSA key; AWS KMS wrapping keys are 2048, 3072 or 4096 bits. "
                            + "Use the PublicKey of a GetParametersForImport response, unchanged.");
                }
                RsaKeyParameters parameters;
                try
                {
                    parameters = WithoutMillerRabin(() => new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent));
                }
                catch (ArgumentException e)
                {
                    // BouncyCastle refuses an even modulus, one with a small prime factor, or a prime (the modulus of a
                    // damaged key, typically after a flipped bit).
                    throw Malformed("its RSA modulus is not a valid RSA modulus (" + e.Message + ")", e);
                }
                return new Parsed(spec, parameters, null, $"a {bits}-bit RSA key ({spec})");
            }

            if (oid.Equals(X9ObjectIdentifiers.IdECPublicKey))
            {
                var curveOid = spki.Algorithm.Parameters as DerObjectIdentifier;
                var sm2 = CurveInfo.ForSpec(KeySpec.SM2)!;
                if (curveOid != null && curveOid.Equals(sm2.Oid))
                {
                    try
                    {
                        var x9 = sm2.Parameters;
                        var q = x9.Curve.DecodePoint(spki.PublicKey.GetOctets()).Normalize();
                        if (!q.IsValid() || q.IsInfinity) throw new ArgumentException("point not on the curve");
                        var parameters = new ECPublicKeyParameters(q, new ECNamedDomainParameters(sm2.Oid, x9));
                        return new Parsed(WrappingKeySpec.SM2, null, parameters, "an SM2 key (SM2)");
                    }
                    catch (Exception e)
                    {
                        throw Malformed("its SM2 public point is not valid (" + e.Message + ")", e);
                    }
                }
                string curve = curveOid != null ? CurveInfo.Describe(curveOid) : "explicit curve parameters";
                throw new KmsImportException(ErrorIds.WrappingPublicKeyNotRsa, ErrorKind.InvalidData,
                    $"The wrapping public key is an EC key on {curve}; AWS KMS wrapping keys are RSA (or SM2 in the China Regions). "
                    + "Use the PublicKey of a GetParametersForImport response — not the public key of the KMS key itself (GetPublicKey).");
            }

            throw new KmsImportException(ErrorIds.WrappingPublicKeyNotRsa, ErrorKind.InvalidData,
                $"The wrapping public key uses the algorithm {oid.Id}; AWS KMS wrapping keys are RSA (rsaEncryption) or SM2. "
                + "Use the PublicKey of a GetParametersForImport response, unchanged.");
        }

        private const string MaxMillerRabinTests = "Org.BouncyCastle.Rsa.MaxMRTests";

        /// <summary>
        /// BouncyCastle proves a public modulus composite with Miller-Rabin rounds: about 100 ms for
        /// RSA-4096, nearly all of a wrap's cost (bench/RESULTS.md). The wrapping key comes from KMS's
        /// own answer and a damaged one fails at ImportKeyMaterial anyway, so for this one constructor
        /// the rounds are skipped (BouncyCastle's own per-thread setting); its cheap checks (odd, no
        /// small prime factors) and ours (exact size) still run.
        /// </summary>
        internal static T WithoutMillerRabin<T>(Func<T> create)
        {
            var previous = Org.BouncyCastle.Utilities.Properties.GetThreadProperty(MaxMillerRabinTests);
            Org.BouncyCastle.Utilities.Properties.SetThreadProperty(MaxMillerRabinTests, "0");
            try { return create(); }
            finally
            {
                if (previous == null) Org.BouncyCastle.Utilities.Properties.RemoveThreadProperty(MaxMillerRabinTests);
                else Org.BouncyCastle.Utilities.Properties.SetThreadProperty(MaxMillerRabinTests, previous);
            }
        }

        private static KmsImportException Malformed(string what, Exception? inner) =>
            new KmsImportException(ErrorIds.WrappingPublicKeyMalformed, ErrorKind.InvalidData,
                $"The wrapping public key is not a DER SubjectPublicKeyInfo: {what}. Pass the PublicKey bytes of the GetParametersForImport "
                + "response unchanged (the AWS CLI prints them base64-encoded: decode before use), or fetch new import parameters.", inner);
    }
}
