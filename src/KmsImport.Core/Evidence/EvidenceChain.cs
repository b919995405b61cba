using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Evidence
{
    /// <summary>An evidence file whose whole chain verified: its steps and the hash of its last line.</summary>
    public sealed class VerifiedEvidence
    {
        internal VerifiedEvidence(string path, IReadOnlyList<KmsEvidenceStep> steps, string head)
        {
            Path = path;
            Steps = steps;
            Head = head;
        }

        public string Path { get; }
        public IReadOnlyList<KmsEvidenceStep> Steps { get; }
        /// <summary>SHA-256 of the last line: an edit of the last line shows only against a head written down elsewhere.</summary>
        public string Head { get; }

        /// <summary>The steps grouped per key and Region, in the order keys first appear (a key ARN counts as its key id).</summary>
        public IReadOnlyList<KmsCeremonyKeyEvidence> PerKey()
        {
            var groups = new List<KmsCeremonyKeyEvidence>();
            var index = new Dictionary<string, List<KmsEvidenceStep>>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var step in Steps)
            {
                var id = KmsKeyIds.KeyIdOf(step.KeyId);
                var region = step.Region ?? KmsKeyIds.RegionOfArn(step.KeyId) ?? "";
                var k = id + "\n" + region;
                if (!index.TryGetValue(k, out var list))
                {
                    index[k] = list = new List<KmsEvidenceStep>();
                    order.Add(k);
                }
                list.Add(step);
            }
            foreach (var k in order)
            {
                var steps = index[k];
                var last = steps[steps.Count - 1];
                groups.Add(new KmsCeremonyKeyEvidence
                {
                    KeyId = KmsKeyIds.KeyIdOf(steps[0].KeyId),
                    Region = steps.Select(s => s.Region).FirstOrDefault(r => !string.IsNullOrEmpty(r)) ?? KmsKeyIds.RegionOfArn(steps[0].KeyId),
                    Account = steps.Select(s => s.Account).FirstOrDefault(a => !string.IsNullOrEmpty(a)),
                    Steps = steps,
                    FailedCount = steps.Count(s => s.Outcome == KmsEvidenceStep.Failed),
                    LastStep = last.Cmdlet,
                    LastOutcome = last.Outcome,
                    Fingerprint = steps.Select(s => s.Fingerprint).LastOrDefault(f => !string.IsNullOrEmpty(f)),
                    FirstTime = steps[0].Time,
                    LastTime = last.Time,
                    Path = Path,
                    ChainHead = Head,
                });
            }
            return groups;
        }
    }

    /// <summary>
    /// Reads an evidence file and verifies its chain line by line: each line must be a complete evidence
    /// record whose <c>prev</c> is the SHA-256 of the line before it (line 1: the genesis value). The first
    /// line that fails is named by its number only: content is never quoted (an edited file is untrusted).
    /// </summary>
    public static class EvidenceChain
    {
        public static VerifiedEvidence Verify(string fullPath)
        {
            if (fullPath == null) throw new ArgumentNullException(nameof(fullPath));
            FileStream stream;
            try
            {
                stream = UntrustedFile.Open(fullPath, FileAccess.Read, FileShare.ReadWrite, EvidenceLog.MaxFileBytes, followLinks: false, ownerOnly: false);
            }
            catch (FileRefusedException e) when (e.Reason == FileRefusal.NotFound)
            {
                throw NotFound(fullPath, "does not exist");
            }
            catch (FileRefusedException e)
            {
                throw new KmsImportException(ErrorIds.EvidenceFileUntrusted, ErrorKind.SecurityError,
                    $"The evidence file '{fullPath}' {e.Message}, so it is not read. Copy the evidence as a regular file and verify the copy.")
                { TargetObject = fullPath };
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw NotFound(fullPath, $"could not be opened ({e.GetType().Name}); if a command is writing to it, wait for it to finish");
            }

            using (stream)
            {
                var steps = new List<KmsEvidenceStep>();
                var expected = EvidenceFormat.Genesis;
                var line = new byte[EvidenceLog.MaxLineBytes];
                var buffer = new byte[64 * 1024];
                int length = 0, lineNumber = 1, n;
                bool tooLong = false;
                while ((n = Read(stream, buffer, fullPath)) > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        byte b = buffer[i];
                        if (b != (byte)'\n')
                        {
                            if (length < line.Length) line[length++] = b;
                            else tooLong = true;
                            continue;
                        }
                        if (tooLong) throw LineInvalid(fullPath, lineNumber, $"is longer than {EvidenceLog.MaxLineBytes} bytes");
                        expected = Check(fullPath, line, length, lineNumber, expected, steps);
                        length = 0;
                        lineNumber++;
                    }
                }
                if (length > 0 || tooLong)
                    throw LineInvalid(fullPath, lineNumber, "is incomplete (no line break at its end): the file was truncated, or a write did not finish");
                if (steps.Count == 0)
                    throw LineInvalid(fullPath, 1, "is missing: the file is empty");
                return new VerifiedEvidence(fullPath, steps, expected);
            }
        }

        private static int Read(FileStream stream, byte[] buffer, string path)
        {
            try
            {
                return stream.Read(buffer, 0, buffer.Length);
            }
            catch (IOException e)
            {
                throw NotFound(path, $"could not be read to its end ({e.GetType().Name})");
            }
        }

        private static string Check(string path, byte[] line, int length, int lineNumber, string expected, List<KmsEvidenceStep> steps)
        {
            if (length == 0) throw LineInvalid(path, lineNumber, "is empty");
            KmsEvidenceStep step;
            try
            {
                step = EvidenceFormat.Parse(line, 0, length);
            }
            catch (EvidenceFormatException e)
            {
                throw LineInvalid(path, lineNumber, e.Message);
            }
            if (step.Previous != expected)
            {
                var what = lineNumber == 1
                    ? "Line 1 does not start the chain (its prev is not the genesis value): lines were removed from the start, or the file was put together from pieces"
                    : $"Line {lineNumber} does not chain to line {lineNumber - 1} (its prev is not the SHA-256 of that line): line {lineNumber - 1} was edited, or lines were removed, reordered or inserted there";
                throw new KmsImportException(ErrorIds.EvidenceChainBroken, ErrorKind.InvalidData,
                    $"The evidence file '{path}' does not verify. {what}. Keep the file as it is for review; the steps it records cannot be relied on.")
                { TargetObject = path };
            }
            step.Line = lineNumber;
            steps.Add(step);
            return step.Sha256;
        }

        private static KmsImportException LineInvalid(string path, int lineNumber, string what) =>
            new KmsImportException(ErrorIds.EvidenceLineInvalid, ErrorKind.InvalidData,
                $"The evidence file '{path}' does not verify: line {lineNumber} {what}. It was edited or damaged; keep it as it is for review.")
            { TargetObject = path };

        private static KmsImportException NotFound(string path, string what) =>
            new KmsImportException(ErrorIds.EvidenceFileNotFound, ErrorKind.ObjectNotFound,
                $"The evidence file '{path}' {what}. Check the path (-Path).")
            { TargetObject = path };
    }
}
