using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>File and folder names derived from key ids (escrow files, bundles), safe on every OS.</summary>
    public static class KeyFileNames
    {
        // What KMS itself uses: key ids (UUID, mrk-<hex>), key ARNs (arn:<partition>:kms:<region>:<account>:key/<id>),
        // alias names and ARNs (alias/[A-Za-z0-9/_-]+). Nothing else can name a KMS key.
        private static readonly Regex Safe = new Regex("^[A-Za-z0-9:/_-]{1,2048}$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Refuses (KeyIdUnsafe) a key id that could not be a KMS key's and could misuse a file or folder name made from
        /// it, or a screen it is printed on: empty, "." or "..", control characters (ESC, CR, LF...), spaces, dots,
        /// backslashes, and slashes outside an ARN or alias name.
        /// </summary>
        public static void EnsureSafe(string? keyId, string origin = "The key id")
        {
            bool ok = keyId != null && Safe.IsMatch(keyId)
                && (keyId.IndexOf('/') < 0 || keyId.StartsWith("arn:", StringComparison.Ordinal) || keyId.StartsWith("alias/", StringComparison.Ordinal))
                && keyId.IndexOf("//", StringComparison.Ordinal) < 0;
            if (!ok)
                throw new KmsImportException(ErrorIds.KeyIdUnsafe, ErrorKind.InvalidData,
                    $"{origin} '{Printable(keyId ?? "")}' is not a KMS key id, key ARN or alias: those hold only letters, digits and ':/_-'. "
                    + "It is refused before it becomes a file or folder name. Pass the key id as KMS shows it (Get-KmsKeyMaterialExpiry or New-KmsExternalKey output).")
                { TargetObject = Printable(keyId ?? "") };
        }

        /// <summary>The key id with the characters no file system takes (':' and '/' of ARNs) replaced by '_'; unsafe ids are refused.</summary>
        public static string ForKeyId(string keyId)
        {
            EnsureSafe(keyId);
            var name = keyId;
            foreach (var c in Path.GetInvalidFileNameChars()) name = name.Replace(c, '_');
            return name.Replace(':', '_').Replace('/', '_').Replace('\\', '_');
        }

        /// <summary>The escrow (or material) file of a key inside a folder: &lt;folder&gt;/&lt;KeyId&gt;.bin.</summary>
        public static string MaterialFile(string folder, string keyId) => Path.Combine(folder, ForKeyId(keyId) + ".bin");

        /// <summary>Control characters shown as \uXXXX (and the text cut at 200 characters), so a message cannot rewrite the screen.</summary>
        public static string Printable(string text)
        {
            var sb = new StringBuilder(Math.Min(text.Length, 200));
            foreach (var c in text)
            {
                if (sb.Length >= 200) { sb.Append('…'); break; }
                sb.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
            }
            return sb.ToString();
        }
    }
}
