using System;
using System.IO;
using System.Runtime.InteropServices;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Key material in the form AWS KMS imports it: 32 raw bytes for SYMMETRIC_DEFAULT, 28/32/48/64 raw bytes for
    /// HMAC_224/256/384/512, an unencrypted PKCS#8 DER private key for RSA, ECC and SM2 (named curve; the RFC 5915
    /// ECPrivateKey inside carries the public key). The bytes live in one pinned buffer that <see cref="Dispose"/>
    /// zeroes. Nothing this type prints or throws contains the material.
    /// </summary>
    /// <remarks>
    /// Limits of hygiene in managed code: BouncyCastle keeps its own copies while it parses or computes (BigInteger
    /// numbers of a private key, KeyParameter copies, key schedules); they are unreachable garbage once a call
    /// returns but are not zeroed, because .NET offers no way to reach them. Every buffer this assembly allocates
    /// for material, PEM text, PKCS#8 intermediates or transient AES keys is zeroed in a finally block.
    /// </remarks>
    public sealed class KeyMaterial : IDisposable
    {
        /// <summary>Files larger than this (1 MiB) are refused: no importable key material is that large.</summary>
        public const int MaxFileSize = 1024 * 1024;

        private readonly object _sync = new object();
        private readonly byte[] _buffer;
        private readonly byte[]? _spki;
        private GCHandle _pin;
        private bool _disposed;

        /// <summary>Copies <paramref name="importForm"/> (the caller zeroes its own array).</summary>
        internal KeyMaterial(KeySpec spec, byte[] importForm, string sourceFormat, byte[]? spki)
        {
            KeySpec = spec;
            SourceFormat = sourceFormat;
            _buffer = new byte[importForm.Length];
            _pin = GCHandle.Alloc(_buffer, GCHandleType.Pinned);
            Buffer.BlockCopy(importForm, 0, _buffer, 0, importForm.Length);
            _spki = spki == null ? null : (byte[])spki.Clone();

            if (spki != null)
            {
                Fingerprint = Fingerprints.OfSpki(spki);
                FingerprintAlgorithm = Fingerprints.SpkiAlgorithm;
            }
            else if (KeySpecRules.IsHmac(spec))
            {
                Fingerprint = Fingerprints.HmacKcv(spec, _buffer);
                FingerprintAlgorithm = Fingerprints.HmacKcvAlgorithm(spec);
            }
            else
            {
                Fingerprint = Fingerprints.AesKcv(_buffer);
                FingerprintAlgorithm = Fingerprints.AesKcvAlgorithm;
            }
        }

        /// <summary>Zeroes the buffer if the owner forgot to dispose.</summary>
        ~KeyMaterial()
        {
            Release();
        }

        /// <summary>The key spec the material was validated against.</summary>
        public KeySpec KeySpec { get; }

        /// <summary>Length in bytes of the import form (raw bytes or PKCS#8 DER). Readable after Dispose.</summary>
        public int Length => _buffer.Length;

        /// <summary>True for RSA, ECC and SM2 material (a private key).</summary>
        public bool IsAsymmetric => _spki != null;

        /// <summary>
        /// Where the material came from: "Raw", "PKCS#8 DER", "PKCS#8 PEM", "Encrypted PKCS#8 PEM",
        /// "Encrypted PKCS#8 DER", "PKCS#1 DER", "PKCS#1 PEM", "SEC1 DER", "SEC1 PEM" or "Generated".
        /// </summary>
        public string SourceFormat { get; }

        /// <summary>
        /// A non-secret identifier of the material, to compare copies (escrow, ceremony records) without revealing
        /// them. Exactly:
        /// <list type="bullet">
        /// <item><description>RSA, ECC, SM2 — <c>SHA256(SPKI)</c>: SHA-256 over the DER SubjectPublicKeyInfo of the
        /// public key (the same bytes KMS GetPublicKey returns for the imported key), 64 lowercase hex digits.
        /// OpenSSL: <c>openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256</c>.</description></item>
        /// <item><description>SYMMETRIC_DEFAULT — <c>AES-KCV</c>: the key check value of key ceremonies (PKCS#11
        /// CKA_CHECK_VALUE for AES): the first 3 bytes of AES-256-ECB encryption of one all-zero 16-byte block under
        /// the key, 6 uppercase hex digits. OpenSSL: <c>head -c 16 /dev/zero | openssl enc -aes-256-ecb -nopad -K
        /// &lt;hex key&gt; | xxd -p -l 3</c>.</description></item>
        /// <item><description>HMAC_224/256/384/512 — <c>HMAC-SHA224-KCV</c> (…256, 384, 512): the first 3 bytes of
        /// HMAC-SHA-n (RFC 2104, n from the key spec) under the key over 16 zero bytes — the AES KCV construction with
        /// the MAC the key is made for, 6 uppercase hex digits. OpenSSL: <c>head -c 16 /dev/zero | openssl mac
        /// -digest SHA256 -macopt hexkey:&lt;hex key&gt; HMAC</c>, first 6 digits.</description></item>
        /// </list>
        /// A 24-bit check value or a hash of the public key reveals nothing usable about the secret: it confirms a
        /// guess only after the guess is already the key.
        /// </summary>
        public string Fingerprint { get; }

        /// <summary>Short name of what <see cref="Fingerprint"/> is: "SHA256(SPKI)", "AES-KCV" or "HMAC-SHA256-KCV" (etc.).</summary>
        public string FingerprintAlgorithm { get; }

        /// <summary>True once <see cref="Dispose"/> ran.</summary>
        public bool IsDisposed
        {
            get { lock (_sync) return _disposed; }
        }

        /// <summary>
        /// Loads material from bytes: raw bytes for SYMMETRIC_DEFAULT/HMAC specs; for asymmetric specs any private
        /// key encoding — PKCS#8, PKCS#1, SEC1 as DER or PEM text bytes, or encrypted PKCS#8 (PEM or DER) with
        /// <paramref name="password"/>. <paramref name="data"/> is not modified and not kept: the material is copied.
        /// Raw material that is plainly not random is refused (KeyMaterialLowEntropy) unless <paramref name="allowLowEntropy"/> (-Force).
        /// </summary>
        public static KeyMaterial FromBytes(KeySpec spec, byte[] data, char[]? password = null, bool allowLowEntropy = false)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            KeySpecRules.EnsureImportable(spec);
            return KeyMaterialReader.Read(spec, data, password, MaterialSource.Bytes, allowLowEntropy);
        }

        /// <summary>
        /// Loads material from a file (see <see cref="FromBytes"/> for the formats). Refuses a missing path
        /// (KeyMaterialFileNotFound), a directory (KeyMaterialIsDirectory), a pipe, socket or device
        /// (KeyMaterialFileNotRegular), an empty file (KeyMaterialFileEmpty), more than 1 MiB
        /// (KeyMaterialFileTooLarge) and an unreadable file (KeyMaterialUnreadable).
        /// </summary>
        public static KeyMaterial FromFile(KeySpec spec, string path, char[]? password = null, bool allowLowEntropy = false,
            System.Collections.Generic.IReadOnlyList<EscrowKey>? escrowKeys = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            KeySpecRules.EnsureImportable(spec);
            using var file = KeyMaterialFile.Read(path);
            return FromFile(spec, file, password, allowLowEntropy, escrowKeys);
        }

        /// <summary>Loads material from a file read earlier (<see cref="KeyMaterialFile.Read"/>): the file is read once.</summary>
        public static KeyMaterial FromFile(KeySpec spec, KeyMaterialFile file, char[]? password = null, bool allowLowEntropy = false,
            System.Collections.Generic.IReadOnlyList<EscrowKey>? escrowKeys = null)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            KeySpecRules.EnsureImportable(spec);
            if (CmsEscrow.IsCmsPem(file.Bytes)) return FromCms(spec, file.Bytes, escrowKeys, file.FullPath);
            return KeyMaterialReader.Read(spec, file.Bytes, password, MaterialSource.File(file.FullPath), allowLowEntropy);
        }

        /// <summary>
        /// Material escrowed to certificates (<see cref="CmsEscrow"/>), opened with one of <paramref name="escrowKeys"/>.
        /// The decrypted bytes stay in memory and are zeroed once loaded. Escrow holds generated material, so the
        /// low-entropy check applies.
        /// </summary>
        public static KeyMaterial FromCms(KeySpec spec, byte[] cms, System.Collections.Generic.IReadOnlyList<EscrowKey>? escrowKeys, string fullPath)
        {
            KeySpecRules.EnsureImportable(spec);
            var content = CmsEscrow.Decrypt(cms, escrowKeys ?? Array.Empty<EscrowKey>(), $"The escrow file '{fullPath}'");
            var pin = GCHandle.Alloc(content, GCHandleType.Pinned);
            try
            {
                return KeyMaterialReader.Read(spec, content, null, MaterialSource.File(fullPath));
            }
            finally
            {
                Array.Clear(content, 0, content.Length);
                pin.Free();
            }
        }

        /// <summary>
        /// Loads an escrow file found where a resumed run expects one (written by this module from a CSPRNG, so the
        /// low-entropy check applies: a planted constant file is refused too), checked as strictly as it is written
        /// (<see cref="SecretFile.ReadExisting"/>); with <paramref name="expectedFingerprint"/>, the material must
        /// also have that fingerprint (EscrowFingerprintMismatch otherwise).
        /// </summary>
        public static KeyMaterial FromEscrowFile(KeySpec spec, string path, string? expectedFingerprint = null,
            System.Collections.Generic.IReadOnlyList<EscrowKey>? escrowKeys = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            KeySpecRules.EnsureImportable(spec);
            var full = Path.GetFullPath(path);
            byte[] data = SecretFile.ReadExisting(full);
            KeyMaterial material;
            try
            {
                material = CmsEscrow.IsCmsPem(data) ? FromCms(spec, data, escrowKeys, full) : KeyMaterialReader.Read(spec, data, null, MaterialSource.File(full));
            }
            finally
            {
                Array.Clear(data, 0, data.Length);
            }
            if (!string.IsNullOrEmpty(expectedFingerprint) && !string.Equals(material.Fingerprint, expectedFingerprint, StringComparison.OrdinalIgnoreCase))
            {
                var actual = material.Fingerprint;
                material.Dispose();
                throw new KmsImportException(ErrorIds.EscrowFingerprintMismatch, ErrorKind.SecurityError,
                    $"The escrow file '{full}' holds material with {material.FingerprintAlgorithm} {actual}, not the {expectedFingerprint} recorded for it. "
                    + "It is not used: find the genuine escrow copy, or move this file away.")
                { TargetObject = full };
            }
            return material;
        }

        /// <summary>
        /// The checks of <see cref="FromFile(KeySpec, string, char[], bool, System.Collections.Generic.IReadOnlyList{EscrowKey})"/> that need no key spec: the path is valid and names a
        /// regular file that can be read, is not empty and not over 1 MiB — so a caller can refuse a bad path before it
        /// asks KMS for the key spec. The bytes read are zeroed at once. Returns the full path. Prefer
        /// <see cref="KeyMaterialFile.Read"/>, which keeps the bytes, when they are used later (a pipe can be read once only).
        /// </summary>
        public static string CheckFile(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            using var file = KeyMaterialFile.Read(path);
            return file.FullPath;
        }

        /// <summary>
        /// New material from a CSPRNG: random bytes for SYMMETRIC_DEFAULT/HMAC; an RSA key pair (e = 65537) of the
        /// spec's size; an EC key pair on the spec's named curve (P-256, P-384, P-521, secp256k1, SM2).
        /// </summary>
        public static KeyMaterial Generate(KeySpec spec)
        {
            KeySpecRules.EnsureImportable(spec);
            return KeyMaterialGenerator.Generate(spec);
        }

        /// <summary>A copy of the import form (raw bytes or unencrypted PKCS#8 DER). The caller zeroes it.</summary>
        public byte[] ExportForImport()
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                return (byte[])_buffer.Clone();
            }
        }

        /// <summary>DER SubjectPublicKeyInfo of the public key for asymmetric material; null for symmetric/HMAC.</summary>
        public byte[]? GetPublicKeySpki()
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                return _spki == null ? null : (byte[])_spki.Clone();
            }
        }

        /// <summary>E.g. <c>KeyMaterial(SYMMETRIC_DEFAULT, 32 bytes, AES-KCV 1A2B3C)</c>; never the material.</summary>
        public override string ToString() =>
            $"KeyMaterial({KeySpec}, {Length} bytes, {FingerprintAlgorithm} {Fingerprint}{(IsDisposed ? ", disposed" : "")})";

        /// <summary>Zeroes the buffer. Metadata stays readable; <see cref="ExportForImport"/> and wrapping then throw
        /// <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        /// <summary>The live buffer, for tests that check zeroing. Never hand it out.</summary>
        internal byte[] InternalBuffer => _buffer;

        internal void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(KeyMaterial), "This key material was disposed and its buffer zeroed; load or generate it again.");
        }

        private void Release()
        {
            lock (_sync)
            {
                if (_disposed) return;
                Array.Clear(_buffer, 0, _buffer.Length);
                if (_pin.IsAllocated) _pin.Free();
                _disposed = true;
            }
        }
    }

    /// <summary>Where material came from, for messages and <see cref="KmsImportException.TargetObject"/>.</summary>
    internal sealed class MaterialSource
    {
        private MaterialSource(string description, string? path)
        {
            Description = description;
            Path = path;
        }

        public static readonly MaterialSource Bytes = new MaterialSource("The supplied key material", null);

        public static MaterialSource File(string path) => new MaterialSource($"The key material file '{path}'", path);

        /// <summary>Sentence start such as "The key material file '/x/key.pem'".</summary>
        public string Description { get; }

        public string? Path { get; }
    }

    /// <summary>
    /// A material file read once into memory (pinned, zeroed on Dispose), so the checks before any KMS call and
    /// the load after it see the same bytes, and a pipe or a file that changes is never read twice.
    /// </summary>
    public sealed class KeyMaterialFile : IDisposable
    {
        private readonly byte[] _bytes;
        private GCHandle _pin;

        private KeyMaterialFile(string fullPath, byte[] bytes)
        {
            FullPath = fullPath;
            _bytes = bytes;
            _pin = GCHandle.Alloc(_bytes, GCHandleType.Pinned);
        }

        public string FullPath { get; }

        public int Length => _bytes.Length;

        internal byte[] Bytes => _bytes;

        /// <summary>Reads <paramref name="path"/> once (regular file, not empty, at most 1 MiB), or throws the module's error.</summary>
        public static KeyMaterialFile Read(string path)
        {
            string full = KeyFileReader.ResolvePath(path);
            return new KeyMaterialFile(full, KeyFileReader.ReadBounded(full, path));
        }

        public void Dispose()
        {
            Array.Clear(_bytes, 0, _bytes.Length);
            if (_pin.IsAllocated) _pin.Free();
        }
    }

    /// <summary>Reads key files with the size and error rules of <see cref="KeyMaterial.FromFile(KeySpec, string, char[], bool, System.Collections.Generic.IReadOnlyList{EscrowKey})"/>.</summary>
    internal static class KeyFileReader
    {
        public static string ResolvePath(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new KmsImportException(ErrorIds.KeyMaterialPathInvalid, ErrorKind.InvalidArgument,
                    "The key material path is empty. Pass the path of a file that holds the key material.");
            try
            {
                return System.IO.Path.GetFullPath(path);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException || e is System.Security.SecurityException)
            {
                throw new KmsImportException(ErrorIds.KeyMaterialPathInvalid, ErrorKind.InvalidArgument,
                    $"The key material path '{Printable(path)}' is not a valid path ({e.GetType().Name}). Check the spelling and quoting.")
                { TargetObject = path };
            }
        }

        /// <summary>The path with control characters (NUL, ESC, CR, LF...) shown as \uXXXX, for messages.</summary>
        internal static string Printable(string text)
        {
            var sb = new System.Text.StringBuilder(text.Length);
            foreach (var c in text) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
            return sb.ToString();
        }

        /// <summary>The file's bytes, read once; regular files only (symbolic links to one are followed: the file is the user's own choice).</summary>
        /// <param name="full">The absolute path to read.</param>
        /// <param name="given">The path as the caller gave it: a missing file's message explains relative paths only when it was one.</param>
        public static byte[] ReadBounded(string full, string? given = null)
        {
            try
            {
                return UntrustedFile.Read(full, KeyMaterial.MaxFileSize, followLinks: true);
            }
            catch (FileRefusedException e)
            {
                switch (e.Reason)
                {
                    case FileRefusal.NotFound: throw NotFound(full, null, given);
                    case FileRefusal.IsDirectory:
                        throw new KmsImportException(ErrorIds.KeyMaterialIsDirectory, ErrorKind.InvalidArgument,
                            $"The key material path '{full}' is a directory. Pass the path of the key file inside it.")
                        { TargetObject = full };
                    case FileRefusal.NotRegular:
                    case FileRefusal.SymbolicLink:
                    case FileRefusal.Changed:
                        throw new KmsImportException(ErrorIds.KeyMaterialFileNotRegular, ErrorKind.InvalidArgument,
                            $"The key material file '{full}' {e.Message}. Key material is read from regular files only (once, into memory): "
                            + "write it to a file first (owner-only, e.g. in a folder only you can read), or pass the bytes with -KeyMaterial.")
                        { TargetObject = full };
                    case FileRefusal.TooLarge: throw TooLarge(full, e.Size);
                    case FileRefusal.Empty:
                        throw new KmsImportException(ErrorIds.KeyMaterialFileEmpty, ErrorKind.InvalidData,
                            $"The key material file '{full}' is empty (0 bytes). Check that the export or copy that produced it finished, "
                            + "and point to the file that holds the key.")
                        { TargetObject = full };
                    default:
                        throw MapIoException(e.InnerException ?? e, full);
                }
            }
        }

        internal static bool IsIoFailure(Exception e) =>
            e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is NotSupportedException;

        /// <summary>Turns an I/O exception from reading <paramref name="full"/> into the module's error.</summary>
        internal static KmsImportException MapIoException(Exception e, string full)
        {
            if (e is FileNotFoundException || e is DirectoryNotFoundException) return NotFound(full, e);
            if (e is UnauthorizedAccessException || e is System.Security.SecurityException)
                return new KmsImportException(ErrorIds.KeyMaterialUnreadable, ErrorKind.PermissionDenied,
                    $"The key material file '{full}' exists but this account may not read it. Run as a user that can read it, "
                    + "or adjust the file's permissions.", e)
                { TargetObject = full };
            return new KmsImportException(ErrorIds.KeyMaterialUnreadable, ErrorKind.ResourceUnavailable,
                $"The key material file '{full}' could not be read ({e.GetType().Name}: {e.Message}). Check that it is a regular "
                + "file, not locked by another program, and on a working disk.", e)
            { TargetObject = full };
        }

        private static KmsImportException NotFound(string full, Exception? inner, string? given = null) =>
            new KmsImportException(ErrorIds.KeyMaterialFileNotFound, ErrorKind.ObjectNotFound,
                $"No key material file at '{full}'. Check the path"
                // Only a relative path reaching this layer was resolved here, against the process's directory; the
                // cmdlets resolve theirs against the PowerShell location first and pass them on absolute.
                + (given != null && !System.IO.Path.IsPathRooted(given)
                    ? $" (the relative path '{Printable(given)}' was resolved against the process's current directory, which in PowerShell can differ from the current location)."
                    : ".")
                + " Test-Path -LiteralPath <path> shows whether a file exists there.", inner)
            { TargetObject = full };

        private static KmsImportException TooLarge(string full, long? size) =>
            new KmsImportException(ErrorIds.KeyMaterialFileTooLarge, ErrorKind.InvalidData,
                $"The key material file '{full}' is {(size.HasValue ? size.Value + " bytes" : "larger than 1 MiB")}; no importable key "
                + "is larger than a few KB (an RSA-4096 PKCS#8 key is about 2.4 KB) and files over 1 MiB are refused. Check that the "
                + "path names the key file, not an archive, keystore or log.")
            { TargetObject = full };
    }
}
