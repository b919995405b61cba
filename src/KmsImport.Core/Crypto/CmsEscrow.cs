using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Escrow encrypted to certificates: CMS EnvelopedData (RFC 5652), AES-256-CBC content encryption, one recipient
    /// entry per certificate (RSA: key transport with RSAES-OAEP, SHA-256 and MGF1-SHA-256 (RFC 4055); EC: ECDH key
    /// agreement, dhSinglePass-stdDH-sha256kdf with AES-256 key wrap (RFC 5753)), written as PEM with the label CMS in
    /// the framing PowerShell's Protect-CmsMessage writes, so Unprotect-CmsMessage and
    /// <c>openssl cms -decrypt -inform PEM</c> open it. Any one recipient can recover the content.
    /// </summary>
    public static class CmsEscrow
    {
        /// <summary>A CMS escrow file larger than this (64 KiB) is refused: an RSA-4096 key for nine recipients is under 10 KB.</summary>
        public const int MaxCmsBytes = 64 * 1024;

        private const string Begin = "-----BEGIN CMS-----";
        private const string End = "-----END CMS-----";

        /// <summary>True when the bytes start (after white space) with the PEM line <c>-----BEGIN CMS-----</c>.</summary>
        public static bool IsCmsPem(byte[] data)
        {
            if (data == null) return false;
            int i = 0;
            while (i < data.Length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) i++;
            // A UTF-8 byte order mark, as some editors save it.
            if (i + 3 <= data.Length && data[i] == 0xEF && data[i + 1] == 0xBB && data[i + 2] == 0xBF) i += 3;
            var marker = Encoding.ASCII.GetBytes(Begin);
            if (data.Length - i < marker.Length) return false;
            for (int k = 0; k < marker.Length; k++) if (data[i + k] != marker[k]) return false;
            return true;
        }

        /// <summary>
        /// Encrypts <paramref name="content"/> to every recipient (each already checked with
        /// <see cref="EscrowRecipient.CheckUsable"/>); returns the PEM text as ASCII bytes.
        /// </summary>
        public static byte[] Encrypt(byte[] content, IReadOnlyList<EscrowRecipient> recipients)
        {
            if (content == null) throw new ArgumentNullException(nameof(content));
            if (recipients == null || recipients.Count == 0) throw new ArgumentException("At least one recipient.", nameof(recipients));
            var random = new SecureRandom();
            var generator = new CmsEnvelopedDataGenerator(random);
            foreach (var recipient in recipients)
            {
                var certificate = recipient.Certificate;
                if (recipient.KeyAlgorithm == "RSA")
                {
                    var sha256 = new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance);
                    var oaep = new RsaesOaepParameters(sha256, new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, sha256), RsaesOaepParameters.DefaultPSourceAlgorithm);
                    var wrapper = new Asn1KeyWrapper(new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsaesOaep, oaep), certificate);
                    generator.AddRecipientInfoGenerator(new KeyTransRecipientInfoGenerator(certificate, wrapper));
                }
                else
                {
                    // Ephemeral-static ECDH per recipient, as OpenSSL reads it (CmsKeyAgreement says why not BouncyCastle's own).
                    generator.AddRecipientInfoGenerator(new CmsKeyAgreement.Generator(certificate));
                }
            }
            var enveloped = generator.Generate(new CmsProcessableByteArray(content), NistObjectIdentifiers.IdAes256Cbc);
            var der = enveloped.GetEncoded();
            // Protect-CmsMessage's framing: the BEGIN line, base64 in 76-character lines (CRLF between them), the END line.
            var text = Begin + Environment.NewLine + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + Environment.NewLine + End + Environment.NewLine;
            return Encoding.ASCII.GetBytes(text);
        }

        /// <summary>
        /// Decrypts CMS EnvelopedData (PEM 'CMS' or 'PKCS7', or DER) with the first of <paramref name="keys"/> that opens
        /// one of its recipient entries. The caller zeroes the result. <paramref name="source"/> names the file in messages.
        /// </summary>
        public static byte[] Decrypt(byte[] data, IReadOnlyList<EscrowKey> keys, string source)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            if (keys == null || keys.Count == 0)
                throw new KmsImportException(ErrorIds.EscrowKeyRequired, ErrorKind.InvalidArgument,
                    $"{source} is escrow encrypted to certificates (CMS). Pass the private key of one of its recipients: -EscrowCertificate "
                    + "<certificate with private key, or PFX file with -Password> or -EscrowKeyPath <key file>.")
                { TargetObject = source };
            if (data.Length > MaxCmsBytes) throw Malformed(source, $"is {data.Length} bytes, more than the {MaxCmsBytes} a CMS escrow file may have");

            CmsEnvelopedData enveloped;
            try
            {
                enveloped = new CmsEnvelopedData(ToDer(data, source));
            }
            catch (KmsImportException) { throw; }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                throw Malformed(source, "is not CMS EnvelopedData");
            }
            var recipients = enveloped.GetRecipientInfos().GetRecipients().ToList();
            EnvelopedData envelopedData;
            try
            {
                envelopedData = EnvelopedData.GetInstance(enveloped.ContentInfo.Content);
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                throw Malformed(source, "is not CMS EnvelopedData");
            }
            foreach (var key in keys)
            {
                if (key.IsRsa)
                {
                    foreach (var recipient in recipients.OfType<KeyTransRecipientInformation>())
                    {
                        // With a certificate, only the entry issued to it (issuer and serial, or subject key id).
                        if (key.Certificate != null && !recipient.RecipientID.Match(key.Certificate)) continue;
                        try
                        {
                            return recipient.GetContent(key.PrivateKey);
                        }
                        catch (Exception e) when (!(e is OutOfMemoryException))
                        {
                            // Not this entry (a bare key is tried against every entry of its kind); the next one, then the next key.
                        }
                    }
                    continue;
                }
                foreach (var info in envelopedData.RecipientInfos.Cast<Asn1Encodable>().Select(RecipientInfo.GetInstance))
                {
                    if (!(info.Info is KeyAgreeRecipientInfo agreement)) continue;
                    byte[]? cek = null;
                    try
                    {
                        cek = CmsKeyAgreement.UnwrapCek(agreement, (ECPrivateKeyParameters)key.PrivateKey, key.Certificate);
                        if (cek == null) continue;
                        return DecryptContent(envelopedData.EncryptedContentInfo, cek, source);
                    }
                    catch (KmsImportException) { throw; }
                    catch (Exception e) when (!(e is OutOfMemoryException))
                    {
                        // Another curve, another recipient: the next entry.
                    }
                    finally
                    {
                        if (cek != null) Array.Clear(cek, 0, cek.Length);
                    }
                }
            }
            throw new KmsImportException(ErrorIds.EscrowKeyNoMatch, ErrorKind.SecurityError,
                $"None of the {keys.Count} escrow key(s) given opens {source} ({recipients.Count} recipient(s)). Pass the private key of a "
                + "certificate it was encrypted to (-EscrowCertificate or -EscrowKeyPath).")
            { TargetObject = source };
        }

        /// <summary>AES-CBC content (what Protect-CmsMessage, OpenSSL and this module write) under a content-encryption key.</summary>
        private static byte[] DecryptContent(EncryptedContentInfo content, byte[] cek, string source)
        {
            var algorithm = content.ContentEncryptionAlgorithm;
            var oid = algorithm.Algorithm;
            if (!(oid.Equals(NistObjectIdentifiers.IdAes128Cbc) || oid.Equals(NistObjectIdentifiers.IdAes192Cbc) || oid.Equals(NistObjectIdentifiers.IdAes256Cbc)))
                throw Malformed(source, $"encrypts its content with {oid.Id}, not AES-CBC");
            if (content.EncryptedContent == null) throw Malformed(source, "has no encrypted content");
            var iv = Asn1OctetString.GetInstance(algorithm.Parameters).GetOctets();
            var cipher = CipherUtilities.GetCipher("AES/CBC/PKCS7PADDING");
            cipher.Init(false, new ParametersWithIV(ParameterUtilities.CreateKeyParameter("AES", cek), iv));
            return cipher.DoFinal(content.EncryptedContent.GetOctets());
        }

        /// <summary>The DER of a PEM 'CMS' (or 'PKCS7') block, or the bytes as they are.</summary>
        private static byte[] ToDer(byte[] data, string source)
        {
            if (!Pem.LooksLikePem(data)) return data;
            List<PemBlock> blocks;
            try { blocks = Pem.ReadAll(data); }
            catch (FormatException) { throw Malformed(source, "is PEM text that cannot be decoded"); }
            var block = blocks.FirstOrDefault(b => b.Label == "CMS" || b.Label == "PKCS7")
                ?? throw Malformed(source, "holds no PEM block 'CMS'");
            return block.Der;
        }

        private static KmsImportException Malformed(string source, string what) =>
            new KmsImportException(ErrorIds.EscrowCmsInvalid, ErrorKind.InvalidData,
                $"{source} {what}. Pass an escrow file written by -EscrowRecipient (or by Protect-CmsMessage / openssl cms -encrypt).")
            { TargetObject = source };
    }
}
