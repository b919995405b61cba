using Xunit;
using KmsImport;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Tests.Crypto.TestSupport;

internal static class Materials
{
    public static readonly KeySpec[] AllSpecs = Enum.GetValues<KeySpec>();

    public static readonly WrappingAlgorithm[] RsaAlgorithms =
    [
        WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingAlgorithm.RSAES_OAEP_SHA_256,
        WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256,
    ];

    public static readonly WrappingKeySpec[] RsaWrappingKeySpecs = [WrappingKeySpec.RSA_2048, WrappingKeySpec.RSA_3072, WrappingKeySpec.RSA_4096];

    /// <summary>Fresh material of each kind: generated (fast) except RSA, which comes from the OpenSSL fixture.</summary>
    public static KeyMaterial For(KeySpec spec, OpenSslKeys keys) =>
        KeySpecRules.IsRsa(spec) ? KeyMaterial.FromFile(spec, keys.Pem(spec)) : KeyMaterial.Generate(spec);

    /// <summary>The AWS matrix as the facts file states it, written independently of the product code.</summary>
    public static bool ExpectedAllowed(KeySpec spec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        bool rsaMaterial = spec is KeySpec.RSA_2048 or KeySpec.RSA_3072 or KeySpec.RSA_4096;
        bool rawMaterial = spec is KeySpec.SYMMETRIC_DEFAULT or KeySpec.HMAC_224 or KeySpec.HMAC_256 or KeySpec.HMAC_384 or KeySpec.HMAC_512;
        bool sm2Key = wrappingKeySpec == WrappingKeySpec.SM2;
        switch (algorithm)
        {
            case WrappingAlgorithm.RSAES_PKCS1_V1_5:
                return false;
            case WrappingAlgorithm.SM2PKE:
                return sm2Key;
            case WrappingAlgorithm.RSAES_OAEP_SHA_1:
            case WrappingAlgorithm.RSAES_OAEP_SHA_256:
                return !sm2Key && !rsaMaterial && !(spec == KeySpec.ECC_NIST_P521 && wrappingKeySpec == WrappingKeySpec.RSA_2048);
            default: // RSA_AES_KEY_WRAP_SHA_*
                return !sm2Key && !rawMaterial && spec != KeySpec.SM2;
        }
    }
}
