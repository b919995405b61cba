using System;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// ECDH key agreement recipients of CMS EnvelopedData as RFC 5753 (section 3.1.1) and OpenSSL define them:
    /// ephemeral-static ECDH, the X9.63 KDF over ECC-CMS-SharedInfo whose keyInfo is the key-wrap AlgorithmIdentifier
    /// with its parameters ABSENT, then AES key wrap (RFC 3394) of the content-encryption key.
    /// </summary>
    /// <remarks>
    /// Written here rather than taken from BouncyCastle's CmsEnvelopedGenerator.AddKeyAgreementRecipient: BouncyCastle
    /// C# 2.7.0 (ECDHKekGenerator) puts a NULL parameter into that AlgorithmIdentifier, so the KEK it derives differs
    /// from OpenSSL's and neither opens the other's messages (measured: both directions fail with P-256 and P-384).
    /// </remarks>
    internal static class CmsKeyAgreement
    {
        // dhSinglePass-stdDH-sha*kdf-scheme (SEC 1 / RFC 5753), and the X9.63 one with SHA-1 OpenSSL writes by default.
        private static readonly DerObjectIdentifier Sha1Kdf = new DerObjectIdentifier("1.3.133.16.840.63.0.2");
        private static readonly DerObjectIdentifier Sha224Kdf = new DerObjectIdentifier("1.3.132.1.11.0");
        private static readonly DerObjectIdentifier Sha256Kdf = new DerObjectIdentifier("1.3.132.1.11.1");
        private static readonly DerObjectIdentifier Sha384Kdf = new DerObjectIdentifier("1.3.132.1.11.2");
        private static readonly DerObjectIdentifier Sha512Kdf = new DerObjectIdentifier("1.3.132.1.11.3");

        /// <summary>The recipient entry for one EC certificate (AES-256 wrap, SHA-256 KDF).</summary>
        internal sealed class Generator : RecipientInfoGenerator
        {
            private readonly Org.BouncyCastle.X509.X509Certificate _certificate;

            public Generator(Org.BouncyCastle.X509.X509Certificate certificate) => _certificate = certificate;

            public RecipientInfo Generate(KeyParameter contentEncryptionKey, SecureRandom random)
            {
                var recipientKey = (ECPublicKeyParameters)_certificate.GetPublicKey();
                var pairs = new ECKeyPairGenerator("EC");
                pairs.Init(new ECKeyGenerationParameters(recipientKey.PublicKeyParamSet, random));
                var ephemeral = pairs.GenerateKeyPair();
                var wrapAlgorithm = NistObjectIdentifiers.IdAes256Wrap;
                var kek = DeriveKek(Sha256Kdf, wrapAlgorithm, (ECPrivateKeyParameters)ephemeral.Private, recipientKey, null);
                byte[] wrapped;
                try
                {
                    var wrap = new AesWrapEngine();
                    wrap.Init(true, new KeyParameter(kek));
                    var cek = contentEncryptionKey.GetKey();
                    wrapped = wrap.Wrap(cek, 0, cek.Length);
                    Array.Clear(cek, 0, cek.Length);
                }
                finally
                {
                    Array.Clear(kek, 0, kek.Length);
                }
                var point = ((ECPublicKeyParameters)ephemeral.Public).Q.GetEncoded(false);
                var originator = new OriginatorIdentifierOrKey(new OriginatorPublicKey(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey), point));
                var id = new KeyAgreeRecipientIdentifier(new IssuerAndSerialNumber(_certificate.IssuerDN, _certificate.SerialNumber));
                var keys = new DerSequence(new RecipientEncryptedKey(id, new DerOctetString(wrapped)));
                var algorithm = new AlgorithmIdentifier(Sha256Kdf, new AlgorithmIdentifier(wrapAlgorithm));
                return new RecipientInfo(new KeyAgreeRecipientInfo(originator, null, algorithm, keys));
            }
        }

        /// <summary>
        /// The content-encryption key of a key agreement entry for <paramref name="key"/>, or null when the entry is not
        /// for it (another certificate, or the unwrap's integrity check fails). The caller zeroes the result.
        /// </summary>
        internal static byte[]? UnwrapCek(KeyAgreeRecipientInfo info, ECPrivateKeyParameters key, Org.BouncyCastle.X509.X509Certificate? certificate)
        {
            var kdf = info.KeyEncryptionAlgorithm.Algorithm;
            var wrapAlgorithm = AlgorithmIdentifier.GetInstance(info.KeyEncryptionAlgorithm.Parameters).Algorithm;
            var originator = info.Originator.OriginatorKey;
            if (originator == null) return null; // static-static originators (certificates) are not used for escrow
            var point = key.Parameters.Curve.DecodePoint(originator.PublicKey.GetOctets());
            var ephemeral = new ECPublicKeyParameters(point, key.Parameters);
            var ukm = info.UserKeyingMaterial?.GetOctets();
            foreach (var entry in info.RecipientEncryptedKeys.Cast<Asn1Encodable>().Select(RecipientEncryptedKey.GetInstance))
            {
                var issuerSerial = entry.Identifier.IssuerAndSerialNumber;
                if (certificate != null && issuerSerial != null
                    && !(issuerSerial.Issuer.Equivalent(certificate.IssuerDN) && issuerSerial.SerialNumber.Value.Equals(certificate.SerialNumber)))
                    continue;
                var kek = DeriveKek(kdf, wrapAlgorithm, key, ephemeral, ukm);
                try
                {
                    var wrap = new AesWrapEngine();
                    wrap.Init(false, new KeyParameter(kek));
                    var wrapped = entry.EncryptedKey.GetOctets();
                    return wrap.Unwrap(wrapped, 0, wrapped.Length);
                }
                catch (InvalidCipherTextException)
                {
                    // Another recipient's entry: the next one.
                }
                finally
                {
                    Array.Clear(kek, 0, kek.Length);
                }
            }
            return null;
        }

        private static byte[] DeriveKek(DerObjectIdentifier kdf, DerObjectIdentifier wrapAlgorithm, ECPrivateKeyParameters privateKey, ECPublicKeyParameters publicKey, byte[]? ukm)
        {
            int kekBytes = wrapAlgorithm.Equals(NistObjectIdentifiers.IdAes128Wrap) ? 16
                : wrapAlgorithm.Equals(NistObjectIdentifiers.IdAes192Wrap) ? 24
                : wrapAlgorithm.Equals(NistObjectIdentifiers.IdAes256Wrap) ? 32
                : throw new CmsException("unsupported key wrap");
            var agreement = new ECDHBasicAgreement();
            agreement.Init(privateKey);
            var z = BigIntegers.AsUnsignedByteArray((privateKey.Parameters.Curve.FieldSize + 7) / 8, agreement.CalculateAgreement(publicKey));
            // ECC-CMS-SharedInfo: keyInfo (parameters absent), entityUInfo [0] when there is a ukm, suppPubInfo [2] = KEK bits.
            var v = new Asn1EncodableVector(new AlgorithmIdentifier(wrapAlgorithm));
            if (ukm != null) v.Add(new DerTaggedObject(true, 0, new DerOctetString(ukm)));
            v.Add(new DerTaggedObject(true, 2, new DerOctetString(Pack.UInt32_To_BE((uint)(kekBytes * 8)))));
            var sharedInfo = new DerSequence(v).GetEncoded(Asn1Encodable.Der);
            var generator = new Kdf2BytesGenerator(Digest(kdf));
            generator.Init(new KdfParameters(z, sharedInfo));
            var kek = new byte[kekBytes];
            generator.GenerateBytes(kek, 0, kek.Length);
            Array.Clear(z, 0, z.Length);
            return kek;
        }

        private static IDigest Digest(DerObjectIdentifier kdf)
        {
            if (kdf.Equals(Sha1Kdf)) return new Sha1Digest();
            if (kdf.Equals(Sha224Kdf)) return new Sha224Digest();
            if (kdf.Equals(Sha256Kdf)) return new Sha256Digest();
            if (kdf.Equals(Sha384Kdf)) return new Sha384Digest();
            if (kdf.Equals(Sha512Kdf)) return new Sha512Digest();
            throw new CmsException("unsupported key agreement scheme");
        }

        private static class Pack
        {
            public static byte[] UInt32_To_BE(uint n) => new[] { (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n };
        }
    }
}
