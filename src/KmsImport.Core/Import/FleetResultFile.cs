using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// The results file of a fleet run (-ResultPath): CSV or JSON by extension, owner-only, written as each key
    /// finishes (CSV appends a line; JSON is rewritten whole through a temporary file and a rename), so a run that
    /// is killed leaves a file a rerun with -Resume reads. It holds no secret: key ids, states, fingerprints.
    /// Read back as a file from strangers: owner-only regular file, size-capped, content never quoted.
    /// </summary>
    public sealed class FleetResultFile
    {
        public const long MaxBytes = 64L * 1024 * 1024;

        public static readonly string[] Columns =
        {
            "Row", "Account", "Region", "Alias", "KeyId", "Status", "KeyState", "Created", "Recovered", "PrimaryRegion",
            "Fingerprint", "ProofMethod", "EscrowPath", "ErrorId", "DurationSeconds", "EndpointUrl", "Message",
        };

        private readonly object _gate = new object();
        private readonly bool _json;
        private readonly List<Dictionary<string, string?>> _records = new List<Dictionary<string, string?>>();

        private FleetResultFile(string fullPath, bool json)
        {
            FullPath = fullPath;
            _json = json;
        }

        public string FullPath { get; }

        /// <summary>Keys finished by earlier runs (last record per key: Imported, Verified or Skipped), by <see cref="KeyOf"/>.</summary>
        public Dictionary<string, (string KeyId, string Status)> Finished { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal);

        /// <summary>The identity of one key of a plan: account (or profile/role), Region and alias.</summary>
        public static string KeyOf(string? account, string region, string? alias) => (account ?? "") + "|" + region + "|" + (alias ?? "");

        /// <summary>What can be told without touching the file: the extension, and that an existing file goes with -Resume only. Returns whether it exists.</summary>
        public static bool Check(string fullPath, bool resume)
        {
            var ext = Path.GetExtension(fullPath).ToLowerInvariant();
            if (ext != ".csv" && ext != ".json")
                throw Invalid(fullPath, "does not end in .csv or .json; the extension chooses the format");
            var exists = File.Exists(fullPath) || Directory.Exists(fullPath) || UntrustedFile.IsLink(fullPath);
            if (exists && !resume)
                throw Invalid(fullPath, "exists already; add -Resume to continue the run that wrote it, or name a new file");
            var folder = Path.GetDirectoryName(fullPath);
            if (!exists && folder != null && !Directory.Exists(folder))
                throw Invalid(fullPath, "is in a folder that does not exist; create the folder first");
            return exists;
        }

        /// <summary>Opens (with <paramref name="resume"/>, reads) or creates the file; refuses with PlanResultFileInvalid.</summary>
        public static FleetResultFile Open(string fullPath, bool resume)
        {
            var exists = Check(fullPath, resume);
            var file = new FleetResultFile(fullPath, Path.GetExtension(fullPath).ToLowerInvariant() == ".json");
            if (exists)
            {
                byte[] bytes;
                try
                {
                    bytes = UntrustedFile.Read(fullPath, MaxBytes, followLinks: false, ownerOnly: true, allowEmpty: true);
                }
                catch (FileRefusedException e)
                {
                    throw Invalid(fullPath, e.Message + " (a results file is an owner-only regular file this module wrote)");
                }
                if (!file._json) bytes = file.CutTornLine(bytes);
                file.Load(bytes);
            }
            else
            {
                SecretFile.CreateNew(fullPath, Encoding.UTF8.GetBytes(file._json ? "[]\n" : Csv.Line(Columns)));
            }
            return file;
        }

        /// <summary>
        /// A run killed while appending leaves its last line cut short: that key is not finished. The fragment is cut off
        /// the file, so the lines this run appends start whole (every line written ends with a line feed).
        /// </summary>
        private byte[] CutTornLine(byte[] bytes)
        {
            var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            if (end == bytes.Length) return bytes;
            if (end == 0) throw Invalid(FullPath, "does not start with the header of a results file");
            try
            {
                using var stream = UntrustedFile.Open(FullPath, FileAccess.ReadWrite, FileShare.None, MaxBytes, followLinks: false, ownerOnly: true);
                stream.SetLength(end);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FileRefusedException)
            {
                throw Invalid(FullPath, $"ends in a line cut short that could not be removed ({e.GetType().Name})");
            }
            var whole = new byte[end];
            Buffer.BlockCopy(bytes, 0, whole, 0, end);
            return whole;
        }

        private void Load(byte[] bytes)
        {
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Invalid(FullPath, "is not UTF-8 text");
            }
            if (_json)
            {
                try
                {
                    using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
                    if (doc.RootElement.ValueKind != JsonValueKind.Array) throw Invalid(FullPath, "is not a JSON array of results");
                    foreach (var e in doc.RootElement.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.Object) throw Invalid(FullPath, "holds an entry that is not a result object");
                        var record = new Dictionary<string, string?>(StringComparer.Ordinal);
                        foreach (var p in e.EnumerateObject())
                            if (Columns.Contains(p.Name))
                                record[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()
                                    : p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetRawText();
                        _records.Add(record);
                    }
                }
                catch (JsonException)
                {
                    throw Invalid(FullPath, "is not valid JSON");
                }
            }
            else
            {
                var lines = Csv.Parse(text, int.MaxValue, () => Invalid(FullPath, "is too long"), _ => Invalid(FullPath, "is not valid CSV"));
                if (lines.Count == 0 || !lines[0].SequenceEqual(Columns)) throw Invalid(FullPath, "does not start with the header of a results file");
                // A run killed while writing may leave a last line cut short: that key is simply not finished.
                foreach (var fields in lines.Skip(1).Where(f => f.Count == Columns.Length))
                {
                    var record = new Dictionary<string, string?>(StringComparer.Ordinal);
                    for (var i = 0; i < Columns.Length; i++) record[Columns[i]] = fields[i];
                    _records.Add(record);
                }
            }
            foreach (var r in _records)
            {
                r.TryGetValue("Region", out var region);
                r.TryGetValue("Status", out var status);
                if (string.IsNullOrEmpty(region)) continue;
                r.TryGetValue("Account", out var account);
                r.TryGetValue("Alias", out var alias);
                r.TryGetValue("KeyId", out var keyId);
                var key = KeyOf(account, region!, alias);
                if (status == BatchStatuses.Imported || status == BatchStatuses.Verified || status == BatchStatuses.Skipped)
                    Finished[key] = (keyId ?? "", status!);
                else
                    Finished.Remove(key);
            }
        }

        /// <summary>Records one finished key now (thread-safe).</summary>
        public void Add(KmsFleetImportResult result)
        {
            var record = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Row"] = result.Row.ToString(CultureInfo.InvariantCulture),
                ["Account"] = result.Account,
                ["Region"] = result.Region,
                ["Alias"] = result.Alias,
                ["KeyId"] = result.KeyId,
                ["Status"] = result.Status,
                ["KeyState"] = result.KeyState,
                ["Created"] = result.Created ? "true" : "false",
                ["Recovered"] = result.Recovered ? "true" : "false",
                ["PrimaryRegion"] = result.PrimaryRegion,
                ["Fingerprint"] = result.Fingerprint,
                ["ProofMethod"] = result.ProofMethod,
                ["EscrowPath"] = result.EscrowPath,
                ["ErrorId"] = result.ErrorId,
                ["DurationSeconds"] = result.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                ["EndpointUrl"] = result.EndpointUrl,
                ["Message"] = result.Message,
            };
            lock (_gate)
            {
                try
                {
                    if (_json)
                    {
                        _records.Add(record);
                        WriteJson();
                    }
                    else
                    {
                        // One physical line per key (line breaks in a message become spaces), so a kill can only cut the last one.
                        var line = Encoding.UTF8.GetBytes(Csv.Line(Columns.Select(c => record[c]?.Replace("\r", " ").Replace("\n", " "))));
                        using var stream = UntrustedFile.Open(FullPath, FileAccess.ReadWrite, FileShare.None, MaxBytes, followLinks: false, ownerOnly: true);
                        stream.Seek(0, SeekOrigin.End);
                        stream.Write(line, 0, line.Length);
                        stream.Flush(true);
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FileRefusedException)
                {
                    throw Invalid(FullPath, $"could not be written ({e.GetType().Name})");
                }
            }
        }

        private void WriteJson()
        {
            var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartArray();
                foreach (var r in _records)
                {
                    w.WriteStartObject();
                    foreach (var c in Columns)
                    {
                        r.TryGetValue(c, out var v);
                        if (v == null) w.WriteNull(c); else w.WriteString(c, v);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            // A new owner-only file, then a rename over the old one: a reader (or a kill) never sees half a file.
            var temp = FullPath + ".tmp-" + Guid.NewGuid().ToString("n");
            SecretFile.CreateNew(temp, buffer.ToArray());
            try
            {
                File.Replace(temp, FullPath, null);
            }
            catch
            {
                try { File.Delete(temp); } catch (IOException) { /* best effort */ }
                throw;
            }
        }

        private static KmsImportException Invalid(string fullPath, string detail) =>
            new KmsImportException(ErrorIds.PlanResultFileInvalid, ErrorKind.InvalidArgument, $"The results file '{fullPath}' {detail}.") { TargetObject = fullPath };
    }
}
