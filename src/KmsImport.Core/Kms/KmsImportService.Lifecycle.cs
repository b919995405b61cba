using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsImport.Core.Import;

namespace KmsImport.Core.Kms
{
    /// <summary>Lifecycle beyond the first import: replicas, deletion and rotation of material, and the calls proofs need.</summary>
    public sealed partial class KmsImportService
    {
        private static readonly System.Text.RegularExpressions.Regex RegionPattern =
            new System.Text.RegularExpressions.Regex("^[a-z]{2}(-[a-z]+)+-\\d{1,2}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        public static void ValidateReplicaRegions(string primaryRegion, IEnumerable<string> replicaRegions)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var region in replicaRegions)
            {
                if (!RegionPattern.IsMatch(region ?? ""))
                    throw new KmsImportException(ErrorIds.ReplicaRegionInvalid, ErrorKind.InvalidArgument,
                        $"'{region}' is not an AWS Region name (for example eu-west-1).") { TargetObject = region };
                if (region == primaryRegion)
                    throw new KmsImportException(ErrorIds.ReplicaRegionInvalid, ErrorKind.InvalidArgument,
                        $"{region} is the primary key's Region; a replica must be in another Region.") { TargetObject = region };
                if (!seen.Add(region!))
                    throw new KmsImportException(ErrorIds.ReplicaRegionInvalid, ErrorKind.InvalidArgument,
                        $"{region} is named twice in -ReplicaRegion.") { TargetObject = region };
            }
        }

        /// <summary>Creates a replica of a multi-Region primary key. KMS copies no imported material: import into it too.</summary>
        public KmsExternalKey ReplicateKey(KmsExternalKey primary, string replicaRegion)
        {
            var response = Call("ReplicateKey", primary.KeyId, () => _client.ReplicateKeyAsync(new ReplicateKeyRequest
            {
                KeyId = primary.KeyId,
                ReplicaRegion = replicaRegion,
                Description = primary.Description,
            }));
            var replica = ToExternalKey(response.ReplicaKeyMetadata);
            replica.Region = replicaRegion;
            replica.MultiRegionKeyType = replica.MultiRegionKeyType ?? MultiRegionKeyTypes.Replica;
            return replica;
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
            Call("DeleteImportedKeyMaterial", keyId, () => _client.DeleteImportedKeyMaterialAsync(request));
        }

        public void RotateKeyOnDemand(string keyId) =>
            Call("RotateKeyOnDemand", keyId, () => _client.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }));

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
                        ValidTo = r.ValidTo.HasValue ? ImportRules.ToUtc(r.ValidTo.Value) : (DateTime?)null,
                        RotationDate = r.RotationDate.HasValue ? ImportRules.ToUtc(r.RotationDate.Value) : (DateTime?)null,
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
            return response.Mac?.ToArray() ?? Array.Empty<byte>();
        }

        public byte[] GetPublicKey(string keyId)
        {
            var response = Call("GetPublicKey", keyId, () => _client.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyId }));
            return response.PublicKey?.ToArray() ?? Array.Empty<byte>();
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
            return response.Signature?.ToArray() ?? Array.Empty<byte>();
        }

        /// <summary>Encrypts with a symmetric key (SYMMETRIC_DEFAULT); returns the ciphertext blob.</summary>
        public byte[] Encrypt(string keyId, byte[] plaintext)
        {
            var response = Call("Encrypt", keyId, () => _client.EncryptAsync(new EncryptRequest
            {
                KeyId = keyId,
                Plaintext = new MemoryStream(plaintext, writable: false),
            }));
            return response.CiphertextBlob?.ToArray() ?? Array.Empty<byte>();
        }

        /// <summary>Decrypts; <paramref name="encryptionAlgorithm"/> null for symmetric keys, RSAES_OAEP_SHA_256 for RSA.</summary>
        public byte[] Decrypt(string keyId, byte[] ciphertext, string? encryptionAlgorithm)
        {
            var request = new DecryptRequest { KeyId = keyId, CiphertextBlob = new MemoryStream(ciphertext, writable: false) };
            if (encryptionAlgorithm != null) request.EncryptionAlgorithm = EncryptionAlgorithmSpec.FindValue(encryptionAlgorithm);
            var response = Call("Decrypt", keyId, () => _client.DecryptAsync(request));
            return response.Plaintext?.ToArray() ?? Array.Empty<byte>();
        }
    }
}
