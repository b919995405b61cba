using System.IO;

namespace KmsImport.Core.Import
{
    /// <summary>File and folder names derived from key ids (escrow files, bundles), safe on every OS.</summary>
    public static class KeyFileNames
    {
        /// <summary>The key id with characters no file system takes (':' and '/' of ARNs among them) replaced by '_'.</summary>
        public static string ForKeyId(string keyId)
        {
            var name = keyId;
            foreach (var c in Path.GetInvalidFileNameChars()) name = name.Replace(c, '_');
            return name.Replace(':', '_').Replace('/', '_').Replace('\\', '_');
        }

        /// <summary>The escrow (or material) file of a key inside a folder: &lt;folder&gt;/&lt;KeyId&gt;.bin.</summary>
        public static string MaterialFile(string folder, string keyId) => Path.Combine(folder, ForKeyId(keyId) + ".bin");
    }
}
