using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Wraps key material for ImportKeyMaterial (the EncryptedKeyMaterial field), with BouncyCastle (the RSA-OAEP
    /// operation itself with the platform's RSA where it offers the hash, see RsaOaepEncrypt):
    /// <list type="bullet">
    /// <item><description>RSAES_OAEP_SHA_1 / _256: RSA-OAEP (RFC 8017) of the material, OAEP hash = MGF1 hash = SHA-x, empty
    /// label. Output: k bytes (k = modulus length).</description></item>
    /// <item><description>RSA_AES_KEY_WRAP_SHA_1 / _256 (PKCS#11 CKM_RSA_AES_KEY_WRAP): a fresh random 32-byte AES key K;
    /// W = RFC 5649 AES key wrap with padding of the material under K; R = RSA-OAEP(SHA-x, MGF1 SHA-x, empty label) of K;
    /// output R || W, k + 8 * (ceil(m/8) + 1) bytes, at most 6144. K is zeroed afterwards.</description></item>
    /// <item><description>SM2PKE (China Regions): SM2 public key encryption (GB/T 32918.4) with SM3, output in the
    /// standard's C1 || C3 || C2 order as raw bytes — C1 the uncompressed ephemeral point (65 bytes), C3 the SM3 hash
    /// (32 bytes), C2 the ciphertext (m bytes). This encoding follows the standard; it has not been tried against a
    /// China-Region KMS endpoint (OpenSSL's pkeyutl uses the ASN.1 form of the same three values instead).</description></item>
    /// </list>
    /// RSAES_PKCS1_V1_5 is refused (retired by AWS on 2023-10-10).
    /// </summary>
    public static class KeyWrapper
    {
        /// <summary>ImportKeyMaterial accepts at most 6144 bytes of EncryptedKeyMaterial.</summary>
        public const int MaxEncryptedKeyMaterialLength = 6144;

        internal const int Sm2Overhead = 65 + 32;

        /// <summary>
        /// Test hook: receives a COPY of each transient AES key of RSA_AES_KEY_WRAP (leak tests). Null by default.
        /// Thread-static, so a test sees only the wraps it runs itself.
        /// </summary>
        [ThreadStatic]
        internal static Action<byte[]>? TransientKeyObserver;

        /// <summary>
        /// Test hook: receives the live transient AES key buffer itself (not a copy), so a test can check that it is
        /// zero once <see cref="Wrap"/> returns. Never modify it. Thread-static; null by default.
        /// </summary>
        [ThreadStatic]
        internal static Action<byte[]>? TransientKeyBufferObserver;

        /// <summary>
        /// Checks, in this order, then wraps: the algorithm is not retired and the (key spec, algorithm, wrapping key
        /// spec) combination is allowed (<see cref="WrappingMatrix"/> — no key is parsed before this); the wrapping
        /// public key is a well-formed SPKI whose real type and size equal <paramref name="wrappingKeySpec"/>; the
        /// material fits (OAEP capacity, 6144-byte limit). Errors are <see cref="KmsImportException"/>s.
        /// </summary>
        public static byte[] Wrap(KeyMaterial material, byte[] wrappingPublicKeySpki, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
        {
            if (material == null) throw new ArgumentNullException(nameof(material));
            if (wrappingPublicKeySpki == null) throw new ArgumentNullException(nameof(wrappingPublicKeySpki));
            material.ThrowIfDisposed();

            WrappingMatrix.EnsureAllowed(material.KeySpec, algorithm, wrappingKeySpec);

            var key = WrappingPublicKey.Parse(wrappingPublicKeySpki);
            if (key.Spec != wrappingKeySpec)
                throw new KmsImportException(ErrorIds.WrappingKeySpecMismatch, ErrorKind.InvalidArgument,
                    $"The wrapping public key is {key.Description}, but the wrapping key spec {wrappingKeySpec} was given. Pass the wrapping key spec "
                    + "that GetParametersForImport was called with, together with the PublicKey and ImportToken of that same response.")
                { TargetObject = wrappingKeySpec };

            EnsureCapacity(material, algorithm, wrappingKeySpec, key);

            byte[] plaintext = material.ExportForImport();
            try
            {
                switch (algorithm)
                {
                    case WrappingAlgorithm.RSAES_OAEP_SHA_1:
                    case WrappingAlgorithm.RSAES_OAEP_SHA_256:
                        return RsaOaepEncrypt(key.Rsa!, plaintext, Sha256(algorithm));
                    case WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1:
                    case WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256:
                        return RsaAesKeyWrap(key.Rsa!, plaintext, Sha256(algorithm));
                    case WrappingAlgorithm.SM2PKE:
                        return Sm2Encrypt(key.Sm2!, plaintext);
                    default:
                        throw new InvalidOperationException("unreachable: the matrix admitted " + algorithm);
                }
            }
            finally
            {
                Array.Clear(plaintext, 0, plaintext.Length);
            }
        }

        /// <summary>Length of the wrapped output for material of <paramref name="materialLength"/> bytes, or null when not applicable.</summary>
        public static int? WrappedLength(int materialLength, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
        {
            int? k = WrappingMatrix.ModulusBytes(wrappingKeySpec);
            switch (algorithm)
            {
                case WrappingAlgorithm.RSAES_OAEP_SHA_1:
                case WrappingAlgorithm.RSAES_OAEP_SHA_256:
                    return k;
                case WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1:
                case WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256:
                    return k.HasValue ? k.Value + AesKeyWrap.WrappedLength(materialLength) : (int?)null;
                case WrappingAlgorithm.SM2PKE:
                    return wrappingKeySpec == WrappingKeySpec.SM2 ? materialLength + Sm2Overhead : (int?)null;
                default:
                    return null;
            }
        }

        private static void EnsureCapacity(KeyMaterial material, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec, WrappingPublicKey.Parsed key)
        {
            int max = WrappingMatrix.MaxMaterialLength(algorithm, wrappingKeySpec)!.Value;
            if (material.Length <= max) return;
            string advice = algorithm == WrappingAlgorithm.RSAES_OAEP_SHA_1 || algorithm == WrappingAlgorithm.RSAES_OAEP_SHA_256
                ? "Use a larger wrapping key (RSA_4096) or, for RSA and ECC private keys, RSA_AES_KEY_WRAP_SHA_256, and fetch new import parameters for it."
                : "No importable key material is this large; check what was loaded.";
            throw new KmsImportException(ErrorIds.WrappingCapacityExceeded, ErrorKind.InvalidArgument,
                $"The {material.KeySpec} material is {material.Length} bytes, but {algorithm} under {key.Description} carries at most {max} bytes. {advice}")
            { TargetObject = $"{material.KeySpec}/{algorithm}/{wrappingKeySpec}" };
        }

        private static bool Sha256(WrappingAlgorithm a) => a == WrappingAlgorithm.RSAES_OAEP_SHA_256 || a == WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256;

        private static IDigest Digest(bool sha256) => sha256 ? new Sha256Digest() : (IDigest)new Sha1Digest();

        internal static byte[] RsaOaepEncrypt(RsaKeyParameters publicKey, byte[] data, bool sha256)
        {
            byte[]? platform = PlatformOaepEncrypt(publicKey, data, sha256);
            if (platform != null) return platform;
            return BouncyCastleOaepEncrypt(publicKey, data, sha256);
        }

        // The platform's RSA (OpenSSL on Linux and macOS, CNG on Windows) does the one public-key operation ~15x faster
        // than BouncyCastle's BigInteger (KmsImport.Benchmarks: RSA_4096 OAEP-SHA-256 of 32 B, 75 us against 1.16 ms,
        // most of a warm key's client CPU after the requests). The key was parsed and checked by WrappingPublicKey
        // before; only the encryption moves. Windows PowerShell 5.1's RSA.Create() is RSACryptoServiceProvider, which
        // has no OAEP-SHA-256: that (and any platform that refuses) falls back to BouncyCastle, remembered per hash.
        private static volatile bool _platformRefusesSha1, _platformRefusesSha256;

        /// <summary>Test hook: true makes this thread's OAEP encryptions take the BouncyCastle path (both must agree with OpenSSL).</summary>
        [ThreadStatic]
        internal static bool ForceBouncyCastleRsa;

        private static byte[]? PlatformOaepEncrypt(RsaKeyParameters publicKey, byte[] data, bool sha256)
        {
            if (ForceBouncyCastleRsa || (sha256 ? _platformRefusesSha256 : _platformRefusesSha1)) return null;
            try
            {
                using var rsa = RSA.Create();
                rsa.ImportParameters(new RSAParameters
                {
                    Modulus = publicKey.Modulus.ToByteArrayUnsigned(),
                    Exponent = publicKey.Exponent.ToByteArrayUnsigned(),
                });
                byte[] output = rsa.Encrypt(data, sha256 ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.OaepSHA1);
                int k = (publicKey.Modulus.BitLength + 7) / 8;
                if (output.Length != k) throw new CryptographicException($"RSA-OAEP produced {output.Length} bytes instead of {k}.");
                return output;
            }
            catch (Exception e) when (e is CryptographicException || e is NotSupportedException || e is PlatformNotSupportedException)
            {
                if (sha256) _platformRefusesSha256 = true; else _platformRefusesSha1 = true;
                return null;
            }
        }

        private static byte[] BouncyCastleOaepEncrypt(RsaKeyParameters publicKey, byte[] data, bool sha256)
        {
            var oaep = new OaepEncoding(new RsaEngine(), Digest(sha256), Digest(sha256), null);
            oaep.Init(true, new ParametersWithRandom(publicKey, new SecureRandom()));
            byte[] output = oaep.ProcessBlock(data, 0, data.Length);
            int k = (publicKey.Modulus.BitLength + 7) / 8;
            if (output.Length != k) throw new CryptographicException($"RSA-OAEP produced {output.Length} bytes instead of {k}.");
            return output;
        }

        private static byte[] RsaAesKeyWrap(RsaKeyParameters publicKey, byte[] material, bool sha256)
        {
            var aesKey = new byte[32];
            var pin = GCHandle.Alloc(aesKey, GCHandleType.Pinned);
            try
            {
                using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(aesKey);
                var observer = TransientKeyObserver;
                if (observer != null) observer((byte[])aesKey.Clone());
                TransientKeyBufferObserver?.Invoke(aesKey);

                byte[] w = AesKeyWrap.WrapPad(aesKey, material);
                byte[] r = RsaOaepEncrypt(publicKey, aesKey, sha256);
                if (r.Length + w.Length > MaxEncryptedKeyMaterialLength)
                    throw new KmsImportException(ErrorIds.WrappingCapacityExceeded, ErrorKind.InvalidArgument,
                        $"The wrapped material would be {r.Length + w.Length} bytes; ImportKeyMaterial accepts at most {MaxEncryptedKeyMaterialLength}.");
                var output = new byte[r.Length + w.Length];
                Buffer.BlockCopy(r, 0, output, 0, r.Length);
                Buffer.BlockCopy(w, 0, output, r.Length, w.Length);
                return output;
            }
            finally
            {
                Array.Clear(aesKey, 0, aesKey.Length);
                pin.Free();
            }
        }

        private static byte[] Sm2Encrypt(ECPublicKeyParameters publicKey, byte[] material)
        {
            var engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
            engine.Init(true, new ParametersWithRandom(publicKey, new SecureRandom()));
            return engine.ProcessBlock(material, 0, material.Length);
        }
    }
}
