using System;
using System.IO;
using System.Threading;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Evidence
{
    /// <summary>
    /// Appends evidence lines to one file, each chained to the one before by the SHA-256 of its bytes.
    /// The file is created owner-only (as escrow files are), appended to only while held under an
    /// exclusive lock (one writer at a time, across threads and processes), and must stay a regular,
    /// owner-only file. The last line is read to chain the new one: if it is incomplete or not an
    /// evidence record the file was edited or truncated, and nothing is appended (EvidenceFileTampered),
    /// so a chain is never silently restarted. Knows nothing of PowerShell: callers pass the facts.
    /// </summary>
    public sealed class EvidenceLog
    {
        /// <summary>The longest line read or written: a record with every field is about 1.5 KB.</summary>
        public const int MaxLineBytes = 16 * 1024;
        /// <summary>The largest evidence file (about a million steps).</summary>
        public const long MaxFileBytes = 1L << 30;

        // One writer per process at a time; the file lock keeps other processes out.
        private static readonly object ProcessLock = new object();

        public EvidenceLog(string fullPath)
        {
            if (string.IsNullOrWhiteSpace(fullPath)) throw new ArgumentException("The evidence path is empty.", nameof(fullPath));
            Path = fullPath;
        }

        /// <summary>The evidence file (a full file-system path).</summary>
        public string Path { get; }

        /// <summary>How long to wait for another writer's lock before EvidenceFileBusy.</summary>
        public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Checks, before any step is taken, that a line could be appended: an existing file is opened as for
        /// appending and its last line read; for a new file, its folder must exist. Nothing is written.
        /// </summary>
        public void CheckAppendable()
        {
            lock (ProcessLock)
            {
                if (Directory.Exists(Path))
                    throw new KmsImportException(ErrorIds.EvidencePathInvalid, ErrorKind.InvalidArgument,
                        $"The evidence path '{Path}' is a folder. Name a file (for example '{System.IO.Path.Combine(Path, "ceremony.evidence.jsonl")}').")
                    { TargetObject = Path };
                if (!File.Exists(Path) && !UntrustedFile.IsLink(Path))
                {
                    var folder = System.IO.Path.GetDirectoryName(Path);
                    if (folder != null && !Directory.Exists(folder))
                        throw WriteFailed($"its folder '{folder}' does not exist. Create the folder first, or name another file", null);
                    return;
                }
                using var stream = OpenLocked();
                LastLineHash(stream);
            }
        }

        /// <summary>
        /// Appends <paramref name="step"/> as one line: sets its <see cref="KmsEvidenceStep.Time"/> (when not set),
        /// <see cref="KmsEvidenceStep.Previous"/>, <see cref="KmsEvidenceStep.Line"/> is left 0, and
        /// <see cref="KmsEvidenceStep.Sha256"/>. Creates the file (owner-only) when it does not exist.
        /// </summary>
        public void Append(KmsEvidenceStep step)
        {
            if (step == null) throw new ArgumentNullException(nameof(step));
            lock (ProcessLock)
            {
                CreateIfMissing();
                using var stream = OpenLocked();
                step.Previous = LastLineHash(stream);
                if (step.Time == default) step.Time = DateTime.UtcNow;
                var line = EvidenceFormat.Write(step);
                if (line.Length > MaxLineBytes)
                    throw WriteFailed($"the record of this step is {line.Length} bytes, more than the {MaxLineBytes} a line may have; nothing was appended", null);
                step.Sha256 = EvidenceFormat.Sha256Hex(line);
                var bytes = new byte[line.Length + 1];
                Buffer.BlockCopy(line, 0, bytes, 0, line.Length);
                bytes[line.Length] = (byte)'\n';
                try
                {
                    stream.Seek(0, SeekOrigin.End);
                    // One write of the whole line, flushed to the disk before the lock is let go.
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
                {
                    throw WriteFailed($"appending failed ({e.GetType().Name}); check free disk space and the file's permissions", e);
                }
            }
        }

        private void CreateIfMissing()
        {
            if (File.Exists(Path) || UntrustedFile.IsLink(Path)) return;
            try
            {
                SecretFile.CreateNew(Path, Array.Empty<byte>());
            }
            catch (KmsImportException e) when (e.ErrorId == ErrorIds.SecretFileExists)
            {
                // Another writer created it in between: append to theirs (OpenLocked checks what it is).
            }
            catch (KmsImportException e)
            {
                throw WriteFailed(e.ErrorId == ErrorIds.SecretFileDirectoryNotFound
                    ? $"its folder '{System.IO.Path.GetDirectoryName(Path)}' does not exist. Create the folder first, or name another file"
                    : "the owner-only file could not be created (" + e.ErrorId + "). Choose a folder this account may write to", e);
            }
        }

        /// <summary>The file, opened read-write under an exclusive lock, after the same checks as an escrow file (regular, owner-only, no link).</summary>
        private FileStream OpenLocked()
        {
            var deadline = DateTime.UtcNow + LockWait;
            var pause = 10;
            while (true)
            {
                try
                {
                    return UntrustedFile.Open(Path, FileAccess.ReadWrite, FileShare.None, MaxFileBytes, followLinks: false, ownerOnly: true);
                }
                catch (FileRefusedException e)
                {
                    throw new KmsImportException(ErrorIds.EvidenceFileUntrusted, ErrorKind.SecurityError,
                        $"The evidence file '{Path}' {e.Message}, so nothing is appended to it. Evidence files are regular files owned by "
                        + "this account with mode 0600 (an owner-only ACL on Windows), as this module creates them; name a new file, or "
                        + "check where this one came from.")
                    { TargetObject = Path };
                }
                catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
                {
                    throw WriteFailed("it disappeared while it was being opened; try again", e);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw WriteFailed("this account may not write to it", e);
                }
                catch (IOException e)
                {
                    // Another writer holds the lock (or the file is otherwise busy): wait for it.
                    if (DateTime.UtcNow >= deadline)
                        throw new KmsImportException(ErrorIds.EvidenceFileBusy, ErrorKind.ResourceUnavailable,
                            $"The evidence file '{Path}' stayed locked by another writer for {LockWait.TotalSeconds:0} s ({e.GetType().Name}). "
                            + "Wait for the other command to finish, then run this one again.", e)
                        { TargetObject = Path };
                    Thread.Sleep(pause);
                    pause = Math.Min(pause * 2, 200);
                }
            }
        }

        /// <summary>The SHA-256 of the last line, or the genesis value for an empty file; EvidenceFileTampered when the last line is none.</summary>
        private string LastLineHash(FileStream stream)
        {
            long length = stream.Length;
            if (length == 0) return EvidenceFormat.Genesis;
            int count = (int)Math.Min(length, MaxLineBytes + 1);
            var tail = new byte[count];
            stream.Seek(length - count, SeekOrigin.Begin);
            int read = 0, n;
            while (read < count && (n = stream.Read(tail, read, count - read)) > 0) read += n;
            if (read != count) throw Tampered("could not be read to its end");
            if (tail[count - 1] != (byte)'\n')
                throw Tampered("ends with an incomplete line (no line break at its end): it was truncated, or a write did not finish");
            int start = count >= 2 ? Array.LastIndexOf(tail, (byte)'\n', count - 2) : -1;
            if (start < 0 && count < length) throw Tampered($"ends with a line longer than {MaxLineBytes} bytes");
            int from = start + 1;
            int lineLength = count - 1 - from;
            if (lineLength <= 0) throw Tampered("ends with an empty line");
            try
            {
                return EvidenceFormat.Parse(tail, from, lineLength).Sha256;
            }
            catch (EvidenceFormatException e)
            {
                throw Tampered("ends with a line that " + e.Message);
            }
        }

        private KmsImportException Tampered(string what) =>
            new KmsImportException(ErrorIds.EvidenceFileTampered, ErrorKind.InvalidData,
                $"The evidence file '{Path}' {what}. Nothing was appended: a new line would chain to a damaged record. "
                + $"Run Test-KmsCeremonyEvidence -Path '{Path}' to see where the chain breaks, keep the file as it is for review, and "
                + "record the next steps in a new evidence file.")
            { TargetObject = Path };

        private KmsImportException WriteFailed(string why, Exception? inner) =>
            new KmsImportException(ErrorIds.EvidenceWriteFailed, ErrorKind.ResourceUnavailable,
                $"The evidence file '{Path}' cannot be written: {why}.", inner)
            { TargetObject = Path };
    }
}
