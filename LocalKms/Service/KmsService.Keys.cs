using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LocalKms.Protocol;
using LocalKms.State;

namespace LocalKms.Service;

/// <summary>Key lifecycle: CreateKey, DescribeKey, ListKeys, aliases, enable/disable, deletion, replication.</summary>
internal sealed partial class KmsService
{
    private static readonly Regex AliasPattern = new("^[a-zA-Z0-9:/_-]+$", RegexOptions.Compiled);
    private static readonly Regex PolicyPattern = new("^[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+$", RegexOptions.Compiled);

    private JsonObject CreateKey(KmsRequest req, OperationContext ctx)
    {
        string? policy = req.String("Policy", 1, 131072, PolicyPattern);
        string description = req.String("Description", 0, 8192) ?? "";
        string? usageArg = req.Enum("KeyUsage", KmsNames.KeyUsages);
        string? cmkSpec = req.Enum("CustomerMasterKeySpec", KmsNames.CustomerMasterKeySpecs);
        string? keySpecArg = req.Enum("KeySpec", KmsNames.KeySpecs);
        string origin = req.Enum("Origin", KmsNames.Origins) ?? "AWS_KMS";
        string? customKeyStoreId = req.String("CustomKeyStoreId", 1, 64);
        string? xksKeyId = req.String("XksKeyId", 1, 128);
        req.Bool("BypassPolicyLockoutSafetyCheck");
        List<(string Key, string Value)> tags = req.Tags() ?? [];
        bool multiRegion = req.Bool("MultiRegion") ?? false;

        if (keySpecArg is not null && cmkSpec is not null && keySpecArg != cmkSpec)
        {
            throw KmsException.Validation("You cannot specify KeySpec and CustomerMasterKeySpec with different values. Use KeySpec.");
        }

        string spec = keySpecArg ?? cmkSpec ?? "SYMMETRIC_DEFAULT";
        if (customKeyStoreId is not null)
        {
            throw new KmsException("CustomKeyStoreNotFoundException", $"Custom key store '{customKeyStoreId}' does not exist in this account and Region (LocalKms has no custom key stores).");
        }

        if (origin is "AWS_CLOUDHSM" or "EXTERNAL_KEY_STORE")
        {
            throw KmsException.Validation($"Origin {origin} requires a CustomKeyStoreId.");
        }

        if (xksKeyId is not null)
        {
            throw KmsException.Validation("XksKeyId is valid only for keys with Origin EXTERNAL_KEY_STORE.");
        }

        string? usage = usageArg ?? (spec == "SYMMETRIC_DEFAULT" ? "ENCRYPT_DECRYPT" : null);
        if (usage is null)
        {
            throw KmsException.Validation("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
        }

        if (Array.IndexOf(KmsNames.AllowedUsages(spec), usage) < 0)
        {
            throw KmsException.Validation($"KeyUsage {usage} is not compatible with KeySpec {spec}.");
        }

        if (spec == "SM2")
        {
            throw KmsNames.IsChinaRegion(ctx.Region)
                ? KmsException.Unsupported("LocalKms does not implement SM2 keys.")
                : KmsException.Unsupported($"KeySpec SM2 is supported only in China Regions, not in {ctx.Region}.");
        }

        if (spec.StartsWith("ML_DSA_", StringComparison.Ordinal) || spec == "ECC_NIST_EDWARDS25519")
        {
            throw origin == "EXTERNAL"
                ? KmsException.Unsupported($"KeySpec {spec} does not support imported key material (Origin EXTERNAL).")
                : KmsException.Unsupported($"LocalKms cannot create {spec} keys (.NET on this platform has no {spec} implementation).");
        }

        if (policy is not null)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(policy);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new JsonException();
                }
            }
            catch (JsonException)
            {
                throw new KmsException("MalformedPolicyDocumentException", "The key policy is not a valid JSON policy document.");
            }
        }

        List<TagRecord> tagRecords = ValidateTags(tags);

        // Generate material outside the lock: RSA-4096 takes a while.
        byte[]? material = origin == "AWS_KMS" ? GenerateMaterial(spec) : null;
        string keyId = multiRegion ? "mrk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : Guid.NewGuid().ToString();

        return Locked(ctx, () =>
        {
            var k = new KeyRecord
            {
                KeyId = keyId,
                Region = ctx.Region,
                AccountId = ctx.Account,
                CreationDate = ctx.Now,
                Description = description,
                KeySpec = spec,
                KeyUsage = usage,
                Origin = origin,
                MultiRegion = multiRegion,
                MultiRegionKeyType = multiRegion ? "PRIMARY" : null,
                KeyState = origin == "EXTERNAL" ? KeyStates.PendingImport : KeyStates.Enabled,
                Policy = policy ?? DefaultPolicy(ctx.Account, ctx.Region),
                Tags = tagRecords,
            };
            if (material is not null)
            {
                k.Materials.Add(new MaterialRecord { Id = MaterialId(keyId, material), Bytes = material, EverImported = true, State = MaterialStates.Current });
            }

            Scope(ctx).Keys[keyId] = k;
            ctx.KeyIdForLog = keyId;
            _dirty = true;
            return new JsonObject { ["KeyMetadata"] = Metadata(k) };
        });
    }

    private static List<TagRecord> ValidateTags(List<(string Key, string Value)> tags)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<TagRecord>();
        foreach ((string key, string value) in tags)
        {
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new KmsException("TagException", "Tag keys beginning with 'aws:' are reserved.");
            }

            if (!seen.Add(key))
            {
                throw new KmsException("TagException", $"Duplicate tag key '{key}'.");
            }

            list.Add(new TagRecord { TagKey = key, TagValue = value });
        }

        return list;
    }

    private static string DefaultPolicy(string account, string region) =>
        "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n" +
        "    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:" + KmsNames.Partition(region) + ":iam::" + account + ":root\"\n    },\n" +
        "    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}";

    private static byte[] GenerateMaterial(string spec)
    {
        if (KmsNames.IsSymmetric(spec))
        {
            return RandomNumberGenerator.GetBytes(32);
        }

        if (KmsNames.IsHmac(spec))
        {
            return RandomNumberGenerator.GetBytes(KmsNames.HmacMinBytes(spec));
        }

        if (KmsNames.IsRsa(spec))
        {
            using var rsa = RSA.Create(KmsNames.RsaBits(spec));
            return rsa.ExportPkcs8PrivateKey();
        }

        using var ec = ECDsa.Create(ECCurve.CreateFromValue(KmsNames.CurveOid(spec)));
        return ec.ExportPkcs8PrivateKey();
    }

    private JsonObject DescribeKey(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        return Locked(ctx, () => new JsonObject { ["KeyMetadata"] = Metadata(ResolveKey(ctx, keyId, allowAlias: true)) });
    }

    private JsonObject ListKeys(KmsRequest req, OperationContext ctx)
    {
        (int start, int limit) = Page(req, 100, 1000);
        return Locked(ctx, () =>
        {
            var all = Scope(ctx).Keys.Values.OrderBy(k => k.CreationDate).ThenBy(k => k.KeyId, StringComparer.Ordinal).ToList();
            var keys = new JsonArray();
            foreach (KeyRecord k in all.Skip(start).Take(limit))
            {
                keys.Add(new JsonObject { ["KeyId"] = k.KeyId, ["KeyArn"] = k.Arn });
            }

            var resp = new JsonObject { ["Keys"] = keys };
            AddPaging(resp, start, limit, all.Count);
            return resp;
        });
    }

    private void ValidateAliasName(string aliasName)
    {
        if (!aliasName.StartsWith("alias/", StringComparison.Ordinal) || aliasName.Length == "alias/".Length)
        {
            throw new KmsException("InvalidAliasNameException", "Alias must start with the prefix \"alias/\" followed by a name.");
        }

        if (aliasName.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new KmsException("InvalidAliasNameException", "Alias names that begin with alias/aws/ are reserved for AWS managed keys.");
        }
    }

    private JsonObject CreateAlias(KmsRequest req, OperationContext ctx)
    {
        string aliasName = req.RequiredString("AliasName", 1, 256, AliasPattern);
        string target = req.RequiredString("TargetKeyId", 1, 2048);
        ValidateAliasName(aliasName);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, target, allowAlias: false);
            RegionState rs = Scope(ctx);
            if (rs.Aliases.ContainsKey(aliasName))
            {
                throw KmsException.AlreadyExists($"An alias with the name {AliasArn(ctx.Account, ctx.Region, aliasName)} already exists");
            }

            if (IsPendingDeletion(k))
            {
                throw StateError(k);
            }

            rs.Aliases[aliasName] = new AliasRecord { AliasName = aliasName, TargetKeyId = k.KeyId, CreationDate = ctx.Now, LastUpdatedDate = ctx.Now };
            _dirty = true;
            return new JsonObject();
        });
    }

    private JsonObject DeleteAlias(KmsRequest req, OperationContext ctx)
    {
        string aliasName = req.RequiredString("AliasName", 1, 256, AliasPattern);
        return Locked(ctx, () =>
        {
            RegionState rs = Scope(ctx);
            if (!rs.Aliases.Remove(aliasName, out AliasRecord? removed))
            {
                throw KmsException.NotFound($"Alias '{AliasArn(ctx.Account, ctx.Region, aliasName)}' is not found.");
            }

            ctx.KeyIdForLog = removed.TargetKeyId;
            _dirty = true;
            return new JsonObject();
        });
    }

    private JsonObject ListAliases(KmsRequest req, OperationContext ctx)
    {
        string? keyId = req.String("KeyId", 1, 2048);
        (int start, int limit) = Page(req, 50, 1000);
        return Locked(ctx, () =>
        {
            string? filter = keyId is null ? null : ResolveKey(ctx, keyId, allowAlias: false).KeyId;
            var all = Scope(ctx).Aliases.Values
                .Where(a => filter is null || a.TargetKeyId == filter)
                .OrderBy(a => a.AliasName, StringComparer.Ordinal).ToList();
            var aliases = new JsonArray();
            foreach (AliasRecord a in all.Skip(start).Take(limit))
            {
                aliases.Add(new JsonObject
                {
                    ["AliasName"] = a.AliasName,
                    ["AliasArn"] = AliasArn(ctx.Account, ctx.Region, a.AliasName),
                    ["TargetKeyId"] = a.TargetKeyId,
                    ["CreationDate"] = Json.Time(a.CreationDate),
                    ["LastUpdatedDate"] = Json.Time(a.LastUpdatedDate),
                });
            }

            var resp = new JsonObject { ["Aliases"] = aliases };
            AddPaging(resp, start, limit, all.Count);
            return resp;
        });
    }

    private JsonObject EnableKey(KmsRequest req, OperationContext ctx) => SetEnabled(req, ctx, true);

    private JsonObject DisableKey(KmsRequest req, OperationContext ctx) => SetEnabled(req, ctx, false);

    private JsonObject SetEnabled(KmsRequest req, OperationContext ctx, bool enable)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            if (k.KeyState is not (KeyStates.Enabled or KeyStates.Disabled))
            {
                throw KmsException.InvalidState(StateError(k).Message);
            }

            string target = enable ? KeyStates.Enabled : KeyStates.Disabled;
            if (k.KeyState != target)
            {
                k.KeyState = target;
                _dirty = true;
            }

            return new JsonObject();
        });
    }

    private JsonObject ScheduleKeyDeletion(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        int? window = req.Int("PendingWindowInDays", 1, 365);
        if (window is < 7 or > 30)
        {
            throw KmsException.Validation("PendingWindowInDays must be between 7 and 30 (inclusive).");
        }

        int days = window ?? 30;
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            if (IsPendingDeletion(k))
            {
                throw StateError(k);
            }

            bool hasReplicas = k.MultiRegionKeyType == "PRIMARY" && Group(k).Count > 1;
            k.PendingWindowInDays = days;
            var resp = new JsonObject { ["KeyId"] = k.Arn };
            if (hasReplicas)
            {
                k.KeyState = KeyStates.PendingReplicaDeletion;
                k.DeletionDate = null;
            }
            else
            {
                k.KeyState = KeyStates.PendingDeletion;
                k.DeletionDate = ctx.Now.AddDays(days);
                resp["DeletionDate"] = Json.Time(k.DeletionDate.Value);
            }

            resp["KeyState"] = k.KeyState;
            resp["PendingWindowInDays"] = days;
            _dirty = true;
            return resp;
        });
    }

    private JsonObject CancelKeyDeletion(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            if (!IsPendingDeletion(k))
            {
                throw KmsException.InvalidState($"{k.Arn} is not pending deletion.");
            }

            bool complete = k.Permanent.Any() && k.Permanent.All(m => m.Bytes is not null);
            k.KeyState = complete ? KeyStates.Disabled : KeyStates.PendingImport;
            k.DeletionDate = null;
            k.PendingWindowInDays = null;
            _dirty = true;
            return new JsonObject { ["KeyId"] = k.Arn };
        });
    }

    private JsonObject ReplicateKey(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        string replicaRegion = req.RequiredString("ReplicaRegion", 1, 32);
        if (!KmsNames.IsValidRegion(replicaRegion))
        {
            throw KmsException.Constraint("ReplicaRegion", replicaRegion, "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$");
        }

        string? policy = req.String("Policy", 1, 131072, PolicyPattern);
        req.Bool("BypassPolicyLockoutSafetyCheck");
        string description = req.String("Description", 0, 8192) ?? "";
        List<TagRecord> tags = ValidateTags(req.Tags() ?? []);
        if (policy is not null)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(policy);
            }
            catch (JsonException)
            {
                throw new KmsException("MalformedPolicyDocumentException", "The key policy is not a valid JSON policy document.");
            }
        }

        return Locked(ctx, () =>
        {
            KeyRecord primary = ResolveKey(ctx, keyId, allowAlias: false);
            if (!primary.MultiRegion)
            {
                throw KmsException.Unsupported($"{primary.Arn} is not a multi-Region key.");
            }

            if (primary.MultiRegionKeyType != "PRIMARY")
            {
                throw KmsException.Unsupported($"{primary.Arn} is not a multi-Region primary key.");
            }

            if (primary.KeyState == KeyStates.Disabled)
            {
                throw KmsException.Disabled($"{primary.Arn} is disabled.");
            }

            if (primary.KeyState != KeyStates.Enabled)
            {
                throw KmsException.InvalidState(StateError(primary).Message);
            }

            if (replicaRegion == ctx.Region || KmsNames.Partition(replicaRegion) != KmsNames.Partition(ctx.Region))
            {
                throw KmsException.Validation($"The replica Region {replicaRegion} must be a different Region of the same partition as the primary key ({ctx.Region}).");
            }

            RegionState target = Scope(primary.AccountId, replicaRegion);
            if (target.Keys.ContainsKey(primary.KeyId))
            {
                throw KmsException.AlreadyExists($"A replica of {primary.Arn} already exists in {replicaRegion}.");
            }

            var replica = new KeyRecord
            {
                KeyId = primary.KeyId,
                Region = replicaRegion,
                AccountId = primary.AccountId,
                CreationDate = ctx.Now,
                Description = description,
                KeySpec = primary.KeySpec,
                KeyUsage = primary.KeyUsage,
                Origin = primary.Origin,
                MultiRegion = true,
                MultiRegionKeyType = "REPLICA",
                Policy = policy ?? DefaultPolicy(primary.AccountId, replicaRegion),
                Tags = tags,
            };

            // KMS copies generated material to a replica, never imported material: the replica of an
            // EXTERNAL key learns which materials to expect (their ids) and waits in PendingImport.
            foreach (MaterialRecord m in primary.Materials)
            {
                bool copy = primary.Origin != "EXTERNAL";
                replica.Materials.Add(new MaterialRecord
                {
                    Id = m.Id,
                    Bytes = copy ? m.Bytes?.ToArray() : null,
                    EverImported = copy,
                    State = m.State,
                    RotationDate = m.RotationDate,
                    RotationType = m.RotationType,
                    Description = m.Description,
                });
            }

            replica.KeyState = primary.Origin == "EXTERNAL" ? KeyStates.PendingImport : KeyStates.Enabled;
            target.Keys[replica.KeyId] = replica;
            RecomputePending(primary.AccountId, primary.KeyId);
            _dirty = true;

            // AWS answers with the transient Creating state; LocalKms finishes creating at once.
            return new JsonObject
            {
                ["ReplicaKeyMetadata"] = Metadata(replica, KeyStates.Creating),
                ["ReplicaPolicy"] = replica.Policy,
                ["ReplicaTags"] = TagsJson(replica.Tags),
            };
        });
    }

    private JsonObject GetKeyPolicy(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        string policyName = req.String("PolicyName", 1, 128) ?? "default";
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            if (policyName != "default")
            {
                throw KmsException.NotFound($"No such policy: {policyName}");
            }

            return new JsonObject { ["Policy"] = k.Policy, ["PolicyName"] = "default" };
        });
    }

    private JsonObject ListResourceTags(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        (int start, int limit) = Page(req, 50, 1000);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            var resp = new JsonObject { ["Tags"] = TagsJson(k.Tags.Skip(start).Take(limit)) };
            AddPaging(resp, start, limit, k.Tags.Count);
            return resp;
        });
    }
}
