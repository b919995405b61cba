namespace KmsImport
{
    /// <summary>
    /// One row of a fleet plan (Invoke-KmsKeyImport -PlanPath / -Plan): one key in one account and Region.
    /// Every column is text as a CSV file gives it; the plan's checks parse and judge them before any request.
    /// </summary>
    public sealed class KmsFleetPlanRow
    {
        /// <summary>The row's number in the plan (1 = the first row after the header), for messages and results.</summary>
        public int Row { get; set; }
        /// <summary>The 12-digit AWS account the key belongs to (checked against the ARNs KMS answers with).</summary>
        public string? Account { get; set; }
        /// <summary>The AWS profile whose credentials reach the account (optional).</summary>
        public string? ProfileName { get; set; }
        /// <summary>The role to assume for the account (optional; -RoleArn gives a pattern for every row).</summary>
        public string? RoleArn { get; set; }
        public string? Region { get; set; }
        /// <summary>KMS key spec; SYMMETRIC_DEFAULT when empty.</summary>
        public string? KeySpec { get; set; }
        /// <summary>KMS key usage; the spec's default when empty.</summary>
        public string? KeyUsage { get; set; }
        /// <summary>alias/name (or name): the key's handle in its account and Region. Required: a rerun finds the key by it.</summary>
        public string? Alias { get; set; }
        public string? Description { get; set; }
        /// <summary>true to create a multi-Region primary key.</summary>
        public string? MultiRegion { get; set; }
        /// <summary>Regions to replicate a multi-Region key into, separated by ';' or ','.</summary>
        public string? ReplicaRegion { get; set; }
        /// <summary>The material file (raw, PEM, DER, encrypted PKCS#8, or CMS escrow).</summary>
        public string? Path { get; set; }
        /// <summary>true to generate the material (with EscrowPath).</summary>
        public string? Generate { get; set; }
        /// <summary>With Generate: the folder for the escrow copy (&lt;KeyId&gt;.bin, or .cms with EscrowRecipient).</summary>
        public string? EscrowPath { get; set; }
        /// <summary>With Generate: certificate files (';'-separated) to encrypt the escrow copy to.</summary>
        public string? EscrowRecipient { get; set; }
        /// <summary>KEY_MATERIAL_DOES_NOT_EXPIRE (default) or KEY_MATERIAL_EXPIRES.</summary>
        public string? ExpirationModel { get; set; }
        /// <summary>With KEY_MATERIAL_EXPIRES: an ISO 8601 date and time.</summary>
        public string? ValidTo { get; set; }

        /// <summary>The plan's column names, in the documented order.</summary>
        public static readonly string[] Columns =
        {
            nameof(Account), nameof(ProfileName), nameof(RoleArn), nameof(Region), nameof(KeySpec), nameof(KeyUsage), nameof(Alias),
            nameof(Description), nameof(MultiRegion), nameof(ReplicaRegion), nameof(Path), nameof(Generate), nameof(EscrowPath),
            nameof(EscrowRecipient), nameof(ExpirationModel), nameof(ValidTo),
        };

        public override string ToString() => $"row {Row}";
    }
}
