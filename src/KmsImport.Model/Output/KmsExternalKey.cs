using System;

namespace KmsImport
{
    /// <summary>A KMS key created without key material (Origin EXTERNAL). Output of New-KmsExternalKey.</summary>
    public sealed class KmsExternalKey
    {
        public string KeyId { get; set; } = "";
        public string Arn { get; set; } = "";
        /// <summary>As KMS spells it (SYMMETRIC_DEFAULT, RSA_2048 ...); see <see cref="KmsImport.KeySpec"/>.</summary>
        public string KeySpec { get; set; } = "";
        /// <summary>As KMS spells it (ENCRYPT_DECRYPT, SIGN_VERIFY ...).</summary>
        public string KeyUsage { get; set; } = "";
        /// <summary>KMS key state as KMS spells it: PendingImport, Enabled, Creating, ...</summary>
        public string KeyState { get; set; } = "";
        public bool MultiRegion { get; set; }
        /// <summary>PRIMARY or REPLICA for multi-Region keys, otherwise null.</summary>
        public string? MultiRegionKeyType { get; set; }
        public string? Description { get; set; }
        /// <summary>The alias created with the key (alias/...), if any.</summary>
        public string? Alias { get; set; }
        public DateTime CreationDate { get; set; }
        public string Region { get; set; } = "";
        /// <summary>The endpoint the key lives behind; null means the public AWS endpoint of <see cref="Region"/>.</summary>
        public string? EndpointUrl { get; set; }

        public override string ToString() => Arn.Length > 0 ? Arn : KeyId;
    }
}
