using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Split knowledge: material as N random components of its own length whose XOR is the material (N-1 from a
    /// CSPRNG, the last the XOR of those with the material), so each custodian holds one component and no fewer than
    /// all N reveal anything. Works on the import form of every spec: raw symmetric and HMAC bytes, and the PKCS#8
    /// DER of RSA and ECC keys (XOR of equal-length byte strings needs no structure).
    /// Each component has a check value custodians compare without seeing the others: AES-KCV (first 3 bytes of
    /// AES-ECB of a zero block under the component) for 16, 24 and 32-byte components, else SHA256-KCV (first 3
    /// bytes of SHA-256 of the component); 6 uppercase hex digits.
    /// </summary>
    public static class KeyComponents
    {
        public const int MinCount = 2;
        public const int MaxCount = 9;
        public const string AesKcv = "AES-KCV";
        public const string Sha256Kcv = "SHA256-KCV";

        /// <summary>Which check value a component of <paramref name="length"/> bytes has.</summary>
        public static string CheckValueAlgorithm(int length) => length == 16 || length == 24 || length == 32 ? AesKcv : Sha256Kcv;

        /// <summary>The check value of one component (see the class summary).</summary>
        public static string CheckValue(byte[] component)
        {
            if (component == null) throw new ArgumentNullException(nameof(component));
            if (CheckValueAlgorithm(component.Length) == AesKcv) return Fingerprints.AesKcv(component);
            var digest = new Sha256Digest();
            digest.BlockUpdate(component, 0, component.Length);
            var hash = new byte[digest.GetDigestSize()];
            digest.DoFinal(hash, 0);
            var value = Hex.Upper(hash, 3);
            Array.Clear(hash, 0, hash.Length);
            return value;
        }

        /// <summary>Splits the material into <paramref name="count"/> components (2-9).</summary>
        public static KeyComponentSet Split(KeyMaterial material, int count)
        {
            if (material == null) throw new ArgumentNullException(nameof(material));
            if (count < MinCount || count > MaxCount)
                throw new KmsImportException(ErrorIds.ComponentCountMismatch, ErrorKind.InvalidArgument,
                    $"Material is split into {MinCount} to {MaxCount} components, not {count}. Pass -ComponentCount between {MinCount} and {MaxCount}.")
                { TargetObject = count };
            var plain = material.ExportForImport();
            var set = new KeyComponentSet(count, plain.Length);
            try
            {
                var random = new SecureRandom();
                var last = set.Components[count - 1];
                Buffer.BlockCopy(plain, 0, last, 0, plain.Length);
                for (int i = 0; i < count - 1; i++)
                {
                    random.NextBytes(set.Components[i]);
                    for (int k = 0; k < last.Length; k++) last[k] ^= set.Components[i][k];
                }
                set.Complete();
                return set;
            }
            catch
            {
                set.Dispose();
                throw;
            }
            finally
            {
                Array.Clear(plain, 0, plain.Length);
            }
        }

        /// <summary>
        /// The material whose components these are (XOR), loaded for <paramref name="spec"/> as an import form
        /// (<see cref="KeyMaterial.FromBytes"/>: raw bytes, or the PKCS#8 DER of a private key). The caller zeroes the components.
        /// </summary>
        public static KeyMaterial Combine(KeySpec spec, IReadOnlyList<byte[]> components)
        {
            if (components == null) throw new ArgumentNullException(nameof(components));
            if (components.Count < MinCount || components.Count > MaxCount)
                throw new KmsImportException(ErrorIds.ComponentCountMismatch, ErrorKind.InvalidArgument,
                    $"{components.Count} component(s) were given; material is combined from {MinCount} to {MaxCount}. Pass every component of the key.")
                { TargetObject = components.Count };
            int length = components[0].Length;
            for (int i = 1; i < components.Count; i++)
                if (components[i].Length != length)
                    throw new KmsImportException(ErrorIds.ComponentLengthMismatch, ErrorKind.InvalidData,
                        $"Component {i + 1} is {components[i].Length} bytes but component 1 is {length}: components of one key all have the material's length. "
                        + "Check that every component belongs to this key.")
                    { TargetObject = i + 1 };
            var combined = new byte[length];
            var pin = GCHandle.Alloc(combined, GCHandleType.Pinned);
            try
            {
                foreach (var c in components)
                    for (int k = 0; k < length; k++) combined[k] ^= c[k];
                try
                {
                    // Components are random, so the XOR of the wrong ones is random too: the fingerprint check catches it, not the entropy check.
                    return KeyMaterial.FromBytes(spec, combined, null, allowLowEntropy: true);
                }
                catch (KmsImportException e)
                {
                    throw new KmsImportException(e.ErrorId, e.Kind,
                        "The combined components are not valid material for " + spec + ": " + e.Message
                        + " Check that every component of this key was given, each exactly once.", e)
                    { TargetObject = spec.ToString() };
                }
            }
            finally
            {
                Array.Clear(combined, 0, combined.Length);
                pin.Free();
            }
        }

        /// <summary>
        /// A component typed as hexadecimal (spaces, tabs and dashes between digits allowed, as on paper forms).
        /// The chars belong to the caller, who clears them; the result is the caller's to zero.
        /// </summary>
        public static byte[] FromHex(char[] text, int index)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            int digits = 0;
            foreach (var c in text)
            {
                if (c == ' ' || c == '\t' || c == '-' || c == ':') continue;
                if (!Uri.IsHexDigit(c)) throw HexInvalid(index, "holds a character that is not a hexadecimal digit");
                digits++;
            }
            if (digits == 0 || digits % 2 != 0) throw HexInvalid(index, digits == 0 ? "is empty" : $"has {digits} hexadecimal digits, an odd number");
            var bytes = new byte[digits / 2];
            int n = 0;
            int high = -1;
            foreach (var c in text)
            {
                if (c == ' ' || c == '\t' || c == '-' || c == ':') continue;
                int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
                if (high < 0) high = v;
                else
                {
                    bytes[n++] = (byte)((high << 4) | v);
                    high = -1;
                }
            }
            return bytes;
        }

        private static KmsImportException HexInvalid(int index, string what) =>
            new KmsImportException(ErrorIds.ComponentHexInvalid, ErrorKind.InvalidData,
                $"Component {index} as typed {what}. Type the component as hexadecimal digits (0-9, A-F; spaces allowed between groups).")
            { TargetObject = index };
    }

    /// <summary>The components of one material, pinned and zeroed on <see cref="Dispose"/>; their check values stay readable.</summary>
    public sealed class KeyComponentSet : IDisposable
    {
        private readonly GCHandle[] _pins;
        private string[] _checkValues = Array.Empty<string>();

        internal KeyComponentSet(int count, int length)
        {
            Components = new byte[count][];
            _pins = new GCHandle[count];
            for (int i = 0; i < count; i++)
            {
                Components[i] = new byte[length];
                _pins[i] = GCHandle.Alloc(Components[i], GCHandleType.Pinned);
            }
            CheckValueAlgorithm = KeyComponents.CheckValueAlgorithm(length);
        }

        internal byte[][] Components { get; }

        public int Count => Components.Length;

        /// <summary>Check value of each component, in order (component 1 first).</summary>
        public IReadOnlyList<string> CheckValues => _checkValues;

        public string CheckValueAlgorithm { get; }

        internal void Complete()
        {
            _checkValues = new string[Components.Length];
            for (int i = 0; i < Components.Length; i++) _checkValues[i] = KeyComponents.CheckValue(Components[i]);
        }

        /// <summary>Component <paramref name="index"/> (0-based) as CMS escrow to one custodian's certificate.</summary>
        public byte[] EncryptComponent(int index, EscrowRecipient recipient) => CmsEscrow.Encrypt(Components[index], new[] { recipient });

        public void Dispose()
        {
            for (int i = 0; i < Components.Length; i++)
            {
                Array.Clear(Components[i], 0, Components[i].Length);
                if (_pins[i].IsAllocated) _pins[i].Free();
            }
        }
    }
}

