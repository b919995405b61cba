using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// The local half of "prove that KMS holds the intended material" (facts file): HMAC known-answer values to compare
    /// with KMS GenerateMac, public-key comparison with KMS GetPublicKey (by the numbers, not the encodings), verification
    /// of KMS Sign output, and RSAES_OAEP_SHA_256 encryption for KMS Decrypt. Everything here is BouncyCastle, so it
    /// behaves the same on .NET Framework 4.7.2 and .NET. Errors are <see cref="KmsImportException"/>s with the ids
    /// <see cref="ErrorIds.PublicKeyMalformed"/>, <see cref="ErrorIds.PublicKeyUnsupported"/>,
    /// <see cref="ErrorIds.ProofNotApplicable"/>, <see cref="ErrorIds.SigningAlgorithmUnsupported"/>,
    /// <see cref="ErrorIds.ProofPlaintextTooLong"/> and <see cref="ErrorIds.KeySpecNotImportable"/>;
    /// null arguments throw <see cref="ArgumentNullException"/>.
    /// </summary>
    public static class MaterialProof
    {
        /// <summary>The SM2 distinguishing identifier KMS uses for SM2DSA with MessageType RAW (GB/T 32918 default).</summary>
        internal const string Sm2DefaultUserId = "1234567812345678";

        /// <summary>
        /// Test hook: receives every transient buffer <see cref="ComputeHmac"/> fills with key-derived bytes (the material
        /// copy, the padded key, the ipad/opad block, the inner hash) — the live arrays, so a test can check that they are
        /// zero once the call returns. Never modify them. Thread-static; null by default.
        /// </summary>
        [ThreadStatic]
        internal static Action<byte[]>? HmacBufferObserver;

        // =====================================================================================================
        // HMAC
        // =====================================================================================================

        /// <summary>
        /// The KMS <c>MacAlgorithm</c> for an HMAC key spec: HMAC_224 → "HMAC_SHA_224", HMAC_256 → "HMAC_SHA_256",
        /// HMAC_384 → "HMAC_SHA_384", HMAC_512 → "HMAC_SHA_512". Other specs: ProofNotApplicable (undefined values:
        /// KeySpecNotImportable), both InvalidArgument.
        /// </summary>
        public static string MacAlgorithmFor(KeySpec spec)
        {
            KeySpecRules.EnsureImportable(spec);
            switch (spec)
            {
                case KeySpec.HMAC_224: return "HMAC_SHA_224";
                case KeySpec.HMAC_256: return "HMAC_SHA_256";
                case KeySpec.HMAC_384: return "HMAC_SHA_384";
                case KeySpec.HMAC_512: return "HMAC_SHA_512";
                default:
                    throw NotApplicable($"Key spec {spec} is not an HMAC key spec, so it has no MAC algorithm. "
                        + "Only HMAC_224, HMAC_256, HMAC_384 and HMAC_512 keys are proved with GenerateMac.", spec);
            }
        }

        /// <summary>
        /// HMAC (RFC 2104) of <paramref name="message"/> under HMAC material, with the hash of its key spec (SHA-224/256/
        /// 384/512) — the value KMS GenerateMac returns for the same message and <see cref="MacAlgorithmFor"/>. Compare
        /// the two with <see cref="FixedTimeEquals"/>. Material of another spec: ProofNotApplicable; disposed material:
        /// <see cref="ObjectDisposedException"/>.
        /// </summary>
        /// <remarks>
        /// RFC 2104 is composed here from BouncyCastle's SHA-2 digests rather than with BouncyCastle's <c>HMac</c> class:
        /// <c>HMac</c> keeps a <c>KeyParameter</c> copy of the key and key-equivalent ipad/opad digest states that cannot
        /// be zeroed. Here every buffer holding the key or anything derived from it is pinned and zeroed before return,
        /// and the digest clears its own state in DoFinal. Tests check the result against RFC 4231, BouncyCastle's
        /// <c>HMac</c>, .NET and OpenSSL.
        /// </remarks>
        public static byte[] ComputeHmac(KeyMaterial material, byte[] message)
        {
            if (material == null) throw new ArgumentNullException(nameof(material));
            if (message == null) throw new ArgumentNullException(nameof(message));
            if (!KeySpecRules.IsHmac(material.KeySpec))
                throw NotApplicable($"HMAC needs HMAC key material, but this material is {material.KeySpec}. "
                    + "Prove SYMMETRIC_DEFAULT keys with an Encrypt/Decrypt round trip in KMS, and asymmetric keys with GetPublicKey and Sign or Decrypt.",
                    material.KeySpec);
            byte[] key = material.ExportForImport();
            var pin = GCHandle.Alloc(key, GCHandleType.Pinned);
            try
            {
                HmacBufferObserver?.Invoke(key);
                return Hmac(material.KeySpec, key, message);
            }
            finally
            {
                Array.Clear(key, 0, key.Length);
                pin.Free();
            }
        }

        /// <summary>RFC 2104 HMAC with the hash of an HMAC key spec, for any key length (keys longer than the block are hashed first).</summary>
        internal static byte[] Hmac(KeySpec spec, byte[] key, byte[] message)
        {
            IDigest digest = HmacDigest(spec);
            int blockSize = digest.GetByteLength();
            int hashSize = digest.GetDigestSize();
            var paddedKey = new byte[blockSize];
            var pad = new byte[blockSize];
            var inner = new byte[hashSize];
            var pins = new[]
            {
                GCHandle.Alloc(paddedKey, GCHandleType.Pinned), GCHandle.Alloc(pad, GCHandleType.Pinned), GCHandle.Alloc(inner, GCHandleType.Pinned),
            };
            try
            {
                var observer = HmacBufferObserver;
                if (observer != null)
                {
                    observer(paddedKey);
                    observer(pad);
                    observer(inner);
                }
                if (key.Length > blockSize)
                {
                    digest.BlockUpdate(key, 0, key.Length);
                    digest.DoFinal(paddedKey, 0); // K' = H(K), zero-padded to the block size
                }
                else
                {
                    Buffer.BlockCopy(key, 0, paddedKey, 0, key.Length);
                }

                for (int i = 0; i < blockSize; i++) pad[i] = (byte)(paddedKey[i] ^ 0x36);
                digest.BlockUpdate(pad, 0, blockSize);
                digest.BlockUpdate(message, 0, message.Length);
                digest.DoFinal(inner, 0);

                for (int i = 0; i < blockSize; i++) pad[i] = (byte)(paddedKey[i] ^ 0x5C);
                digest.BlockUpdate(pad, 0, blockSize);
                digest.BlockUpdate(inner, 0, hashSize);
                var mac = new byte[hashSize];
                digest.DoFinal(mac, 0);
                return mac;
            }
            finally
            {
                digest.Reset();
                Array.Clear(paddedKey, 0, paddedKey.Length);
                Array.Clear(pad, 0, pad.Length);
                Array.Clear(inner, 0, inner.Length);
                foreach (var p in pins) p.Free();
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
                default: throw NotApplicable($"Key spec {spec} is not an HMAC key spec.", spec);
            }
        }

        // =====================================================================================================
        // Comparison
        // =====================================================================================================

        /// <summary>
        /// Equality of two byte arrays in time that depends only on the lengths (not on where they differ), for comparing
        /// MACs. Arrays of different lengths are unequal.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
        public static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a == null) throw new ArgumentNullException(nameof(a));
            if (b == null) throw new ArgumentNullException(nameof(b));
            if (a.Length != b.Length) return false;
            int difference = 0;
            for (int i = 0; i < a.Length; i++) difference |= a[i] ^ b[i];
            return difference == 0;
        }

        /// <summary>
        /// True when two DER SubjectPublicKeyInfo blobs hold the same public key, judged by the numbers and not the bytes:
        /// RSA modulus and exponent (rsaEncryption or RSASSA-PSS identifier, NULL parameters present or not); EC/SM2 domain
        /// (p, a, b, G, n — a named curve equals the explicit parameters of the same curve) and point (compressed,
        /// uncompressed or hybrid encoding). Keys of different types or curves are not the same: false. Throws
        /// PublicKeyMalformed for input that is not a valid SPKI (not DER, truncated, trailing bytes, PEM text, a point
        /// not on its curve, the point at infinity, an invalid RSA modulus or exponent) and PublicKeyUnsupported for other
        /// algorithms (Ed25519, DSA, …), unknown curves and explicit parameters of a curve KMS does not use.
        /// </summary>
        public static bool PublicKeysMatch(byte[] spkiA, byte[] spkiB)
        {
            if (spkiA == null) throw new ArgumentNullException(nameof(spkiA));
            if (spkiB == null) throw new ArgumentNullException(nameof(spkiB));
            var a = ProofPublicKey.Parse(spkiA, "The first public key", forUse: false);
            var b = ProofPublicKey.Parse(spkiB, "The second public key", forUse: false);
            if (a.IsRsa != b.IsRsa) return false;
            if (a.IsRsa) return a.Modulus!.Equals(b.Modulus) && a.Exponent!.Equals(b.Exponent);
            var da = a.Domain!;
            var db = b.Domain!;
            bool sameDomain = da.Curve.Field.Characteristic.Equals(db.Curve.Field.Characteristic)
                              && da.Curve.Field.Dimension == db.Curve.Field.Dimension
                              && da.Curve.A.ToBigInteger().Equals(db.Curve.A.ToBigInteger())
                              && da.Curve.B.ToBigInteger().Equals(db.Curve.B.ToBigInteger())
                              && da.N.Equals(db.N)
                              && SameAffine(da.G, db.G);
            return sameDomain && SameAffine(a.Point!, b.Point!);
        }

        private static bool SameAffine(ECPoint p, ECPoint q)
        {
            var pn = p.Normalize();
            var qn = q.Normalize();
            return pn.AffineXCoord.ToBigInteger().Equals(qn.AffineXCoord.ToBigInteger())
                   && pn.AffineYCoord.ToBigInteger().Equals(qn.AffineYCoord.ToBigInteger());
        }

        // =====================================================================================================
        // Signatures
        // =====================================================================================================

        /// <summary>
        /// A KMS <c>SigningAlgorithmSpec</c> suited to a key spec, for a Sign/verify proof: RSA_* → "RSASSA_PSS_SHA_256";
        /// ECC_NIST_P256 and ECC_SECG_P256K1 → "ECDSA_SHA_256"; ECC_NIST_P384 → "ECDSA_SHA_384"; ECC_NIST_P521 →
        /// "ECDSA_SHA_512"; SM2 → "SM2DSA". SYMMETRIC_DEFAULT and HMAC specs: ProofNotApplicable.
        /// </summary>
        public static string SigningAlgorithmFor(KeySpec spec)
        {
            KeySpecRules.EnsureImportable(spec);
            switch (spec)
            {
                case KeySpec.RSA_2048:
                case KeySpec.RSA_3072:
                case KeySpec.RSA_4096: return "RSASSA_PSS_SHA_256";
                case KeySpec.ECC_NIST_P256:
                case KeySpec.ECC_SECG_P256K1: return "ECDSA_SHA_256";
                case KeySpec.ECC_NIST_P384: return "ECDSA_SHA_384";
                case KeySpec.ECC_NIST_P521: return "ECDSA_SHA_512";
                case KeySpec.SM2: return "SM2DSA";
                default:
                    throw NotApplicable($"Key spec {spec} cannot sign. Prove SYMMETRIC_DEFAULT keys with an Encrypt/Decrypt round trip and "
                        + "HMAC keys with GenerateMac.", spec);
            }
        }

        /// <summary>
        /// Verifies a signature KMS Sign produced over a RAW message (KMS hashed it) with the public key
        /// <paramref name="spki"/> (DER SubjectPublicKeyInfo). <paramref name="signingAlgorithm"/> is a KMS name:
        /// RSASSA_PSS_SHA_256/384/512 (MGF1 with the same hash, salt length = hash length), RSASSA_PKCS1_V1_5_SHA_256/
        /// 384/512, ECDSA_SHA_256/384/512 (DER ECDSA-Sig-Value, as KMS returns it), SM2DSA (SM3, distinguishing id
        /// "1234567812345678", DER). False for a signature that is wrong, of another key or message, or not decodable.
        /// Throws SigningAlgorithmUnsupported for another name, ProofNotApplicable when the algorithm does not fit the key
        /// type (ECDSA with an RSA key, SM2DSA off the SM2 curve), PublicKeyMalformed / PublicKeyUnsupported for the key.
        /// </summary>
        public static bool VerifySignature(byte[] spki, string signingAlgorithm, byte[] message, byte[] signature)
        {
            if (spki == null) throw new ArgumentNullException(nameof(spki));
            if (signingAlgorithm == null) throw new ArgumentNullException(nameof(signingAlgorithm));
            if (message == null) throw new ArgumentNullException(nameof(message));
            if (signature == null) throw new ArgumentNullException(nameof(signature));

            SignatureScheme scheme = SignatureScheme.For(signingAlgorithm);
            var key = ProofPublicKey.Parse(spki, "The public key", forUse: true);
            ISigner signer;
            ICipherParameters parameters;
            switch (scheme.Family)
            {
                case SignatureFamily.RsaPss:
                    RequireRsa(key, signingAlgorithm);
                    signer = new PssSigner(new RsaEngine(), scheme.NewDigest(), scheme.NewDigest(), scheme.NewDigest().GetDigestSize(), PssSigner.TrailerImplicit);
                    parameters = key.RsaParameters!;
                    break;
                case SignatureFamily.RsaPkcs1:
                    RequireRsa(key, signingAlgorithm);
                    signer = new RsaDigestSigner(scheme.NewDigest());
                    parameters = key.RsaParameters!;
                    break;
                case SignatureFamily.Ecdsa:
                    RequireEc(key, signingAlgorithm);
                    signer = new DsaDigestSigner(new ECDsaSigner(), scheme.NewDigest(), StandardDsaEncoding.Instance);
                    parameters = key.EcParameters!;
                    break;
                default: // SM2DSA
                    RequireEc(key, signingAlgorithm);
                    if (!key.IsSm2Curve)
                        throw NotApplicable($"SM2DSA needs a public key on the SM2 curve, but the public key is {key.Description}.", signingAlgorithm);
                    signer = new SM2Signer(StandardDsaEncoding.Instance, new SM3Digest());
                    parameters = new ParametersWithID(key.EcParameters!, Encoding.ASCII.GetBytes(Sm2DefaultUserId));
                    break;
            }

            signer.Init(false, parameters);
            signer.BlockUpdate(message, 0, message.Length);
            try
            {
                return signer.VerifySignature(signature);
            }
            catch (Exception)
            {
                // BouncyCastle throws for signatures that do not even decode (too long for the modulus, not DER, r or s out
                // of range): such a signature is simply not valid.
                return false;
            }
        }

        private static void RequireRsa(ProofPublicKey key, string algorithm)
        {
            if (!key.IsRsa)
                throw NotApplicable($"{algorithm} needs an RSA public key, but the public key is {key.Description}. "
                    + "Use an ECDSA_SHA_* algorithm (or SM2DSA) for EC keys.", algorithm);
        }

        private static void RequireEc(ProofPublicKey key, string algorithm)
        {
            if (key.IsRsa)
                throw NotApplicable($"{algorithm} needs an EC public key, but the public key is {key.Description}. "
                    + "Use an RSASSA_PSS_SHA_* or RSASSA_PKCS1_V1_5_SHA_* algorithm for RSA keys.", algorithm);
        }

        private enum SignatureFamily { RsaPss, RsaPkcs1, Ecdsa, Sm2 }

        private sealed class SignatureScheme
        {
            private readonly int _hashBits;

            private SignatureScheme(SignatureFamily family, int hashBits)
            {
                Family = family;
                _hashBits = hashBits;
            }

            public SignatureFamily Family { get; }

            public IDigest NewDigest()
            {
                switch (_hashBits)
                {
                    case 256: return new Sha256Digest();
                    case 384: return new Sha384Digest();
                    default: return new Sha512Digest();
                }
            }

            public static SignatureScheme For(string name)
            {
                switch (name)
                {
                    case "RSASSA_PSS_SHA_256": return new SignatureScheme(SignatureFamily.RsaPss, 256);
                    case "RSASSA_PSS_SHA_384": return new SignatureScheme(SignatureFamily.RsaPss, 384);
                    case "RSASSA_PSS_SHA_512": return new SignatureScheme(SignatureFamily.RsaPss, 512);
                    case "RSASSA_PKCS1_V1_5_SHA_256": return new SignatureScheme(SignatureFamily.RsaPkcs1, 256);
                    case "RSASSA_PKCS1_V1_5_SHA_384": return new SignatureScheme(SignatureFamily.RsaPkcs1, 384);
                    case "RSASSA_PKCS1_V1_5_SHA_512": return new SignatureScheme(SignatureFamily.RsaPkcs1, 512);
                    case "ECDSA_SHA_256": return new SignatureScheme(SignatureFamily.Ecdsa, 256);
                    case "ECDSA_SHA_384": return new SignatureScheme(SignatureFamily.Ecdsa, 384);
                    case "ECDSA_SHA_512": return new SignatureScheme(SignatureFamily.Ecdsa, 512);
                    case "SM2DSA": return new SignatureScheme(SignatureFamily.Sm2, 0);
                    default:
                        string shown = name.Length > 64 ? name.Substring(0, 64) + "…" : name;
                        throw new KmsImportException(ErrorIds.SigningAlgorithmUnsupported, ErrorKind.InvalidArgument,
                            $"'{shown}' is not a signing algorithm this module verifies. Use a KMS SigningAlgorithmSpec name: RSASSA_PSS_SHA_256/384/512, "
                            + "RSASSA_PKCS1_V1_5_SHA_256/384/512, ECDSA_SHA_256/384/512 or SM2DSA (upper case, as KMS spells them).")
                        { TargetObject = name };
                }
            }
        }

        // =====================================================================================================
        // Encryption
        // =====================================================================================================

        /// <summary>
        /// RSAES_OAEP_SHA_256 (RSA-OAEP, OAEP and MGF1 hash SHA-256, empty label) encryption of <paramref name="plaintext"/>
        /// under the RSA public key <paramref name="spki"/>, for a KMS Decrypt(EncryptionAlgorithm=RSAES_OAEP_SHA_256)
        /// proof that KMS holds the private key. Output: k bytes (k = modulus length); randomized. Plaintext at most
        /// k − 66 bytes (190 for RSA_2048), else ProofPlaintextTooLong; a non-RSA key: ProofNotApplicable.
        /// </summary>
        public static byte[] EncryptOaepSha256(byte[] spki, byte[] plaintext)
        {
            if (spki == null) throw new ArgumentNullException(nameof(spki));
            if (plaintext == null) throw new ArgumentNullException(nameof(plaintext));
            var key = ProofPublicKey.Parse(spki, "The public key", forUse: true);
            if (!key.IsRsa)
                throw NotApplicable($"RSAES_OAEP_SHA_256 needs an RSA public key, but the public key is {key.Description}. "
                    + "Prove EC keys with Sign and VerifySignature.", "RSAES_OAEP_SHA_256");
            int k = (key.Modulus!.BitLength + 7) / 8;
            int capacity = k - 2 * 32 - 2;
            if (plaintext.Length > capacity)
                throw new KmsImportException(ErrorIds.ProofPlaintextTooLong, ErrorKind.InvalidArgument,
                    $"The plaintext is {plaintext.Length} bytes, but RSAES_OAEP_SHA_256 under {key.Description} carries at most {Math.Max(capacity, 0)} bytes. "
                    + "Use a shorter random challenge (32 bytes is plenty).")
                { TargetObject = plaintext.Length };
            return KeyWrapper.RsaOaepEncrypt(key.RsaParameters!, plaintext, sha256: true);
        }

        private static KmsImportException NotApplicable(string message, object? target) =>
            new KmsImportException(ErrorIds.ProofNotApplicable, ErrorKind.InvalidArgument, message) { TargetObject = target };
    }

    /// <summary>
    /// A public key read from a DER SubjectPublicKeyInfo for the proofs: RSA (n, e) or EC on a known curve (domain and
    /// validated point). Errors are PublicKeyMalformed or PublicKeyUnsupported.
    /// </summary>
    internal sealed class ProofPublicKey
    {
        private static readonly DerObjectIdentifier RsaPssOid = new DerObjectIdentifier("1.2.840.113549.1.1.10");

        /// <summary>Largest RSA modulus accepted (BouncyCastle's own default limit), to bound the work on hostile input.</summary>
        private const int MaxRsaBits = 16384;

        private ProofPublicKey(string description) => Description = description;

        public bool IsRsa => Modulus != null;
        public BigInteger? Modulus { get; private set; }
        public BigInteger? Exponent { get; private set; }
        public RsaKeyParameters? RsaParameters { get; private set; }
        public X9ECParameters? Domain { get; private set; }
        public ECPoint? Point { get; private set; }
        public ECPublicKeyParameters? EcParameters { get; private set; }
        public bool IsSm2Curve { get; private set; }

        /// <summary>E.g. "a 2048-bit RSA key", "an EC key on NIST P-256 (prime256v1)". Never key bytes.</summary>
        public string Description { get; }

        /// <param name="spki">The DER bytes.</param>
        /// <param name="role">Sentence start naming the key in messages ("The public key").</param>
        /// <param name="forUse">Also build BouncyCastle key parameters (for verifying or encrypting).</param>
        public static ProofPublicKey Parse(byte[] spki, string role, bool forUse)
        {
            if (spki.Length == 0) throw Malformed(role, "it is empty (0 bytes)", null);
            if (Pem.LooksLikePem(spki))
                throw Malformed(role, "it is PEM text, not DER (KMS GetPublicKey returns DER; decode the PEM body from base64 first)", null);

            SubjectPublicKeyInfo info;
            DerObjectIdentifier oid;
            try
            {
                info = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spki));
                oid = info.Algorithm.Algorithm;
            }
            catch (Exception e)
            {
                throw Malformed(role, $"{spki.Length} bytes that do not parse as one DER SubjectPublicKeyInfo ({e.Message})", e);
            }

            if (oid.Equals(PkcsObjectIdentifiers.RsaEncryption) || oid.Equals(RsaPssOid))
                return ParseRsa(info, role, forUse);

            var sm2 = CurveInfo.ForSpec(KeySpec.SM2)!;
            if (oid.Equals(X9ObjectIdentifiers.IdECPublicKey) || oid.Equals(sm2.Oid))
                return ParseEc(info, oid.Equals(sm2.Oid), role, forUse);

            throw new KmsImportException(ErrorIds.PublicKeyUnsupported, ErrorKind.InvalidData,
                $"{role} is a key of the algorithm {oid.Id}; the proofs handle RSA and EC (NIST, secp256k1, SM2) keys — the key types KMS imports.");
        }

        private static ProofPublicKey ParseRsa(SubjectPublicKeyInfo info, string role, bool forUse)
        {
            RsaPublicKeyStructure rsa;
            try
            {
                // GetInstance(null) is null: an empty BIT STRING holds no key.
                rsa = RsaPublicKeyStructure.GetInstance(info.ParsePublicKey()) ?? throw new ArgumentException("the BIT STRING holds no RSAPublicKey");
            }
            catch (Exception e)
            {
                throw Malformed(role, $"its RSA public key is damaged ({e.Message})", e);
            }
            BigInteger n = rsa.Modulus, e0 = rsa.PublicExponent;
            if (n.SignValue <= 0 || !n.TestBit(0) || n.BitLength < 2 || e0.SignValue <= 0 || !e0.TestBit(0) || e0.BitLength < 2 || e0.CompareTo(n) >= 0)
                throw Malformed(role, "its RSA modulus or exponent is not valid", null);
            if (n.BitLength > MaxRsaBits)
                throw new KmsImportException(ErrorIds.PublicKeyUnsupported, ErrorKind.InvalidData,
                    $"{role} is a {n.BitLength}-bit RSA key; the proofs handle RSA keys of up to {MaxRsaBits} bits (KMS keys are 2048, 3072 or 4096).");
            var result = new ProofPublicKey($"a {n.BitLength}-bit RSA key") { Modulus = n, Exponent = e0 };
            if (forUse)
            {
                try
                {
                    result.RsaParameters = WrappingPublicKey.WithoutMillerRabin(() => new RsaKeyParameters(false, n, e0));
                }
                catch (Exception e)
                {
                    // BouncyCastle refuses moduli with small prime factors and the like.
                    throw Malformed(role, $"its RSA modulus is not a valid RSA modulus ({e.Message})", e);
                }
            }
            return result;
        }

        private static ProofPublicKey ParseEc(SubjectPublicKeyInfo info, bool sm2Algorithm, string role, bool forUse)
        {
            var parameters = info.Algorithm.Parameters;
            CurveInfo? known;
            X9ECParameters? domain;
            DerObjectIdentifier? curveOid;
            string curveName;
            if (sm2Algorithm && (parameters == null || parameters is Asn1Null))
            {
                known = CurveInfo.ForSpec(KeySpec.SM2)!;
                curveOid = known.Oid;
            }
            else if (parameters is DerObjectIdentifier named)
            {
                curveOid = named;
                known = CurveInfo.ForOid(named);
            }
            else if (parameters is Asn1Sequence)
            {
                try
                {
                    known = CurveInfo.MatchExplicit(X9ECParameters.GetInstance(parameters));
                }
                catch (Exception e)
                {
                    throw Malformed(role, $"its explicit EC parameters are damaged ({e.Message})", e);
                }
                if (known == null)
                    throw new KmsImportException(ErrorIds.PublicKeyUnsupported, ErrorKind.InvalidData,
                        $"{role} is an EC key with explicit curve parameters that match none of the curves KMS uses (P-256, P-384, P-521, secp256k1, SM2).");
                curveOid = known.Oid;
            }
            else
            {
                throw Malformed(role, "it is an EC key whose algorithm parameters name no curve", null);
            }

            if (known != null)
            {
                domain = known.Parameters;
                curveName = known.DisplayName;
            }
            else
            {
                try { domain = ECNamedCurveTable.GetByOid(curveOid); } catch (Exception) { domain = null; }
                if (domain == null)
                    throw new KmsImportException(ErrorIds.PublicKeyUnsupported, ErrorKind.InvalidData,
                        $"{role} is an EC key on {CurveInfo.Describe(curveOid)}, a curve the proofs do not know. KMS keys are on P-256, P-384, P-521, secp256k1 or SM2.");
                curveName = CurveInfo.Describe(curveOid);
            }

            ECPoint q;
            try
            {
                q = domain.Curve.DecodePoint(info.PublicKey.GetOctets()).Normalize();
            }
            catch (Exception e)
            {
                throw Malformed(role, $"its EC point is not a point of {curveName} ({e.Message})", e);
            }
            if (q.IsInfinity || !q.IsValid())
                throw Malformed(role, $"its EC point is not a valid public point of {curveName}", null);

            var result = new ProofPublicKey($"an EC key on {curveName}")
            {
                Domain = domain,
                Point = q,
                IsSm2Curve = curveOid.Equals(CurveInfo.ForSpec(KeySpec.SM2)!.Oid),
            };
            if (forUse)
            {
                try
                {
                    result.EcParameters = new ECPublicKeyParameters(q, new ECNamedDomainParameters(curveOid, domain));
                }
                catch (Exception e)
                {
                    throw Malformed(role, $"its EC point is not a valid public point of {curveName} ({e.Message})", e);
                }
            }
            return result;
        }

        private static KmsImportException Malformed(string role, string what, Exception? inner) =>
            new KmsImportException(ErrorIds.PublicKeyMalformed, ErrorKind.InvalidData,
                $"{role} is not a valid DER SubjectPublicKeyInfo: {what}. Pass the PublicKey bytes of KMS GetPublicKey unchanged "
                + "(the AWS CLI prints them base64-encoded: decode before use), or the SPKI of the local key material.", inner);
    }
}
