using System;
using System.Management.Automation;
using System.Security;
using KmsImport.Core.Crypto;

namespace KmsImport.Infrastructure
{
    /// <summary>Loads material from -Path or -KeyMaterial (with -Password) the same way in every cmdlet.</summary>
    internal static class MaterialSource
    {
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
