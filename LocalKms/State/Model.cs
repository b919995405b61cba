using System.Text.Json.Serialization;

namespace LocalKms.State;

/// <summary>Everything the endpoint knows; serialized as-is to the state file.</summary>
internal sealed class KmsState
{
    public const int CurrentVersion = 2;

    public int Version { get; set; } = CurrentVersion;

    /// <summary>AES-256 key that seals import tokens and nothing else.</summary>
    public byte[] TokenKey { get; set; } = [];

    /// <summary>
    /// Keys and aliases per (account, Region), by <see cref="ScopeName"/> ("111122223333/eu-west-2").
    /// Version 1 files keyed by Region alone (one account); <see cref="StateStore"/> moves them.
    /// </summary>
    public Dictionary<string, RegionState> Regions { get; set; } = new(StringComparer.Ordinal);

    public static string ScopeName(string account, string region) => account + "/" + region;
}

internal sealed class RegionState
{
    /// <summary>Keys by bare key id.</summary>
    public Dictionary<string, KeyRecord> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Aliases by alias name ("alias/...").</summary>
    public Dictionary<string, AliasRecord> Aliases { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class AliasRecord
{
    public string AliasName { get; set; } = "";

    public string TargetKeyId { get; set; } = "";

    public DateTimeOffset CreationDate { get; set; }

    public DateTimeOffset LastUpdatedDate { get; set; }
}

internal sealed class TagRecord
{
    public string TagKey { get; set; } = "";

    public string TagValue { get; set; } = "";
}

internal sealed class KeyRecord
{
    public string KeyId { get; set; } = "";

    public string Region { get; set; } = "";

    public string AccountId { get; set; } = "";

    public DateTimeOffset CreationDate { get; set; }

    public string Description { get; set; } = "";

    public string KeySpec { get; set; } = "SYMMETRIC_DEFAULT";

    public string KeyUsage { get; set; } = "ENCRYPT_DECRYPT";

    public string Origin { get; set; } = "AWS_KMS";

    public bool MultiRegion { get; set; }

    /// <summary>PRIMARY or REPLICA for multi-Region keys.</summary>
    public string? MultiRegionKeyType { get; set; }

    /// <summary>Enabled, Disabled, PendingDeletion, PendingReplicaDeletion, PendingImport.</summary>
    public string KeyState { get; set; } = "Enabled";

    public DateTimeOffset? DeletionDate { get; set; }

    public int? PendingWindowInDays { get; set; }

    public string Policy { get; set; } = "";

    public List<TagRecord> Tags { get; set; } = [];

    /// <summary>Key materials in the order they were associated (the first is the original).</summary>
    public List<MaterialRecord> Materials { get; set; } = [];

    public int OnDemandRotations { get; set; }

    [JsonIgnore]
    public string Arn => $"arn:{KmsNames.Partition(Region)}:kms:{Region}:{AccountId}:key/{KeyId}";

    [JsonIgnore]
    public MaterialRecord? Current => Materials.FirstOrDefault(m => m.State == MaterialStates.Current);

    /// <summary>CURRENT and NON_CURRENT materials: the ones KMS keeps associated with the key for good.</summary>
    [JsonIgnore]
    public IEnumerable<MaterialRecord> Permanent => Materials.Where(m => m.State is MaterialStates.Current or MaterialStates.NonCurrent);
}

internal sealed class MaterialRecord
{
    public string Id { get; set; } = "";

    /// <summary>The key material (raw or canonical PKCS#8); null while not imported (PENDING_IMPORT).</summary>
    public byte[]? Bytes { get; set; }

    /// <summary>True once this material was imported into this key (distinguishes a copy announced by a primary).</summary>
    public bool EverImported { get; set; }

    public string State { get; set; } = MaterialStates.Current;

    public string? ExpirationModel { get; set; }

    public DateTimeOffset? ValidTo { get; set; }

    public DateTimeOffset? RotationDate { get; set; }

    public string? RotationType { get; set; }

    public string? Description { get; set; }
}

internal static class MaterialStates
{
    public const string Current = "CURRENT";
    public const string NonCurrent = "NON_CURRENT";
    public const string PendingRotation = "PENDING_ROTATION";
    public const string PendingMultiRegion = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION";
}

internal static class KeyStates
{
    public const string Enabled = "Enabled";
    public const string Disabled = "Disabled";
    public const string PendingDeletion = "PendingDeletion";
    public const string PendingReplicaDeletion = "PendingReplicaDeletion";
    public const string PendingImport = "PendingImport";
    public const string Creating = "Creating";
}
