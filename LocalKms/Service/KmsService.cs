using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LocalKms.Control;
using LocalKms.Crypto;
using LocalKms.Protocol;
using LocalKms.State;

namespace LocalKms.Service;

/// <summary>Per-request facts the operations need (Region from the SigV4 scope, the caller and its account, the clock).</summary>
internal sealed class OperationContext(string region, string? accessKeyId, DateTimeOffset now, string account)
{
    public string Region { get; } = region;

    /// <summary>The caller's account: keys, aliases and ARNs are per (account, Region).</summary>
    public string Account { get; } = account;

    public string? AccessKeyId { get; } = accessKeyId;

    public DateTimeOffset Now { get; } = now;

    /// <summary>Set by the operation: the bare key id for the request log.</summary>
    public string? KeyIdForLog { get; set; }
}

/// <summary>
/// The KMS operations over <see cref="KmsState"/>. One lock guards the state; each operation runs the clock
/// (material expiry, scheduled deletion) first and, if it changed anything, saves the state file after.
/// </summary>
internal sealed partial class KmsService : IDisposable
{
    private readonly Lock _gate = new();
    private readonly LocalKmsOptions _options;
    private readonly WrappingKeyPool _pool;
    private readonly bool _ownsPool;
    private KmsState _state;
    private bool _dirty;

    public KmsService(LocalKmsOptions options)
    {
        _options = options;
        _state = StateStore.LoadOrCreate(options.StateFile, options.AccountId);
        _ownsPool = options.SharedWrappingKeyPool is null;
        _pool = options.SharedWrappingKeyPool ?? new WrappingKeyPool(options.WrappingKeyPool, options.ReuseWrappingKeys);
    }

    public WrappingKeyPool Pool => _pool;

    public void Dispose()
    {
        if (_ownsPool)
        {
            _pool.Dispose();
        }
    }

