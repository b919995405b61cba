using System.Text.RegularExpressions;

namespace LocalKms;

/// <summary>The enumerations and naming rules of the KMS API model (kms/2014-11-01).</summary>
internal static partial class KmsNames
{
    public static readonly string[] KeySpecs =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65",
        "ML_DSA_87", "ECC_NIST_EDWARDS25519",
    ];

    public static readonly string[] CustomerMasterKeySpecs = KeySpecs[..13];

    public static readonly string[] KeyUsages = ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"];

    public static readonly string[] Origins = ["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];

    public static readonly string[] WrappingAlgorithms =
        ["RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "SM2PKE"];

    public static readonly string[] WrappingKeySpecs = ["RSA_2048", "RSA_3072", "RSA_4096", "SM2"];

    public static readonly string[] ExpirationModels = ["KEY_MATERIAL_EXPIRES", "KEY_MATERIAL_DOES_NOT_EXPIRE"];

    public static readonly string[] ImportTypes = ["NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL"];

    public static readonly string[] IncludeKeyMaterialValues = ["ALL_KEY_MATERIAL", "ROTATIONS_ONLY"];

    public static readonly string[] EncryptionAlgorithms = ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"];

    public static readonly string[] MacAlgorithms = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"];

    public static readonly string[] MessageTypes = ["RAW", "DIGEST", "EXTERNAL_MU"];

    public static readonly string[] SigningAlgorithms =
    [
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256",
        "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512",
        "SM2DSA", "ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512",
    ];

    public static bool IsValidRegion(string region) => RegionRegex().IsMatch(region) && region.Length <= 32;

    public static bool IsChinaRegion(string region) => region.StartsWith("cn-", StringComparison.Ordinal);

    public static string Partition(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";

    public static bool IsSymmetric(string keySpec) => keySpec == "SYMMETRIC_DEFAULT";

    public static bool IsHmac(string keySpec) => keySpec.StartsWith("HMAC_", StringComparison.Ordinal);

    public static bool IsRsa(string keySpec) => keySpec.StartsWith("RSA_", StringComparison.Ordinal);

    public static bool IsEcc(string keySpec) => keySpec is "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" or "ECC_SECG_P256K1";

    public static bool IsAsymmetric(string keySpec) => !IsSymmetric(keySpec) && !IsHmac(keySpec);

    /// <summary>The key usages AWS allows for a key spec (the first is not a default: only symmetric keys have one).</summary>
    public static string[] AllowedUsages(string keySpec) => keySpec switch
    {
        "SYMMETRIC_DEFAULT" => ["ENCRYPT_DECRYPT"],
        "HMAC_224" or "HMAC_256" or "HMAC_384" or "HMAC_512" => ["GENERATE_VERIFY_MAC"],
        "RSA_2048" or "RSA_3072" or "RSA_4096" => ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
        "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" => ["SIGN_VERIFY", "KEY_AGREEMENT"],
        "ECC_SECG_P256K1" => ["SIGN_VERIFY"],
        "SM2" => ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
        "ML_DSA_44" or "ML_DSA_65" or "ML_DSA_87" => ["SIGN_VERIFY"],
        "ECC_NIST_EDWARDS25519" => ["SIGN_VERIFY"],
        _ => [],
    };

    public static string[] EncryptionAlgorithmsFor(string keySpec, string keyUsage)
    {
        if (keyUsage != "ENCRYPT_DECRYPT")
        {
            return [];
        }

        return keySpec switch
        {
            "SYMMETRIC_DEFAULT" => ["SYMMETRIC_DEFAULT"],
            "SM2" => ["SM2PKE"],
            _ => ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
        };
    }

    public static string[] SigningAlgorithmsFor(string keySpec, string keyUsage)
    {
        if (keyUsage != "SIGN_VERIFY")
        {
            return [];
        }

        return keySpec switch
        {
            "RSA_2048" or "RSA_3072" or "RSA_4096" =>
            [
                "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
                "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
            ],
            "ECC_NIST_P256" or "ECC_SECG_P256K1" => ["ECDSA_SHA_256"],
            "ECC_NIST_P384" => ["ECDSA_SHA_384"],
            "ECC_NIST_P521" => ["ECDSA_SHA_512"],
            "SM2" => ["SM2DSA"],
            "ML_DSA_44" or "ML_DSA_65" or "ML_DSA_87" => ["ML_DSA_SHAKE_256"],
            "ECC_NIST_EDWARDS25519" => ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
            _ => [],
        };
    }

    public static string[] MacAlgorithmsFor(string keySpec) => keySpec switch
    {
        "HMAC_224" => ["HMAC_SHA_224"],
        "HMAC_256" => ["HMAC_SHA_256"],
        "HMAC_384" => ["HMAC_SHA_384"],
        "HMAC_512" => ["HMAC_SHA_512"],
        _ => [],
    };

    public static string[] KeyAgreementAlgorithmsFor(string keyUsage) => keyUsage == "KEY_AGREEMENT" ? ["ECDH"] : [];

    /// <summary>Minimum HMAC key length in bytes (the spec's digest length); KMS accepts up to 1024 bits.</summary>
    public static int HmacMinBytes(string keySpec) => keySpec switch
    {
        "HMAC_224" => 28,
        "HMAC_256" => 32,
        "HMAC_384" => 48,
        "HMAC_512" => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(keySpec)),
    };

    public static int RsaBits(string keySpec) => keySpec switch
    {
        "RSA_2048" => 2048,
        "RSA_3072" => 3072,
        "RSA_4096" => 4096,
        _ => throw new ArgumentOutOfRangeException(nameof(keySpec)),
    };

    public static string CurveOid(string keySpec) => keySpec switch
    {
        "ECC_NIST_P256" => "1.2.840.10045.3.1.7",
        "ECC_NIST_P384" => "1.3.132.0.34",
        "ECC_NIST_P521" => "1.3.132.0.35",
        "ECC_SECG_P256K1" => "1.3.132.0.10",
        _ => throw new ArgumentOutOfRangeException(nameof(keySpec)),
    };

    public static bool IsKeyId(string s) => UuidRegex().IsMatch(s) || MrkRegex().IsMatch(s);

    [GeneratedRegex("^([a-z]+-){2,3}\\d+$")]
    private static partial Regex RegionRegex();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex UuidRegex();

    [GeneratedRegex("^mrk-[0-9a-f]{32}$")]
    private static partial Regex MrkRegex();
}
