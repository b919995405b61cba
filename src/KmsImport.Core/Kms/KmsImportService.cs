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

        public KmsImportService(ResolvedKmsClient resolved)
            : this(resolved.Client, resolved.Region, resolved.EndpointUrl) { }

        internal KmsImportService(IAmazonKeyManagementService client, string region, string? endpointUrl)
        {
            _client = client;
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
            if (options.Tags != null && options.Tags.Count > 0)
                request.Tags = options.Tags.Select(t => new Tag { TagKey = t.Key, TagValue = t.Value }).ToList();

            var created = Call("CreateKey", null, () => _client.CreateKeyAsync(request));
            return ToExternalKey(created.KeyMetadata);
        }

        /// <summary>Points an alias (alias/...) at a key.</summary>
        public void CreateAlias(string keyId, string alias) =>
            Call("CreateAlias", keyId, () => _client.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = keyId }));

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
            return ToDescription(response.KeyMetadata);
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

            return new KmsImportParameters
            {
                KeyId = keyId,
                KeySpec = KmsNames.Name(spec),
                WrappingAlgorithm = KmsNames.Name(choice.Algorithm),
                WrappingKeySpec = KmsNames.Name(choice.WrappingKeySpec),
                PublicKey = ReadAll(response.PublicKey),
                ImportToken = ReadAll(response.ImportToken),
                ParametersValidTo = UtcTime.ToUtc(response.ParametersValidTo ?? DateTime.UtcNow.AddHours(24)),
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
            if (options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES) request.ValidTo = options.ValidToUtc;
            if (options.ImportType != null) request.ImportType = ImportType.FindValue(options.ImportType);
            if (options.KeyMaterialId != null) request.KeyMaterialId = options.KeyMaterialId;
            if (options.KeyMaterialDescription != null) request.KeyMaterialDescription = options.KeyMaterialDescription;

            var response = Call("ImportKeyMaterial", material.KeyId, () => _client.ImportKeyMaterialAsync(request));
            return new KmsImportResult
            {
                KeyId = string.IsNullOrEmpty(response.KeyId) ? material.KeyId : ArnKeyId(response.KeyId),
                Outcome = KmsImportResult.Imported,
                KeySpec = string.IsNullOrEmpty(material.KeySpec) ? null : material.KeySpec,
                KeyMaterialId = string.IsNullOrEmpty(response.KeyMaterialId) ? null : response.KeyMaterialId,
                ExpirationModel = KmsNames.Name(options.ExpirationModel),
                ValidTo = options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES ? options.ValidToUtc : null,
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
        }

        private static byte[] ReadAll(MemoryStream? stream) => stream == null ? Array.Empty<byte>() : stream.ToArray();

        internal KmsExternalKey ToExternalKey(KeyMetadata m)
        {
            var d = ToDescription(m);
            return new KmsExternalKey
            {
                KeyId = d.KeyId,
                Arn = d.Arn,
                // As KMS says them: a spec or usage new to this module stays text, never a default.
                KeySpec = d.KeySpec,
                KeyUsage = d.KeyUsage,
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

        private KmsKeyDescription ToDescription(KeyMetadata m) => new KmsKeyDescription
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
