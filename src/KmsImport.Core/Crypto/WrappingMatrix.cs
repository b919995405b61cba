using System;
using System.Collections.Generic;
using System.Linq;

namespace KmsImport.Core.Crypto
{
    /// <summary>A wrapping algorithm and the wrapping key spec to ask GetParametersForImport for.</summary>
    public sealed record WrappingChoice(WrappingAlgorithm Algorithm, WrappingKeySpec WrappingKeySpec);

    /// <summary>
    /// Which wrapping algorithm and wrapping key spec may carry which key material (AWS KMS rules):
    /// <list type="bullet">
    /// <item><description>RSAES_PKCS1_V1_5: never — AWS retired it on 2023-10-10.</description></item>
    /// <item><description>SM2PKE needs an SM2 wrapping key and an SM2 wrapping key needs SM2PKE (China Regions only).
    /// SM2PKE may carry every material kind.</description></item>
    /// <item><description>RSAES_OAEP_SHA_1/256 (RSA wrapping keys): symmetric, HMAC, ECC and SM2 material; not RSA private
    /// keys (too large for one OAEP block); not ECC_NIST_P521 under RSA_2048.</description></item>
    /// <item><description>RSA_AES_KEY_WRAP_SHA_1/256 (RSA wrapping keys): RSA and ECC private keys; not symmetric or HMAC
    /// material (AWS says do not); not SM2 material (only in China Regions, where this algorithm is not offered).</description></item>
    /// </list>
    /// The byte capacity of the chosen combination is checked again by <see cref="KeyWrapper.Wrap"/> on the real material.
    /// </summary>
    public static class WrappingMatrix
    {
        /// <summary>True when KMS accepts <paramref name="keySpec"/> material wrapped this way; otherwise <paramref name="reason"/> says why not.</summary>
        public static bool IsAllowed(KeySpec keySpec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec, out string? reason)
        {
            reason = Check(keySpec, algorithm, wrappingKeySpec, out _);
            return reason == null;
        }

