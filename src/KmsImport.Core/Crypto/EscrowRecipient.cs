using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// A certificate that escrow copies are encrypted to (CMS EnvelopedData, <see cref="CmsEscrow"/>): an RSA
    /// certificate (key transport, RSAES-OAEP) or an EC certificate on a named curve (ECDH key agreement).
    /// Certificates are untrusted input: size-capped, parsed once, never quoted in a message (only the subject,
    /// cut and made printable, and the SHA-1 thumbprint Windows shows).
    /// </summary>
    public sealed class EscrowRecipient
    {
        /// <summary>A certificate file larger than this (64 KiB) is refused: a certificate is 1-2 KB.</summary>
        public const int MaxCertificateBytes = 64 * 1024;

        /// <summary>The Document Encryption extended key usage (what Protect-CmsMessage asks of a certificate).</summary>
        public const string DocumentEncryptionEku = "1.3.6.1.4.1.311.80.1";

        private EscrowRecipient(X509Certificate certificate, string source)
        {
            Certificate = certificate;
            Source = source;
            var der = certificate.GetEncoded();
            var sha1 = new Org.BouncyCastle.Crypto.Digests.Sha1Digest();
            sha1.BlockUpdate(der, 0, der.Length);
            var hash = new byte[20];
            sha1.DoFinal(hash, 0);
            Thumbprint = Hex.Upper(hash);
            Subject = Printable(certificate.SubjectDN.ToString());
            var key = certificate.GetPublicKey();
            KeyAlgorithm = key is RsaKeyParameters ? "RSA" : key is ECPublicKeyParameters ? "EC" : "other";
        }

        internal X509Certificate Certificate { get; }

        /// <summary>Where the certificate came from (a file path or "certificate &lt;thumbprint&gt;"), for messages.</summary>
        public string Source { get; }

        /// <summary>The SHA-1 thumbprint, 40 uppercase hex digits (as Windows and Get-PfxCertificate show it).</summary>
        public string Thumbprint { get; }

        /// <summary>The subject, printable (control characters escaped, cut at 200 characters).</summary>
        public string Subject { get; }

        /// <summary>"RSA" or "EC".</summary>
        public string KeyAlgorithm { get; }

        public override string ToString() => $"{Subject} ({Thumbprint})";

        /// <summary>A certificate as DER or PEM ('CERTIFICATE') bytes; <paramref name="source"/> names it in messages.</summary>
        public static EscrowRecipient FromBytes(byte[] data, string source)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            if (data.Length == 0 || data.Length > MaxCertificateBytes)
                throw Invalid(source, $"is {data.Length} bytes; a certificate is between 1 byte and {MaxCertificateBytes} bytes");
            byte[] der = data;
            if (Pem.LooksLikePem(data))
            {
                List<PemBlock> blocks;
                try { blocks = Pem.ReadAll(data); }
                catch (FormatException) { throw Invalid(source, "is PEM text that cannot be decoded"); }
                var block = blocks.FirstOrDefault(b => b.Label == "CERTIFICATE" || b.Label == "X509 CERTIFICATE" || b.Label == "TRUSTED CERTIFICATE");
                if (block == null)
                    throw Invalid(source, "holds no PEM block 'CERTIFICATE'" + (blocks.Count > 0 ? " (it holds " + Pem.QuoteLabel(blocks[0].Label) + ")" : ""));
                der = block.Der;
            }
            X509Certificate certificate;
            try
            {
                certificate = new X509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der)));
                certificate.GetPublicKey();
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                throw Invalid(source, "is not an X.509 certificate (DER or PEM)");
            }
            var recipient = new EscrowRecipient(certificate, source);
            if (recipient.KeyAlgorithm == "other")
                throw Invalid(source, "has a public key that is neither RSA nor EC; escrow goes to RSA (key transport) or EC (key agreement) certificates");
            if (certificate.GetPublicKey() is RsaKeyParameters rsa && rsa.Modulus.BitLength < 2048)
                throw Invalid(source, $"has an RSA key of {rsa.Modulus.BitLength} bits; escrow needs at least 2048");
            if (certificate.GetPublicKey() is ECPublicKeyParameters ec && ec.PublicKeyParamSet == null)
                throw Invalid(source, "has an EC key with explicit curve parameters; escrow needs a named curve (P-256, P-384, P-521)");
            return recipient;
        }

        /// <summary>A certificate file (DER or PEM): a regular file, at most <see cref="MaxCertificateBytes"/>.</summary>
        public static EscrowRecipient FromFile(string fullPath)
        {
            byte[] data;
            try
            {
                data = UntrustedFile.Read(fullPath, MaxCertificateBytes, followLinks: true);
            }
            catch (FileRefusedException e)
            {
                throw new KmsImportException(ErrorIds.EscrowCertificateUnreadable, ErrorKind.InvalidArgument,
                    $"The escrow certificate file '{fullPath}' {e.Message}. Pass the path of a certificate file (PEM or DER, regular file, at most {MaxCertificateBytes} bytes).")
                { TargetObject = fullPath };
            }
            return FromBytes(data, $"The escrow certificate file '{fullPath}'");
        }

        /// <summary>
        /// Refuses a certificate that may not receive escrow at <paramref name="nowUtc"/>: expired, not yet valid,
        /// without the key usage its key needs (keyEncipherment for RSA, keyAgreement for EC), or with an extended key
        /// usage list that lacks Document Encryption. Each with its own ErrorId.
        /// </summary>
        public void CheckUsable(DateTime nowUtc)
        {
            if (nowUtc > Certificate.NotAfter.ToUniversalTime())
                throw Refused(ErrorIds.EscrowCertificateExpired, $"expired on {Certificate.NotAfter.ToUniversalTime():u}", "Ask the custodian for a current certificate.");
            if (nowUtc < Certificate.NotBefore.ToUniversalTime())
                throw Refused(ErrorIds.EscrowCertificateNotYetValid, $"is not valid before {Certificate.NotBefore.ToUniversalTime():u}",
                    "Check this machine's clock, or wait until the certificate is valid.");
            bool[]? usage = Certificate.GetKeyUsage();
            bool rsa = KeyAlgorithm == "RSA";
            // KeyUsage bits: 2 keyEncipherment, 4 keyAgreement. A certificate without the extension is not trusted for escrow:
            // a ceremony needs a certificate issued for encryption.
            int bit = rsa ? 2 : 4;
            if (usage == null || usage.Length <= bit || !usage[bit])
                throw Refused(ErrorIds.EscrowCertificateKeyUsage,
                    usage == null ? $"has no key usage extension; escrow needs one that allows {(rsa ? "keyEncipherment" : "keyAgreement")}"
                                  : $"does not allow {(rsa ? "keyEncipherment" : "keyAgreement")} in its key usage",
                    rsa ? "Use an RSA certificate issued with keyUsage keyEncipherment (e.g. the Document Encryption template)."
                        : "Use an EC certificate issued with keyUsage keyAgreement.");
            IList<DerObjectIdentifier>? eku;
            try { eku = Certificate.GetExtendedKeyUsage(); }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                throw Invalid(Source, "has an extended key usage extension that cannot be read");
            }
            if (eku != null && eku.Count > 0 && !eku.Any(o => o.Id == DocumentEncryptionEku))
                throw Refused(ErrorIds.EscrowCertificateExtendedKeyUsage,
                    "has an extended key usage list without Document Encryption (1.3.6.1.4.1.311.80.1)",
                    "Use a certificate whose extended key usage includes Document Encryption, or one without an extended key usage extension.");
        }

        private KmsImportException Refused(string errorId, string what, string next) =>
            new KmsImportException(errorId, ErrorKind.SecurityError,
                $"{Source} ({Subject}, thumbprint {Thumbprint}) {what}, so no escrow is encrypted to it. {next}")
            { TargetObject = Thumbprint };

        /// <summary>A subject as messages show it: control characters as \uXXXX, cut at 200 characters (a subject is untrusted text).</summary>
        private static string Printable(string text)
        {
            var sb = new System.Text.StringBuilder(Math.Min(text.Length, 200));
            foreach (var c in text)
            {
                if (sb.Length >= 200) { sb.Append('…'); break; }
                sb.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
            }
            return sb.ToString();
        }

        internal static KmsImportException Invalid(string source, string what) =>
            new KmsImportException(ErrorIds.EscrowCertificateInvalid, ErrorKind.InvalidData,
                $"{source} {what}. Pass the custodian's certificate (PEM or DER; RSA of 2048 bits or more, or EC on a named curve).")
            { TargetObject = source };
    }
}
