using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Tests.Import;

/// <summary>
/// An in-memory KMS behind <see cref="IAmazonKeyManagementService"/> (a DispatchProxy), with the
/// rules the workflow depends on: EXTERNAL keys start PendingImport, the import token belongs to
/// its key, re-import takes identical bytes only, ReplicateKey needs an Enabled primary and makes
/// the replica Creating (PendingImport at the next DescribeKey). Every call is logged, so tests
/// count requests per key. Faults: <see cref="Fault"/> may throw for any call.
/// </summary>
internal sealed class FakeKms
{
    private static readonly Lazy<RSA> WrappingKey = new(() => { var rsa = RSA.Create(); rsa.KeySize = 4096; return rsa; });
    private readonly object _gate = new();
    private readonly Dictionary<(string Region, string KeyId), FakeKey> _keys = new();
    private readonly Dictionary<string, (string Region, string KeyId, WrappingAlgorithm Algorithm)> _tokens = new();
    private readonly Dictionary<string, KmsImportService> _services = new();

    public List<(string Region, string Operation, string? KeyId)> Log { get; } = new();

    /// <summary>Called before each operation with (operation, region); an exception it returns is thrown.</summary>
    public Func<string, string, Exception?>? Fault { get; set; }

    /// <summary>Called before each operation with (operation, region), outside the lock: may block one Region's calls while others go on.</summary>
    public Action<string, string>? BeforeCall { get; set; }