        /// <summary>Throws <see cref="KmsImportException"/> (WrappingAlgorithmRetired, WrappingNotAllowed, KeySpecNotImportable) unless allowed.</summary>
        public static void EnsureAllowed(KeySpec keySpec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
        {
            string? reason = Check(keySpec, algorithm, wrappingKeySpec, out string errorId);
            if (reason == null) return;
            if (errorId == ErrorIds.KeySpecNotImportable) throw KeySpecRules.NotImportable(keySpec);
            string advice = errorId == ErrorIds.WrappingAlgorithmRetired ? string.Empty : " " + Advice(keySpec);
            throw new KmsImportException(errorId, ErrorKind.InvalidArgument, reason + advice)
            {
                TargetObject = $"{keySpec}/{algorithm}/{wrappingKeySpec}",
            };
        }

        /// <summary>
        /// The recommended choice: RSA_4096 (AWS's preferred wrapping key size) with RSAES_OAEP_SHA_256 for symmetric,
        /// HMAC and ECC material; RSA_AES_KEY_WRAP_SHA_256 for RSA private keys, which OAEP cannot carry. For SM2
        /// material (importable only in China Regions, where RSA_AES_KEY_WRAP is not offered) RSAES_OAEP_SHA_256 under
        /// RSA_4096 as well: an SM2 PKCS#8 key (about 138 bytes) fits in one OAEP block, and it follows AWS's stated
        /// preference (RSA_4096, SHA-256); SM2PKE with an SM2 wrapping key is allowed too.
        /// </summary>
        public static WrappingChoice Recommend(KeySpec keySpec)
        {
            KeySpecRules.EnsureImportable(keySpec);
            return KeySpecRules.IsRsa(keySpec)
                ? new WrappingChoice(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_4096)
                : new WrappingChoice(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096);
        }

        /// <summary>
        /// The wrapping algorithms KMS would accept in a context, in the enum's order, for completion: every
        /// algorithm <see cref="IsAllowed"/> allows for the key spec and wrapping key spec when they are known (for
        /// some importable key spec / wrapping key spec when not). RSAES_PKCS1_V1_5 never (retired). In the China
        /// Regions SM2PKE, and no RSA_AES_KEY_WRAP (not offered there); elsewhere no SM2PKE and no SM2 wrapping key.
        /// </summary>
        public static IReadOnlyList<WrappingAlgorithm> OfferedAlgorithms(KeySpec? keySpec, WrappingKeySpec? wrappingKeySpec, bool china) =>
            Offers(keySpec, null, wrappingKeySpec, china).Select(o => o.Algorithm).Distinct().ToList();

        /// <summary>The wrapping key specs KMS would hand out in a context (as <see cref="OfferedAlgorithms"/>).</summary>
        public static IReadOnlyList<WrappingKeySpec> OfferedWrappingKeySpecs(KeySpec? keySpec, WrappingAlgorithm? algorithm, bool china) =>
            Offers(keySpec, algorithm, null, china).Select(o => o.WrappingKeySpec).Distinct().OrderBy(w => (int)w).ToList();

        private static IEnumerable<WrappingChoice> Offers(KeySpec? keySpec, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec, bool china)
        {
            var specs = keySpec.HasValue ? new[] { keySpec.Value } : (KeySpec[])Enum.GetValues(typeof(KeySpec));
            foreach (WrappingAlgorithm a in Enum.GetValues(typeof(WrappingAlgorithm)))
            {
                if (algorithm.HasValue && a != algorithm.Value) continue;
                if (a == WrappingAlgorithm.RSAES_PKCS1_V1_5) continue;
                if (china ? IsRsaAes(a) : a == WrappingAlgorithm.SM2PKE) continue;
                foreach (WrappingKeySpec w in Enum.GetValues(typeof(WrappingKeySpec)))
                {
                    if (wrappingKeySpec.HasValue && w != wrappingKeySpec.Value) continue;
                    if (!china && w == WrappingKeySpec.SM2) continue;
                    // SM2 material exists only in the China Regions.
                    if (specs.Any(s => (china || s != KeySpec.SM2) && IsAllowed(s, a, w, out _))) yield return new WrappingChoice(a, w);
                }
            }
        }

        /// <summary>
        /// The largest material in bytes the combination can carry: OAEP k - 2*hLen - 2 (RSA_2048 214/190,
        /// RSA_3072 342/318, RSA_4096 470/446 for SHA-1/SHA-256); RSA_AES_KEY_WRAP and SM2PKE up to the 6144-byte
        /// limit of EncryptedKeyMaterial. Null for RSAES_PKCS1_V1_5, mismatched or undefined values.
        /// </summary>
        public static int? MaxMaterialLength(WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
        {
            int? k = ModulusBytes(wrappingKeySpec);
            switch (algorithm)
            {
                case WrappingAlgorithm.RSAES_OAEP_SHA_1: return k.HasValue ? k.Value - 2 * 20 - 2 : (int?)null;
                case WrappingAlgorithm.RSAES_OAEP_SHA_256: return k.HasValue ? k.Value - 2 * 32 - 2 : (int?)null;
                case WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1:
                case WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256:
                    if (!k.HasValue) return null;
                    // k + 8 * (ceil(m/8) + 1) <= 6144  =>  m <= 8 * ((6144 - k) / 8 - 1)
                    return 8 * ((KeyWrapper.MaxEncryptedKeyMaterialLength - k.Value) / 8 - 1);
                case WrappingAlgorithm.SM2PKE:
                    return wrappingKeySpec == WrappingKeySpec.SM2 ? KeyWrapper.MaxEncryptedKeyMaterialLength - KeyWrapper.Sm2Overhead : (int?)null;
                default: return null;
            }
        }

        internal static int? ModulusBytes(WrappingKeySpec spec)
        {
            switch (spec)
            {
                case WrappingKeySpec.RSA_2048: return 256;
                case WrappingKeySpec.RSA_3072: return 384;
                case WrappingKeySpec.RSA_4096: return 512;
                default: return null;
            }
        }

        private static string Advice(KeySpec keySpec)
        {
            if (!KeySpecRules.IsDefined(keySpec)) return string.Empty;
            var r = Recommend(keySpec);
            return $"For {keySpec} material use {r.Algorithm} with a {r.WrappingKeySpec} wrapping key (request those in GetParametersForImport).";
        }

        private static bool IsOaep(WrappingAlgorithm a) => a == WrappingAlgorithm.RSAES_OAEP_SHA_1 || a == WrappingAlgorithm.RSAES_OAEP_SHA_256;

        private static bool IsRsaAes(WrappingAlgorithm a) => a == WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1 || a == WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256;

        private static string? Check(KeySpec keySpec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec, out string errorId)
        {
            errorId = ErrorIds.WrappingNotAllowed;
            if (!KeySpecRules.IsDefined(keySpec))
            {
                errorId = ErrorIds.KeySpecNotImportable;
                return $"Key spec '{keySpec}' is not one whose material AWS KMS can import.";
            }
            if (algorithm == WrappingAlgorithm.RSAES_PKCS1_V1_5)
            {
                errorId = ErrorIds.WrappingAlgorithmRetired;
                return "The wrapping algorithm RSAES_PKCS1_V1_5 was retired by AWS KMS on 2023-10-10 and is refused. "
                       + "Use RSAES_OAEP_SHA_256 (symmetric, HMAC, ECC and SM2 material) or RSA_AES_KEY_WRAP_SHA_256 (RSA and ECC private keys), "
                       + "and fetch new import parameters for that algorithm.";
            }
            if (!IsOaep(algorithm) && !IsRsaAes(algorithm) && algorithm != WrappingAlgorithm.SM2PKE)
                return $"'{algorithm}' is not a wrapping algorithm AWS KMS offers.";
            if (wrappingKeySpec != WrappingKeySpec.RSA_2048 && wrappingKeySpec != WrappingKeySpec.RSA_3072
                && wrappingKeySpec != WrappingKeySpec.RSA_4096 && wrappingKeySpec != WrappingKeySpec.SM2)
                return $"'{wrappingKeySpec}' is not a wrapping key spec AWS KMS offers.";

            if (algorithm == WrappingAlgorithm.SM2PKE)
                return wrappingKeySpec == WrappingKeySpec.SM2 ? null
                    : $"SM2PKE wraps with an SM2 wrapping key, not {wrappingKeySpec}.";
            if (wrappingKeySpec == WrappingKeySpec.SM2)
                return $"An SM2 wrapping key works only with the SM2PKE algorithm, not {algorithm}.";

            if (IsOaep(algorithm))
            {
                if (KeySpecRules.IsRsa(keySpec))
                    return $"{algorithm} cannot carry {keySpec} material: an RSA private key (about 1.2-2.4 KB as PKCS#8) is larger than one "
                           + $"OAEP block ({MaxMaterialLength(algorithm, wrappingKeySpec)} bytes under {wrappingKeySpec}).";
                if (keySpec == KeySpec.ECC_NIST_P521 && wrappingKeySpec == WrappingKeySpec.RSA_2048)
                    return $"AWS KMS does not support ECC_NIST_P521 material with {algorithm} under an RSA_2048 wrapping key "
                           + $"(the 241-byte PKCS#8 key exceeds the {MaxMaterialLength(algorithm, wrappingKeySpec)}-byte OAEP capacity).";
                return null;
            }

            // RSA_AES_KEY_WRAP_SHA_*
            if (KeySpecRules.IsSymmetric(keySpec) || KeySpecRules.IsHmac(keySpec))
                return $"AWS KMS does not use {algorithm} for {keySpec} material: symmetric and HMAC keys are wrapped with RSAES_OAEP_SHA_256 (or SHA_1).";
            if (keySpec == KeySpec.SM2)
                return $"{algorithm} is not offered in the China Regions, the only Regions where SM2 material can be imported.";
            return null;
        }
    }
}
