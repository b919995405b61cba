using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Turns user-supplied bytes into <see cref="KeyMaterial"/>: the raw-material rules for symmetric/HMAC specs, and
    /// for asymmetric specs the recognition of PKCS#8 / PKCS#1 / SEC1 / encrypted PKCS#8 (DER or PEM), validation
    /// against the spec and normalisation to unencrypted PKCS#8 DER.
    /// </summary>
    internal static class KeyMaterialReader
    {
        private static readonly DerObjectIdentifier RsaPssOid = new DerObjectIdentifier("1.2.840.113549.1.1.10");
        private static readonly DerObjectIdentifier Pbes2Oid = PkcsObjectIdentifiers.IdPbeS2;
        private static readonly DerObjectIdentifier Pbkdf2Oid = PkcsObjectIdentifiers.IdPbkdf2;

        public static KeyMaterial Read(KeySpec spec, byte[] data, char[]? password, MaterialSource source, bool allowLowEntropy = false)
        {
            var rawLength = KeySpecRules.RawMaterialLength(spec);
            return rawLength.HasValue
                ? ReadRaw(spec, rawLength.Value, KeySpecRules.RawMaterialMaxLength(spec)!.Value, data, source, allowLowEntropy)
                : ReadAsymmetric(spec, data, password, source);
        }

        // =====================================================================================================
        // Raw material (SYMMETRIC_DEFAULT, HMAC_*)
        // =====================================================================================================
        //
        // The bytes are the key: SYMMETRIC_DEFAULT exactly 32, HMAC from the digest length up to the hash's block
        // size (KMS's own range). Common mistakes are detected and refused rather than silently imported:
        //  * wrong length: always refused (KeyMaterialWrongLength); the message says why it is probably wrong:
        //    hex or base64 text whose decoded length is a right one (KeyMaterialLooksLikeText), a trailing
        //    newline, a private key given for a symmetric spec.
        //  * right length but every byte is printable ASCII text (a passphrase, or hex/base64 of a shorter key):
        //    refused as KeyMaterialLooksLikeText. For random bytes that happens with probability (97/256)^n —
        //    below 1e-11 for the shortest spec (28 bytes) — so a real random key is practically never refused.
        //  * right length but not random (constant, a short repeating pattern, too few distinct bytes):
        //    KeyMaterialLowEntropy (see MaterialEntropy), unless the caller overrides it (-Force).
        private static KeyMaterial ReadRaw(KeySpec spec, int min, int max, byte[] data, MaterialSource source, bool allowLowEntropy)
        {
            string lengths = min == max ? $"exactly {min}" : $"{min} to {max}";
            bool InRange(int n) => n >= min && n <= max;
            // Hex or base64 text whose decoded length is one KMS takes: named as such, whatever its own length.
            int? hexBytes = HexDecodedLength(data);
            if (hexBytes.HasValue && InRange(hexBytes.Value))
                throw Error(ErrorIds.KeyMaterialLooksLikeText, ErrorKind.InvalidData, source,
                    $"{source.Description} is {data.Length} bytes of text that looks like hex: it decodes to {hexBytes} bytes, a length {spec} takes. "
                    + "KMS wants the raw bytes, not their hex text; decode it first, e.g. 'xxd -r -p key.hex > key.bin', and import key.bin.");
            int? b64Bytes = Base64DecodedLength(data);
            if (b64Bytes.HasValue && InRange(b64Bytes.Value))
                throw Error(ErrorIds.KeyMaterialLooksLikeText, ErrorKind.InvalidData, source,
                    $"{source.Description} is {data.Length} bytes of text that looks like base64: it decodes to {b64Bytes} bytes, a length {spec} takes. "
                    + "KMS wants the raw bytes, not their base64 text; decode it first, e.g. 'openssl base64 -d -A -in key.b64 -out key.bin' "
                    + "or [IO.File]::WriteAllBytes('key.bin', [Convert]::FromBase64String((Get-Content key.b64 -Raw).Trim())), and import key.bin.");

            if (InRange(data.Length))
            {
                if (IsAllText(data))
                    throw Error(ErrorIds.KeyMaterialLooksLikeText, ErrorKind.InvalidData, source,
                        $"{source.Description} has {data.Length} bytes, a length {spec} takes, but every byte is a printable text character — "
                        + "a passphrase, or hex/base64 text of a shorter key — not random key bytes. KMS wants raw random bytes: "
                        + $"decode text to binary first, or generate material with a CSPRNG (e.g. 'openssl rand -out key.bin {min}').");
                if (!allowLowEntropy && MaterialEntropy.Weakness(data) is string weakness)
                    throw Error(ErrorIds.KeyMaterialLowEntropy, ErrorKind.InvalidData, source,
                        $"{source.Description} is not random key material: {weakness}. Imported HMAC and asymmetric material can never be "
                        + $"replaced, so this is refused. Generate material with a CSPRNG (e.g. 'openssl rand -out key.bin {min}', or "
                        + "-Generate); if this is deliberate (a test vector), pass -Force.");
                return new KeyMaterial(spec, data, "Raw", null);
            }

            string hint;
            if (EndsWithNewline(data, min, max))
                hint = " The extra bytes are a trailing line break (CR/LF): the file was probably written by a text editor or 'echo'. "
                       + "Write the key bytes without a newline (e.g. 'openssl rand -out key.bin 32', or 'printf' instead of 'echo').";
            else if (Pem.LooksLikePem(data) || (data.Length > 64 && data[0] == 0x30))
                hint = " It looks like a private key (PEM or DER): if it is one, choose the matching asymmetric key spec (RSA_*, ECC_*, SM2).";
            else if (hexBytes.HasValue)
                hint = $" It looks like hex text of {hexBytes} bytes; KMS wants raw bytes, {lengths} of them.";
            else if (b64Bytes.HasValue && data.Length >= 8)
                hint = $" It may be base64 text of {b64Bytes} bytes; KMS wants raw bytes, {lengths} of them.";
            else
                hint = $" Supply the key's raw bytes only; for new material, generate it (e.g. 'openssl rand -out key.bin {min}', or Protect-KeyMaterial -Generate).";
            throw Error(ErrorIds.KeyMaterialWrongLength, ErrorKind.InvalidData, source,
                $"{source.Description} is {data.Length} bytes, but {spec} material must be {lengths} random bytes.{hint}");
        }

        private static bool IsAllText(byte[] data)
        {
            foreach (byte b in data)
            {
                if (!((b >= 0x20 && b <= 0x7E) || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n')) return false;
            }
            return true;
        }

        private static bool EndsWithNewline(byte[] data, int min, int max)
        {
            int n = data.Length;
            if (n - 1 >= min && n - 1 <= max && data[n - 1] == (byte)'\n') return true;
            if (n - 2 >= min && n - 2 <= max && data[n - 2] == (byte)'\r' && data[n - 1] == (byte)'\n') return true;
            return false;
        }

        private static bool IsWhitespace(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';

        /// <summary>Bytes the data would decode to if it is hex text (whitespace ignored), else null. Decodes nothing.</summary>
        internal static int? HexDecodedLength(byte[] data)
        {
            int digits = 0;
            foreach (byte b in data)
            {
                if (IsWhitespace(b)) continue;
                bool hex = (b >= (byte)'0' && b <= (byte)'9') || (b >= (byte)'a' && b <= (byte)'f') || (b >= (byte)'A' && b <= (byte)'F');
                if (!hex) return null;
                digits++;
            }
            return digits > 0 && digits % 2 == 0 ? digits / 2 : (int?)null;
        }

        /// <summary>Bytes the data would decode to if it is base64 text (standard or URL alphabet), else null.</summary>
        internal static int? Base64DecodedLength(byte[] data)
        {
            int chars = 0, pad = 0;
            foreach (byte b in data)
            {
                if (IsWhitespace(b)) continue;
                if (b == (byte)'=')
                {
                    pad++;
                    continue;
                }
                bool ok = (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'0' && b <= (byte)'9')
                          || b == (byte)'+' || b == (byte)'/' || b == (byte)'-' || b == (byte)'_';
                if (!ok || pad > 0) return null;
                chars++;
            }
            if (chars == 0 || pad > 2) return null;
            if (pad > 0 && (chars + pad) % 4 != 0) return null;
            if (chars % 4 == 1) return null;
            return chars * 6 / 8;
        }

        // =====================================================================================================
        // Asymmetric material
        // =====================================================================================================
        private sealed class Normalized
        {
            public Normalized(byte[] pkcs8, byte[] spki)
            {
                Pkcs8 = pkcs8;
                Spki = spki;
            }

            public byte[] Pkcs8 { get; }
            public byte[] Spki { get; }
        }

        private static KeyMaterial ReadAsymmetric(KeySpec spec, byte[] data, char[]? password, MaterialSource source)
        {
            Normalized? result = null;
            string format;
            try
            {
                if (Pem.LooksLikePem(data))
                    result = ReadPem(spec, data, password, source, out format);
                else
                    result = ReadDer(spec, data, password, source, "DER", null, out format);
                return new KeyMaterial(spec, result.Pkcs8, format, result.Spki);
            }
            finally
            {
                if (result != null) Array.Clear(result.Pkcs8, 0, result.Pkcs8.Length);
            }
        }

        private static readonly HashSet<string> PublicLabels = new HashSet<string>(StringComparer.Ordinal)
        {
            "PUBLIC KEY", "RSA PUBLIC KEY", "EC PUBLIC KEY", "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE",
            "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
        };

        private static readonly HashSet<string> PrivateLabels = new HashSet<string>(StringComparer.Ordinal)
        {
            "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY", // OpenSSL 3 labels SEC1 SM2 keys so
        };

        private static Normalized ReadPem(KeySpec spec, byte[] data, char[]? password, MaterialSource source, out string format)
        {
            List<PemBlock> blocks;
            try
            {
                blocks = Pem.ReadAll(data);
            }
            catch (FormatException e)
            {
                throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                    $"{source.Description} looks like PEM text but cannot be decoded: {e.Message}. Export the key again.", e);
            }
            try
            {
                var privateBlocks = blocks.FindAll(b => PrivateLabels.Contains(b.Label));
                PemBlock? ecParameters = blocks.Find(b => b.Label == "EC PARAMETERS" || b.Label == "SM2 PARAMETERS");
                if (privateBlocks.Count == 0)
                {
                    var pub = blocks.Find(b => PublicLabels.Contains(b.Label));
                    if (pub != null)
                        throw Error(ErrorIds.KeyMaterialIsPublicKey, ErrorKind.InvalidData, source,
                            $"{source.Description} holds a PEM '{pub.Label}' block: that is public, but KMS imports the private key of {spec}. "
                            + "Point to the private key file (PEM 'PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY' or 'ENCRYPTED PRIVATE KEY').");
                    string labels = blocks.Count == 0 ? "no complete PEM block" : "PEM blocks " + string.Join(", ", blocks.ConvertAll(b => Pem.QuoteLabel(b.Label)));
                    string extra = blocks.Exists(b => b.Label == "OPENSSH PRIVATE KEY")
                        ? " An OpenSSH key can be converted with 'ssh-keygen -p -m PKCS8 -f <copy of the key>'."
                        : string.Empty;
                    throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                        $"{source.Description} contains {labels} and no private key KMS can import. Supply a PKCS#8, PKCS#1 or SEC1 private key "
                        + $"(DER or PEM) or encrypted PKCS#8.{extra}");
                }
                if (privateBlocks.Count > 1)
                    throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                        $"{source.Description} contains {privateBlocks.Count} private keys; it is not clear which one to import. Put the one key in a file of its own.");

                var block = privateBlocks[0];
                if (block.LegacyEncrypted)
                    throw Error(ErrorIds.KeyMaterialLegacyEncryptedPem, ErrorKind.InvalidData, source,
                        $"{source.Description} is a '{block.Label}' PEM encrypted the legacy OpenSSL way (Proc-Type/DEK-Info headers), which is not supported. "
                        + "Convert it to encrypted PKCS#8 with 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out key.p8.pem' (asks the old password, then a new one).");

                DerObjectIdentifier? pemCurve = null;
                if (ecParameters != null)
                {
                    try { pemCurve = Asn1Object.FromByteArray(ecParameters.Der) as DerObjectIdentifier; } catch (Exception) { pemCurve = null; }
                }
                string expectedKind;
                switch (block.Label)
                {
                    case "PRIVATE KEY": expectedKind = "PKCS#8"; break;
                    case "ENCRYPTED PRIVATE KEY": expectedKind = "Encrypted PKCS#8"; break;
                    case "RSA PRIVATE KEY": expectedKind = "PKCS#1"; break;
                    default: expectedKind = "SEC1"; break;
                }
                var normalized = ReadDer(spec, block.Der, password, source, "PEM", pemCurve, out format);
                if (!format.StartsWith(expectedKind + " ", StringComparison.Ordinal))
                {
                    Array.Clear(normalized.Pkcs8, 0, normalized.Pkcs8.Length);
                    throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                        $"{source.Description} has a PEM '{block.Label}' label but its content is {format.Replace(" PEM", string.Empty)}. "
                        + "The file was probably edited by hand; export the key again.");
                }
                return normalized;
            }
            finally
            {
                foreach (var b in blocks) b.Dispose();
            }
        }

        private enum DerKind { Unknown, Pkcs8, EncryptedPkcs8, Pkcs1Private, Sec1, SubjectPublicKeyInfo, Certificate, Pkcs1Public }

        private static DerKind Classify(Asn1Sequence seq)
        {
            // Elements may be typed wrappers (AlgorithmIdentifier ...) when the sequence was built in memory: look at
            // their ASN.1 form.
            int n = seq.Count;
            var e = new Asn1Object[n];
            for (int i = 0; i < n; i++) e[i] = seq[i].ToAsn1Object();
            if (n >= 3 && e[0] is DerInteger && e[1] is Asn1Sequence && e[2] is Asn1OctetString) return DerKind.Pkcs8;
            if (n == 2 && e[0] is Asn1Sequence && e[1] is Asn1OctetString) return DerKind.EncryptedPkcs8;
            if (n == 2 && e[0] is Asn1Sequence && e[1] is DerBitString) return DerKind.SubjectPublicKeyInfo;
            if (n == 3 && e[0] is Asn1Sequence && e[1] is Asn1Sequence && e[2] is DerBitString) return DerKind.Certificate;
            if (n == 2 && e[0] is DerInteger && e[1] is DerInteger) return DerKind.Pkcs1Public;
            if (n >= 9 && AllIntegers(e, 9)) return DerKind.Pkcs1Private;
            if (n >= 2 && e[0] is DerInteger v && v.HasValue(1) && e[1] is Asn1OctetString) return DerKind.Sec1;
            return DerKind.Unknown;
        }

        private static bool AllIntegers(Asn1Object[] e, int count)
        {
            for (int i = 0; i < count; i++) if (!(e[i] is DerInteger)) return false;
            return true;
        }

        private static Normalized ReadDer(KeySpec spec, byte[] der, char[]? password, MaterialSource source, string encoding,
            DerObjectIdentifier? pemCurve, out string format)
        {
            Asn1Sequence? seq = null;
            Exception? parseError = null;
            try
            {
                seq = Asn1Object.FromByteArray(der) as Asn1Sequence;
            }
            catch (Exception e)
            {
                parseError = e;
            }
            var kind = seq == null ? DerKind.Unknown : Classify(seq);
            switch (kind)
            {
                case DerKind.Pkcs8:
                    format = "PKCS#8 " + encoding;
                    return FromPrivateKeyInfo(spec, seq!, source);
                case DerKind.EncryptedPkcs8:
                    format = "Encrypted PKCS#8 " + encoding;
                    return FromEncrypted(spec, seq!, password, source);
                case DerKind.Pkcs1Private:
                    format = "PKCS#1 " + encoding;
                    return FromRsa(spec, seq!, source);
                case DerKind.Sec1:
                    format = "SEC1 " + encoding;
                    return FromEc(spec, null, seq!, pemCurve, source);
                case DerKind.SubjectPublicKeyInfo:
                case DerKind.Pkcs1Public:
                case DerKind.Certificate:
                    string what = kind == DerKind.Certificate ? "an X.509 certificate"
                        : kind == DerKind.Pkcs1Public ? "a PKCS#1 RSA public key" : "a public key (SubjectPublicKeyInfo)";
                    throw Error(ErrorIds.KeyMaterialIsPublicKey, ErrorKind.InvalidData, source,
                        $"{source.Description} is {what} ({encoding}), which holds only the public half. KMS imports the private key of {spec}: "
                        + "point to the private key file.");
                default:
                    throw Unrecognized(spec, der, source, parseError);
            }
        }

        private static KmsImportException Unrecognized(KeySpec spec, byte[] der, MaterialSource source, Exception? inner)
        {
            string hint;
            if (der.Length <= 64)
                hint = $" At {der.Length} bytes it is far too short for a private key: if it is a raw symmetric or HMAC key, use the SYMMETRIC_DEFAULT or HMAC_* key spec.";
            else if (Base64DecodedLength(der).HasValue)
                hint = " It looks like base64 text without the PEM '-----BEGIN PRIVATE KEY-----' / '-----END PRIVATE KEY-----' lines: add them, or decode it to DER.";
            else
                hint = string.Empty;
            return Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                $"{source.Description} ({der.Length} bytes) is not a private key in a format this module reads for {spec}: PKCS#8, PKCS#1 or SEC1 "
                + $"as DER or PEM, or encrypted PKCS#8.{hint} To convert another format: 'openssl pkcs8 -topk8 -nocrypt -in <key> -outform DER -out key.der'.",
                inner);
        }

        private static Normalized FromEncrypted(KeySpec spec, Asn1Sequence seq, char[]? password, MaterialSource source)
        {
            EncryptedPrivateKeyInfo epki;
            try
            {
                epki = EncryptedPrivateKeyInfo.GetInstance(seq);
            }
            catch (Exception e)
            {
                throw Unrecognized(spec, seq.GetEncoded(), source, e);
            }
            if (password == null)
                throw Error(ErrorIds.KeyMaterialPasswordRequired, ErrorKind.InvalidArgument, source,
                    $"{source.Description} is an encrypted PKCS#8 private key and no password was given. Supply the password it was encrypted with.");

            var alg = epki.EncryptionAlgorithm;
            string scheme = alg.Algorithm.Id;
            BigInteger? iterations = null;
            if (alg.Algorithm.Equals(Pbes2Oid))
            {
                try
                {
                    var pbes2 = PbeS2Parameters.GetInstance(alg.Parameters);
                    var kdf = pbes2.KeyDerivationFunc.Algorithm;
                    if (!kdf.Equals(Pbkdf2Oid))
                        throw Error(ErrorIds.KeyMaterialUnsupportedEncryption, ErrorKind.InvalidData, source,
                            $"{source.Description} is encrypted PKCS#8 using the key derivation function {kdf.Id} (scrypt is 1.3.6.1.4.1.11591.4.11), "
                            + "which this module cannot decrypt. Re-encrypt it with PBKDF2: 'openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in key.pem -out key.p8.pem'.");
                    scheme = "PBES2/PBKDF2/" + pbes2.EncryptionScheme.Algorithm.Id;
                    iterations = Pbkdf2Params.GetInstance(pbes2.KeyDerivationFunc.Parameters).IterationCount;
                }
                catch (KmsImportException)
                {
                    throw;
                }
                catch (Exception e)
                {
                    throw Unrecognized(spec, seq.GetEncoded(), source, e);
                }
            }
            else if (!alg.Algorithm.Id.StartsWith("1.2.840.113549.1.12.1.", StringComparison.Ordinal)
                     && !alg.Algorithm.Id.StartsWith("1.2.840.113549.1.5.", StringComparison.Ordinal))
            {
                throw Error(ErrorIds.KeyMaterialUnsupportedEncryption, ErrorKind.InvalidData, source,
                    $"{source.Description} is encrypted PKCS#8 with the scheme {alg.Algorithm.Id}, which this module cannot decrypt. "
                    + "Re-encrypt it with 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key.p8.pem'.");
            }
            else
            {
                // PKCS#5 PBES1 (PBEParameter) and PKCS#12 (pkcs-12PbeParams) both are SEQUENCE { salt, iterationCount }.
                try
                {
                    iterations = DerInteger.GetInstance(Asn1Sequence.GetInstance(alg.Parameters)[1]).Value;
                }
                catch (Exception e)
                {
                    throw Unrecognized(spec, seq.GetEncoded(), source, e);
                }
            }
            CheckIterations(iterations!, scheme, source);

            PrivateKeyInfo pki;
            try
            {
                pki = PrivateKeyInfoFactory.CreatePrivateKeyInfo(password, epki);
                // A wrong password that happens to produce valid padding yields garbage: parse it fully here.
                var check = Asn1Sequence.GetInstance(pki.ToAsn1Object());
                if (Classify(check) != DerKind.Pkcs8) throw new InvalidCipherTextException("decrypted data is not a PKCS#8 private key");
            }
            catch (SecurityUtilityException e)
            {
                throw Error(ErrorIds.KeyMaterialUnsupportedEncryption, ErrorKind.InvalidData, source,
                    $"{source.Description} is encrypted PKCS#8 with {scheme}, which this module cannot decrypt ({e.Message}). "
                    + "Re-encrypt it with 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key.p8.pem'.", e);
            }
            catch (Exception e)
            {
                throw Error(ErrorIds.KeyMaterialWrongPassword, ErrorKind.InvalidArgument, source,
                    $"{source.Description} is encrypted PKCS#8 ({scheme}) and could not be decrypted with the password given: the password is wrong "
                    + "(or the file is damaged). Try again with the right password.", e);
            }
            return FromPrivateKeyInfo(spec, Asn1Sequence.GetInstance(pki.ToAsn1Object()), source);
        }

        /// <summary>
        /// Most PBKDF2/PBE iterations accepted: 5,000,000 (a few seconds of BouncyCastle PBKDF2-HMAC-SHA256 per million; OpenSSL writes 2048,
        /// OWASP suggests 600,000 for PBKDF2-HMAC-SHA256 and 1,300,000 for SHA-1). BouncyCastle 2.7 refuses more with an
        /// ArgumentException, which used to surface as KeyMaterialWrongPassword; checking here gives the right id and message and
        /// keeps the bound independent of the BouncyCastle version.
        /// </summary>
        internal const int MaxPbeIterations = 5000000;

        private static void CheckIterations(BigInteger iterations, string scheme, MaterialSource source)
        {
            if (iterations.SignValue <= 0)
                throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                    $"{source.Description} is encrypted PKCS#8 ({scheme}) whose iteration count is {(iterations.SignValue == 0 ? "zero" : "negative")}: "
                    + "the file is damaged. Export the key again.");
            if (iterations.CompareTo(BigInteger.ValueOf(MaxPbeIterations)) > 0)
                throw Error(ErrorIds.KeyMaterialUnsupportedEncryption, ErrorKind.InvalidData, source,
                    $"{source.Description} is encrypted PKCS#8 ({scheme}) with {(iterations.BitLength > 40 ? "an absurd number of" : iterations.ToString())} "
                    + $"key-derivation iterations; this module accepts at most {MaxPbeIterations:N0} (OpenSSL uses 2,048). If the file is genuine, re-encrypt it: "
                    + "'openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key.p8.pem'.");
        }

        private static Normalized FromPrivateKeyInfo(KeySpec spec, Asn1Sequence seq, MaterialSource source)
        {
            PrivateKeyInfo pki;
            Asn1Object inner;
            try
            {
                pki = PrivateKeyInfo.GetInstance(seq);
                inner = pki.ParsePrivateKey();
            }
            catch (Exception e)
            {
                throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                    $"{source.Description} looks like PKCS#8 but its structure is damaged ({e.Message}). Export the key again.", e);
            }
            var algOid = pki.PrivateKeyAlgorithm.Algorithm;
            if (algOid.Equals(PkcsObjectIdentifiers.RsaEncryption))
                return FromRsa(spec, AsSequence(inner, source, "RSAPrivateKey"), source);
            if (algOid.Equals(X9ObjectIdentifiers.IdECPublicKey))
                return FromEc(spec, pki.PrivateKeyAlgorithm.Parameters, AsSequence(inner, source, "ECPrivateKey"), null, source);
            var sm2 = CurveInfo.ForSpec(KeySpec.SM2)!;
            if (algOid.Equals(sm2.Oid))
                return FromEc(spec, sm2.Oid, AsSequence(inner, source, "ECPrivateKey"), null, source);
            if (algOid.Equals(RsaPssOid))
                throw WrongType(spec, "an RSASSA-PSS-restricted RSA private key (OID 1.2.840.113549.1.1.10)", source,
                    " KMS imports RSA keys with the plain rsaEncryption identifier; export the key without the PSS restriction "
                    + "(e.g. generate it with 'openssl genpkey -algorithm RSA').");
            throw WrongType(spec, $"a private key of the algorithm {DescribeAlgorithm(algOid)}", source, string.Empty);
        }

        private static string DescribeAlgorithm(DerObjectIdentifier oid)
        {
            switch (oid.Id)
            {
                case "1.3.101.112": return "Ed25519 (1.3.101.112)";
                case "1.3.101.113": return "Ed448 (1.3.101.113)";
                case "1.3.101.110": return "X25519 (1.3.101.110)";
                case "1.3.101.111": return "X448 (1.3.101.111)";
                case "1.2.840.10040.4.1": return "DSA (1.2.840.10040.4.1)";
                case "1.2.840.113549.1.3.1": return "Diffie-Hellman (1.2.840.113549.1.3.1)";
                case "2.16.840.1.101.3.4.3.17": return "ML-DSA-44 (2.16.840.1.101.3.4.3.17)";
                case "2.16.840.1.101.3.4.3.18": return "ML-DSA-65 (2.16.840.1.101.3.4.3.18)";
                case "2.16.840.1.101.3.4.3.19": return "ML-DSA-87 (2.16.840.1.101.3.4.3.19)";
                default: return "OID " + oid.Id;
            }
        }

        private static Asn1Sequence AsSequence(Asn1Object obj, MaterialSource source, string what)
        {
            if (obj is Asn1Sequence s) return s;
            throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                $"{source.Description} is PKCS#8 but the {what} inside it is not a SEQUENCE. Export the key again.");
        }

        private static KmsImportException WrongType(KeySpec spec, string found, MaterialSource source, string extra)
        {
            string expected = KeySpecRules.IsRsa(spec) ? $"an RSA private key of {KeySpecRules.RsaModulusBits(spec)} bits"
                : $"an EC private key on {CurveInfo.ForSpec(spec)!.DisplayName}";
            return Error(ErrorIds.KeyMaterialWrongKeyType, ErrorKind.InvalidData, source,
                $"{source.Description} is {found}, but key spec {spec} needs {expected}.{extra} Check that the file and the key spec belong together.");
        }

        // ---- RSA ---------------------------------------------------------------------------------------------
        private static Normalized FromRsa(KeySpec spec, Asn1Sequence seq, MaterialSource source)
        {
            if (seq.Count > 9 || (seq.Count > 0 && seq[0] is DerInteger ver && !ver.HasValue(0)))
                throw Error(ErrorIds.KeyMaterialMultiPrimeRsa, ErrorKind.InvalidData, source,
                    $"{source.Description} is a multi-prime RSA key (RSAPrivateKey version 1 with otherPrimeInfos). KMS imports only two-prime RSA keys: "
                    + "generate a standard key (e.g. 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:" + (KeySpecRules.RsaModulusBits(spec) ?? 2048) + "').");
            RsaPrivateKeyStructure rsa;
            try
            {
                rsa = RsaPrivateKeyStructure.GetInstance(seq);
            }
            catch (Exception e)
            {
                throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                    $"{source.Description} looks like an RSA private key but its structure is damaged ({e.Message}). Export the key again.", e);
            }
            int bits = rsa.Modulus.BitLength;
            if (!KeySpecRules.IsRsa(spec))
                throw WrongType(spec, $"an RSA private key of {bits} bits", source,
                    bits == 2048 || bits == 3072 || bits == 4096 ? $" For this key use key spec RSA_{bits}." : string.Empty);
            int expectedBits = KeySpecRules.RsaModulusBits(spec)!.Value;
            if (bits != expectedBits)
                throw Error(ErrorIds.KeyMaterialWrongKeySize, ErrorKind.InvalidData, source,
                    $"{source.Description} is an RSA key of {bits} bits, but key spec {spec} needs exactly {expectedBits} bits. "
                    + (bits == 2048 || bits == 3072 || bits == 4096 ? $"Use key spec RSA_{bits} for this key, or supply a {expectedBits}-bit key." : $"KMS imports RSA keys of 2048, 3072 or 4096 bits only."));
            ValidateRsa(rsa, source);

            var algId = new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);
            var canonical = new RsaPrivateKeyStructure(rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2,
                rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);
            byte[] pkcs8 = new PrivateKeyInfo(algId, canonical).GetEncoded(Asn1Encodable.Der);
            byte[] spki = new SubjectPublicKeyInfo(algId, new RsaPublicKeyStructure(rsa.Modulus, rsa.PublicExponent)).GetEncoded(Asn1Encodable.Der);
            return new Normalized(pkcs8, spki);
        }

        // Consistency of a two-prime RSA key: the checks of OpenSSL's RSA_check_key (`openssl rsa -check`) without its
        // primality tests. n = p*q; e*dp = 1 mod (p-1) and e*dq = 1 mod (q-1) with dp = d mod (p-1), dq = d mod (q-1), so
        // e*d = 1 mod lcm(p-1, q-1): for prime p and q that is exactly "m^(e*d) = m mod n for EVERY m", i.e. the public
        // key (n, e) and the private exponent d belong together, and so do the CRT values (q*qinv = 1 mod p, dp, dq) that
        // most RSA implementations (KMS's too) compute with. It is exact arithmetic, not a sample.
        // Why this is as strong as what it replaced (2^(e*d) = 2 mod n, one full-length exponentiation by d, 13.5 ms
        // per RSA-2048 parse): that roundtrip tested one message; the congruences above imply it for every message
        // (Fermat mod p and mod q, then CRT), and every damaged key the roundtrip refused breaks one of them: a wrong d
        // (breaks dp/dq, or, with dp/dq made from it, e*dp), a wrong e (e*dp), a wrong or swapped p or q (n = p*q, qinv,
        // dp, dq). Neither check proves p and q prime: a multi-prime key forged with d = e^-1 mod lambda(n) passed the
        // roundtrip as well (and multi-prime keys in their own format are refused above). What costs time here are
        // products and remainders, not exponentiations: microseconds (KmsImport.Benchmarks, parse).
        private static void ValidateRsa(RsaPrivateKeyStructure k, MaterialSource source)
        {
            var one = BigInteger.One;
            var three = BigInteger.Three;
            BigInteger n = k.Modulus, e = k.PublicExponent, d = k.PrivateExponent, p = k.Prime1, q = k.Prime2;
            // Ranges first: the remainders below divide by p-1 and q-1 (a "prime" of 1, with q = n, makes n = p*q true).
            // p = q (n = p^2, for which e*d = 1 mod (p-1) is not enough) is refused by name; qinv could not exist either.
            bool ok = e.TestBit(0) && e.CompareTo(one) > 0 && d.SignValue > 0
                      && p.CompareTo(three) >= 0 && q.CompareTo(three) >= 0 && p.TestBit(0) && q.TestBit(0) && !p.Equals(q)
                      && p.Multiply(q).Equals(n);
            if (ok)
            {
                BigInteger p1 = p.Subtract(one), q1 = q.Subtract(one);
                ok = k.Exponent1.Equals(d.Mod(p1))
                     && k.Exponent2.Equals(d.Mod(q1))
                     && k.Coefficient.Multiply(q).Mod(p).Equals(one)
                     && e.Multiply(k.Exponent1).Mod(p1).Equals(one)
                     && e.Multiply(k.Exponent2).Mod(q1).Equals(one);
            }
            if (!ok)
                throw Error(ErrorIds.KeyMaterialInconsistent, ErrorKind.InvalidData, source,
                    $"{source.Description} is an RSA private key whose numbers do not fit together (modulus, primes, exponents or CRT values disagree): "
                    + "the key is corrupt. Export it again from its source.");
        }

        // ---- EC / SM2 ----------------------------------------------------------------------------------------
        private static Normalized FromEc(KeySpec spec, Asn1Encodable? algorithmParameters, Asn1Sequence seq, DerObjectIdentifier? pemCurve, MaterialSource source)
        {
            ECPrivateKeyStructure ec;
            Asn1Encodable? innerParameters;
            try
            {
                ec = ECPrivateKeyStructure.GetInstance(seq);
                innerParameters = ec.Parameters;
            }
            catch (Exception e)
            {
                throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                    $"{source.Description} looks like an EC private key but its structure is damaged ({e.Message}). Export the key again.", e);
            }

            Asn1Encodable? parameters = algorithmParameters ?? innerParameters ?? pemCurve;
            if (parameters == null || parameters is Asn1Null)
                throw Error(ErrorIds.KeyMaterialUnrecognizedFormat, ErrorKind.InvalidData, source,
                    $"{source.Description} is an EC private key that does not say which curve it is on. Export it with its named curve, "
                    + "e.g. 'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.p8.pem'.");

            DerObjectIdentifier curveOid;
            if (parameters is DerObjectIdentifier oid)
            {
                curveOid = oid;
            }
            else
            {
                // Damaged parameters (a base point off the curve, a bad point encoding) throw while being compared: they
                // match no curve.
                CurveInfo? match;
                try { match = CurveInfo.MatchExplicit(X9ECParameters.GetInstance(parameters)); } catch (Exception) { match = null; }
                string matchText = match != null ? $" (they describe {match.DisplayName})" : " (they match none of the curves KMS imports)";
                throw Error(ErrorIds.KeyMaterialExplicitCurve, ErrorKind.InvalidData, source,
                    $"{source.Description} is an EC private key with explicit curve parameters{matchText} instead of a named curve. KMS imports "
                    + "named-curve keys only. Convert it: 'openssl ec -in key.pem -param_enc named_curve -out named.pem' "
                    + "(OpenSSL recognises the standard curves), then import named.pem.");
            }

            if (innerParameters is DerObjectIdentifier innerOid && !innerOid.Equals(curveOid))
                throw Error(ErrorIds.KeyMaterialInconsistent, ErrorKind.InvalidData, source,
                    $"{source.Description} names two different curves ({CurveInfo.Describe(curveOid)} and {CurveInfo.Describe(innerOid)}): the key is corrupt. Export it again.");

            var curve = CurveInfo.ForOid(curveOid);
            if (!KeySpecRules.IsEcc(spec))
                throw WrongType(spec, $"an EC private key on {CurveInfo.Describe(curveOid)}", source,
                    curve != null ? $" For this key use key spec {curve.Spec}." : string.Empty);
            if (curve == null || curve.Spec != spec)
                throw Error(ErrorIds.KeyMaterialWrongCurve, ErrorKind.InvalidData, source,
                    $"{source.Description} is an EC key on {CurveInfo.Describe(curveOid)}, but key spec {spec} needs {CurveInfo.ForSpec(spec)!.DisplayName}. "
                    + (curve != null ? $"Use key spec {curve.Spec} for this key, or supply a key on the right curve." : "KMS imports keys on P-256, P-384, P-521, secp256k1 and SM2 only."));

            var x9 = curve.Parameters;
            BigInteger d = ec.GetKey();
            if (d.SignValue <= 0 || d.CompareTo(x9.N) >= 0)
                throw Error(ErrorIds.KeyMaterialInconsistent, ErrorKind.InvalidData, source,
                    $"{source.Description} is an EC key whose private value is out of range for {curve.DisplayName}: the key is corrupt. Export it again.");
            ECPoint q = new FixedPointCombMultiplier().Multiply(x9.G, d).Normalize();
            var publicBits = ec.PublicKey;
            if (publicBits != null)
            {
                bool matches;
                try
                {
                    matches = x9.Curve.DecodePoint(publicBits.GetOctets()).Normalize().Equals(q);
                }
                catch (Exception)
                {
                    matches = false;
                }
                if (!matches)
                    throw Error(ErrorIds.KeyMaterialInconsistent, ErrorKind.InvalidData, source,
                        $"{source.Description} is an EC key whose embedded public key does not belong to its private value: the key is corrupt. Export it again.");
            }
            return BuildEc(curve, d, q);
        }

        private static Normalized BuildEc(CurveInfo curve, BigInteger d, ECPoint q)
        {
            byte[] point = q.GetEncoded(false);
            var algId = new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, curve.Oid);
            var inner = new ECPrivateKeyStructure(curve.Parameters.N.BitLength, d, new DerBitString(point), null);
            byte[] pkcs8 = new PrivateKeyInfo(algId, inner).GetEncoded(Asn1Encodable.Der);
            byte[] spki = new SubjectPublicKeyInfo(algId, point).GetEncoded(Asn1Encodable.Der);
            return new Normalized(pkcs8, spki);
        }

        // ---- used by the generator ---------------------------------------------------------------------------
        internal static KeyMaterial FromGeneratedRsa(KeySpec spec, RsaPrivateKeyStructure rsa)
        {
            var normalized = FromRsa(spec, Asn1Sequence.GetInstance(rsa.ToAsn1Object()), MaterialSource.Bytes);
            try
            {
                return new KeyMaterial(spec, normalized.Pkcs8, "Generated", normalized.Spki);
            }
            finally
            {
                Array.Clear(normalized.Pkcs8, 0, normalized.Pkcs8.Length);
            }
        }

        internal static KeyMaterial FromGeneratedEc(KeySpec spec, BigInteger d)
        {
            var curve = CurveInfo.ForSpec(spec)!;
            var q = new FixedPointCombMultiplier().Multiply(curve.Parameters.G, d).Normalize();
            var normalized = BuildEc(curve, d, q);
            try
            {
                return new KeyMaterial(spec, normalized.Pkcs8, "Generated", normalized.Spki);
            }
            finally
            {
                Array.Clear(normalized.Pkcs8, 0, normalized.Pkcs8.Length);
            }
        }

        private static KmsImportException Error(string id, ErrorKind kind, MaterialSource source, string message, Exception? inner = null) =>
            new KmsImportException(id, kind, message, inner) { TargetObject = source.Path };
    }
}
