using System;
using System.Management.Automation;
using KmsImport.Core;
using KmsImport.Core.Kms;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// Turns a path parameter into an absolute file-system path, or refuses it with PathNotFileSystem before
    /// anything is read or written: Variable:x, Function:, Env:, a drive that does not exist (Q:\x) or a provider
    /// path of any other provider would otherwise resolve to a relative name in the process's working directory.
    /// </summary>
    internal static class FileSystemPath
    {
        /// <param name="invalidErrorId">The ErrorId for text that is no path at all (PathInvalid; material -Path keeps KeyMaterialPathInvalid).</param>
        public static string Resolve(PSCmdlet cmdlet, string path, string parameterName, string invalidErrorId = ErrorIds.PathInvalid)
        {
            string resolved;
            ProviderInfo provider;
            try
            {
                resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
            }
            catch (Exception e) when (e is DriveNotFoundException || e is ProviderNotFoundException || e is ItemNotFoundException
                                      || e is NotSupportedException || e is ArgumentException || e is PSInvalidOperationException)
            {
                if (e is DriveNotFoundException) throw Refused(path, parameterName, "names a drive that does not exist");
                throw Invalid(path, parameterName, invalidErrorId);
            }
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                throw Refused(path, parameterName, $"belongs to the {provider.Name} provider, not the file system");
            try
            {
                return System.IO.Path.GetFullPath(resolved);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is System.IO.PathTooLongException)
            {
                throw Invalid(path, parameterName, invalidErrorId);
            }
        }

        private static KmsImportException Refused(string path, string parameterName, string problem) =>
            new KmsImportException(ErrorIds.PathNotFileSystem, ErrorKind.InvalidArgument,
                $"-{parameterName} '{Printable(path)}' {problem}. Pass a file-system path (a folder or file on a disk), for example ./out or C:\\kms.")
            { TargetObject = path };

        private static KmsImportException Invalid(string path, string parameterName, string errorId) =>
            new KmsImportException(errorId, ErrorKind.InvalidArgument,
                $"-{parameterName} '{Printable(path)}' is not a valid path. Check the spelling and quoting.")
            { TargetObject = path };

        /// <summary>Control characters (ESC, CR, LF...) shown as \uXXXX so a message cannot rewrite the screen.</summary>
        internal static string Printable(string text)
        {
            var sb = new System.Text.StringBuilder(text.Length);
            foreach (var c in text) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
            return sb.ToString();
        }
    }
}
