using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LocalKms.Crypto;
using LocalKms.Protocol;
using LocalKms.State;

namespace LocalKms.Service;

/// <summary>
/// Cryptographic operations with the key material KMS holds. Symmetric ciphertext is LocalKms's own format:
/// "LKC1" | key id length | key id | key material id (32 bytes) | nonce (12) | tag (16) | AES-256-GCM
/// ciphertext, with the header and the encryption context as additional authenticated data. It names the
/// key id (not the ARN), so related multi-Region keys decrypt each other's ciphertext, and the material id,
/// so ciphertext under NON_CURRENT material still decrypts.
/// </summary>
internal sealed partial class KmsService
{
    private static readonly byte[] CiphertextMagic = "LKC1"u8.ToArray();

    private static KmsException DryRun() =>
        new("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.", 412);

    private KeyRecord UsableKey(OperationContext ctx, string keyId, string usage, string operation)
    {
        KeyRecord k = ResolveKey(ctx, keyId, allowAlias: true);
        if (k.KeyUsage != usage)
        {
            throw KmsException.InvalidKeyUsage($"{k.Arn} key usage is {k.KeyUsage} which is not valid for {operation}.");
        }

        RequireEnabled(k);
        return k;
    }

    private JsonObject Encrypt(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        byte[] plaintext = req.RequiredBlob("Plaintext", 1, 4096);
        Dictionary<string, string> context = req.StringMap("EncryptionContext") ?? [];
        string algorithm = req.Enum("EncryptionAlgorithm", KmsNames.EncryptionAlgorithms) ?? "SYMMETRIC_DEFAULT";
        bool dryRun = req.Bool("DryRun") ?? false;

        return Locked(ctx, () =>
        {
            KeyRecord k = UsableKey(ctx, keyId, "ENCRYPT_DECRYPT", "Encrypt");
            if (Array.IndexOf(KmsNames.EncryptionAlgorithmsFor(k.KeySpec, k.KeyUsage), algorithm) < 0)
            {
                throw KmsException.InvalidKeyUsage($"The encryption algorithm {algorithm} is not compatible with {k.KeySpec} key {k.Arn}.");
            }

            if (dryRun)
            {
                throw DryRun();
            }

            byte[] blob;
            if (KmsNames.IsSymmetric(k.KeySpec))
            {
                MaterialRecord current = k.Current ?? throw KmsException.InvalidState($"{k.Arn} is pending import.");
                blob = SealSymmetric(k.KeyId, current, plaintext, context);
            }
            else
            {
                using RSA rsa = LoadRsa(k);
                RSAEncryptionPadding padding = algorithm == "RSAES_OAEP_SHA_1" ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;
                int hashLen = algorithm == "RSAES_OAEP_SHA_1" ? 20 : 32;
                int capacity = rsa.KeySize / 8 - 2 * hashLen - 2;
                if (plaintext.Length > capacity)
                {
                    throw KmsException.Validation($"Plaintext is too long for {algorithm} with {k.KeySpec} (at most {capacity} bytes).");
                }

                blob = rsa.Encrypt(plaintext, padding);
            }

            return new JsonObject { ["CiphertextBlob"] = Json.Blob(blob), ["KeyId"] = k.Arn, ["EncryptionAlgorithm"] = algorithm };
        });
    }

