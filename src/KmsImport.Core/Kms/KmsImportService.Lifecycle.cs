using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;

namespace KmsImport.Core.Kms
{
    /// <summary>Lifecycle beyond the first import: replicas, deletion and rotation of material, and the calls proofs need.</summary>
    public sealed partial class KmsImportService
    {
        /// <summary>
        /// ReplicateKey: creates a replica of a multi-Region primary key in another Region (KMS copies
        /// no imported material: import into it too). Returns false when the replica exists already
        /// (an earlier run made it), so a re-run goes on with it.
        /// </summary>
        public bool ReplicateKey(string primaryKeyId, string replicaRegion, string? description)
        {
            var request = new ReplicateKeyRequest { KeyId = primaryKeyId, ReplicaRegion = replicaRegion, Description = description };
            try
            {
                // Sent once; a lost, empty or unreadable answer is settled by the primary's list of replicas.
                Mutate("ReplicateKey", primaryKeyId,
                    client => Block(client.ReplicateKeyAsync(request)).ReplicaKeyMetadata is { } m && !string.IsNullOrEmpty(m.KeyId) ? m : null,
                    () =>
                    {
                        var primary = Call("DescribeKey", primaryKeyId, () => _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = primaryKeyId })).KeyMetadata
                            ?? throw KmsErrorTranslator.AnswerInvalid("DescribeKey", Region, "an answer without KeyMetadata", null, primaryKeyId);
                        return primary.MultiRegionConfiguration?.ReplicaKeys?.Any(r => r.Region == replicaRegion) == true ? primary : null;
                    },
                    mayResend: true,
                    unknownAdvice: $"Check with Test-KmsKeyState -KeyId '{primaryKeyId}' -Region '{replicaRegion}'.");
                return true;
            }
            catch (KmsImportException ex) when (ex.InnerException is Amazon.Runtime.AmazonServiceException { ErrorCode: "AlreadyExistsException" })
            {
                return false;
            }
        }

        /// <summary>
        /// Waits until a new replica leaves the Creating state (KMS creates replicas asynchronously;
        /// GetParametersForImport fails while it is Creating). Bounded; polls DescribeKey.
        /// </summary>
        public KmsKeyDescription WaitWhileCreating(string keyId, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            var delay = TimeSpan.FromMilliseconds(200);
            while (true)
            {
                var key = DescribeKey(keyId);
                if (key.KeyState != KeyStates.Creating) return key;
                if (DateTime.UtcNow + delay > deadline)
                    throw new KmsImportException(ErrorIds.ReplicaNotReady, ErrorKind.OperationTimeout,
                        $"Replica '{keyId}' in {Region} is still Creating after {timeout.TotalSeconds:0} s. Wait, then continue with: Get-KmsImportParameters -KeyId {keyId} -Region {Region}")
                    { TargetObject = keyId, IsTransient = true };
                Thread.Sleep(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }

        public void DeleteImportedKeyMaterial(string keyId, string? keyMaterialId)
        {
            var request = new DeleteImportedKeyMaterialRequest { KeyId = keyId };
            if (!string.IsNullOrEmpty(keyMaterialId)) request.KeyMaterialId = keyMaterialId;
            Mutate("DeleteImportedKeyMaterial", keyId,
                client => (object)Block(client.DeleteImportedKeyMaterialAsync(request)),
                () => MaterialDeleted(keyId, keyMaterialId) ? new object() : null,
                mayResend: true,
                unknownAdvice: $"Check with Test-KmsKeyState -KeyId '{keyId}' -Region '{Region}'; deleting again is safe.");
        }

        /// <summary>Whether reading back shows the material gone: the key PendingImport, or the named material no longer imported.</summary>
        private bool MaterialDeleted(string keyId, string? keyMaterialId)
        {
            if (string.IsNullOrEmpty(keyMaterialId))
            {
                var key = DescribeKey(keyId);
                if (key.KeyState == "PendingImport") return true;
                if (key.KeyState == "Enabled" || key.KeyState == "Disabled") return false;
                throw new KmsImportException(ErrorIds.OutcomeUnknown, ErrorKind.InvalidResult,
                    $"Key '{keyId}' is {key.KeyState}; its state does not show whether the material was deleted.") { TargetObject = keyId };
            }
            var material = ListKeyRotations(keyId).FirstOrDefault(m => m.KeyMaterialId == keyMaterialId);
            return material == null || material.ImportState == "PENDING_IMPORT";
        }

        /// <summary>Rotates to the pending material; a lost answer is settled by the rotations list (the pending material is gone when it took effect).</summary>
        public void RotateKeyOnDemand(string keyId) =>
            Mutate("RotateKeyOnDemand", keyId,
                client => (object)Block(client.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId })),
                () => ListKeyRotations(keyId).Any(m => (m.KeyMaterialState ?? "").StartsWith("PENDING_", StringComparison.Ordinal)) ? null : new object(),
                mayResend: true,
                unknownAdvice: $"Check with Get-KmsKeyRotation -KeyId '{keyId}' -Region '{Region}'.");

        /// <summary>
        /// Schedules the key's deletion after <paramref name="pendingWindowInDays"/> (7-30) days; returns the
        /// key as KMS then describes it (PendingDeletion, DeletionDate). A lost answer is settled by DescribeKey.
        /// </summary>
        public KmsKeyDescription ScheduleKeyDeletion(string keyId, int pendingWindowInDays)
        {
            if (pendingWindowInDays < 7 || pendingWindowInDays > 30)
                throw new KmsImportException(ErrorIds.RequestInvalid, ErrorKind.InvalidArgument,
                    "KMS waits 7 to 30 days before it deletes a key. Pass -PendingWindowInDays between 7 and 30.") { TargetObject = keyId };
            Mutate("ScheduleKeyDeletion", keyId,
                client => (object)Block(client.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keyId, PendingWindowInDays = pendingWindowInDays })),
                () => DescribeKey(keyId).KeyState == "PendingDeletion" ? new object() : null,
                mayResend: true,
                unknownAdvice: $"Check with Test-KmsKeyState -KeyId '{keyId}' -Region '{Region}'.");
            // What KMS says now (the deletion date is KMS's, not computed here).
            return DescribeKey(keyId);
        }

        public IReadOnlyList<KmsKeyMaterialInfo> ListKeyRotations(string keyId)
        {
            var result = new List<KmsKeyMaterialInfo>();
            string? marker = null;
            do
            {
                var request = new ListKeyRotationsRequest { KeyId = keyId, IncludeKeyMaterial = IncludeKeyMaterial.ALL_KEY_MATERIAL, Marker = marker };
                var page = Call("ListKeyRotations", keyId, () => _client.ListKeyRotationsAsync(request));
                foreach (var r in page.Rotations ?? new List<RotationsListEntry>())
                {
                    result.Add(new KmsKeyMaterialInfo
                    {
                        KeyId = r.KeyId ?? keyId,
                        KeyMaterialId = r.KeyMaterialId,
                        KeyMaterialDescription = r.KeyMaterialDescription,
                        ImportState = r.ImportState?.Value,
                        KeyMaterialState = r.KeyMaterialState?.Value,
                        ExpirationModel = r.ExpirationModel?.Value,
                        ValidTo = r.ValidTo.HasValue ? UtcTime.ToUtc(r.ValidTo.Value) : (DateTime?)null,
                        RotationDate = r.RotationDate.HasValue ? UtcTime.ToUtc(r.RotationDate.Value) : (DateTime?)null,
                        RotationType = r.RotationType?.Value,
                        Region = Region,
                        EndpointUrl = EndpointUrl,
                    });
                }
                marker = page.Truncated == true ? page.NextMarker : null;
            } while (!string.IsNullOrEmpty(marker));
            return result;
        }

        // --- The KMS half of the proofs (the local half is in Crypto.MaterialProof). ---

        public byte[] GenerateMac(string keyId, string macAlgorithm, byte[] message)
        {
            var response = Call("GenerateMac", keyId, () => _client.GenerateMacAsync(new GenerateMacRequest
            {
                KeyId = keyId,
                MacAlgorithm = MacAlgorithmSpec.FindValue(macAlgorithm),
                Message = new MemoryStream(message, writable: false),
            }));
            return Required(response.Mac, "GenerateMac", "Mac", keyId);
        }

        public byte[] GetPublicKey(string keyId)
        {
            var response = Call("GetPublicKey", keyId, () => _client.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyId }));
            return Required(response.PublicKey, "GetPublicKey", "PublicKey", keyId);
        }

        public byte[] Sign(string keyId, string signingAlgorithm, byte[] message)
        {
            var response = Call("Sign", keyId, () => _client.SignAsync(new SignRequest
            {
                KeyId = keyId,
                SigningAlgorithm = SigningAlgorithmSpec.FindValue(signingAlgorithm),
                MessageType = MessageType.RAW,
                Message = new MemoryStream(message, writable: false),
            }));
            return Required(response.Signature, "Sign", "Signature", keyId);
        }

        /// <summary>Encrypts with a symmetric key (SYMMETRIC_DEFAULT); returns the ciphertext blob.</summary>
        public byte[] Encrypt(string keyId, byte[] plaintext)
        {
            var response = Call("Encrypt", keyId, () => _client.EncryptAsync(new EncryptRequest
            {
                KeyId = keyId,
                Plaintext = new MemoryStream(plaintext, writable: false),
            }));
            return Required(response.CiphertextBlob, "Encrypt", "CiphertextBlob", keyId);
        }

        /// <summary>Decrypts; <paramref name="encryptionAlgorithm"/> null for symmetric keys, RSAES_OAEP_SHA_256 for RSA.</summary>
        public byte[] Decrypt(string keyId, byte[] ciphertext, string? encryptionAlgorithm)
        {
            var request = new DecryptRequest { KeyId = keyId, CiphertextBlob = new MemoryStream(ciphertext, writable: false) };
            if (encryptionAlgorithm != null) request.EncryptionAlgorithm = EncryptionAlgorithmSpec.FindValue(encryptionAlgorithm);
            var response = Call("Decrypt", keyId, () => _client.DecryptAsync(request));
            return Required(response.Plaintext, "Decrypt", "Plaintext", keyId);
        }

        private byte[] Required(MemoryStream? field, string operation, string name, string keyId) =>
            field != null && field.Length > 0 ? field.ToArray()
            : throw KmsErrorTranslator.AnswerInvalid(operation, Region, "an answer without " + name, null, keyId);
    }
}