    public KmsImportService Service(string region)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(region, out var service))
            {
                var client = DispatchProxy.Create<IAmazonKeyManagementService, Proxy>();
                ((Proxy)(object)client).Init(this, region);
                _services[region] = service = new KmsImportService(client, region, "http://fake.invalid");
            }
            return service;
        }
    }

    public FakeKey Key(string region, string keyId) { lock (_gate) return _keys[(region, keyId)]; }

    public bool Exists(string region, string keyId) { lock (_gate) return _keys.ContainsKey((region, keyId)); }

    public string[] Operations(string? keyId = null)
    {
        lock (_gate) return Log.Where(l => keyId == null || l.KeyId == keyId).Select(l => l.Operation).ToArray();
    }

    public void ClearLog() { lock (_gate) Log.Clear(); }

    /// <summary>A key that exists already, with material when given (Enabled) or without (PendingImport).</summary>
    public FakeKey Seed(string region, string spec, string usage, byte[]? material, string origin = "EXTERNAL", string? state = null)
    {
        var key = new FakeKey(Guid.NewGuid().ToString(), region, spec, usage, origin)
        {
            Material = material,
            State = state ?? (material == null ? "PendingImport" : "Enabled"),
        };
        lock (_gate) _keys[(region, key.KeyId)] = key;
        return key;
    }

    public sealed class FakeKey
    {
        public FakeKey(string keyId, string region, string spec, string usage, string origin)
        {
            KeyId = keyId;
            Region = region;
            Spec = spec;
            Usage = usage;
            Origin = origin;
        }

        public string KeyId { get; }
        public string Region { get; }
        public string Spec { get; }
        public string Usage { get; }
        public string Origin { get; }
        public string State { get; set; } = "PendingImport";
        public string? MultiRegionKeyType { get; set; }
        public byte[]? Material { get; set; }
        public string Arn => $"arn:aws:kms:{Region}:111122223333:key/{KeyId}";
    }

    private object Handle(string region, string method, object request)
    {
        var operation = method.EndsWith("Async", StringComparison.Ordinal) ? method[..^5] : method;
        var keyId = (string?)request.GetType().GetProperty("KeyId")?.GetValue(request);
        BeforeCall?.Invoke(operation, region);
        lock (_gate)
        {
            if (operation == "CreateKey") keyId = null;
            Log.Add((region, operation, keyId));
            if (Fault?.Invoke(operation, region) is { } fault) throw fault;
            switch (request)
            {
                case CreateKeyRequest r:
                    var multi = r.MultiRegion == true;
                    var created = new FakeKey((multi ? "mrk-" + Guid.NewGuid().ToString("N") : Guid.NewGuid().ToString()), region,
                        r.KeySpec.Value, r.KeyUsage.Value, r.Origin.Value) { MultiRegionKeyType = multi ? "PRIMARY" : null };
                    _keys[(region, created.KeyId)] = created;
                    Log[^1] = (region, operation, created.KeyId);
                    return new CreateKeyResponse { KeyMetadata = Metadata(created) };
                case DescribeKeyRequest r:
                    var described = Find(region, r.KeyId);
                    var metadata = Metadata(described);
                    if (described.State == "Creating") described.State = "PendingImport";
                    return new DescribeKeyResponse { KeyMetadata = metadata };
                case GetParametersForImportRequest r:
                    var key = Find(region, r.KeyId);
                    if (key.Origin != "EXTERNAL") throw Error<UnsupportedOperationException>("UnsupportedOperationException", "not EXTERNAL");
                    if (key.State is not ("PendingImport" or "Enabled" or "Disabled")) throw Error<KMSInvalidStateException>("KMSInvalidStateException", key.State);
                    var token = RandomNumberGenerator.GetBytes(32);
                    _tokens[Convert.ToHexString(token)] = (region, key.KeyId, Enum.Parse<WrappingAlgorithm>(r.WrappingAlgorithm.Value));
                    return new GetParametersForImportResponse
                    {
                        KeyId = key.Arn,
                        PublicKey = new MemoryStream(WrappingKey.Value.ExportSubjectPublicKeyInfo()),
                        ImportToken = new MemoryStream(token),
                        ParametersValidTo = DateTime.UtcNow.AddHours(24),
                    };
                case ImportKeyMaterialRequest r:
                    var target = Find(region, r.KeyId);
                    if (!_tokens.TryGetValue(Convert.ToHexString(r.ImportToken.ToArray()), out var bound) || bound.KeyId != target.KeyId || bound.Region != region)
                        throw Error<InvalidImportTokenException>("InvalidImportTokenException", "token");
                    var bytes = WrappingKey.Value.Decrypt(r.EncryptedKeyMaterial.ToArray(),
                        bound.Algorithm == WrappingAlgorithm.RSAES_OAEP_SHA_1 ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256);
                    if (target.Material != null && !target.Material.SequenceEqual(bytes))
                        throw Error<IncorrectKeyMaterialException>("IncorrectKeyMaterialException", "other material");
                    target.Material = bytes;
                    target.State = "Enabled";
                    return new ImportKeyMaterialResponse { KeyId = target.Arn, KeyMaterialId = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant() };
                case ReplicateKeyRequest r:
                    var primary = Find(region, r.KeyId);
                    if (primary.MultiRegionKeyType != "PRIMARY") throw Error<UnsupportedOperationException>("UnsupportedOperationException", "not a primary");
                    if (primary.State != "Enabled") throw Error<KMSInvalidStateException>("KMSInvalidStateException", $"{primary.Arn} is pending import.");
                    if (_keys.ContainsKey((r.ReplicaRegion, primary.KeyId))) throw Error<AlreadyExistsException>("AlreadyExistsException", "replica exists");
                    var replica = new FakeKey(primary.KeyId, r.ReplicaRegion, primary.Spec, primary.Usage, primary.Origin) { MultiRegionKeyType = "REPLICA", State = "Creating" };
                    _keys[(r.ReplicaRegion, replica.KeyId)] = replica;
                    return new ReplicateKeyResponse { ReplicaKeyMetadata = Metadata(replica) };
                case GenerateMacRequest r:
                    var macKey = Enabled(region, r.KeyId);
                    using (var hmac = r.MacAlgorithm.Value switch
                    {
                        "HMAC_SHA_384" => (HMAC)new HMACSHA384(macKey.Material!),
                        "HMAC_SHA_512" => new HMACSHA512(macKey.Material!),
                        _ => new HMACSHA256(macKey.Material!),
                    })
                        return new GenerateMacResponse { Mac = new MemoryStream(hmac.ComputeHash(r.Message.ToArray())), KeyId = macKey.Arn };
                case EncryptRequest r:
                    var encKey = Enabled(region, r.KeyId);
                    var nonce = RandomNumberGenerator.GetBytes(12);
                    var plain = r.Plaintext.ToArray();
                    var cipher = new byte[plain.Length];
                    var tag = new byte[16];
                    using (var gcm = new AesGcm(encKey.Material!, 16)) gcm.Encrypt(nonce, plain, cipher, tag);
                    return new EncryptResponse { CiphertextBlob = new MemoryStream([.. nonce, .. tag, .. cipher]), KeyId = encKey.Arn };
                case DecryptRequest r:
                    var decKey = Enabled(region, r.KeyId);
                    var blob = r.CiphertextBlob.ToArray();
                    var output = new byte[blob.Length - 28];
                    using (var gcm = new AesGcm(decKey.Material!, 16)) gcm.Decrypt(blob.AsSpan(0, 12), blob.AsSpan(28), blob.AsSpan(12, 16), output);
                    return new DecryptResponse { Plaintext = new MemoryStream(output), KeyId = decKey.Arn };
                case GetPublicKeyRequest r:
                    var pubKey = Enabled(region, r.KeyId);
                    using (var ec = ECDsa.Create())
                    {
                        ec.ImportPkcs8PrivateKey(pubKey.Material, out _);
                        return new GetPublicKeyResponse { PublicKey = new MemoryStream(ec.ExportSubjectPublicKeyInfo()), KeyId = pubKey.Arn };
                    }
                case SignRequest r:
                    var signKey = Enabled(region, r.KeyId);
                    using (var ec = ECDsa.Create())
                    {
                        ec.ImportPkcs8PrivateKey(signKey.Material, out _);
                        var signature = ec.SignData(r.Message.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
                        return new SignResponse { Signature = new MemoryStream(signature), KeyId = signKey.Arn };
                    }
                default:
                    throw new NotSupportedException($"FakeKms does not implement {operation}.");
            }
        }
    }

    private FakeKey Find(string region, string keyId)
    {
        var id = keyId.Contains(":key/", StringComparison.Ordinal) ? keyId[(keyId.IndexOf(":key/", StringComparison.Ordinal) + 5)..] : keyId;
        return _keys.TryGetValue((region, id), out var key) ? key : throw Error<NotFoundException>("NotFoundException", $"Key '{keyId}' does not exist");
    }

    private FakeKey Enabled(string region, string keyId)
    {
        var key = Find(region, keyId);
        return key.State == "Enabled" ? key : throw Error<KMSInvalidStateException>("KMSInvalidStateException", key.State);
    }

    public static T Error<T>(string code, string message) where T : AmazonServiceException
    {
        var e = (T)Activator.CreateInstance(typeof(T), message)!;
        e.ErrorCode = code;
        e.StatusCode = HttpStatusCode.BadRequest;
        return e;
    }

    private static KeyMetadata Metadata(FakeKey k) => new()
    {
        KeyId = k.KeyId,
        Arn = k.Arn,
        KeyState = k.State,
        Origin = k.Origin,
        KeySpec = k.Spec,
        KeyUsage = k.Usage,
        MultiRegion = k.MultiRegionKeyType != null,
        MultiRegionConfiguration = k.MultiRegionKeyType == null ? null : new MultiRegionConfiguration { MultiRegionKeyType = k.MultiRegionKeyType },
        CreationDate = DateTime.UtcNow,
        ExpirationModel = k.Material == null ? null : "KEY_MATERIAL_DOES_NOT_EXPIRE",
    };

    /// <summary>The proxy: every interface method lands in <see cref="Handle"/> as a completed task.</summary>
    public class Proxy : DispatchProxy
    {
        private FakeKms? _kms;
        private string _region = "";

        internal void Init(FakeKms kms, string region)
        {
            _kms = kms;
            _region = region;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod == null) return null;
            if (targetMethod.Name == "Dispose" || !targetMethod.Name.EndsWith("Async", StringComparison.Ordinal)) return null;
            var resultType = targetMethod.ReturnType.GetGenericArguments()[0];
            var fromResult = typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(resultType);
            var fromException = typeof(Task).GetMethods().Single(m => m.Name == nameof(Task.FromException) && m.IsGenericMethod).MakeGenericMethod(resultType);
            try
            {
                return fromResult.Invoke(null, [_kms!.Handle(_region, targetMethod.Name, args![0]!)]);
            }
            catch (Exception e)
            {
                return fromException.Invoke(null, [e]);
            }
        }
    }
}