    private JsonObject Decrypt(KmsRequest req, OperationContext ctx)
    {
        byte[] blob = req.RequiredBlob("CiphertextBlob", 1, 6144);
        Dictionary<string, string> context = req.StringMap("EncryptionContext") ?? [];
        string? keyIdArg = req.String("KeyId", 1, 2048);
        string algorithm = req.Enum("EncryptionAlgorithm", KmsNames.EncryptionAlgorithms) ?? "SYMMETRIC_DEFAULT";
        bool dryRun = req.Bool("DryRun") ?? false;
        if (req.Body.ContainsKey("Recipient"))
        {
            throw KmsException.Unsupported("LocalKms does not support the Recipient parameter (Nitro Enclaves attestation).");
        }

        return Locked(ctx, () =>
        {
            if (algorithm == "SYMMETRIC_DEFAULT")
            {
                (string embeddedKeyId, string materialId, int headerLength) = ParseSymmetricHeader(blob)
                    ?? throw KmsException.InvalidCiphertext("The ciphertext is not valid for this service.");
                KeyRecord k;
                if (keyIdArg is not null)
                {
                    k = ResolveKey(ctx, keyIdArg, allowAlias: true);
                    if (k.KeyId != embeddedKeyId)
                    {
                        throw new KmsException("IncorrectKeyException", $"The key ID in the request does not identify the KMS key that encrypted the ciphertext.");
                    }
                }
                else
                {
                    k = ResolveKey(ctx, embeddedKeyId, allowAlias: false);
                }

                if (k.KeyUsage != "ENCRYPT_DECRYPT" || !KmsNames.IsSymmetric(k.KeySpec))
                {
                    throw KmsException.InvalidKeyUsage($"{k.Arn} cannot decrypt with SYMMETRIC_DEFAULT.");
                }

                RequireEnabled(k);
                MaterialRecord m = k.Materials.FirstOrDefault(x => x.Id == materialId && x.Bytes is not null)
                    ?? throw KmsException.InvalidCiphertext("The ciphertext refers to key material this KMS key does not hold.");
                if (dryRun)
                {
                    throw DryRun();
                }

                byte[] plain = OpenSymmetric(m.Bytes!, blob, headerLength, context)
                    ?? throw KmsException.InvalidCiphertext("The ciphertext or its encryption context is not valid.");
                return new JsonObject
                {
                    ["KeyId"] = k.Arn,
                    ["Plaintext"] = Json.Blob(plain),
                    ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
                    ["KeyMaterialId"] = m.Id,
                };
            }

            if (keyIdArg is null)
            {
                throw KmsException.InvalidCiphertext("A KeyId is required to decrypt with an asymmetric KMS key.");
            }

            KeyRecord rk = UsableKey(ctx, keyIdArg, "ENCRYPT_DECRYPT", "Decrypt");
            if (Array.IndexOf(KmsNames.EncryptionAlgorithmsFor(rk.KeySpec, rk.KeyUsage), algorithm) < 0)
            {
                throw KmsException.InvalidKeyUsage($"The encryption algorithm {algorithm} is not compatible with {rk.KeySpec} key {rk.Arn}.");
            }

            if (dryRun)
            {
                throw DryRun();
            }

            using RSA rsa = LoadRsa(rk);
            byte[] plaintext;
            try
            {
                plaintext = rsa.Decrypt(blob, algorithm == "RSAES_OAEP_SHA_1" ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256);
            }
            catch (CryptographicException)
            {
                throw KmsException.InvalidCiphertext("The ciphertext is not valid for this KMS key and encryption algorithm.");
            }

            return new JsonObject { ["KeyId"] = rk.Arn, ["Plaintext"] = Json.Blob(plaintext), ["EncryptionAlgorithm"] = algorithm };
        });
    }

    private static byte[] SealSymmetric(string keyId, MaterialRecord material, byte[] plaintext, Dictionary<string, string> context)
    {
        byte[] keyIdBytes = Encoding.ASCII.GetBytes(keyId);
        int headerLength = CiphertextMagic.Length + 1 + keyIdBytes.Length + 32;
        byte[] blob = new byte[headerLength + 12 + 16 + plaintext.Length];
        CiphertextMagic.CopyTo(blob, 0);
        blob[CiphertextMagic.Length] = (byte)keyIdBytes.Length;
        keyIdBytes.CopyTo(blob, CiphertextMagic.Length + 1);
        Convert.FromHexString(material.Id).CopyTo(blob, CiphertextMagic.Length + 1 + keyIdBytes.Length);
        Span<byte> nonce = blob.AsSpan(headerLength, 12);
        RandomNumberGenerator.Fill(nonce);
        byte[] aad = [.. blob.AsSpan(0, headerLength), .. CanonicalContext(context)];
        using var gcm = new AesGcm(material.Bytes!, 16);
        gcm.Encrypt(nonce, plaintext, blob.AsSpan(headerLength + 28), blob.AsSpan(headerLength + 12, 16), aad);
        return blob;
    }

    private static (string KeyId, string MaterialId, int HeaderLength)? ParseSymmetricHeader(byte[] blob)
    {
        if (blob.Length < CiphertextMagic.Length + 1 || !blob.AsSpan(0, CiphertextMagic.Length).SequenceEqual(CiphertextMagic))
        {
            return null;
        }

        int idLen = blob[CiphertextMagic.Length];
        int headerLength = CiphertextMagic.Length + 1 + idLen + 32;
        if (blob.Length < headerLength + 12 + 16)
        {
            return null;
        }

        string keyId = Encoding.ASCII.GetString(blob, CiphertextMagic.Length + 1, idLen);
        string materialId = Convert.ToHexStringLower(blob, CiphertextMagic.Length + 1 + idLen, 32);
        return KmsNames.IsKeyId(keyId) ? (keyId, materialId, headerLength) : null;
    }

