using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace KmsImport.Core.Crypto
{
    /// <summary>
    /// Writes secrets (escrow copies of generated material) to a NEW file that only the current user can read
    /// from the moment it exists. Never overwrites; on any failure nothing is left behind.
    /// </summary>
    /// <remarks>
    /// <para>Unix (Linux, macOS): <c>open(path, O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC, 0600)</c> through P/Invoke into libc:
    /// the kernel creates the file with mode 0600 (the umask can only remove bits), atomically refusing an existing
    /// file or symbolic link. On macOS on Apple silicon, where a variadic C function cannot be called through a plain
    /// P/Invoke signature, the same call is made by the runtime through FileStreamOptions.UnixCreateMode (.NET 7+,
    /// PowerShell 7.3+), found by reflection because netstandard2.0 does not declare it.</para>
    /// <para>Windows: <c>CreateFileW(CREATE_NEW)</c> with a security descriptor built from SDDL
    /// <c>O:&lt;user SID&gt;D:P(A;;FA;;;&lt;user SID&gt;)</c> — owner the current user, a protected DACL (no inherited
    /// entries) granting full access to that user alone — so the ACL is in place when the file appears. This is done
    /// with P/Invoke rather than System.IO.FileSystem.AccessControl's FileSystemAclExtensions.Create (NuGet, available
    /// for netstandard2.0): that package and its dependencies (System.Security.AccessControl,
    /// System.Security.Principal.Windows) would have to ship in the module's private dependencies folder, and their
    /// netstandard2.0 builds duplicate types that Windows PowerShell 5.1's mscorlib already defines; the three
    /// advapi32/kernel32 calls are the same on .NET Framework and .NET.</para>
    /// </remarks>
    public static class SecretFile
    {
        internal enum UnixMethod { Auto, PInvoke, FileStreamOptions }

        /// <summary>Test hook: force one of the Unix creation paths. Thread-static.</summary>
        [ThreadStatic]
        internal static UnixMethod ForceUnixMethod;

        /// <summary>Which Unix creation path the last call on this thread used (for tests). Thread-static.</summary>
        [ThreadStatic]
        internal static UnixMethod LastUnixMethod;

        /// <summary>Test hook: runs after the file was created, before the content is written (simulate failures). Thread-static.</summary>
        [ThreadStatic]
        internal static Action<FileStream>? AfterCreate;

        /// <summary>Creates <paramref name="path"/> with <paramref name="content"/>, owner-only. Throws SecretFileExists if anything is already there.</summary>
        public static void CreateNew(string path, byte[] content)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (content == null) throw new ArgumentNullException(nameof(content));
            string full;
            try
            {
                if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The path is empty.");
                full = Path.GetFullPath(path);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
                throw new KmsImportException(ErrorIds.SecretFileWriteFailed, ErrorKind.InvalidArgument,
                    $"'{path}' is not a valid path for the escrow file ({e.Message}). Pass a path to a new file.", e)
                { TargetObject = path };
            }

            string? directory = Path.GetDirectoryName(full);
            if (directory != null && !Directory.Exists(directory))
                throw DirectoryMissing(full, directory, null);
            if (Directory.Exists(full))
                throw Exists(full);

            FileStream stream = Open(full);
            try
            {
                AfterCreate?.Invoke(stream);
                stream.Write(content, 0, content.Length);
                stream.Flush(true);
                stream.Dispose();
            }
            catch (Exception e)
            {
                stream.Dispose();
                try { File.Delete(full); } catch (Exception) { /* best effort: report the original failure */ }
                throw new KmsImportException(ErrorIds.SecretFileWriteFailed, ErrorKind.ResourceUnavailable,
                    $"Writing the escrow file '{full}' failed ({e.GetType().Name}: {e.Message}); the partial file was removed. "
                    + "Check free disk space and the target folder, then try again.", e)
                { TargetObject = full };
            }
        }

        private static FileStream Open(string full)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return Windows.Create(full);

            var method = ForceUnixMethod;
            if (method == UnixMethod.Auto)
            {
                bool variadicSafe = RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                                    || (RuntimeInformation.IsOSPlatform(OSPlatform.OSX) && RuntimeInformation.ProcessArchitecture == Architecture.X64);
                method = variadicSafe ? UnixMethod.PInvoke : UnixMethod.FileStreamOptions;
            }
            if (method == UnixMethod.PInvoke)
            {
                var stream = Unix.TryCreate(full);
                if (stream != null)
                {
                    LastUnixMethod = UnixMethod.PInvoke;
                    return stream;
                }
            }
            LastUnixMethod = UnixMethod.FileStreamOptions;
            return RuntimeCreate(full);
        }

        internal static KmsImportException Exists(string full) =>
            new KmsImportException(ErrorIds.SecretFileExists, ErrorKind.ResourceExists,
                $"'{full}' already exists; escrow files are never overwritten. Choose a new file name, or move the existing file "
                + "away after checking it is not the only copy of a key.")
            { TargetObject = full };

        private static KmsImportException DirectoryMissing(string full, string directory, Exception? inner) =>
            new KmsImportException(ErrorIds.SecretFileDirectoryNotFound, ErrorKind.ObjectNotFound,
                $"The folder '{directory}' for the escrow file '{full}' does not exist. Create it first (restricted to the people who "
                + "may hold the key), or choose another path.", inner)
            { TargetObject = full };

        private static KmsImportException Denied(string full, string detail, Exception? inner) =>
            new KmsImportException(ErrorIds.SecretFileAccessDenied, ErrorKind.PermissionDenied,
                $"The escrow file '{full}' could not be created: {detail}. Choose a folder this account may write to.", inner)
            { TargetObject = full };

        private static KmsImportException Failed(string full, string detail, Exception? inner) =>
            new KmsImportException(ErrorIds.SecretFileWriteFailed, ErrorKind.ResourceUnavailable,
                $"The escrow file '{full}' could not be created: {detail}. Nothing was written.", inner)
            { TargetObject = full };

        /// <summary>open(2) with mode 0600 done by the .NET 7+ runtime (FileStreamOptions.UnixCreateMode), via reflection.</summary>
        private static FileStream RuntimeCreate(string full)
        {
            var optionsType = typeof(FileStream).Assembly.GetType("System.IO.FileStreamOptions");
            var unixMode = optionsType?.GetProperty("UnixCreateMode");
            var ctor = optionsType == null ? null : typeof(FileStream).GetConstructor(new[] { typeof(string), optionsType });
            if (optionsType == null || unixMode == null || ctor == null)
                throw new KmsImportException(ErrorIds.SecretFilePlatformUnsupported, ErrorKind.NotImplemented,
                    $"Cannot create the owner-only escrow file '{full}' on this platform: it needs Linux, macOS on x64, Windows, or .NET 7 or "
                    + "later (PowerShell 7.3+). Run on a supported platform.")
                { TargetObject = full };
            object options = Activator.CreateInstance(optionsType)!;
            optionsType.GetProperty("Mode")!.SetValue(options, FileMode.CreateNew);
            optionsType.GetProperty("Access")!.SetValue(options, FileAccess.Write);
            optionsType.GetProperty("Share")!.SetValue(options, FileShare.None);
            optionsType.GetProperty("BufferSize")!.SetValue(options, 0);
            unixMode.SetValue(options, Enum.ToObject(Nullable.GetUnderlyingType(unixMode.PropertyType) ?? unixMode.PropertyType, 0x180)); // UserRead | UserWrite = 0600
            try
            {
                return (FileStream)ctor.Invoke(new[] { full, options });
            }
            catch (TargetInvocationException tie) when (tie.InnerException != null)
            {
                var e = tie.InnerException;
                if (e is DirectoryNotFoundException) throw DirectoryMissing(full, Path.GetDirectoryName(full) ?? full, e);
                if (e is UnauthorizedAccessException) throw Denied(full, "permission denied", e);
                if (e is IOException && (File.Exists(full) || Directory.Exists(full))) throw Exists(full);
                throw Failed(full, $"{e.GetType().Name}: {e.Message}", e);
            }
        }

        private static class Unix
        {
            private const int EPERM = 1, ENOENT = 2, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EROFS = 30;

            [DllImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
            private static extern int OpenGlibc(byte[] path, int flags, int mode);

            [DllImport("libc", EntryPoint = "open", SetLastError = true)]
            private static extern int OpenLibc(byte[] path, int flags, int mode);

            /// <summary>The stream, or null when libc cannot be reached (then the runtime path is used).</summary>
            public static FileStream? TryCreate(string full)
            {
                bool linux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
                bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
                int flags;
                if (linux) flags = 0x1 | 0x40 | 0x80 | 0x80000;            // O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
                else if (mac) flags = 0x1 | 0x200 | 0x800 | 0x1000000;     // the same on Darwin
                else return null;

                byte[] path = Encoding.UTF8.GetBytes(full + "\0");
                int fd;
                try
                {
                    fd = linux ? OpenLinux(path, flags) : OpenLibc(path, flags, 0x180);
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    return null;
                }
                if (fd < 0)
                {
                    int errno = Marshal.GetLastWin32Error();
                    switch (errno)
                    {
                        case EEXIST:
                        case EISDIR: throw Exists(full);
                        case ENOENT:
                        case ENOTDIR: throw DirectoryMissing(full, Path.GetDirectoryName(full) ?? full, null);
                        case EACCES:
                        case EPERM:
                        case EROFS: throw Denied(full, $"the system refused (errno {errno})", null);
                        default: throw Failed(full, $"open(2) failed with errno {errno}", null);
                    }
                }
                var handle = new SafeFileHandle(new IntPtr(fd), ownsHandle: true);
                try
                {
                    return new FileStream(handle, FileAccess.Write, 1);
                }
                catch
                {
                    handle.Dispose();
                    try { File.Delete(full); } catch (Exception) { /* best effort */ }
                    throw;
                }
            }

            private static int OpenLinux(byte[] path, int flags)
            {
                try
                {
                    return OpenGlibc(path, flags, 0x180);
                }
                catch (DllNotFoundException)
                {
                    return OpenLibc(path, flags, 0x180); // musl and others
                }
            }
        }

        private static class Windows
        {
            private const uint GenericWrite = 0x40000000, CreateNewDisposition = 1, FileAttributeNormal = 0x80, TokenQuery = 0x0008;
            private const int TokenUser = 1, ErrorFileNotFound = 2, ErrorPathNotFound = 3, ErrorAccessDenied = 5, ErrorFileExists = 80, ErrorAlreadyExists = 183;

            [StructLayout(LayoutKind.Sequential)]
            private struct SecurityAttributes
            {
                public int Length;
                public IntPtr SecurityDescriptor;
                public int InheritHandle;
            }

            [DllImport("kernel32.dll", EntryPoint = "CreateFileW", CharSet = CharSet.Unicode, SetLastError = true)]
            private static extern SafeFileHandle CreateFile(string fileName, uint desiredAccess, uint shareMode, ref SecurityAttributes securityAttributes,
                uint creationDisposition, uint flagsAndAttributes, IntPtr templateFile);

            [DllImport("advapi32.dll", EntryPoint = "ConvertStringSecurityDescriptorToSecurityDescriptorW", CharSet = CharSet.Unicode, SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            private static extern bool ConvertStringSecurityDescriptor(string sddl, uint revision, out IntPtr securityDescriptor, IntPtr size);

            [DllImport("advapi32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            private static extern bool OpenProcessToken(IntPtr process, uint desiredAccess, out IntPtr token);

            [DllImport("kernel32.dll")]
            private static extern IntPtr GetCurrentProcess();

            [DllImport("advapi32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            private static extern bool GetTokenInformation(IntPtr token, int informationClass, IntPtr information, int length, out int returnLength);

            [DllImport("advapi32.dll", EntryPoint = "ConvertSidToStringSidW", CharSet = CharSet.Unicode, SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            private static extern bool ConvertSidToStringSid(IntPtr sid, out IntPtr stringSid);

            [DllImport("kernel32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            private static extern bool CloseHandle(IntPtr handle);

            [DllImport("kernel32.dll")]
            private static extern IntPtr LocalFree(IntPtr memory);

            public static FileStream Create(string full)
            {
                string sid = CurrentUserSid(full);
                string sddl = $"O:{sid}D:P(A;;FA;;;{sid})";
                if (!ConvertStringSecurityDescriptor(sddl, 1, out IntPtr descriptor, IntPtr.Zero))
                    throw Failed(full, $"building the owner-only security descriptor failed (Win32 error {Marshal.GetLastWin32Error()})", null);
                try
                {
                    var attributes = new SecurityAttributes
                    {
                        Length = Marshal.SizeOf(typeof(SecurityAttributes)),
                        SecurityDescriptor = descriptor,
                        InheritHandle = 0,
                    };
                    SafeFileHandle handle = CreateFile(full, GenericWrite, 0, ref attributes, CreateNewDisposition, FileAttributeNormal, IntPtr.Zero);
                    if (handle.IsInvalid)
                    {
                        int error = Marshal.GetLastWin32Error();
                        handle.Dispose();
                        switch (error)
                        {
                            case ErrorFileExists:
                            case ErrorAlreadyExists: throw Exists(full);
                            case ErrorPathNotFound:
                            case ErrorFileNotFound: throw DirectoryMissing(full, Path.GetDirectoryName(full) ?? full, null);
                            case ErrorAccessDenied: throw Denied(full, "access denied", null);
                            default: throw Failed(full, $"CreateFileW failed with Win32 error {error}", null);
                        }
                    }
                    try
                    {
                        return new FileStream(handle, FileAccess.Write, 1);
                    }
                    catch
                    {
                        handle.Dispose();
                        try { File.Delete(full); } catch (Exception) { /* best effort */ }
                        throw;
                    }
                }
                finally
                {
                    LocalFree(descriptor);
                }
            }

            private static string CurrentUserSid(string full)
            {
                if (!OpenProcessToken(GetCurrentProcess(), TokenQuery, out IntPtr token))
                    throw Failed(full, $"reading the current user's identity failed (Win32 error {Marshal.GetLastWin32Error()})", null);
                IntPtr buffer = IntPtr.Zero;
                try
                {
                    GetTokenInformation(token, TokenUser, IntPtr.Zero, 0, out int length);
                    if (length <= 0) throw Failed(full, $"reading the current user's identity failed (Win32 error {Marshal.GetLastWin32Error()})", null);
                    buffer = Marshal.AllocHGlobal(length);
                    if (!GetTokenInformation(token, TokenUser, buffer, length, out _))
                        throw Failed(full, $"reading the current user's identity failed (Win32 error {Marshal.GetLastWin32Error()})", null);
                    IntPtr sid = Marshal.ReadIntPtr(buffer); // TOKEN_USER.User.Sid
                    if (!ConvertSidToStringSid(sid, out IntPtr text))
                        throw Failed(full, $"reading the current user's SID failed (Win32 error {Marshal.GetLastWin32Error()})", null);
                    try
                    {
                        return Marshal.PtrToStringUni(text) ?? throw Failed(full, "the current user's SID is empty", null);
                    }
                    finally
                    {
                        LocalFree(text);
                    }
                }
                finally
                {
                    if (buffer != IntPtr.Zero) Marshal.FreeHGlobal(buffer);
                    CloseHandle(token);
                }
            }
        }
    }
}
