using System;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Crypto;

namespace KmsImport.Infrastructure
{
    /// <summary>Loads material from -Path or -KeyMaterial (with -Password) the same way in every cmdlet.</summary>
    internal static class MaterialSource
    {
        /// <summary>Checks a -Path (exists, a file, readable, size) before any KMS call; the content is checked once the key spec is known.</summary>
        public static void CheckPath(PSCmdlet cmdlet, string? path)
        {
            if (path != null) KeyMaterial.CheckFile(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
        }

        public static KeyMaterial Load(PSCmdlet cmdlet, KeySpec spec, string? path, byte[]? bytes, SecureString? password)
        {
            var chars = password == null ? null : SecureStrings.ToCharArray(password);
            try
            {
                return bytes != null
                    ? KeyMaterial.FromBytes(spec, bytes, chars)
                    : KeyMaterial.FromFile(spec, cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), chars);
            }
            finally
            {
                if (chars != null) Array.Clear(chars, 0, chars.Length);
            }
        }
    }
}