    private static byte[]? OpenSymmetric(byte[] key, byte[] blob, int headerLength, Dictionary<string, string> context)
    {
        byte[] aad = [.. blob.AsSpan(0, headerLength), .. CanonicalContext(context)];
        byte[] plain = new byte[blob.Length - headerLength - 28];
        try
        {
            using var gcm = new AesGcm(key, 16);
            gcm.Decrypt(blob.AsSpan(headerLength, 12), blob.AsSpan(headerLength + 28), blob.AsSpan(headerLength + 12, 16), plain, aad);
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] CanonicalContext(Dictionary<string, string> context)
    {
        using var ms = new MemoryStream();
        Span<byte> len = stackalloc byte[4];
        foreach ((string k, string v) in context.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (string s in (string[])[k, v])
            {
                byte[] b = Encoding.UTF8.GetBytes(s);
                BinaryPrimitives.WriteInt32BigEndian(len, b.Length);
                ms.Write(len);
                ms.Write(b);
            }
        }

        return ms.ToArray();
    }

    private static RSA LoadRsa(KeyRecord k)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(k.Current?.Bytes ?? throw KmsException.InvalidState($"{k.Arn} is pending import."), out _);
        return rsa;
    }

    private static ECDsa LoadEc(KeyRecord k)
    {
        var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(k.Current?.Bytes ?? throw KmsException.InvalidState($"{k.Arn} is pending import."), out _);
        return ec;
    }

    private JsonObject GenerateMac(KmsRequest req, OperationContext ctx) => Mac(req, ctx, verify: false);

    private JsonObject VerifyMac(KmsRequest req, OperationContext ctx) => Mac(req, ctx, verify: true);

    private JsonObject Mac(KmsRequest req, OperationContext ctx, bool verify)
    {
        byte[] message = req.RequiredBlob("Message", 1, 4096);
        string keyId = req.RequiredString("KeyId", 1, 2048);
        string algorithm = req.RequiredEnum("MacAlgorithm", KmsNames.MacAlgorithms);
        byte[]? mac = verify ? req.RequiredBlob("Mac", 1, 6144) : null;
        bool dryRun = req.Bool("DryRun") ?? false;
        return Locked(ctx, () =>
        {
            KeyRecord k = UsableKey(ctx, keyId, "GENERATE_VERIFY_MAC", verify ? "VerifyMac" : "GenerateMac");
            if (Array.IndexOf(KmsNames.MacAlgorithmsFor(k.KeySpec), algorithm) < 0)
            {
                throw KmsException.InvalidKeyUsage($"The MAC algorithm {algorithm} is not compatible with {k.KeySpec} key {k.Arn}.");
            }

            if (dryRun)
            {
                throw DryRun();
            }

            byte[] key = k.Current?.Bytes ?? throw KmsException.InvalidState($"{k.Arn} is pending import.");
            byte[] computed = algorithm switch
            {
                "HMAC_SHA_224" => HmacSha224.Compute(key, message),
                "HMAC_SHA_256" => HMACSHA256.HashData(key, message),
                "HMAC_SHA_384" => HMACSHA384.HashData(key, message),
                _ => HMACSHA512.HashData(key, message),
            };
            if (!verify)
            {
                return new JsonObject { ["Mac"] = Json.Blob(computed), ["MacAlgorithm"] = algorithm, ["KeyId"] = k.Arn };
            }

            if (!CryptographicOperations.FixedTimeEquals(computed, mac))
            {
                throw new KmsException("KMSInvalidMacException", "");
            }

            return new JsonObject { ["KeyId"] = k.Arn, ["MacValid"] = true, ["MacAlgorithm"] = algorithm };
        });
    }

