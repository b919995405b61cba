using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// The KMS calls of the import flow, over the SDK client, in the module's own types. Every
    /// input that can be checked locally is checked before the first call. Every SDK failure
    /// leaves as a <see cref="KmsImportException"/>.
    /// </summary>
    public sealed partial class KmsImportService
    {
        private static readonly Regex AliasPattern = new Regex("^alias/[a-zA-Z0-9/_-]{1,250}$", RegexOptions.CultureInvariant);
        private readonly IAmazonKeyManagementService _client;
        private readonly IAmazonKeyManagementService _onceClient;
        private readonly int _maxErrorRetry;

        public KmsImportService(ResolvedKmsClient resolved)
            : this(resolved.Client, resolved.Region, resolved.EndpointUrl, resolved.OnceClient, resolved.MaxErrorRetry) { }

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

        /// <summary>Checks the options locally; returns the normalised alias (alias/...) or null.</summary>
        public static string? ValidateExternalKeyOptions(ExternalKeyOptions options)
        {
            var usage = options.KeyUsage ?? KeySpecRules.DefaultUsage(options.KeySpec);
            if (!KeySpecRules.AllowedUsages(options.KeySpec).Contains(usage))
                throw new KmsImportException(ErrorIds.KeyUsageNotAllowed, ErrorKind.InvalidArgument,
                    $"KeyUsage {usage} is not allowed for {options.KeySpec}. Allowed: {string.Join(", ", KeySpecRules.AllowedUsages(options.KeySpec))}.")
                { TargetObject = usage };
            if (string.IsNullOrEmpty(options.Alias)) return null;
            var alias = options.Alias!.StartsWith("alias/", StringComparison.Ordinal) ? options.Alias : "alias/" + options.Alias;
            if (!AliasPattern.IsMatch(alias) || alias.StartsWith("alias/aws/", StringComparison.Ordinal))
                throw new KmsImportException(ErrorIds.AliasNameInvalid, ErrorKind.InvalidArgument,
                    $"'{options.Alias}' is not a valid alias name: use letters, digits, '/', '_' and '-' (at most 256 characters with 'alias/'), not beginning with 'alias/aws/'.")
                { TargetObject = options.Alias };
            return alias;
        }

        public KmsExternalKey CreateExternalKey(ExternalKeyOptions options)
        {
            var alias = ValidateExternalKeyOptions(options);
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
                unknownAdvice: $"A key may have been created: it carries the tag {RequestTagKey} = {requestId} (see aws kms list-resource-tags). Check before creating another; remove an unwanted one with Remove-KmsExternalKey.");
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
                unknownAdvice: $"Check with: aws kms list-aliases --key-id {keyId}");

        /// <summary>
        /// The key id for a key id, ARN or alias: DeleteImportedKeyMaterial, RotateKeyOnDemand,
        /// ListKeyRotations and ImportKeyMaterial take no alias, so an alias is resolved first.
        /// </summary>
        public string ResolveKeyId(string keyIdOrAlias) =>
            keyIdOrAlias.StartsWith("alias/", StringComparison.Ordinal) || keyIdOrAlias.Contains(":alias/")
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
        /// Describes the key (to learn its spec and origin), picks the recommended wrapping where
        /// the caller gave none, checks the combination locally, then asks for parameters.
        /// </summary>
        public KmsImportParameters GetParametersForImport(string keyId, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec)
        {
            EnsureAlgorithmOffered(algorithm, keyId);
            return GetParametersForImport(DescribeKey(keyId), algorithm, wrappingKeySpec);
        }

        /// <summary>The same, for a key the caller has just described (one DescribeKey fewer).</summary>
        public KmsImportParameters GetParametersForImport(KmsKeyDescription key, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec)
        {
            EnsureAlgorithmOffered(algorithm, key.KeyId);
            EnsureAcceptsMaterial(key);
            var spec = KmsNames.ImportableKeySpec(key.KeySpec, key.KeyId);

            var choice = ChooseWrapping(spec, algorithm, wrappingKeySpec);
            WrappingMatrix.EnsureAllowed(spec, choice.Algorithm, choice.WrappingKeySpec);

            var response = Call("GetParametersForImport", key.KeyId, () => _client.GetParametersForImportAsync(new GetParametersForImportRequest
            {
                KeyId = key.KeyId,
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
                throw KmsErrorTranslator.AnswerInvalid("GetParametersForImport", Region, "an answer without " + string.Join(", ", missing), null, key.KeyId);

            return new KmsImportParameters
            {
                KeyId = key.KeyId,
                KeySpec = KmsNames.Name(spec),
                WrappingAlgorithm = KmsNames.Name(choice.Algorithm),
                WrappingKeySpec = KmsNames.Name(choice.WrappingKeySpec),
                PublicKey = ReadAll(response.PublicKey),
                ImportToken = ReadAll(response.ImportToken),
                ParametersValidTo = ImportRules.ToUtc(response.ParametersValidTo!.Value),
                Region = Region,
                EndpointUrl = EndpointUrl,
            };
        }

        /// <summary>Refuses, before any call, a wrapping algorithm KMS refuses for every key (RSAES_PKCS1_V1_5, retired).</summary>
        public static void EnsureAlgorithmOffered(WrappingAlgorithm? algorithm, string keyId)
        {
            if (algorithm != WrappingAlgorithm.RSAES_PKCS1_V1_5) return;
            WrappingMatrix.IsAllowed(KeySpec.SYMMETRIC_DEFAULT, algorithm.Value, KmsImport.WrappingKeySpec.RSA_4096, out var reason);
            throw new KmsImportException(ErrorIds.WrappingAlgorithmRetired, ErrorKind.InvalidArgument, reason ?? "RSAES_PKCS1_V1_5 is retired.")
            { TargetObject = keyId };
        }

        /// <summary>
        /// What DescribeKey already tells, checked before anything with a quota is asked: KMS imports material
        /// only into EXTERNAL keys, and never into a key scheduled for deletion.
        /// </summary>
        public static void EnsureAcceptsMaterial(KmsKeyDescription key)
        {
            if (!string.Equals(key.Origin, Origins.External, StringComparison.Ordinal))
                throw new KmsImportException(ErrorIds.KeyNotExternal, ErrorKind.InvalidOperation,
                    $"Key '{key.KeyId}' has origin {key.Origin}; KMS imports material only into keys created with origin EXTERNAL. Create one with New-KmsExternalKey.")
                { TargetObject = key.KeyId };
            if (KeyStates.IsPendingDeletion(key.KeyState))
                throw new KmsImportException(ErrorIds.KeyInvalidState, ErrorKind.InvalidOperation,
                    $"Key '{key.KeyId}' is {key.KeyState}: KMS imports no material into a key scheduled for deletion. If the key is still wanted, cancel the deletion first (aws kms cancel-key-deletion --key-id {key.KeyId}), then run the command again.")
                { TargetObject = key.KeyId };
        }

        /// <summary>Fills what the caller left out from the recommendation for the spec.</summary>
        public static WrappingChoice ChooseWrapping(KeySpec spec, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec)
        {
            var recommended = WrappingMatrix.Recommend(spec);
            if (algorithm == null && wrappingKeySpec == null) return recommended;
            if (algorithm != null && wrappingKeySpec != null) return new WrappingChoice(algorithm.Value, wrappingKeySpec.Value);
            if (algorithm != null)
                return new WrappingChoice(algorithm.Value, algorithm == WrappingAlgorithm.SM2PKE ? KmsImport.WrappingKeySpec.SM2 : KmsImport.WrappingKeySpec.RSA_4096);
            if (wrappingKeySpec == KmsImport.WrappingKeySpec.SM2) return new WrappingChoice(WrappingAlgorithm.SM2PKE, wrappingKeySpec.Value);
            // A smaller RSA key may not carry what the recommended algorithm would: fall back to key wrap.
            var candidate = new WrappingChoice(recommended.Algorithm, wrappingKeySpec!.Value);
            return WrappingMatrix.IsAllowed(spec, candidate.Algorithm, candidate.WrappingKeySpec, out _)
                ? candidate
                : new WrappingChoice(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, wrappingKeySpec.Value);
        }

        /// <summary>Imports wrapped material; then describes the key to report its state.</summary>
        public KmsImportResult ImportKeyMaterial(ProtectedKeyMaterial material, ImportOptions options)
        {
            ImportRules.EnsureParametersUsable(material.ParametersValidTo, material.KeyId);
            // The spec only decides whether the rotation fields apply; a spec not named is not guessed.
            options.Validate(KmsNames.ParseOrNull<KeySpec>(material.KeySpec), material.KeyId);
            var request = new ImportKeyMaterialRequest
            {
                KeyId = material.KeyId,
                ImportToken = new MemoryStream(material.ImportToken, writable: false),
                EncryptedKeyMaterial = new MemoryStream(material.EncryptedKeyMaterial, writable: false),
                ExpirationModel = ExpirationModelType.FindValue(options.ExpirationModel.ToString()),
            };
            // Whole seconds on the wire (see ImportRules.WholeSeconds).
            var validTo = options.ValidToUtc.HasValue ? ImportRules.WholeSeconds(ImportRules.ToUtc(options.ValidToUtc.Value)) : (DateTime?)null;
            if (options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES) request.ValidTo = validTo;
            if (options.ImportType != null) request.ImportType = ImportType.FindValue(options.ImportType);
            if (options.KeyMaterialId != null) request.KeyMaterialId = options.KeyMaterialId;
            if (options.KeyMaterialDescription != null) request.KeyMaterialDescription = options.KeyMaterialDescription;
            var expected = new ImportOptions
            {
                ExpirationModel = options.ExpirationModel, ValidToUtc = validTo, ImportType = options.ImportType,
            };

            // Every answer is checked against the state: an endpoint that says yes (even with an empty
            // body) while the key stays PendingImport has not imported anything.
            string? answeredMaterialId = null;
            var after = Mutate("ImportKeyMaterial", material.KeyId,
                client =>
                {
                    // Fresh streams per send: the SDK reads them to the end.
                    request.ImportToken = new MemoryStream(material.ImportToken, writable: false);
                    request.EncryptedKeyMaterial = new MemoryStream(material.EncryptedKeyMaterial, writable: false);
                    answeredMaterialId = Block(client.ImportKeyMaterialAsync(request)).KeyMaterialId;
                    return new KmsKeyDescription();
                },
                () => ImportTookEffect(material.KeyId, expected, strict: true),
                mayResend: true,
                unknownAdvice: $"Check with Test-KmsKeyState -KeyId '{material.KeyId}' -Region '{Region}'; importing the same material again is safe.",
                confirm: _ => ImportTookEffect(material.KeyId, expected, strict: false),
                notAppliedErrorId: ErrorIds.ImportNotApplied);
            return new KmsImportResult
            {
                KeyId = after.KeyId,
                KeyMaterialId = string.IsNullOrEmpty(answeredMaterialId) ? after.CurrentKeyMaterialId : answeredMaterialId,
                KeyState = after.KeyState,
                ExpirationModel = KmsNames.Name(options.ExpirationModel),
                ValidTo = options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES ? validTo : null,
                Fingerprint = string.IsNullOrEmpty(material.Fingerprint) ? null : material.Fingerprint,
                Region = Region,
                EndpointUrl = EndpointUrl,
            };
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
                MultiRegion = d.MultiRegion,
                MultiRegionKeyType = d.MultiRegionKeyType,
                Description = d.Description,
                CreationDate = d.CreationDate,
                Region = Region,
                EndpointUrl = EndpointUrl,
            };
        }

        private KmsKeyDescription ToDescription(KeyMetadata m) => new KmsKeyDescription
        {
            KeyId = m.KeyId ?? "",
            Arn = m.Arn ?? "",
            KeyState = m.KeyState?.Value ?? "",
            Origin = m.Origin?.Value ?? "",
            KeySpec = m.KeySpec?.Value ?? "",
            KeyUsage = m.KeyUsage?.Value ?? "",
            ExpirationModel = m.ExpirationModel?.Value,
            ValidTo = m.ValidTo.HasValue ? ImportRules.ToUtc(m.ValidTo.Value) : (DateTime?)null,
            CurrentKeyMaterialId = m.CurrentKeyMaterialId,
            MultiRegion = m.MultiRegion ?? false,
            MultiRegionKeyType = m.MultiRegionConfiguration?.MultiRegionKeyType?.Value,
            Description = string.IsNullOrEmpty(m.Description) ? null : m.Description,
            CreationDate = m.CreationDate.HasValue ? ImportRules.ToUtc(m.CreationDate.Value) : default,
            DeletionDate = m.DeletionDate.HasValue ? ImportRules.ToUtc(m.DeletionDate.Value) : (DateTime?)null,
            Region = Region,
            EndpointUrl = EndpointUrl,
        };
    }
}
