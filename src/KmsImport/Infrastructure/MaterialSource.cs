using System;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Crypto;

namespace KmsImport.Infrastructure
{
    /// <summary>Loads material from -Path or -KeyMaterial (with -Password) the same way in every cmdlet.</summary>
    internal static class MaterialSource
    {
        /// <summary>
        /// Reads a -Path once, before any KMS call (exists, a regular file, readable, size); the content is checked
        /// once the key spec is known, from these same bytes. Null when no path was given. The caller disposes it.
        /// </summary>
        public static KeyMaterialFile? ReadPath(PSCmdlet cmdlet, string? path) =>
            path == null ? null : KeyMaterialFile.Read(FileSystemPath.Resolve(cmdlet, path, "Path", ErrorIds.KeyMaterialPathInvalid));

        /// <summary>
        /// Loads the material. Raw material that is plainly not random is refused (KeyMaterialLowEntropy) unless
        /// <paramref name="force"/>; then it is accepted with a warning (when <paramref name="warn"/>: Test-KmsKeyState
        /// proves what KMS holds and imports nothing, so it neither refuses nor warns).
        /// </summary>
        public static KeyMaterial Load(Cmdlet cmdlet, KeySpec spec, KeyMaterialFile? file, byte[]? bytes, SecureString? password, bool force, bool warn = true)
        {
            var chars = password == null ? null : SecureStrings.ToCharArray(password);
            try
            {
                try
                {
                    return Read(spec, file, bytes, chars, allowLowEntropy: false);
                }
                catch (KmsImportException e) when (force && e.ErrorId == ErrorIds.KeyMaterialLowEntropy)
                {
                    if (warn) cmdlet.WriteWarning(LowEntropyWarning(e));
                    return Read(spec, file, bytes, chars, allowLowEntropy: true);
                }
            }
            finally
            {
                if (chars != null) Array.Clear(chars, 0, chars.Length);
            }
        }

        private static KeyMaterial Read(KeySpec spec, KeyMaterialFile? file, byte[]? bytes, char[]? chars, bool allowLowEntropy) =>
            bytes != null
                ? KeyMaterial.FromBytes(spec, bytes, chars, allowLowEntropy)
                : KeyMaterial.FromFile(spec, file ?? throw new ArgumentNullException(nameof(file)), chars, allowLowEntropy);

        /// <summary>The warning -Force gives instead of the KeyMaterialLowEntropy error (whose message names no byte).</summary>
        public static string LowEntropyWarning(KmsImportException e) =>
            "-Force: importing material that is plainly not random. " + e.Message.Split(new[] { " Imported HMAC" }, StringSplitOptions.None)[0]
            + " Anyone who guesses it can use the key; HMAC and asymmetric material can never be replaced.";
    }
}
