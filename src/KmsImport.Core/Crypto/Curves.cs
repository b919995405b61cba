using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X9;

namespace KmsImport.Core.Crypto
{
    /// <summary>The named curves of the importable ECC/SM2 key specs.</summary>
    internal sealed class CurveInfo
    {
        private X9ECParameters? _parameters;

        private CurveInfo(KeySpec spec, string oid, string displayName)
        {
            Spec = spec;
            Oid = new DerObjectIdentifier(oid);
            DisplayName = displayName;
        }

        public KeySpec Spec { get; }
        public DerObjectIdentifier Oid { get; }
        public string DisplayName { get; }

        /// <summary>Domain parameters from BouncyCastle's named-curve table.</summary>
        public X9ECParameters Parameters => _parameters ??= ECNamedCurveTable.GetByOid(Oid);

        public static readonly IReadOnlyList<CurveInfo> All = new[]
        {
            new CurveInfo(KeySpec.ECC_NIST_P256, "1.2.840.10045.3.1.7", "NIST P-256 (prime256v1)"),
            new CurveInfo(KeySpec.ECC_NIST_P384, "1.3.132.0.34", "NIST P-384 (secp384r1)"),
            new CurveInfo(KeySpec.ECC_NIST_P521, "1.3.132.0.35", "NIST P-521 (secp521r1)"),
            new CurveInfo(KeySpec.ECC_SECG_P256K1, "1.3.132.0.10", "secp256k1"),
            new CurveInfo(KeySpec.SM2, "1.2.156.10197.1.301", "SM2 (sm2p256v1)"),
        };

        public static CurveInfo? ForSpec(KeySpec spec)
        {
            foreach (var c in All) if (c.Spec == spec) return c;
            return null;
        }

        public static CurveInfo? ForOid(DerObjectIdentifier oid)
        {
            foreach (var c in All) if (c.Oid.Equals(oid)) return c;
            return null;
        }

        /// <summary>A readable name for any curve OID: ours, BouncyCastle's name, or the dotted OID.</summary>
        public static string Describe(DerObjectIdentifier oid)
        {
            var known = ForOid(oid);
            if (known != null) return known.DisplayName;
            string? name = null;
            try { name = ECNamedCurveTable.GetName(oid); } catch { /* unknown */ }
            return name != null ? $"{name} ({oid.Id})" : $"OID {oid.Id}";
        }

        /// <summary>Which supported named curve explicit parameters describe, if any.</summary>
        public static CurveInfo? MatchExplicit(X9ECParameters explicitParameters)
        {
            foreach (var c in All)
            {
                var p = c.Parameters;
                if (p.Curve.Equals(explicitParameters.Curve) && p.G.Equals(explicitParameters.G) && p.N.Equals(explicitParameters.N))
                    return c;
            }
            return null;
        }
    }
}
