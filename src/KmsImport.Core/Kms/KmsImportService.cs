using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// The KMS calls of the import flow, over the SDK client, in the module's own types. Every
    /// input that can be checked locally is checked before the first call. Every SDK failure
    /// leaves as a <see cref="KmsImportException"/>.
    /// </summary>
    public sealed partial class KmsImportService
    {
        private readonly IAmazonKeyManagementService _client;
        private readonly IAmazonKeyManagementService _onceClient;
        private readonly int _maxErrorRetry;

        public KmsImportService(ResolvedKmsClient resolved)
            : this(resolved.Client, resolved.Region, resolved.EndpointUrl, resolved.OnceClient, resolved.MaxErrorRetry)
        {
            CredentialSource = resolved.CredentialSource;
            _accessKeyId = new Lazy<string?>(resolved.AccessKeyId);
        }

        private Lazy<string?> _accessKeyId = new Lazy<string?>(() => null);
        // Key id -> account, from every key ARN an answer carried (evidence lines name the account).
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _accounts =
            new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Where the credentials came from (e.g. "profile 'ops'"); null for a service built without that knowledge (tests).</summary>
        public string? CredentialSource { get; }

        /// <summary>The access key id requests are signed with (never a secret); asked once.</summary>
        public string? AccessKeyId() => _accessKeyId.Value;

        /// <summary>The AWS account of a key, from a key ARN an answer carried for it (or the key id itself when it is an ARN); null when none was seen.</summary>
        public string? AccountOf(string? keyId)
        {
            if (string.IsNullOrEmpty(keyId)) return null;
            var fromArn = KmsKeyIds.AccountOfArn(keyId);
            if (fromArn != null) return fromArn;
            return _accounts.TryGetValue(keyId!, out var account) ? account : null;
        }

        /// <summary>Remembers the account of a key ARN for its key id.</summary>
        internal void LearnArn(string? arn)
        {
            var account = KmsKeyIds.AccountOfArn(arn);
            if (account != null) _accounts[KmsKeyIds.KeyIdOf(arn)] = account;
        }

        internal KmsImportService(IAmazonKeyManagementService client, string region, string? endpointUrl,
            IAmazonKeyManagementService? onceClient = null, int maxErrorRetry = 0)
        {
            _client = client;
            _onceClient = onceClient ?? client;
            _maxErrorRetry = maxErrorRetry;
            Region = region;
            EndpointUrl = endpointUrl;
        }

        public string Region { get; }
        public string? EndpointUrl { get; }

        /// <summary>When set, every call waits for its turn under the Region's request quotas.</summary>
        public RequestPacer? Pacer { get; set; }

        /// <summary>CreateKey with Origin EXTERNAL. The options were checked by ImportRules.ValidateExternalKeyOptions; the alias is the caller's next step.</summary>
        public KmsExternalKey CreateExternalKey(ExternalKeyOptions options)
        {
            var usage = options.KeyUsage ?? KeySpecRules.DefaultUsage(options.KeySpec);
            var request = new CreateKeyRequest
            {
                Origin = OriginType.EXTERNAL,
                KeySpec = Amazon.KeyManagementService.KeySpec.FindValue(options.KeySpec.ToString()),
                KeyUsage = KeyUsageType.FindValue(usage.ToString()),
                Description = options.Description,
                Policy = options.Policy,
                MultiRegion = options.MultiRegion,
            };
            // A fresh request tag on every key: after a lost answer the key is found by it, never made twice.
            var requestId = Guid.NewGuid().ToString();
            request.Tags = (options.Tags ?? new Dictionary<string, string>())
                .Where(t => t.Key != RequestTagKey)
                .Select(t => new Tag { TagKey = t.Key, TagValue = t.Value })
                .Concat(new[] { new Tag { TagKey = RequestTagKey, TagValue = requestId } })
                .ToList();

            var created = Mutate("CreateKey", null,
                client =>
                {
                    var m = Block(client.CreateKeyAsync(request)).KeyMetadata;
                    return m == null || string.IsNullOrEmpty(m.KeyId) ? null : m;
                },
                () => FindKeyByRequestTag(requestId),
                mayResend: false,
                unknownAdvice: $"A key may have been created: it carries the tag {RequestTagKey} = {requestId}. Check before creating another: Get-KmsKeyMaterialExpiry -Region {Region} lists the EXTERNAL keys (a new one shows NoMaterial), and AWS Tools' Get-KMSResourceTag -KeyId <key> (aws kms list-resource-tags) shows its tags; remove an unwanted one with Remove-KmsExternalKey -KeyId <key>.");
            EnsureCreatedAsAsked(created, Region, KmsNames.Name(options.KeySpec), KmsNames.Name(usage));
            return ToExternalKey(created, KmsNames.Name(options.KeySpec), KmsNames.Name(usage));
        }

        /// <summary>Points an alias (alias/...) at a key; a lost answer is settled by listing the aliases.</summary>
        public void CreateAlias(string keyId, string alias) =>
            Mutate("CreateAlias", keyId,
                client => (object)Block(client.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = keyId })),
                () =>
                {
                    var found = ListAliases(10000).FirstOrDefault(a => a.AliasName == alias);
                    if (found == null) return null;
                    if (found.TargetKeyId == keyId || (found.TargetKeyId != null && keyId.EndsWith("/" + found.TargetKeyId, StringComparison.Ordinal))) return found;
                    throw new KmsImportException(ErrorIds.AliasExists, ErrorKind.ResourceExists,
                        $"The alias {alias} points to another key. Choose another alias.") { TargetObject = alias };
                },
                mayResend: true,
                unknownAdvice: $"Check with AWS Tools' Get-KMSAliasList -KeyId {keyId} (aws kms list-aliases --key-id {keyId}) before creating the alias again.");

        /// <summary>
        /// The key id for a key id, ARN or alias: DeleteImportedKeyMaterial, RotateKeyOnDemand,
        /// ListKeyRotations and ImportKeyMaterial take no alias, so an alias is resolved first.
        /// </summary>
        public string ResolveKeyId(string keyIdOrAlias) =>
            KmsKeyIds.IsAlias(keyIdOrAlias)
                ? DescribeKey(keyIdOrAlias).KeyId
                : keyIdOrAlias;

        public KmsKeyDescription DescribeKey(string keyId)
        {
            var response = Call("DescribeKey", keyId, () => _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }));
            var m = response.KeyMetadata;
            if (m == null || string.IsNullOrEmpty(m.KeyId) || string.IsNullOrEmpty(m.KeyState?.Value))
                throw KmsErrorTranslator.AnswerInvalid("DescribeKey", Region, "an answer without the key's id or state", null, keyId);
            return ToDescription(m);
        }

        /// <summary>
        /// GetParametersForImport for a key whose spec is known, with a wrapping choice already
        /// checked locally (ImportRules.CheckedWrapping).
        /// </summary>
        public KmsImportParameters GetParametersForImport(string keyId, KeySpec spec, WrappingChoice choice)
        {
            var response = Call("GetParametersForImport", keyId, () => _client.GetParametersForImportAsync(new GetParametersForImportRequest
            {
                KeyId = keyId,
                WrappingAlgorithm = AlgorithmSpec.FindValue(choice.Algorithm.ToString()),
                WrappingKeySpec = Amazon.KeyManagementService.WrappingKeySpec.FindValue(choice.WrappingKeySpec.ToString()),
            }));

            // All three are needed; a missing ParametersValidTo is not assumed to be 24 hours: the token's
            // life is the endpoint's to say, and a guess could send an expired token or wrap for one.
            var missing = new[]
            {
                response.PublicKey == null || response.PublicKey.Length == 0 ? "PublicKey" : null,
                response.ImportToken == null || response.ImportToken.Length == 0 ? "ImportToken" : null,
                response.ParametersValidTo == null ? "ParametersValidTo" : null,
            }.Where(x => x != null).ToList();
            if (missing.Count > 0)
                throw KmsErrorTranslator.AnswerInvalid("GetParametersForImport", Region, "an answer without " + string.Join(", ", missing), null, keyId);
            LearnArn(response.KeyId);

            return new KmsImportParameters
            {
                KeyId = keyId,
                KeySpec = KmsNames.Name(spec),
                WrappingAlgorithm = KmsNames.Name(choice.Algorithm),
                WrappingKeySpec = KmsNames.Name(choice.WrappingKeySpec),
                PublicKey = ReadAll(response.PublicKey),
                ImportToken = ReadAll(response.ImportToken),
                ParametersValidTo = UtcTime.ToUtc(response.ParametersValidTo!.Value),
                Region = Region,
                EndpointUrl = EndpointUrl,
            };
        }

        /// <summary>
        /// ImportKeyMaterial, with options checked locally before (ImportRules). Reports what the
        /// call answered, not a key state: observing the state is DescribeKey's job (Test-KmsKeyState).
        /// </summary>
        public KmsImportResult ImportKeyMaterial(ProtectedKeyMaterial material, ImportOptions options)
        {
            var request = new ImportKeyMaterialRequest
            {
                KeyId = material.KeyId,
                ImportToken = new MemoryStream(material.ImportToken, writable: false),
                EncryptedKeyMaterial = new MemoryStream(material.EncryptedKeyMaterial, writable: false),
                ExpirationModel = ExpirationModelType.FindValue(options.ExpirationModel.ToString()),
            };
            // Whole seconds on the wire (see UtcTime.WholeSeconds).
            var validTo = options.ValidToUtc.HasValue ? UtcTime.WholeSeconds(UtcTime.ToUtc(options.ValidToUtc.Value)) : (DateTime?)null;
            if (options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES) request.ValidTo = validTo;
            if (options.ImportType != null) request.ImportType = ImportType.FindValue(options.ImportType);
            if (options.KeyMaterialId != null) request.KeyMaterialId = options.KeyMaterialId;
            if (options.KeyMaterialDescription != null) request.KeyMaterialDescription = options.KeyMaterialDescription;
            var expected = new ImportOptions
            {
                ExpirationModel = options.ExpirationModel, ValidToUtc = validTo, ImportType = options.ImportType,
            };

            // A complete answer (KMS always names the key) is taken as it is: verifying the key is
            // Test-KmsKeyState's step, so the seed pipeline stays at 4 requests per key. An answer without the
            // key ({} or an empty body), a lost or an unreadable one is an unknown outcome: the state is read back,
            // and a key that is still PendingImport is reported (ImportNotApplied), never taken as imported.
            string? answeredKeyId = null, answeredMaterialId = null;
            var after = Mutate("ImportKeyMaterial", material.KeyId,
                client =>
                {
                    // Fresh streams per send: the SDK reads them to the end.
                    request.ImportToken = new MemoryStream(material.ImportToken, writable: false);
                    request.EncryptedKeyMaterial = new MemoryStream(material.EncryptedKeyMaterial, writable: false);
                    var response = Block(client.ImportKeyMaterialAsync(request));
                    if (string.IsNullOrEmpty(response.KeyId)) return null;
                    answeredKeyId = response.KeyId;
                    LearnArn(response.KeyId);
                    answeredMaterialId = response.KeyMaterialId;
                    return new KmsKeyDescription { KeyId = ArnKeyId(response.KeyId) };
                },
                () => ImportTookEffect(material.KeyId, expected, strict: true),
                mayResend: true,
                unknownAdvice: $"Check with Test-KmsKeyState -KeyId '{material.KeyId}' -Region '{Region}'; importing the same material again is safe.",
                notAppliedErrorId: ErrorIds.ImportNotApplied);
            // Read back, the state was observed and is reported; answered, it was not, and is not claimed.
            bool observed = answeredKeyId == null;
            return new KmsImportResult
            {
                KeyId = after.KeyId,
                Outcome = KmsImportResult.Imported,
                KeySpec = string.IsNullOrEmpty(material.KeySpec) ? null : material.KeySpec,
                KeyMaterialId = !string.IsNullOrEmpty(answeredMaterialId) ? answeredMaterialId : observed ? after.CurrentKeyMaterialId : null,
                KeyState = observed ? after.KeyState : null,
                ExpirationModel = KmsNames.Name(options.ExpirationModel),
                ValidTo = options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES ? validTo : null,
                Fingerprint = string.IsNullOrEmpty(material.Fingerprint) ? null : material.Fingerprint,
                Region = Region,
                EndpointUrl = EndpointUrl,
            };
        }

        /// <summary>The key id of a key ARN (ImportKeyMaterial answers with the ARN); anything else as it is.</summary>
        private static string ArnKeyId(string keyIdOrArn)
        {
            var i = keyIdOrArn.IndexOf(":key/", StringComparison.Ordinal);
            return i < 0 ? keyIdOrArn : keyIdOrArn.Substring(i + 5);
        }

        internal T Call<T>(string operation, string? keyId, Func<Task<T>> call)
        {
            Pacer?.Wait(operation);
            try
            {
                // The netstandard2.0 SDK is async-only; cmdlets are synchronous and run without a
                // synchronization context, so blocking here cannot deadlock.
                return call().ConfigureAwait(false).GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                throw KmsErrorTranslator.Translate(ex, operation, keyId, Region);
            }
            finally
            {
                Pacer?.Answered(operation);
            }
        }

        private static byte[] ReadAll(MemoryStream? stream) => stream == null ? Array.Empty<byte>() : stream.ToArray();

        /// <summary>A key KMS made; the spec and usage it was asked for stand where the answer leaves them out (checked before: EnsureCreatedAsAsked).</summary>
        internal KmsExternalKey ToExternalKey(KeyMetadata m, string spec, string usage)
        {
            var d = ToDescription(m);
            return new KmsExternalKey
            {
                KeyId = d.KeyId,
                Arn = d.Arn,
                // As KMS says them (checked against what was asked before: EnsureCreatedAsAsked); what
                // the answer leaves out is what was asked, never a default.
                KeySpec = string.IsNullOrEmpty(d.KeySpec) ? spec : d.KeySpec,
                KeyUsage = string.IsNullOrEmpty(d.KeyUsage) ? usage : d.KeyUsage,
                KeyState = d.KeyState,
                Origin = d.Origin,
                MultiRegion = d.MultiRegion,
                MultiRegionKeyType = d.MultiRegionKeyType,
                Description = d.Description,
                CreationDate = d.CreationDate,
                Region = Region,
                EndpointUrl = EndpointUrl,
            };
        }

        private KmsKeyDescription ToDescription(KeyMetadata m)
        {
            LearnArn(m.Arn);
            return Describe(m);
        }

        private KmsKeyDescription Describe(KeyMetadata m) => new KmsKeyDescription
        {
            KeyId = m.KeyId ?? "",
            Arn = m.Arn ?? "",
            KeyState = m.KeyState?.Value ?? "",
            Origin = m.Origin?.Value ?? "",
            KeySpec = m.KeySpec?.Value ?? "",
            KeyUsage = m.KeyUsage?.Value ?? "",
            ExpirationModel = m.ExpirationModel?.Value,
            ValidTo = m.ValidTo.HasValue ? UtcTime.ToUtc(m.ValidTo.Value) : (DateTime?)null,
            CurrentKeyMaterialId = m.CurrentKeyMaterialId,
            MultiRegion = m.MultiRegion ?? false,
            MultiRegionKeyType = m.MultiRegionConfiguration?.MultiRegionKeyType?.Value,
            Description = string.IsNullOrEmpty(m.Description) ? null : m.Description,
            CreationDate = m.CreationDate.HasValue ? UtcTime.ToUtc(m.CreationDate.Value) : default,
            DeletionDate = m.DeletionDate.HasValue ? UtcTime.ToUtc(m.DeletionDate.Value) : (DateTime?)null,
            Region = Region,
            EndpointUrl = EndpointUrl,
        };
    }
}
