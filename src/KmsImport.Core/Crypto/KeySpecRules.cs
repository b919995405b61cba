using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// What AWS KMS allows per importable <see cref="KeySpec"/>: key usages and the material format.
    /// Undefined enum values are not importable: the predicates return false for them and the other members
    /// throw <see cref="ErrorIds.KeySpecNotImportable"/>.
    /// </summary>
    public static class KeySpecRules
    {
        private static readonly ReadOnlyCollection<KeyUsage> EncryptOnly = Array.AsReadOnly(new[] { KeyUsage.ENCRYPT_DECRYPT });
        private static readonly ReadOnlyCollection<KeyUsage> MacOnly = Array.AsReadOnly(new[] { KeyUsage.GENERATE_VERIFY_MAC });
        private static readonly ReadOnlyCollection<KeyUsage> RsaUsages = Array.AsReadOnly(new[] { KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY });
        private static readonly ReadOnlyCollection<KeyUsage> NistEcUsages = Array.AsReadOnly(new[] { KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT });
        private static readonly ReadOnlyCollection<KeyUsage> SignOnly = Array.AsReadOnly(new[] { KeyUsage.SIGN_VERIFY });
        private static readonly ReadOnlyCollection<KeyUsage> Sm2Usages = Array.AsReadOnly(new[] { KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT });

        /// <summary>The usage a new key of this spec gets when none is named.</summary>
        public static KeyUsage DefaultUsage(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.SYMMETRIC_DEFAULT: return KeyUsage.ENCRYPT_DECRYPT;
                case KeySpec.HMAC_224:
                case KeySpec.HMAC_256:
                case KeySpec.HMAC_384:
                case KeySpec.HMAC_512: return KeyUsage.GENERATE_VERIFY_MAC;
                case KeySpec.RSA_2048:
                case KeySpec.RSA_3072:
                case KeySpec.RSA_4096: return KeyUsage.ENCRYPT_DECRYPT;
                case KeySpec.ECC_NIST_P256:
                case KeySpec.ECC_NIST_P384:
                case KeySpec.ECC_NIST_P521:
                case KeySpec.ECC_SECG_P256K1:
                case KeySpec.SM2: return KeyUsage.SIGN_VERIFY;
                default: throw NotImportable(spec);
            }
        }

        /// <summary>The usages KMS accepts for an imported key of this spec.</summary>
        public static IReadOnlyList<KeyUsage> AllowedUsages(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.SYMMETRIC_DEFAULT: return EncryptOnly;
                case KeySpec.HMAC_224:
                case KeySpec.HMAC_256:
                case KeySpec.HMAC_384:
                case KeySpec.HMAC_512: return MacOnly;
                case KeySpec.RSA_2048:
                case KeySpec.RSA_3072:
                case KeySpec.RSA_4096: return RsaUsages;
                case KeySpec.ECC_NIST_P256:
                case KeySpec.ECC_NIST_P384:
                case KeySpec.ECC_NIST_P521: return NistEcUsages;
                case KeySpec.ECC_SECG_P256K1: return SignOnly;
                case KeySpec.SM2: return Sm2Usages;
                default: throw NotImportable(spec);
            }
        }

        /// <summary>True when <paramref name="usage"/> is allowed for <paramref name="spec"/>.</summary>
        public static bool IsUsageAllowed(KeySpec spec, KeyUsage usage)
        {
            if (!IsDefined(spec)) return false;
            foreach (var u in AllowedUsages(spec)) if (u == usage) return true;
            return false;
        }

        /// <summary>
        /// Exact length in bytes of raw material: SYMMETRIC_DEFAULT 32 (the 16-byte SM4 variant of the China
        /// Regions is not supported), HMAC_224/256/384/512 28/32/48/64. Null for asymmetric specs.
        /// </summary>
        public static int? RawMaterialLength(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.SYMMETRIC_DEFAULT: return 32;
                case KeySpec.HMAC_224: return 28;
                case KeySpec.HMAC_256: return 32;
                case KeySpec.HMAC_384: return 48;
                case KeySpec.HMAC_512: return 64;
                default:
                    if (!IsDefined(spec)) throw NotImportable(spec);
                    return null;
            }
        }

        /// <summary>SYMMETRIC_DEFAULT.</summary>
        public static bool IsSymmetric(KeySpec spec) => spec == KeySpec.SYMMETRIC_DEFAULT;

        /// <summary>HMAC_224, HMAC_256, HMAC_384, HMAC_512.</summary>
        public static bool IsHmac(KeySpec spec) =>
            spec == KeySpec.HMAC_224 || spec == KeySpec.HMAC_256 || spec == KeySpec.HMAC_384 || spec == KeySpec.HMAC_512;

        /// <summary>RSA, ECC and SM2 specs (material is a PKCS#8 private key).</summary>
        public static bool IsAsymmetric(KeySpec spec) => IsRsa(spec) || IsEcc(spec);

        /// <summary>RSA_2048, RSA_3072, RSA_4096.</summary>
        public static bool IsRsa(KeySpec spec) => spec == KeySpec.RSA_2048 || spec == KeySpec.RSA_3072 || spec == KeySpec.RSA_4096;

        /// <summary>Elliptic-curve specs, SM2 included.</summary>
        public static bool IsEcc(KeySpec spec) =>
            spec == KeySpec.ECC_NIST_P256 || spec == KeySpec.ECC_NIST_P384 || spec == KeySpec.ECC_NIST_P521
            || spec == KeySpec.ECC_SECG_P256K1 || spec == KeySpec.SM2;

        /// <summary>Modulus size in bits for RSA specs, null otherwise.</summary>
        public static int? RsaModulusBits(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.RSA_2048: return 2048;
                case KeySpec.RSA_3072: return 3072;
                case KeySpec.RSA_4096: return 4096;
                default: return null;
            }
        }

        internal static bool IsDefined(KeySpec spec) => IsSymmetric(spec) || IsHmac(spec) || IsAsymmetric(spec);

        internal static void EnsureImportable(KeySpec spec)
        {
            if (!IsDefined(spec)) throw NotImportable(spec);
        }

        internal static KmsImportException NotImportable(KeySpec spec) =>
            new KmsImportException(ErrorIds.KeySpecNotImportable, ErrorKind.InvalidArgument,
                $"Key spec '{spec}' is not one whose material AWS KMS can import. Use one of SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, "
                + "HMAC_384, HMAC_512, RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1 or SM2 "
                + "(China Regions only).")
            { TargetObject = spec };
    }
}
