using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LocalKms.Crypto;
using LocalKms.Protocol;
using LocalKms.State;

namespace LocalKms.Service;

/// <summary>Importing key material: parameters, import, deletion, on-demand rotation and its listing.</summary>
internal sealed partial class KmsService
{
    private static readonly Regex MaterialIdPattern = new("^[a-f0-9]+$", RegexOptions.Compiled);
    private static readonly Regex MaterialDescriptionPattern = new("^[a-zA-Z0-9:/_\\s.-]+$", RegexOptions.Compiled);

    private static readonly TimeSpan ParametersLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan MaxValidTo = TimeSpan.FromDays(365);

    private JsonObject GetParametersForImport(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        string algorithm = req.RequiredEnum("WrappingAlgorithm", KmsNames.WrappingAlgorithms);
        string wrappingSpec = req.RequiredEnum("WrappingKeySpec", KmsNames.WrappingKeySpecs);

        (string arn, byte[] tokenKey) = Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            RequireExternal(k);
            if (IsPendingDeletion(k))
            {
                throw StateError(k);
            }

            CheckWrapping(k, algorithm, wrappingSpec, ctx.Region);
            return (k.Arn, _state.TokenKey);
        });

        // Outside the lock: the pool may have to generate a key pair when it ran dry.
        byte[] privateKey = _pool.Take(wrappingSpec);
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(privateKey, out _);
            DateTimeOffset validTo = ctx.Now + ParametersLifetime;
            byte[] token = ImportTokens.Seal(
                new ImportParameters(RandomNumberGenerator.GetBytes(16), arn, algorithm, wrappingSpec, ctx.Now, validTo, privateKey),
                tokenKey);
            return new JsonObject
            {
                ["KeyId"] = arn,
                ["ImportToken"] = Json.Blob(token),
                ["PublicKey"] = Json.Blob(rsa.ExportSubjectPublicKeyInfo()),
                ["ParametersValidTo"] = Json.Time(validTo),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    private static void RequireExternal(KeyRecord k)
    {
        if (k.Origin != "EXTERNAL")
        {
            throw KmsException.Unsupported($"{k.Arn} origin is {k.Origin} which is not valid for this operation.");
        }
    }

    /// <summary>The wrapping algorithm / wrapping key spec / key material matrix of AWS KMS.</summary>
    private static void CheckWrapping(KeyRecord k, string algorithm, string wrappingSpec, string region)
    {
        if (algorithm == "RSAES_PKCS1_V1_5")
        {
            throw KmsException.Unsupported(
                "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported (AWS KMS dropped it on 2023-10-10). Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.");
        }

        if (algorithm == "SM2PKE" || wrappingSpec == "SM2")
        {
            throw KmsNames.IsChinaRegion(region)
                ? KmsException.Unsupported("LocalKms does not implement SM2 wrapping (SM2PKE / SM2 wrapping key spec).")
                : KmsException.Unsupported($"The SM2 wrapping key spec and the SM2PKE wrapping algorithm are available only in China Regions, not in {region}.");
        }

        bool oaep = algorithm.StartsWith("RSAES_OAEP_", StringComparison.Ordinal);
        if (oaep && KmsNames.IsRsa(k.KeySpec))
        {
            throw KmsException.Unsupported(
                $"{algorithm} cannot wrap RSA private key material ({k.KeySpec}): it is too large. Use RSA_AES_KEY_WRAP_SHA_256 or RSA_AES_KEY_WRAP_SHA_1.");
        }

        if (oaep && wrappingSpec == "RSA_2048" && k.KeySpec == "ECC_NIST_P521")
        {
            throw KmsException.Unsupported(
                $"You cannot use {algorithm} with the RSA_2048 wrapping key spec to wrap ECC_NIST_P521 key material. Use RSA_3072 or RSA_4096, or an RSA_AES_KEY_WRAP algorithm.");
        }

        if (!oaep && !KmsNames.IsAsymmetric(k.KeySpec))
        {
            throw KmsException.Unsupported(
                $"{algorithm} is supported for RSA and ECC key material only. Use RSAES_OAEP_SHA_256 to wrap {k.KeySpec} key material.");
        }
    }

    private JsonObject ImportKeyMaterial(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        byte[] token = req.RequiredBlob("ImportToken", 1, 6144);
        byte[] encrypted = req.RequiredBlob("EncryptedKeyMaterial", 1, 6144);
        DateTimeOffset? validTo = req.Timestamp("ValidTo");
        string? modelArg = req.Enum("ExpirationModel", KmsNames.ExpirationModels);
        string? importType = req.Enum("ImportType", KmsNames.ImportTypes);
        string? description = req.String("KeyMaterialDescription", 0, 256, MaterialDescriptionPattern);
        string? materialIdArg = req.String("KeyMaterialId", 64, 64, MaterialIdPattern);

        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            RequireExternal(k);
            if (k.KeyState is not (KeyStates.PendingImport or KeyStates.Enabled))
            {
                throw KmsException.InvalidState(StateError(k).Message);
            }

            bool symmetric = KmsNames.IsSymmetric(k.KeySpec);
            if (!symmetric && (importType is not null || materialIdArg is not null || description is not null))
            {
                throw KmsException.Unsupported(
                    $"ImportType, KeyMaterialId and KeyMaterialDescription are valid only for symmetric encryption keys; {k.Arn} is {k.KeySpec}.");
            }

            string model = modelArg ?? "KEY_MATERIAL_EXPIRES";
            if (model == "KEY_MATERIAL_EXPIRES")
            {
                if (validTo is null)
                {
                    throw KmsException.Validation("A ValidTo date is required when ExpirationModel is KEY_MATERIAL_EXPIRES (the default).");
                }

                if (validTo.Value <= ctx.Now)
                {
                    throw KmsException.Validation("ValidTo must be in the future.");
                }

                if (validTo.Value > ctx.Now + MaxValidTo)
                {
                    throw KmsException.Validation("ValidTo must be at most 365 days in the future.");
                }
            }
            else if (validTo is not null)
            {
                throw KmsException.Validation("ValidTo must not be specified when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.");
            }

            if (importType == "NEW_KEY_MATERIAL" && materialIdArg is not null)
            {
                throw KmsException.Validation("You cannot specify a KeyMaterialId when ImportType is NEW_KEY_MATERIAL.");
            }

            ImportParameters p = ImportTokens.Open(token, _state.TokenKey)
                ?? throw KmsException.InvalidImportToken("The import token is not valid.");
            byte[]? raw;
            try
            {
                if (p.KeyArn != k.Arn)
                {
                    throw KmsException.InvalidImportToken($"The import token is associated with a different KMS key, not {k.Arn}.");
                }

                if (ctx.Now > p.ValidTo)
                {
                    throw KmsException.ExpiredImportToken(
                        $"The import token expired at {p.ValidTo.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}. Call GetParametersForImport for a new public key and import token.");
                }

                raw = Unwrapper.Unwrap(p.WrappingAlgorithm, p.WrappingPrivateKeyPkcs8, encrypted);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(p.WrappingPrivateKeyPkcs8);
            }

            if (raw is null)
            {
                throw KmsException.InvalidCiphertext(
                    $"KMS could not decrypt the encrypted key material with the private key of this import token ({p.WrappingAlgorithm}, {p.WrappingKeySpec}). Check the wrapping algorithm, its hash and the public key.");
            }

            byte[] canonical;
            try
            {
                canonical = MaterialValidator.Validate(k.KeySpec, raw);
            }
            catch (InvalidMaterialException e)
            {
                throw KmsException.IncorrectKeyMaterial(e.Message);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(raw);
            }

            string id = MaterialId(k.KeyId, canonical);
            MaterialRecord m = ApplyImport(k, canonical, id, importType, materialIdArg);
            m.ExpirationModel = model;
            m.ValidTo = model == "KEY_MATERIAL_EXPIRES" ? validTo : null;
            if (description is not null)
            {
                m.Description = description;
            }

            if (k.KeyState is KeyStates.PendingImport or KeyStates.Enabled)
            {
                bool complete = k.Permanent.Any() && k.Permanent.All(x => x.Bytes is not null);
                k.KeyState = complete ? KeyStates.Enabled : KeyStates.PendingImport;
            }

            if (k.MultiRegion)
            {
                RecomputePending(k.AccountId, k.KeyId);
            }

            _dirty = true;
            return new JsonObject { ["KeyId"] = k.Arn, ["KeyMaterialId"] = id };
        });
    }

    /// <summary>The re-import / new-material rules; returns the record now holding the material.</summary>
    private MaterialRecord ApplyImport(KeyRecord k, byte[] material, string id, string? importTypeArg, string? materialIdArg)
    {
        MaterialRecord? existing = k.Materials.FirstOrDefault(m => m.Id == id);
        if (materialIdArg is not null)
        {
            if (materialIdArg != id)
            {
                throw KmsException.IncorrectKeyMaterial($"The imported key material does not match KeyMaterialId {materialIdArg}.");
            }

            if (existing is null)
            {
                throw KmsException.IncorrectKeyMaterial($"KeyMaterialId {materialIdArg} is not associated with {k.Arn}.");
            }
        }

        MaterialRecord Fill(MaterialRecord m)
        {
            if (m.Bytes is not null)
            {
                CryptographicOperations.ZeroMemory(m.Bytes);
            }

            m.Bytes = material;
            m.EverImported = true;
            return m;
        }

        MaterialRecord AddCurrent()
        {
            var m = new MaterialRecord { Id = id, State = MaterialStates.Current };
            k.Materials.Add(m);
            return Fill(m);
        }

        if (!KmsNames.IsSymmetric(k.KeySpec))
        {
            // HMAC and asymmetric keys take one material forever.
            if (k.Materials.Count == 0)
            {
                return AddCurrent();
            }

            return existing is not null
                ? Fill(existing)
                : throw KmsException.IncorrectKeyMaterial(
                    $"The key material is not the key material previously imported into {k.Arn}. HMAC and asymmetric keys accept only their original key material.");
        }

        string importType = importTypeArg ?? (k.Materials.Count == 0 ? "NEW_KEY_MATERIAL" : "EXISTING_KEY_MATERIAL");
        if (importType == "EXISTING_KEY_MATERIAL")
        {
            return existing is not null
                ? Fill(existing)
                : throw KmsException.IncorrectKeyMaterial(
                    $"The key material is not key material previously associated with {k.Arn}. To add new key material, use ImportType NEW_KEY_MATERIAL.");
        }

        // NEW_KEY_MATERIAL
        if (existing is not null)
        {
            if (!k.Materials.Any(m => m.EverImported))
            {
                // A replica's first import: NEW is the default while nothing was ever imported into it,
                // and the material must be what its primary announced.
                return Fill(existing);
            }

            throw KmsException.IncorrectKeyMaterial(
                $"This key material is already associated with {k.Arn} (KeyMaterialId {id}). Re-import it with ImportType EXISTING_KEY_MATERIAL.");
        }

        if (k.Materials.Count == 0)
        {
            return AddCurrent();
        }

        if (k.MultiRegionKeyType == "REPLICA")
        {
            throw KmsException.Unsupported(
                $"New key material can be imported only into the primary key of a multi-Region key; import it into {k.Arn} with ImportType EXISTING_KEY_MATERIAL after importing it into the primary.");
        }

        if (k.Materials.FirstOrDefault(m => m.State is MaterialStates.PendingRotation or MaterialStates.PendingMultiRegion) is { } pending)
        {
            throw KmsException.InvalidState(
                $"{k.Arn} already has key material pending rotation (KeyMaterialId {pending.Id}). Rotate it with RotateKeyOnDemand or delete it first.");
        }

        var fresh = new MaterialRecord { Id = id, State = MaterialStates.PendingRotation };
        k.Materials.Add(fresh);
        if (k.MultiRegionKeyType == "PRIMARY")
        {
            foreach (KeyRecord replica in Group(k).Where(g => g.MultiRegionKeyType == "REPLICA"))
            {
                replica.Materials.Add(new MaterialRecord { Id = id, State = MaterialStates.PendingMultiRegion });
            }
        }

        return Fill(fresh);
    }

    private JsonObject DeleteImportedKeyMaterial(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        string? materialIdArg = req.String("KeyMaterialId", 64, 64, MaterialIdPattern);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            RequireExternal(k);
            if (materialIdArg is not null && !KmsNames.IsSymmetric(k.KeySpec))
            {
                throw KmsException.Unsupported($"KeyMaterialId is valid only for symmetric encryption keys; {k.Arn} is {k.KeySpec}.");
            }

            MaterialRecord? target = materialIdArg is not null
                ? k.Materials.FirstOrDefault(m => m.Id == materialIdArg)
                    ?? throw KmsException.NotFound($"Key material {materialIdArg} is not associated with {k.Arn}.")
                : k.Current ?? k.Materials.FirstOrDefault();
            if (target is null)
            {
                return new JsonObject { ["KeyId"] = k.Arn, ["KeyMaterialId"] = "" };
            }

            if (target.Bytes is not null || target.State is MaterialStates.PendingRotation or MaterialStates.PendingMultiRegion)
            {
                RemoveMaterial(k, target);
            }
            else if (!IsPendingDeletion(k))
            {
                k.KeyState = KeyStates.PendingImport;
                _dirty = true;
            }

            return new JsonObject { ["KeyId"] = k.Arn, ["KeyMaterialId"] = target.Id };
        });
    }

    private JsonObject RotateKeyOnDemand(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        byte[] generated = RandomNumberGenerator.GetBytes(32);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            if (!KmsNames.IsSymmetric(k.KeySpec))
            {
                throw KmsException.Unsupported($"On-demand rotation is supported only for symmetric encryption keys; {k.Arn} is {k.KeySpec}.");
            }

            if (k.MultiRegionKeyType == "REPLICA")
            {
                throw KmsException.Unsupported($"{k.Arn} is a multi-Region replica key. Invoke on-demand rotation on the primary key.");
            }

            RequireEnabled(k);
            if (k.OnDemandRotations >= 25)
            {
                throw KmsException.LimitExceeded($"{k.Arn} has reached the limit of 25 on-demand rotations.");
            }

            string newId;
            if (k.Origin == "EXTERNAL")
            {
                MaterialRecord? pending = k.Materials.FirstOrDefault(m => m.State == MaterialStates.PendingRotation);
                if (pending is null)
                {
                    throw k.Materials.Any(m => m.State == MaterialStates.PendingMultiRegion)
                        ? KmsException.InvalidState($"The new key material of {k.Arn} is not yet imported into every replica key (PENDING_MULTI_REGION_IMPORT_AND_ROTATION).")
                        : KmsException.InvalidState($"{k.Arn} has no key material in PENDING_ROTATION state. Import new key material with ImportType NEW_KEY_MATERIAL first.");
                }

                newId = pending.Id;
            }
            else
            {
                newId = MaterialId(k.KeyId, generated);
                foreach (KeyRecord member in Group(k))
                {
                    member.Materials.Add(new MaterialRecord { Id = newId, Bytes = generated.ToArray(), EverImported = true, State = MaterialStates.PendingRotation });
                }
            }

            foreach (KeyRecord member in Group(k))
            {
                MaterialRecord? next = member.Materials.FirstOrDefault(m => m.Id == newId);
                if (next is null)
                {
                    continue;
                }

                foreach (MaterialRecord old in member.Materials.Where(m => m.State == MaterialStates.Current))
                {
                    old.State = MaterialStates.NonCurrent;
                }

                next.State = MaterialStates.Current;
                next.RotationDate = ctx.Now;
                next.RotationType = "ON_DEMAND";
            }

            k.OnDemandRotations++;
            CryptographicOperations.ZeroMemory(generated);
            _dirty = true;
            return new JsonObject { ["KeyId"] = k.Arn };
        });
    }

    private JsonObject ListKeyRotations(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        string include = req.Enum("IncludeKeyMaterial", KmsNames.IncludeKeyMaterialValues) ?? "ROTATIONS_ONLY";
        (int start, int limit) = Page(req, 100, 1000);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: false);
            if (!KmsNames.IsSymmetric(k.KeySpec))
            {
                throw KmsException.Unsupported($"ListKeyRotations is valid only for symmetric encryption keys; {k.Arn} is {k.KeySpec}.");
            }

            if (IsPendingDeletion(k))
            {
                throw StateError(k);
            }

            bool external = k.Origin == "EXTERNAL";
            var all = k.Materials.Where(m => include == "ALL_KEY_MATERIAL" || m.RotationDate is not null).ToList();
            var rotations = new JsonArray();
            foreach (MaterialRecord m in all.Skip(start).Take(limit))
            {
                var e = new JsonObject { ["KeyId"] = k.KeyId, ["KeyMaterialId"] = m.Id };
                if (external && m.Description is not null)
                {
                    e["KeyMaterialDescription"] = m.Description;
                }

                if (external)
                {
                    e["ImportState"] = m.Bytes is not null ? "IMPORTED" : "PENDING_IMPORT";
                }

                e["KeyMaterialState"] = m.State;
                if (external && m.ExpirationModel is not null)
                {
                    e["ExpirationModel"] = m.ExpirationModel;
                    if (m.ExpirationModel == "KEY_MATERIAL_EXPIRES" && m.ValidTo is { } vt && m.Bytes is not null)
                    {
                        e["ValidTo"] = Json.Time(vt);
                    }
                }

                if (m.RotationDate is { } rd)
                {
                    e["RotationDate"] = Json.Time(rd);
                    e["RotationType"] = m.RotationType;
                }

                rotations.Add(e);
            }

            var resp = new JsonObject { ["Rotations"] = rotations };
            AddPaging(resp, start, limit, all.Count);
            return resp;
        });
    }
}