namespace KmsImport.Core.Crypto
{
    /// <summary>Reads one component file: CMS escrow to a custodian (opened with one of the keys given), or raw bytes in an owner-only file.</summary>
    public static class ComponentFile
    {
        /// <summary>The component's bytes (the caller zeroes them).</summary>
        public static byte[] Read(string fullPath, IReadOnlyList<EscrowKey> keys)
        {
            byte[] data;
            try
            {
                data = UntrustedFile.Read(fullPath, CmsEscrow.MaxCmsBytes, followLinks: false);
            }
            catch (FileRefusedException e)
            {
                throw Invalid(fullPath, e.Message);
            }
            try
            {
                if (CmsEscrow.IsCmsPem(data)) return CmsEscrow.Decrypt(data, keys, $"The component file '{fullPath}'");
            }
            finally
            {
                Array.Clear(data, 0, data.Length);
            }
            // A raw component is a secret on disk: read again as strictly as an escrow file (regular, yours, mode 0600).
            try
            {
                return UntrustedFile.Read(fullPath, SecretFile.MaxEscrowFileBytes, followLinks: false, ownerOnly: true);
            }
            catch (FileRefusedException e)
            {
                throw Invalid(fullPath, e.Message + " (a raw component file must be owner-only)");
            }
        }

        private static KmsImportException Invalid(string fullPath, string what) =>
            new KmsImportException(ErrorIds.ComponentFileInvalid, ErrorKind.InvalidArgument,
                $"The component file '{fullPath}' {what}. Pass the component files written by -ComponentCount (CMS), or raw components in regular files only you can read (chmod 600).")
            { TargetObject = fullPath };
    }
}
