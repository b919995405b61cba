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
            try
            {
                Call("ReplicateKey", primaryKeyId, () => _client.ReplicateKeyAsync(new ReplicateKeyRequest
                {
                    KeyId = primaryKeyId,
                    ReplicaRegion = replicaRegion,
                    Description = description,
                }));
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
