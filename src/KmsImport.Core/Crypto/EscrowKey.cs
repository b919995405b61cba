using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using X509Certificate2 = System.Security.Cryptography.X509Certificates.X509Certificate2;
using X509ContentType = System.Security.Cryptography.X509Certificates.X509ContentType;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// A custodian's private key that opens CMS escrow (<see cref="CmsEscrow.Decrypt"/>): from an X509Certificate2 with
    /// its private key (the certificate store, Get-PfxCertificate), a PFX file with its password, or a private key file
    /// (PKCS#8 PEM/DER, encrypted or not, PKCS#1, SEC1). With a certificate, only the CMS recipient entries issued to it
    /// are tried; a bare key tries every entry of its kind.
    /// </summary>
    /// <remarks>BouncyCastle keeps the private numbers as BigIntegers, which managed code cannot zero; every buffer this
    /// class allocates (file bytes, PFX export, decoded DER) is zeroed.</remarks>
    public sealed class EscrowKey
    {
        /// <summary>A key or PFX file larger than this (256 KiB) is refused.</summary>
        public const int MaxKeyFileBytes = 256 * 1024;

        private EscrowKey(AsymmetricKeyParameter privateKey, Org.BouncyCastle.X509.X509Certificate? certificate, string source)
        {
            PrivateKey = privateKey;
            Certificate = certificate;
            Source = source;
        }

        internal AsymmetricKeyParameter PrivateKey { get; }
        internal Org.BouncyCastle.X509.X509Certificate? Certificate { get; }

        /// <summary>Where the key came from, for messages.</summary>
        public string Source { get; }

        internal bool IsRsa => PrivateKey is RsaKeyParameters;

        /// <summary>An X509Certificate2 that has its private key. The key must be exportable (the module decrypts with BouncyCastle).</summary>
        public static EscrowKey FromCertificate(X509Certificate2 certificate)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            var source = $"The escrow certificate {certificate.Thumbprint}";
            if (!certificate.HasPrivateKey)
                throw new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidArgument,
                    $"{source} has no private key here. Pass the certificate with its private key (from Cert:\\CurrentUser\\My, or a PFX file with -Password), or the key file with -EscrowKeyPath.")
                { TargetObject = certificate.Thumbprint };
            // A one-time password for the in-memory PFX: the export is parsed at once and zeroed.
            var password = Guid.NewGuid().ToString("N");
            byte[] pfx;
            try
            {
                pfx = certificate.Export(X509ContentType.Pkcs12, password);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                throw new KmsImportException(ErrorIds.EscrowKeyNotExportable, ErrorKind.PermissionDenied,
                    $"{source}'s private key cannot be exported, and the module decrypts the escrow itself. Export the certificate with its key to a PFX "
                    + "file (on an offline machine) and pass it with -EscrowCertificate <file> -Password, or pass the key file with -EscrowKeyPath.")
                { TargetObject = certificate.Thumbprint };
            }
            var chars = password.ToCharArray();
            try
            {
                return FromPfxBytes(pfx, chars, source);
            }
            finally
            {
                Array.Clear(pfx, 0, pfx.Length);
                Array.Clear(chars, 0, chars.Length);
            }
        }

        /// <summary>A PFX (PKCS#12) file with its password: the first entry that has a private key.</summary>
        public static EscrowKey FromPfxFile(string fullPath, char[]? password)
        {
            var data = ReadFile(fullPath, "escrow certificate (PFX)");
            try
            {
                return FromPfxBytes(data, password ?? Array.Empty<char>(), $"The PFX file '{fullPath}'");
            }
            finally
            {
                Array.Clear(data, 0, data.Length);
            }
        }

        private static EscrowKey FromPfxBytes(byte[] pfx, char[] password, string source)
        {
            Pkcs12Store store;
            try
            {
                store = new Pkcs12StoreBuilder().Build();
                using var stream = new MemoryStream(pfx, writable: false);
                store.Load(stream, password);
            }
            catch (Exception e) when (e is IOException || e is ArgumentException || e is InvalidCastException || e is InvalidOperationException
                                      || e is Org.BouncyCastle.Security.SecurityUtilityException || e is Org.BouncyCastle.Crypto.CryptoException
                                      || e is Org.BouncyCastle.Security.Certificates.CertificateException)
            {
                throw new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidData,
                    $"{source} could not be opened: it is not a PFX file or the password is wrong. Pass the PFX with its password (-Password).")
                { TargetObject = source };
            }
            foreach (var alias in store.Aliases)
            {
                if (!store.IsKeyEntry(alias)) continue;
                var key = store.GetKey(alias).Key;
                var cert = store.GetCertificate(alias)?.Certificate;
                return Check(new EscrowKey(key, cert, source));
            }
            throw new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidData,
                $"{source} holds no private key. Pass the PFX that holds the custodian's private key.")
            { TargetObject = source };
        }

        /// <summary>
        /// A private key file: PKCS#8 (PEM 'PRIVATE KEY' or DER), encrypted PKCS#8 ('ENCRYPTED PRIVATE KEY', with
        /// <paramref name="password"/>), PKCS#1 'RSA PRIVATE KEY' or SEC1 'EC PRIVATE KEY'.
        /// </summary>
        public static EscrowKey FromKeyFile(string fullPath, char[]? password)
        {
            var data = ReadFile(fullPath, "escrow private key");
            var source = $"The escrow key file '{fullPath}'";
            List<PemBlock>? blocks = null;
            try
            {
                if (Pem.LooksLikePem(data))
                {
                    try { blocks = Pem.ReadAll(data); }
                    catch (FormatException) { throw KeyInvalid(source, "is PEM text that cannot be decoded"); }
                    var block = blocks.FirstOrDefault(b => b.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
                        ?? throw KeyInvalid(source, "holds no PEM private key block");
                    if (block.LegacyEncrypted) throw KeyInvalid(source, "is a legacy encrypted PEM (Proc-Type: 4,ENCRYPTED); convert it with 'openssl pkcs8 -topk8'");
                    return Check(new EscrowKey(Parse(block.Label, block.Der, password, source), null, source));
                }
                return Check(new EscrowKey(Parse(null, data, password, source), null, source));
            }
            finally
            {
                Array.Clear(data, 0, data.Length);
                if (blocks != null) foreach (var b in blocks) b.Dispose();
            }
        }

        private static AsymmetricKeyParameter Parse(string? label, byte[] der, char[]? password, string source)
        {
            Asn1Object asn1;
            try { asn1 = Asn1Object.FromByteArray(der); }
            catch (Exception e) when (!(e is OutOfMemoryException)) { throw KeyInvalid(source, "is neither PEM nor DER"); }
            try
            {
                if (label == "RSA PRIVATE KEY")
                    return PrivateKeyFactory.CreateKey(new PrivateKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance),
                        RsaPrivateKeyStructure.GetInstance(asn1)));
                if (label == "EC PRIVATE KEY")
                {
                    var ec = ECPrivateKeyStructure.GetInstance(asn1);
                    return PrivateKeyFactory.CreateKey(new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, ec.Parameters), ec));
                }
                var seq = Asn1Sequence.GetInstance(asn1);
                // EncryptedPrivateKeyInfo is SEQUENCE { AlgorithmIdentifier, OCTET STRING }; PrivateKeyInfo starts with an INTEGER.
                if (label == "ENCRYPTED PRIVATE KEY" || (seq.Count == 2 && seq[0] is Asn1Sequence))
                {
                    if (password == null || password.Length == 0)
                        throw new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidArgument,
                            $"{source} is an encrypted private key. Pass its password with -Password.")
                        { TargetObject = source };
                    try
                    {
                        return PrivateKeyFactory.DecryptKey(password, EncryptedPrivateKeyInfo.GetInstance(seq));
                    }
                    catch (Exception e) when (!(e is KmsImportException) && !(e is OutOfMemoryException))
                    {
                        throw KeyInvalid(source, "could not be decrypted: the password is wrong or the encryption is not supported");
                    }
                }
                return PrivateKeyFactory.CreateKey(PrivateKeyInfo.GetInstance(seq));
            }
            catch (Exception e) when (!(e is KmsImportException) && !(e is OutOfMemoryException))
            {
                throw KeyInvalid(source, "is not an RSA or EC private key (PKCS#8, PKCS#1 or SEC1)");
            }
        }

        private static EscrowKey Check(EscrowKey key)
        {
            if (!key.PrivateKey.IsPrivate || !(key.PrivateKey is RsaKeyParameters || key.PrivateKey is ECPrivateKeyParameters))
                throw KeyInvalid(key.Source, "holds no RSA or EC private key");
            return key;
        }

        private static byte[] ReadFile(string fullPath, string what)
        {
            try
            {
                return UntrustedFile.Read(fullPath, MaxKeyFileBytes, followLinks: true);
            }
            catch (FileRefusedException e)
            {
                throw new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidArgument,
                    $"The {what} file '{fullPath}' {e.Message}. Pass a regular file of at most {MaxKeyFileBytes} bytes.")
                { TargetObject = fullPath };
            }
        }

        private static KmsImportException KeyInvalid(string source, string what) =>
            new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidData,
                $"{source} {what}. Pass the custodian's private key (PKCS#8, PKCS#1 or SEC1; -Password for an encrypted one) or the PFX.")
            { TargetObject = source };
    }
}
