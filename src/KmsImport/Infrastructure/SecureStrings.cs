using System;
using System.Runtime.InteropServices;
using System.Security;

namespace KmsImport.Infrastructure
{
    internal static class SecureStrings
    {
        /// <summary>Copies a SecureString into a char[] the caller must clear (Array.Clear) after use.</summary>
        public static char[] ToCharArray(SecureString value)
        {
            var chars = new char[value.Length];
            var ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(value);
                Marshal.Copy(ptr, chars, 0, chars.Length);
                return chars;
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
