using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// Binds the escrow parameters every cmdlet shares: -EscrowRecipient (certificates to encrypt to), and
    /// -EscrowCertificate / -EscrowKeyPath (private keys that open CMS escrow). The objects become Core's
    /// <see cref="EscrowRecipient"/> and <see cref="EscrowKey"/>; paths are resolved on the file system only.
    /// </summary>
    internal static class EscrowBinding
    {
        /// <summary>Certificates as file paths (PEM or DER) or X509Certificate2 objects; each checked for escrow now.</summary>
        public static IReadOnlyList<EscrowRecipient> Recipients(PSCmdlet cmdlet, object[]? values)
        {
            var list = new List<EscrowRecipient>();
            if (values == null) return list;
            foreach (var raw in values)
            {
                var value = raw is PSObject pso ? pso.BaseObject : raw;
                EscrowRecipient recipient = value switch
                {
                    X509Certificate2 cert => EscrowRecipient.FromBytes(cert.RawData, $"The escrow certificate {cert.Thumbprint}"),
                    string path => EscrowRecipient.FromFile(FileSystemPath.Resolve(cmdlet, path, "EscrowRecipient", ErrorIds.EscrowCertificateUnreadable)),
                    System.IO.FileInfo file => EscrowRecipient.FromFile(file.FullName),
                    _ => throw new KmsImportException(ErrorIds.EscrowRecipientInvalid, ErrorKind.InvalidArgument,
                        $"-EscrowRecipient takes certificate file paths or X509Certificate2 objects, not {(value == null ? "null" : value.GetType().Name)}. "
                        + "Pass e.g. ./custodian1.pem or (Get-Item Cert:\\CurrentUser\\My\\<thumbprint>).")
                    { TargetObject = "EscrowRecipient" },
                };
                recipient.CheckUsable(DateTime.UtcNow);
                list.Add(recipient);
            }
            return list;
        }

        /// <summary>
        /// Private keys: -EscrowCertificate (X509Certificate2 with its private key, or a PFX path opened with
        /// <paramref name="password"/>) and -EscrowKeyPath (key files, encrypted ones with <paramref name="password"/>).
        /// </summary>
        public static IReadOnlyList<EscrowKey> Keys(PSCmdlet cmdlet, object[]? certificates, string[]? keyPaths, char[]? password)
        {
            var list = new List<EscrowKey>();
            foreach (var raw in certificates ?? Array.Empty<object>())
            {
                var value = raw is PSObject pso ? pso.BaseObject : raw;
                list.Add(value switch
                {
                    X509Certificate2 cert => EscrowKey.FromCertificate(cert),
                    string path => EscrowKey.FromPfxFile(FileSystemPath.Resolve(cmdlet, path, "EscrowCertificate", ErrorIds.EscrowKeyInvalid), password),
                    System.IO.FileInfo file => EscrowKey.FromPfxFile(file.FullName, password),
                    _ => throw new KmsImportException(ErrorIds.EscrowKeyInvalid, ErrorKind.InvalidArgument,
                        $"-EscrowCertificate takes X509Certificate2 objects with their private key or PFX file paths, not {(value == null ? "null" : value.GetType().Name)}.")
                    { TargetObject = "EscrowCertificate" },
                });
            }
            foreach (var path in keyPaths ?? Array.Empty<string>())
                list.Add(EscrowKey.FromKeyFile(FileSystemPath.Resolve(cmdlet, path, "EscrowKeyPath", ErrorIds.EscrowKeyInvalid), password));
            return list;
        }

        /// <summary>-ComponentCount needs exactly that many recipients (recipient i receives component i) and a folder.</summary>
        public static void CheckComponents(int componentCount, IReadOnlyList<EscrowRecipient> recipients, string? escrowPath)
        {
            if (componentCount == 0) return;
            if (recipients.Count != componentCount || escrowPath == null || !System.IO.Directory.Exists(escrowPath))
                throw new KmsImportException(ErrorIds.ComponentRecipientsMismatch, ErrorKind.InvalidArgument,
                    $"-ComponentCount {componentCount} writes one component per custodian: pass exactly {componentCount} certificates with -EscrowRecipient "
                    + $"(component i goes to the i-th; {recipients.Count} given) and an existing folder with -EscrowPath.")
                { TargetObject = "ComponentCount" };
        }
    }
}