    /// <summary>Forgets all keys and aliases (control API reset). The token secret is renewed too.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _state = new KmsState { TokenKey = RandomNumberGenerator.GetBytes(32) };
            _dirty = true;
            Persist();
        }
    }

    public JsonObject Invoke(string operation, KmsRequest req, OperationContext ctx) => operation switch
    {
        "CreateKey" => CreateKey(req, ctx),
        "DescribeKey" => DescribeKey(req, ctx),
        "ListKeys" => ListKeys(req, ctx),
        "CreateAlias" => CreateAlias(req, ctx),
        "DeleteAlias" => DeleteAlias(req, ctx),
        "ListAliases" => ListAliases(req, ctx),
        "EnableKey" => EnableKey(req, ctx),
        "DisableKey" => DisableKey(req, ctx),
        "ScheduleKeyDeletion" => ScheduleKeyDeletion(req, ctx),
        "CancelKeyDeletion" => CancelKeyDeletion(req, ctx),
        "ReplicateKey" => ReplicateKey(req, ctx),
        "GetKeyPolicy" => GetKeyPolicy(req, ctx),
        "ListResourceTags" => ListResourceTags(req, ctx),
        "GetParametersForImport" => GetParametersForImport(req, ctx),
        "ImportKeyMaterial" => ImportKeyMaterial(req, ctx),
        "DeleteImportedKeyMaterial" => DeleteImportedKeyMaterial(req, ctx),
        "RotateKeyOnDemand" => RotateKeyOnDemand(req, ctx),
        "ListKeyRotations" => ListKeyRotations(req, ctx),
        "Encrypt" => Encrypt(req, ctx),
        "Decrypt" => Decrypt(req, ctx),
        "GenerateMac" => GenerateMac(req, ctx),
        "VerifyMac" => VerifyMac(req, ctx),
        "GetPublicKey" => GetPublicKey(req, ctx),
        "Sign" => Sign(req, ctx),
        "Verify" => Verify(req, ctx),
        _ => throw new KmsException("UnknownOperationException", $"Operation {operation} is not supported by LocalKms."),
    };

    /// <summary>Runs <paramref name="body"/> under the state lock after applying the clock; saves if dirty.</summary>
    private T Locked<T>(OperationContext ctx, Func<T> body)
    {
        lock (_gate)
        {
            Tick(ctx.Now);
            try
            {
                return body();
            }
            finally
            {
                Persist();
            }
        }
    }

    private void Persist()
    {
        if (_dirty && _options.StateFile is { } path)
        {
            StateStore.Save(_state, path);
        }

        _dirty = false;
    }

    /// <summary>The keys and aliases of one account in one Region.</summary>
    private RegionState Scope(string account, string region)
    {
        string name = KmsState.ScopeName(account, region);
        if (!_state.Regions.TryGetValue(name, out RegionState? rs))
        {
            rs = new RegionState();
            _state.Regions[name] = rs;
        }

        return rs;
    }

    private RegionState Scope(OperationContext ctx) => Scope(ctx.Account, ctx.Region);

    private static string AliasArn(string account, string region, string aliasName) =>
        $"arn:{KmsNames.Partition(region)}:kms:{region}:{account}:{aliasName}";

    // ---------------------------------------------------------------- clock: expiry and deletion

    private void Tick(DateTimeOffset now)
    {
        foreach (RegionState rs in _state.Regions.Values.ToList())
        {
            foreach (KeyRecord k in rs.Keys.Values.ToList())
            {
                if (k.KeyState == KeyStates.PendingDeletion && k.DeletionDate is { } when && when <= now)
                {
                    DeleteKeyNow(k, now);
                    continue;
                }

                foreach (MaterialRecord m in k.Materials.ToList())
                {
                    if (m.Bytes is not null && m.ExpirationModel == "KEY_MATERIAL_EXPIRES" && m.ValidTo is { } validTo && validTo <= now)
                    {
                        RemoveMaterial(k, m); // KMS deletes expired material
                    }
                }
            }
        }
    }

    private void DeleteKeyNow(KeyRecord k, DateTimeOffset now)
    {
        RegionState rs = Scope(k.AccountId, k.Region);
        rs.Keys.Remove(k.KeyId);
        foreach (string alias in rs.Aliases.Where(a => a.Value.TargetKeyId == k.KeyId).Select(a => a.Key).ToList())
        {
            rs.Aliases.Remove(alias);
        }

        if (k.MultiRegionKeyType == "REPLICA" && Group(k.AccountId, k.KeyId).FirstOrDefault(x => x.MultiRegionKeyType == "PRIMARY") is { } primary
            && primary.KeyState == KeyStates.PendingReplicaDeletion && Group(k.AccountId, k.KeyId).All(x => x.MultiRegionKeyType == "PRIMARY"))
        {
            primary.KeyState = KeyStates.PendingDeletion;
            primary.DeletionDate = now.AddDays(primary.PendingWindowInDays ?? 30);
        }

        _dirty = true;
    }

    /// <summary>
    /// Deletes a material from a key (DeleteImportedKeyMaterial or expiry). Material pending rotation is not
    /// permanently associated: it is dropped (from the replicas too when deleted in a primary). Losing a
    /// permanent material puts the key in PendingImport unless it is pending deletion.
    /// </summary>
    private void RemoveMaterial(KeyRecord k, MaterialRecord m)
    {
        _dirty = true;
        if (m.State is MaterialStates.PendingRotation or MaterialStates.PendingMultiRegion)
        {
            if (k.MultiRegionKeyType == "REPLICA")
            {
                ZeroAndForget(m);
                RecomputePending(k.AccountId, k.KeyId);
                return;
            }

            foreach (KeyRecord member in Group(k))
            {
                MaterialRecord? mm = member.Materials.FirstOrDefault(x => x.Id == m.Id);
                if (mm is not null)
                {
                    ZeroAndForget(mm);
                    member.Materials.Remove(mm);
                }
            }

            return;
        }

        ZeroAndForget(m);
        if (k.KeyState is not (KeyStates.PendingDeletion or KeyStates.PendingReplicaDeletion))
        {
            k.KeyState = KeyStates.PendingImport;
        }
    }

    private static void ZeroAndForget(MaterialRecord m)
    {
        if (m.Bytes is not null)
        {
            CryptographicOperations.ZeroMemory(m.Bytes);
        }

        m.Bytes = null;
    }

    // ---------------------------------------------------------------- multi-Region groups

    /// <summary>All keys (every Region of the key's account) sharing the multi-Region key id; just the key when single-Region.</summary>
    private List<KeyRecord> Group(KeyRecord k) => k.MultiRegion ? Group(k.AccountId, k.KeyId) : [k];

    private List<KeyRecord> Group(string account, string keyId) =>
        _state.Regions.Values.Select(r => r.Keys.GetValueOrDefault(keyId)).OfType<KeyRecord>().Where(k => k.AccountId == account).ToList();

    /// <summary>Pending materials of a multi-Region key are PENDING_ROTATION once every related key holds them.</summary>
    private void RecomputePending(string account, string keyId)
    {
        List<KeyRecord> group = Group(account, keyId);
        KeyRecord? primary = group.FirstOrDefault(g => g.MultiRegionKeyType == "PRIMARY");
        if (primary is null)
        {
            return;
        }

        foreach (MaterialRecord pm in primary.Materials.Where(m => m.State is MaterialStates.PendingRotation or MaterialStates.PendingMultiRegion).ToList())
        {
            bool everywhere = group.All(g => g.Materials.Any(m => m.Id == pm.Id && m.Bytes is not null));
            string state = everywhere ? MaterialStates.PendingRotation : MaterialStates.PendingMultiRegion;
            foreach (KeyRecord g in group)
            {
                foreach (MaterialRecord m in g.Materials.Where(m => m.Id == pm.Id))
                {
                    m.State = state;
                }
            }
        }
    }

    // ---------------------------------------------------------------- key resolution and state checks

    /// <summary>
    /// Finds a key by key id or key ARN, and by alias name or alias ARN when <paramref name="allowAlias"/>.
    /// </summary>
    private KeyRecord ResolveKey(OperationContext ctx, string keyIdInput, bool allowAlias)
    {
        RegionState rs = Scope(ctx);
        string? keyId = null;
        string? aliasName = null;
        if (keyIdInput.StartsWith("arn:", StringComparison.Ordinal))
        {
            string[] parts = keyIdInput.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "kms" || parts[3].Length == 0 || parts[4].Length == 0)
            {
                throw KmsException.InvalidArn($"Invalid arn {keyIdInput}");
            }

            if (parts[1] != KmsNames.Partition(ctx.Region) || parts[3] != ctx.Region || parts[4] != ctx.Account)
            {
                ctx.KeyIdForLog = keyIdInput;
                throw KmsException.NotFound($"Key '{keyIdInput}' does not exist");
            }

            if (parts[5].StartsWith("key/", StringComparison.Ordinal))
            {
                keyId = parts[5][4..];
            }
            else if (parts[5].StartsWith("alias/", StringComparison.Ordinal) && allowAlias)
            {
                aliasName = parts[5];
            }
            else
            {
                throw KmsException.InvalidArn($"Invalid arn {keyIdInput}");
            }
        }
        else if (keyIdInput.StartsWith("alias/", StringComparison.Ordinal))
        {
            if (!allowAlias)
            {
                throw KmsException.NotFound($"Invalid keyId '{keyIdInput}'");
            }

            aliasName = keyIdInput;
        }
        else
        {
            keyId = keyIdInput;
        }

        if (aliasName is not null)
        {
            if (!rs.Aliases.TryGetValue(aliasName, out AliasRecord? alias))
            {
                throw KmsException.NotFound($"Alias '{AliasArn(ctx.Account, ctx.Region, aliasName)}' is not found.");
            }

            keyId = alias.TargetKeyId;
        }

        ctx.KeyIdForLog = keyId;
        if (!KmsNames.IsKeyId(keyId!))
        {
            throw KmsException.NotFound($"Invalid keyId '{keyIdInput}'");
        }

        if (!rs.Keys.TryGetValue(keyId!, out KeyRecord? k))
        {
            throw KmsException.NotFound($"Key 'arn:{KmsNames.Partition(ctx.Region)}:kms:{ctx.Region}:{ctx.Account}:key/{keyId}' does not exist");
        }

        return k;
    }

    private static KmsException StateError(KeyRecord k) => k.KeyState switch
    {
        KeyStates.Disabled => KmsException.Disabled($"{k.Arn} is disabled."),
        KeyStates.PendingImport => KmsException.InvalidState($"{k.Arn} is pending import."),
        KeyStates.PendingDeletion => KmsException.InvalidState($"{k.Arn} is pending deletion."),
        KeyStates.PendingReplicaDeletion => KmsException.InvalidState($"{k.Arn} is pending replica deletion."),
        KeyStates.Creating => KmsException.InvalidState($"{k.Arn} is creating."),
        _ => KmsException.InvalidState($"{k.Arn} is {k.KeyState}."),
    };

    /// <summary>For cryptographic operations: the key must be Enabled.</summary>
    private static void RequireEnabled(KeyRecord k)
    {
        if (k.KeyState != KeyStates.Enabled)
        {
            throw StateError(k);
        }
    }

    private static bool IsPendingDeletion(KeyRecord k) => k.KeyState is KeyStates.PendingDeletion or KeyStates.PendingReplicaDeletion;

    /// <summary>
    /// KeyMaterialId: SHA-256 over a domain label, the bare key id and the (canonical) material. Related
    /// multi-Region keys share the key id, so the same material gets the same id in every Region.
    /// </summary>
    private static string MaterialId(string keyId, byte[] material)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData("LocalKms KeyMaterialId v1\0"u8);
        h.AppendData(Encoding.UTF8.GetBytes(keyId));
        h.AppendData("\0"u8);
        h.AppendData(material);
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    // ---------------------------------------------------------------- responses

    private JsonObject Metadata(KeyRecord k, string? stateOverride = null)
    {
        string state = stateOverride ?? k.KeyState;
        var md = new JsonObject
        {
            ["AWSAccountId"] = k.AccountId,
            ["KeyId"] = k.KeyId,
            ["Arn"] = k.Arn,
            ["CreationDate"] = Json.Time(k.CreationDate),
            ["Enabled"] = state == KeyStates.Enabled,
            ["Description"] = k.Description,
            ["KeyUsage"] = k.KeyUsage,
            ["KeyState"] = state,
        };
        if (k.DeletionDate is { } dd && k.KeyState == KeyStates.PendingDeletion)
        {
            md["DeletionDate"] = Json.Time(dd);
        }

        if (k.Origin == "EXTERNAL")
        {
            // ValidTo: the earliest expiry among the imported, permanently associated materials.
            DateTimeOffset? validTo = k.Permanent
                .Where(m => m.Bytes is not null && m.ExpirationModel == "KEY_MATERIAL_EXPIRES" && m.ValidTo is not null)
                .Select(m => m.ValidTo).Min();
            if (validTo is { } vt)
            {
                md["ValidTo"] = Json.Time(vt);
            }
        }

        md["Origin"] = k.Origin;
        if (k.Origin == "EXTERNAL")
        {
            MaterialRecord? reference = k.Current ?? k.Materials.FirstOrDefault();
            if (reference?.ExpirationModel is { } em)
            {
                md["ExpirationModel"] = em;
            }
        }

        md["KeyManager"] = "CUSTOMER";
        if (Array.IndexOf(KmsNames.CustomerMasterKeySpecs, k.KeySpec) >= 0)
        {
            md["CustomerMasterKeySpec"] = k.KeySpec;
        }

        md["KeySpec"] = k.KeySpec;
        string[] enc = KmsNames.EncryptionAlgorithmsFor(k.KeySpec, k.KeyUsage);
        if (enc.Length > 0)
        {
            md["EncryptionAlgorithms"] = Json.Strings(enc);
        }

        string[] sig = KmsNames.SigningAlgorithmsFor(k.KeySpec, k.KeyUsage);
        if (sig.Length > 0)
        {
            md["SigningAlgorithms"] = Json.Strings(sig);
        }

        string[] ka = KmsNames.KeyAgreementAlgorithmsFor(k.KeyUsage);
        if (ka.Length > 0)
        {
            md["KeyAgreementAlgorithms"] = Json.Strings(ka);
        }

        string[] mac = KmsNames.MacAlgorithmsFor(k.KeySpec);
        if (mac.Length > 0)
        {
            md["MacAlgorithms"] = Json.Strings(mac);
        }

        md["MultiRegion"] = k.MultiRegion;
        if (k.MultiRegion)
        {
            List<KeyRecord> group = Group(k);
            KeyRecord? primary = group.FirstOrDefault(g => g.MultiRegionKeyType == "PRIMARY");
            var replicas = new JsonArray();
            foreach (KeyRecord r in group.Where(g => g.MultiRegionKeyType == "REPLICA").OrderBy(g => g.Region, StringComparer.Ordinal))
            {
                replicas.Add(new JsonObject { ["Arn"] = r.Arn, ["Region"] = r.Region });
            }

            var config = new JsonObject { ["MultiRegionKeyType"] = k.MultiRegionKeyType };
            if (primary is not null)
            {
                config["PrimaryKey"] = new JsonObject { ["Arn"] = primary.Arn, ["Region"] = primary.Region };
            }

            config["ReplicaKeys"] = replicas;
            md["MultiRegionConfiguration"] = config;
        }

        if (k.KeyState == KeyStates.PendingReplicaDeletion && k.PendingWindowInDays is { } w)
        {
            md["PendingDeletionWindowInDays"] = w;
        }

        if (KmsNames.IsSymmetric(k.KeySpec) && k.Current is { } current)
        {
            md["CurrentKeyMaterialId"] = current.Id;
        }

        return md;
    }

    private static JsonArray TagsJson(IEnumerable<TagRecord> tags)
    {
        var a = new JsonArray();
        foreach (TagRecord t in tags)
        {
            a.Add(new JsonObject { ["TagKey"] = t.TagKey, ["TagValue"] = t.TagValue });
        }

        return a;
    }

    private static (int Start, int Limit) Page(KmsRequest req, int defaultLimit, int maxLimit)
    {
        int limit = req.Int("Limit", 1, maxLimit) ?? defaultLimit;
        string? marker = req.String("Marker", 1, 1024);
        int start = 0;
        if (marker is not null && (!int.TryParse(marker, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out start) || start < 0))
        {
            throw new KmsException("InvalidMarkerException", "The marker is not valid.");
        }

        return (start, limit);
    }

    private static void AddPaging(JsonObject response, int start, int limit, int total)
    {
        bool truncated = start + limit < total;
        response["Truncated"] = truncated;
        if (truncated)
        {
            response["NextMarker"] = (start + limit).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
