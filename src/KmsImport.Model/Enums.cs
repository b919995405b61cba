namespace KmsImport
{
    // Names match the AWS KMS API strings exactly, so values round-trip through JSON, the aws CLI
    // and PowerShell's string-to-enum conversion without a mapping table.

    /// <summary>The KMS key specs whose material can be imported (and SM2, China Regions only).</summary>
    public enum KeySpec
    {
        SYMMETRIC_DEFAULT,
        HMAC_224,
        HMAC_256,
        HMAC_384,
        HMAC_512,
        RSA_2048,
        RSA_3072,
        RSA_4096,
        ECC_NIST_P256,
        ECC_NIST_P384,
        ECC_NIST_P521,
        ECC_SECG_P256K1,
        SM2,
    }

    /// <summary>What a KMS key is used for.</summary>
    public enum KeyUsage
    {
        ENCRYPT_DECRYPT,
        SIGN_VERIFY,
        GENERATE_VERIFY_MAC,
        KEY_AGREEMENT,
    }

    /// <summary>How key material is wrapped for transport into KMS.</summary>
    public enum WrappingAlgorithm
    {
        RSAES_OAEP_SHA_1,
        RSAES_OAEP_SHA_256,
        RSA_AES_KEY_WRAP_SHA_1,
        RSA_AES_KEY_WRAP_SHA_256,
        SM2PKE,
        /// <summary>Retired by AWS on 2023-10-10; always refused.</summary>
        RSAES_PKCS1_V1_5,
    }

    /// <summary>The type of the wrapping public key KMS hands out.</summary>
    public enum WrappingKeySpec
    {
        RSA_2048,
        RSA_3072,
        RSA_4096,
        SM2,
    }

    /// <summary>Whether imported material expires.</summary>
    public enum ExpirationModel
    {
        KEY_MATERIAL_EXPIRES,
        KEY_MATERIAL_DOES_NOT_EXPIRE,
    }
}
