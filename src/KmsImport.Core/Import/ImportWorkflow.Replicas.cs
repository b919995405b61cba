using System;
using System.Collections.Generic;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// New keys and multi-Region replicas. KMS replicates a primary only once it holds material
    /// (ReplicateKey on a PendingImport primary fails with KMSInvalidStateException), and the AWS
    /// procedure imports into the primary first. So New-KmsExternalKey announces each replica
    /// (<see cref="AnnounceReplica"/>), and the replica is created when it reaches an import step
    /// (<see cref="CreateReplica"/>), after the primary's import.
    /// </summary>
    public sealed partial class ImportWorkflow
    {
        /// <summary>A key the workflow created, and the alias that could not be made (the key exists either way).</summary>
        public sealed class CreatedKey
        {
            internal CreatedKey(KmsExternalKey key, KmsImportException? aliasFailure)
            {
                Key = key;
                AliasFailure = aliasFailure;
            }

            public KmsExternalKey Key { get; }
            public KmsImportException? AliasFailure { get; }
        }

        /// <summary>Checks a new key's options and replica Regions locally, before any call; returns the normalised alias.</summary>
        public string? CheckNewKey(KmsImportService service, ExternalKeyOptions options, IReadOnlyCollection<string>? replicaRegions)
        {
            var alias = ImportRules.ValidateExternalKeyOptions(options);
            if (replicaRegions != null) ImportRules.ValidateReplicaRegions(service.Region, replicaRegions);
            return alias;
        }

        /// <summary>CreateKey (Origin EXTERNAL), then the alias. A failed alias does not hide the key: it comes back with the failure.</summary>
        public CreatedKey CreateKey(KmsImportService service, ExternalKeyOptions options)
        {
            var alias = ImportRules.ValidateExternalKeyOptions(options);
            var key = service.CreateExternalKey(options);
            if (alias == null) return new CreatedKey(key, null);
            try
            {
                service.CreateAlias(key.KeyId, alias);
                key.Alias = alias;
                return new CreatedKey(key, null);
            }
            catch (KmsImportException ex)
            {
                return new CreatedKey(key, new KmsImportException(ex.ErrorId, ex.Kind,
                    $"Key {key.KeyId} was created, but the alias was not: {ex.Message} The key is emitted without the alias; add one with AWS Tools' New-KMSAlias -AliasName <alias> -TargetKeyId '{key.KeyId}' (aws kms create-alias), or remove the key if it is not wanted: Remove-KmsExternalKey -KeyId '{key.KeyId}' -Region '{service.Region}'{(service.EndpointUrl == null ? "" : " -EndpointUrl '" + service.EndpointUrl + "'")}", ex)
                { TargetObject = key.KeyId });
            }
        }

        /// <summary>
        /// The object for a replica that is not created yet: same key id as the primary (multi-Region
        /// keys share it), the ARN of that Region, no key state (KMS has none for it yet), and the
        /// primary's Region so the import step can create it.
        /// </summary>
        public KmsExternalKey AnnounceReplica(KmsExternalKey primary, string replicaRegion) => new KmsExternalKey
        {
            KeyId = primary.KeyId,
            Arn = ReplicaArn(primary.Arn, primary.Region, replicaRegion),
            KeySpec = primary.KeySpec,
            KeyUsage = primary.KeyUsage,
            KeyState = null,
            Origin = primary.Origin,
            MultiRegion = true,
            MultiRegionKeyType = MultiRegionKeyTypes.Replica,
            Description = primary.Description,
            Region = replicaRegion,
            EndpointUrl = primary.EndpointUrl,
            ReplicationPending = true,
            PrimaryRegion = primary.Region,
        };

        /// <summary>Related multi-Region keys share key id and account; their ARNs differ only in the Region.</summary>
        private static string ReplicaArn(string primaryArn, string primaryRegion, string replicaRegion)
        {
            var parts = primaryArn.Split(':');
            if (parts.Length < 6 || parts[3] != primaryRegion) return "";
            parts[3] = replicaRegion;
            return string.Join(":", parts);
        }

        /// <summary>
        /// ReplicateKey from the primary's Region (a replica made by an earlier run is taken as it is),
        /// then waits while it is Creating. Fails with ReplicaNeedsPrimaryMaterial while the primary
        /// holds no material: callers defer the replica until the primary is imported.
        /// </summary>
        public KmsKeyDescription CreateReplica(KmsImportService primaryService, KmsImportService replicaService, string keyId)
        {
            try
            {
                primaryService.ReplicateKey(keyId, replicaService.Region, null);
            }
            catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.KeyInvalidState)
            {
                throw ReplicaNeedsPrimaryMaterial(keyId, primaryService, replicaService, ex);
            }
            return replicaService.WaitWhileCreating(keyId, ReplicaTimeout);
        }

        private static KmsImportException ReplicaNeedsPrimaryMaterial(string keyId, KmsImportService primary, KmsImportService replica, Exception inner)
        {
            var endpoint = replica.EndpointUrl == null ? "" : $" -EndpointUrl '{replica.EndpointUrl}'";
            return new KmsImportException(ErrorIds.ReplicaNeedsPrimaryMaterial, ErrorKind.InvalidOperation,
                $"KMS replicates {keyId} into {replica.Region} only once its primary in {primary.Region} holds key material, and it holds none yet. "
                + $"Import the primary first, then create and import the replica: Get-KmsImportParameters -KeyId '{keyId}' -Region '{replica.Region}' -PrimaryRegion '{primary.Region}'{endpoint} | Protect-KeyMaterial -Path <the primary's material> | Import-KmsKeyMaterial",
                inner)
            { TargetObject = keyId };
        }
    }
}
