using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// What is recorded next to a key's components (&lt;KeyId&gt;.components.json): the key, its spec, the material's
    /// fingerprint, and each component's file, check value and custodian certificate. No secret: fingerprints and
    /// 24-bit check values identify, they do not reveal. Combining checks each component's check value against its
    /// position here (a wrong component, or components in the wrong order, are refused) and the result against the
    /// fingerprint.
    /// </summary>
    public sealed class ComponentManifest
    {
        public const string Format = "KmsImport.KeyComponents/1";
        private const int MaxBytes = 64 * 1024;
        private static readonly Regex ComponentName = new Regex(@"\.component-([1-9])-of-([1-9])\.cms$", RegexOptions.CultureInvariant);

        public string KeyId { get; set; } = "";
        public string KeySpec { get; set; } = "";
        public string Fingerprint { get; set; } = "";
        public string FingerprintAlgorithm { get; set; } = "";
        public int Length { get; set; }
        public string CheckValueAlgorithm { get; set; } = "";
        public List<string> CheckValues { get; set; } = new List<string>();
        public List<string> Files { get; set; } = new List<string>();
        public List<string> RecipientThumbprints { get; set; } = new List<string>();

        /// <summary>&lt;folder&gt;/&lt;KeyId&gt;.components.json.</summary>
        public static string PathFor(string folder, string keyId) => Path.Combine(folder, KeyFileNames.ForKeyId(keyId) + ".components.json");

        /// <summary>&lt;folder&gt;/&lt;KeyId&gt;.component-&lt;i&gt;-of-&lt;n&gt;.cms (i from 1).</summary>
        public static string ComponentPath(string folder, string keyId, int index, int count) =>
            Path.Combine(folder, $"{KeyFileNames.ForKeyId(keyId)}.component-{index}-of-{count}.cms");

        /// <summary>The 1-based position a component file's name gives (…component-&lt;i&gt;-of-&lt;n&gt;.cms), or null.</summary>
        public static int? IndexFromName(string path)
        {
            var m = ComponentName.Match(Path.GetFileName(path));
            return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        }

        public byte[] ToJson()
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("format", Format);
                w.WriteString("keyId", KeyId);
                w.WriteString("keySpec", KeySpec);
                w.WriteString("fingerprint", Fingerprint);
                w.WriteString("fingerprintAlgorithm", FingerprintAlgorithm);
                w.WriteNumber("length", Length);
                w.WriteString("checkValueAlgorithm", CheckValueAlgorithm);
                w.WriteStartArray("components");
                for (int i = 0; i < CheckValues.Count; i++)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", i + 1);
                    w.WriteString("file", i < Files.Count ? Files[i] : "");
                    w.WriteString("checkValue", CheckValues[i]);
                    w.WriteString("recipientThumbprint", i < RecipientThumbprints.Count ? RecipientThumbprints[i] : "");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return stream.ToArray();
        }

        /// <summary>Reads a manifest (untrusted: regular file, at most 64 KiB, every field checked).</summary>
        public static ComponentManifest Read(string fullPath)
        {
            byte[] data;
            try
            {
                data = UntrustedFile.Read(fullPath, MaxBytes, followLinks: false);
            }
            catch (FileRefusedException e)
            {
                throw Invalid(fullPath, e.Message);
            }
            try
            {
                using var doc = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 8 });
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || Text(root, "format") != Format) throw Invalid(fullPath, "is not a KmsImport component manifest");
                var manifest = new ComponentManifest
                {
                    KeyId = Text(root, "keyId"),
                    KeySpec = Text(root, "keySpec"),
                    Fingerprint = Text(root, "fingerprint"),
                    FingerprintAlgorithm = Text(root, "fingerprintAlgorithm"),
                    CheckValueAlgorithm = Text(root, "checkValueAlgorithm"),
                    Length = root.TryGetProperty("length", out var len) && len.ValueKind == JsonValueKind.Number && len.TryGetInt32(out var l) ? l : 0,
                };
                if (!root.TryGetProperty("components", out var list) || list.ValueKind != JsonValueKind.Array) throw Invalid(fullPath, "lists no components");
                foreach (var c in list.EnumerateArray())
                {
                    if (c.ValueKind != JsonValueKind.Object) throw Invalid(fullPath, "has a component entry that is not an object");
                    manifest.CheckValues.Add(Text(c, "checkValue"));
                    manifest.Files.Add(Text(c, "file"));
                    manifest.RecipientThumbprints.Add(Text(c, "recipientThumbprint"));
                }
                var hex6 = new Regex("^[0-9A-F]{6}$");
                if (manifest.CheckValues.Count < KeyComponents.MinCount || manifest.CheckValues.Count > KeyComponents.MaxCount
                    || manifest.CheckValues.Any(v => !hex6.IsMatch(v)) || manifest.Length <= 0
                    || !new Regex("^[0-9A-Fa-f]{6,64}$").IsMatch(manifest.Fingerprint))
                    throw Invalid(fullPath, "has check values or a fingerprint that are not what this module records");
                KeyFileNames.EnsureSafe(manifest.KeyId, "The key id in the component manifest");
                return manifest;
            }
            catch (JsonException)
            {
                throw Invalid(fullPath, "is not valid JSON");
            }
        }

        private static string Text(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

        internal static KmsImportException Invalid(string fullPath, string what) =>
            new KmsImportException(ErrorIds.ComponentManifestInvalid, ErrorKind.InvalidData,
                $"The component manifest '{fullPath}' {what}. Pass the <KeyId>.components.json written with the components (-ComponentManifest), or move the file away.")
            { TargetObject = fullPath };
    }
}
