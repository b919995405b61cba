using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace KmsImport.Core.Crypto
{
    /// <summary>Why <see cref="UntrustedFile"/> refused a file; each reader maps it to its own ErrorId.</summary>
    public enum FileRefusal
    {
        NotFound,
        IsDirectory,
        SymbolicLink,
        /// <summary>A FIFO, socket, device or anything else that is not a regular file.</summary>
        NotRegular,
        TooLarge,
        Empty,
        Unreadable,
        /// <summary>Owned by another user (escrow files only).</summary>
        NotOwner,
        /// <summary>Readable or writable by others than its owner (escrow files only).</summary>
        NotOwnerOnly,
        /// <summary>The file changed (type, owner, mode or size) between the check and the read.</summary>
        Changed,
    }

    /// <summary>A refusal by <see cref="UntrustedFile"/>. Its message names no file content.</summary>
    public sealed class FileRefusedException : Exception
    {
        internal FileRefusedException(FileRefusal reason, string detail, Exception? inner = null)
            : base(detail, inner)
        {
            Reason = reason;
        }

        public FileRefusal Reason { get; }

        /// <summary>The file's size when it is known (TooLarge), else null.</summary>
        public long? Size { get; internal set; }
    }

    /// <summary>
    /// Reads files that come from strangers (bundles, escrow folders, material files) the one safe way:
    /// regular files only, checked before they are opened (a FIFO is never opened, so it cannot hang the read;
    /// a device is never read), optionally no symbolic link (lstat semantics), size-capped, read ONCE into
    /// memory (a pipe or a file that changes cannot give two different answers), and checked again on the
    /// open handle (fstat) so a swap between the check and the open is noticed.
    /// </summary>
    /// <remarks>
    /// Unix: lstat/stat/fstat come from the .NET runtime's own native shim (libSystem.Native, present in every
    /// .NET on Unix: PowerShell 7), whose FileStatus starts with Flags, Mode, Uid, Gid, Size in every version
    /// since .NET Core 1.0 and whose mode bits are the POSIX values. Only that stable prefix is read.
    /// Windows (PowerShell 5.1 and 7): the ReparsePoint attribute marks a symbolic link or junction (the
    /// attributes are the link's own, not its target's), and GetFileType on the open handle must say "disk".
    /// </remarks>
    public static class UntrustedFile
    {
        private const int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000;

        /// <summary>
        /// The file's bytes (at most <paramref name="maxBytes"/>), or a <see cref="FileRefusedException"/>.
        /// <paramref name="followLinks"/> false refuses a symbolic link; <paramref name="ownerOnly"/> also requires
        /// the file to belong to the current user and to be readable by nobody else (mode 0600 or stricter, or an
        /// owner-only ACL on Windows). The caller zeroes the bytes when they are secret.
        /// </summary>
        public static byte[] Read(string fullPath, long maxBytes, bool followLinks, bool ownerOnly = false, bool allowEmpty = false)
        {
            if (fullPath == null) throw new ArgumentNullException(nameof(fullPath));
            var before = Check(fullPath, followLinks, ownerOnly);
            if (before.Size.HasValue && before.Size.Value > maxBytes)
                throw new FileRefusedException(FileRefusal.TooLarge, $"is {before.Size.Value} bytes, more than the {maxBytes} allowed") { Size = before.Size.Value };

            byte[] buffer = new byte[Math.Min(maxBytes, int.MaxValue - 1) + 1];
            int total = 0;
            try
            {
                // bufferSize 1 turns FileStream's own buffer off: no unzeroed copy of a secret inside the stream.
                using (var fs = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
                {
                    var after = Describe(fs.SafeFileHandle, fullPath);
                    if (after.Kind != Kind.Regular || (before.Identity != null && before.Identity != after.Identity))
                        throw new FileRefusedException(FileRefusal.Changed, "changed while it was being opened");
                    if (!followLinks && IsLink(fullPath))
                        throw new FileRefusedException(FileRefusal.Changed, "became a symbolic link while it was being opened");
                    int n;
                    while (total < buffer.Length && (n = fs.Read(buffer, total, buffer.Length - total)) > 0) total += n;
                }
                if (total > maxBytes) throw new FileRefusedException(FileRefusal.TooLarge, $"is more than the {maxBytes} bytes allowed");
                if (total == 0 && !allowEmpty) throw new FileRefusedException(FileRefusal.Empty, "is empty (0 bytes)");
                var data = new byte[total];
                Buffer.BlockCopy(buffer, 0, data, 0, total);
                return data;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException
                                      || e is NotSupportedException || e is ArgumentException)
            {
                if (e is FileNotFoundException || e is DirectoryNotFoundException)
                    throw new FileRefusedException(FileRefusal.NotFound, "does not exist", e);
                throw new FileRefusedException(FileRefusal.Unreadable,
                    e is UnauthorizedAccessException || e is System.Security.SecurityException ? "may not be read by this account" : $"could not be read ({e.GetType().Name})", e);
            }
            finally
            {
                Array.Clear(buffer, 0, buffer.Length);
            }
        }

        /// <summary>
        /// Opens a file that is too large to read at once (an evidence file) the same safe way as <see cref="Read"/>:
        /// checked first (regular file, no symbolic link unless <paramref name="followLinks"/>, owner-only when asked,
        /// at most <paramref name="maxBytes"/>), then checked again on the open handle. <paramref name="share"/>
        /// FileShare.None takes an exclusive lock (flock on Unix, a sharing lock on Windows): a second opener fails
        /// with an IOException, which the caller may wait on. Refusals are <see cref="FileRefusedException"/>.
        /// </summary>
        public static FileStream Open(string fullPath, FileAccess access, FileShare share, long maxBytes, bool followLinks, bool ownerOnly)
        {
            if (fullPath == null) throw new ArgumentNullException(nameof(fullPath));
            var before = Check(fullPath, followLinks, ownerOnly);
            var fs = new FileStream(fullPath, FileMode.Open, access, share, 1, FileOptions.None);
            try
            {
                // Type, mode and owner must be the same; the size may have grown (another writer appended in between).
                var after = Describe(fs.SafeFileHandle, fullPath);
                if (after.Kind != Kind.Regular || (before.Identity != null && WithoutSize(before.Identity) != WithoutSize(after.Identity)))
                    throw new FileRefusedException(FileRefusal.Changed, "changed while it was being opened");
                if (fs.Length > maxBytes)
                    throw new FileRefusedException(FileRefusal.TooLarge, $"is {fs.Length} bytes, more than the {maxBytes} allowed") { Size = fs.Length };
                if (!followLinks && IsLink(fullPath))
                    throw new FileRefusedException(FileRefusal.Changed, "became a symbolic link while it was being opened");
                return fs;
            }
            catch
            {
                fs.Dispose();
                throw;
            }
        }

        private static string? WithoutSize(string? identity) => identity == null ? null : identity.Substring(0, Math.Max(0, identity.LastIndexOf('/')));

        /// <summary>True when the path itself is a symbolic link (or, on Windows, any reparse point).</summary>
        public static bool IsLink(string fullPath)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                try { return (File.GetAttributes(fullPath) & FileAttributes.ReparsePoint) != 0; }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return false; }
            }
            var st = Unix.Stat(fullPath, follow: false);
            return st.HasValue && (st.Value.Mode & S_IFMT) == S_IFLNK;
        }

        private enum Kind { Missing, Regular, Directory, Link, Other }

        private sealed class Facts
        {
            public Kind Kind;
            public long? Size;
            /// <summary>Type, mode, owner and size, to notice a swap between the check and the open (Unix).</summary>
            public string? Identity;
        }

        private static Facts Check(string fullPath, bool followLinks, bool ownerOnly)
        {
            var facts = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Windows.Check(fullPath, followLinks, ownerOnly) : Unix.Check(fullPath, followLinks, ownerOnly);
            switch (facts.Kind)
            {
                case Kind.Missing: throw new FileRefusedException(FileRefusal.NotFound, "does not exist");
                case Kind.Directory: throw new FileRefusedException(FileRefusal.IsDirectory, "is a folder, not a file");
                case Kind.Link: throw new FileRefusedException(FileRefusal.SymbolicLink, "is a symbolic link; only regular files are read here");
                case Kind.Other: throw new FileRefusedException(FileRefusal.NotRegular, "is not a regular file (a pipe, socket or device)");
                default: return facts;
            }
        }

        private static Facts Describe(SafeFileHandle handle, string fullPath) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Windows.Describe(handle) : Unix.Describe(handle);

        private static class Unix
        {
            internal struct Status
            {
                public int Mode;
                public uint Uid;
                public long Size;
            }

            // The stable prefix of the shim's FileStatus is 24 bytes; later versions add fields, so the buffer is roomy.
            private const int StatusBufferSize = 512;

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
            private static extern int LStat(byte[] path, byte[] status);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
            private static extern int StatFollow(byte[] path, byte[] status);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
            private static extern int FStat(SafeFileHandle fd, byte[] status);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_GetEUid")]
            private static extern uint GetEUid();

            public static Status? Stat(string fullPath, bool follow)
            {
                var buffer = new byte[StatusBufferSize];
                var path = Encoding.UTF8.GetBytes(fullPath + "\0");
                int rc;
                try { rc = follow ? StatFollow(path, buffer) : LStat(path, buffer); }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return Fallback(fullPath, follow); }
                if (rc != 0) return null;
                return Parse(buffer);
            }

            private static Status Parse(byte[] b) => new Status { Mode = BitConverter.ToInt32(b, 4), Uid = BitConverter.ToUInt32(b, 8), Size = BitConverter.ToInt64(b, 16) };

            /// <summary>Without the shim (not expected on .NET): what the managed API can tell.</summary>
            private static Status? Fallback(string fullPath, bool follow)
            {
                if (Directory.Exists(fullPath)) return new Status { Mode = S_IFDIR };
                if (!File.Exists(fullPath)) return null;
                var info = new FileInfo(fullPath);
                if (!follow && (info.Attributes & FileAttributes.ReparsePoint) != 0) return new Status { Mode = S_IFLNK };
                return new Status { Mode = S_IFREG | 0x180, Uid = uint.MaxValue, Size = info.Length };
            }

            public static Facts Check(string fullPath, bool followLinks, bool ownerOnly)
            {
                var st = Stat(fullPath, followLinks);
                if (!st.HasValue) return new Facts { Kind = Kind.Missing };
                var facts = ToFacts(st.Value);
                if (facts.Kind == Kind.Regular && ownerOnly)
                {
                    uint me;
                    try { me = GetEUid(); }
                    catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { me = uint.MaxValue - 1; }
                    if (st.Value.Uid != me)
                        throw new FileRefusedException(FileRefusal.NotOwner, $"belongs to another user (uid {st.Value.Uid}), not to this account");
                    if ((st.Value.Mode & 0x3F) != 0)
                        throw new FileRefusedException(FileRefusal.NotOwnerOnly,
                            $"has mode {Convert.ToString(st.Value.Mode & 0x1FF, 8)}: others than its owner may read or change it (an escrow file is 0600)");
                }
                return facts;
            }

            public static Facts Describe(SafeFileHandle handle)
            {
                var buffer = new byte[StatusBufferSize];
                try
                {
                    if (FStat(handle, buffer) != 0) return new Facts { Kind = Kind.Other };
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    return new Facts { Kind = Kind.Regular };
                }
                return ToFacts(Parse(buffer));
            }

            private static Facts ToFacts(Status st)
            {
                Kind kind;
                switch (st.Mode & S_IFMT)
                {
                    case S_IFREG: kind = Kind.Regular; break;
                    case S_IFDIR: kind = Kind.Directory; break;
                    case S_IFLNK: kind = Kind.Link; break;
                    default: kind = Kind.Other; break;
                }
                return new Facts { Kind = kind, Size = st.Size, Identity = $"{st.Mode}/{st.Uid}/{st.Size}" };
            }
        }

        private static class Windows
        {
            private const int FileTypeDisk = 1;

            [DllImport("kernel32.dll", SetLastError = true)]
            private static extern int GetFileType(SafeFileHandle handle);

            public static Facts Check(string fullPath, bool followLinks, bool ownerOnly)
            {
                FileAttributes attributes;
                try { attributes = File.GetAttributes(fullPath); }
                catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException) { return new Facts { Kind = Kind.Missing }; }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
                {
                    throw new FileRefusedException(FileRefusal.Unreadable, $"could not be examined ({e.GetType().Name})", e);
                }
                if (!followLinks && (attributes & FileAttributes.ReparsePoint) != 0) return new Facts { Kind = Kind.Link };
                if ((attributes & FileAttributes.Directory) != 0) return new Facts { Kind = Kind.Directory };
                if ((attributes & FileAttributes.Device) != 0) return new Facts { Kind = Kind.Other };
                if (ownerOnly) SecretFile.CheckOwnerOnlyWindows(fullPath);
                return new Facts { Kind = Kind.Regular, Size = new FileInfo(fullPath).Length };
            }

            public static Facts Describe(SafeFileHandle handle) =>
                new Facts { Kind = GetFileType(handle) == FileTypeDisk ? Kind.Regular : Kind.Other };
        }
    }
}