    private JsonObject GetPublicKey(KmsRequest req, OperationContext ctx)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        return Locked(ctx, () =>
        {
            KeyRecord k = ResolveKey(ctx, keyId, allowAlias: true);
            if (!KmsNames.IsAsymmetric(k.KeySpec))
            {
                throw KmsException.Unsupported($"{k.Arn} is a {k.KeySpec} key; only asymmetric KMS keys have a public key.");
            }

            RequireEnabled(k);
            byte[] spki;
            if (KmsNames.IsRsa(k.KeySpec))
            {
                using RSA rsa = LoadRsa(k);
                spki = rsa.ExportSubjectPublicKeyInfo();
            }
            else
            {
                using ECDsa ec = LoadEc(k);
                spki = ec.ExportSubjectPublicKeyInfo();
            }

            var resp = new JsonObject
            {
                ["KeyId"] = k.Arn,
                ["PublicKey"] = Json.Blob(spki),
                ["CustomerMasterKeySpec"] = k.KeySpec,
                ["KeySpec"] = k.KeySpec,
                ["KeyUsage"] = k.KeyUsage,
            };
            string[] enc = KmsNames.EncryptionAlgorithmsFor(k.KeySpec, k.KeyUsage);
            if (enc.Length > 0)
            {
                resp["EncryptionAlgorithms"] = Json.Strings(enc);
            }

            string[] sig = KmsNames.SigningAlgorithmsFor(k.KeySpec, k.KeyUsage);
            if (sig.Length > 0)
            {
                resp["SigningAlgorithms"] = Json.Strings(sig);
            }

            string[] ka = KmsNames.KeyAgreementAlgorithmsFor(k.KeyUsage);
            if (ka.Length > 0)
            {
                resp["KeyAgreementAlgorithms"] = Json.Strings(ka);
            }

            return resp;
        });
    }

    private JsonObject Sign(KmsRequest req, OperationContext ctx) => SignOrVerify(req, ctx, verify: false);

    private JsonObject Verify(KmsRequest req, OperationContext ctx) => SignOrVerify(req, ctx, verify: true);

    private JsonObject SignOrVerify(KmsRequest req, OperationContext ctx, bool verify)
    {
        string keyId = req.RequiredString("KeyId", 1, 2048);
        byte[] message = req.RequiredBlob("Message", 1, 4096);
        string messageType = req.Enum("MessageType", KmsNames.MessageTypes) ?? "RAW";
        string algorithm = req.RequiredEnum("SigningAlgorithm", KmsNames.SigningAlgorithms);
        byte[]? signature = verify ? req.RequiredBlob("Signature", 1, 6144) : null;
        bool dryRun = req.Bool("DryRun") ?? false;
        return Locked(ctx, () =>
        {
            KeyRecord k = UsableKey(ctx, keyId, "SIGN_VERIFY", verify ? "Verify" : "Sign");
            if (Array.IndexOf(KmsNames.SigningAlgorithmsFor(k.KeySpec, k.KeyUsage), algorithm) < 0)
            {
                throw KmsException.InvalidKeyUsage($"The signing algorithm {algorithm} is not compatible with {k.KeySpec} key {k.Arn}.");
            }

            HashAlgorithmName hash = algorithm.EndsWith("_384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384
                : algorithm.EndsWith("_512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512
                : HashAlgorithmName.SHA256;
            int hashLength = hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 32;
            if (messageType == "EXTERNAL_MU")
            {
                throw KmsException.Validation("MessageType EXTERNAL_MU is valid only with the ML_DSA_SHAKE_256 signing algorithm.");
            }

            if (messageType == "DIGEST" && message.Length != hashLength)
            {
                throw KmsException.Validation($"Digest is invalid length for algorithm {algorithm}: expected {hashLength} bytes.");
            }

            if (dryRun)
            {
                throw DryRun();
            }

            byte[] digest = messageType == "DIGEST" ? message
                : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(message)
                : hash == HashAlgorithmName.SHA512 ? SHA512.HashData(message)
                : SHA256.HashData(message);

            bool valid;
            byte[]? produced = null;
            if (KmsNames.IsRsa(k.KeySpec))
            {
                using RSA rsa = LoadRsa(k);
                RSASignaturePadding padding = algorithm.StartsWith("RSASSA_PSS_", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
                if (verify)
                {
                    valid = rsa.VerifyHash(digest, signature!, hash, padding);
                }
                else
                {
                    produced = rsa.SignHash(digest, hash, padding);
                    valid = true;
                }
            }
            else
            {
                using ECDsa ec = LoadEc(k);
                if (verify)
                {
                    valid = ec.VerifyHash(digest, signature!, DSASignatureFormat.Rfc3279DerSequence);
                }
                else
                {
                    produced = ec.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
                    valid = true;
                }
            }

            if (!verify)
            {
                return new JsonObject { ["KeyId"] = k.Arn, ["Signature"] = Json.Blob(produced!), ["SigningAlgorithm"] = algorithm };
            }

            if (!valid)
            {
                throw new KmsException("KMSInvalidSignatureException", "");
            }

            return new JsonObject { ["KeyId"] = k.Arn, ["SignatureValid"] = true, ["SigningAlgorithm"] = algorithm };
        });
    }
}
