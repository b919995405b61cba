using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>What a file bundle lacks and the caller knows: used to complete the aws CLI's shapes.</summary>
    public sealed class BundleOverrides
    {
        public string? KeyId { get; set; }
        public KeySpec? KeySpec { get; set; }
        public WrappingAlgorithm? WrappingAlgorithm { get; set; }
        public WrappingKeySpec? WrappingKeySpec { get; set; }
        public string? Region { get; set; }
    }

    /// <summary>
    /// Files for offline key ceremonies, in the aws CLI's shapes plus one JSON description:
    /// import parameters as PublicKey.bin + ImportToken.bin + ImportParameters.json, and wrapped
    /// material as EncryptedKeyMaterial.bin + ImportToken.bin + ProtectedKeyMaterial.json, each set in
    /// a folder named after the key. Nothing here is secret. Files are created new, never overwritten.
    /// Also read: the JSON that `aws kms get-parameters-for-import` prints, and a folder of
    /// PublicKey.bin + ImportToken.bin (or EncryptedKeyMaterial.bin + ImportToken.bin) as the manual
    /// procedure leaves them; for those the key id, key spec and wrapping algorithm come from the
    /// caller, and ParametersValidTo, which the .bin files do not record, is taken as 24 hours after
    /// ImportToken.bin was written (tokens are valid 24 hours from issue).
    /// </summary>
    public static class ImportBundle
    {
        public const string ParametersFile = "ImportParameters.json";
        public const string ProtectedFile = "ProtectedKeyMaterial.json";
        public const string PublicKeyFile = "PublicKey.bin";
        public const string ImportTokenFile = "ImportToken.bin";
        public const string EncryptedMaterialFile = "EncryptedKeyMaterial.bin";
        private const string ParametersFormat = "KmsImport.ImportParameters/1";
        private const string ProtectedFormat = "KmsImport.ProtectedKeyMaterial/1";
        private const int MaxJsonBytes = 64 * 1024;

        /// <summary>Writes the parameters into &lt;directory&gt;/&lt;KeyId&gt;/; returns that folder.</summary>
        public static string WriteParameters(string directory, KmsImportParameters p) => Guard(() => WriteParametersCore(directory, p), directory);

        private static string WriteParametersCore(string directory, KmsImportParameters p)
        {
            var folder = NewFolder(directory, p.KeyId);
            WriteNew(Path.Combine(folder, PublicKeyFile), p.PublicKey);
            WriteNew(Path.Combine(folder, ImportTokenFile), p.ImportToken);
            WriteNew(Path.Combine(folder, ParametersFile), Json(w =>
            {
                WriteCommon(w, ParametersFormat, p.KeyId, p.KeySpec, p.WrappingAlgorithm, p.WrappingKeySpec, p.ParametersValidTo, p.Region, p.EndpointUrl);
                w.WriteString("PublicKeyFile", PublicKeyFile);
                w.WriteString("ImportTokenFile", ImportTokenFile);
            }));
            return folder;
        }

        /// <summary>Writes wrapped material into &lt;directory&gt;/&lt;KeyId&gt;/; returns that folder.</summary>
        public static string WriteProtected(string directory, ProtectedKeyMaterial m) => Guard(() => WriteProtectedCore(directory, m), directory);

        private static string WriteProtectedCore(string directory, ProtectedKeyMaterial m)
        {
            var folder = NewFolder(directory, m.KeyId);
            WriteNew(Path.Combine(folder, EncryptedMaterialFile), m.EncryptedKeyMaterial);
            WriteNew(Path.Combine(folder, ImportTokenFile), m.ImportToken);
            WriteNew(Path.Combine(folder, ProtectedFile), Json(w =>
            {
                WriteCommon(w, ProtectedFormat, m.KeyId, m.KeySpec, m.WrappingAlgorithm, m.WrappingKeySpec, m.ParametersValidTo, m.Region, m.EndpointUrl);
                w.WriteString("Fingerprint", m.Fingerprint);
                w.WriteString("FingerprintAlgorithm", m.FingerprintAlgorithm);
                w.WriteString("EncryptedKeyMaterialFile", EncryptedMaterialFile);
                w.WriteString("ImportTokenFile", ImportTokenFile);
            }));
            return folder;
        }

        public static KmsImportParameters ReadParameters(string path, BundleOverrides? overrides = null) => Guard(() => ReadParametersCore(path, overrides), path);

        private static KmsImportParameters ReadParametersCore(string path, BundleOverrides? overrides = null)
        {
            overrides ??= new BundleOverrides();
            var (folder, jsonPath) = Locate(path, ParametersFile);
            JsonElement? json = jsonPath != null ? ReadJson(jsonPath) : null;
            var publicKey = json.HasValue && Str(json.Value, "PublicKey") is string pk ? FromBase64(pk, "PublicKey", path) : ReadBin(folder, json, "PublicKeyFile", PublicKeyFile, path);
            var token = json.HasValue && Str(json.Value, "ImportToken") is string tk ? FromBase64(tk, "ImportToken", path) : ReadBin(folder, json, "ImportTokenFile", ImportTokenFile, path);

            var wrappingKeySpec = overrides.WrappingKeySpec ?? EnumOrNull<WrappingKeySpec>(json, "WrappingKeySpec", path) ?? WrappingPublicKey.Inspect(publicKey);
            var keySpec = overrides.KeySpec ?? EnumOrNull<KeySpec>(json, "KeySpec", path) ?? throw Missing(path, "KeySpec", "-KeySpec");
            var algorithm = overrides.WrappingAlgorithm ?? EnumOrNull<WrappingAlgorithm>(json, "WrappingAlgorithm", path) ?? throw Missing(path, "WrappingAlgorithm", "-WrappingAlgorithm");
            return new KmsImportParameters
            {
                KeyId = overrides.KeyId ?? (json.HasValue ? Str(json.Value, "KeyId") : null) ?? throw Missing(path, "KeyId", "-KeyId"),
                KeySpec = KmsNames.Name(keySpec),
                WrappingAlgorithm = KmsNames.Name(algorithm),
                WrappingKeySpec = KmsNames.Name(wrappingKeySpec),
                PublicKey = publicKey,
                ImportToken = token,
                ParametersValidTo = ValidTo(json, folder, path),
                Region = overrides.Region ?? (json.HasValue ? Str(json.Value, "Region") : null) ?? "",
                EndpointUrl = json.HasValue ? Str(json.Value, "EndpointUrl") : null,
            };
        }

        public static ProtectedKeyMaterial ReadProtected(string path, BundleOverrides? overrides = null) => Guard(() => ReadProtectedCore(path, overrides), path);

        private static ProtectedKeyMaterial ReadProtectedCore(string path, BundleOverrides? overrides = null)
        {
            overrides ??= new BundleOverrides();
            var (folder, jsonPath) = Locate(path, ProtectedFile);
            JsonElement? json = jsonPath != null ? ReadJson(jsonPath) : null;
            return new ProtectedKeyMaterial
            {
                KeyId = overrides.KeyId ?? (json.HasValue ? Str(json.Value, "KeyId") : null) ?? throw Missing(path, "KeyId", "-KeyId"),
                // Not recorded (the aws CLI procedure's files): left empty, never a default spec.
                KeySpec = KmsNames.Name(overrides.KeySpec ?? EnumOrNull<KeySpec>(json, "KeySpec", path)) ?? "",
                WrappingAlgorithm = KmsNames.Name(EnumOrNull<WrappingAlgorithm>(json, "WrappingAlgorithm", path)) ?? "",
                WrappingKeySpec = KmsNames.Name(EnumOrNull<WrappingKeySpec>(json, "WrappingKeySpec", path)) ?? "",
                EncryptedKeyMaterial = ReadBin(folder, json, "EncryptedKeyMaterialFile", EncryptedMaterialFile, path),
                ImportToken = ReadBin(folder, json, "ImportTokenFile", ImportTokenFile, path),
                ParametersValidTo = ValidTo(json, folder, path),
                Fingerprint = (json.HasValue ? Str(json.Value, "Fingerprint") : null) ?? "",
                FingerprintAlgorithm = (json.HasValue ? Str(json.Value, "FingerprintAlgorithm") : null) ?? "",
                Region = overrides.Region ?? (json.HasValue ? Str(json.Value, "Region") : null) ?? "",
                EndpointUrl = json.HasValue ? Str(json.Value, "EndpointUrl") : null,
            };
        }

        // --- helpers ---

        /// <summary>The fields both bundle descriptions share.</summary>
        private static void WriteCommon(Utf8JsonWriter w, string format, string keyId, string keySpec, string algorithm,
            string wrappingKeySpec, DateTime parametersValidTo, string region, string? endpointUrl)
        {
            w.WriteString("Format", format);
            w.WriteString("KeyId", keyId);
            w.WriteString("KeySpec", keySpec);
            w.WriteString("WrappingAlgorithm", algorithm);
            w.WriteString("WrappingKeySpec", wrappingKeySpec);
            w.WriteString("ParametersValidTo", ImportRules.ToUtc(parametersValidTo).ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("Region", region);
            if (endpointUrl != null) w.WriteString("EndpointUrl", endpointUrl); else w.WriteNull("EndpointUrl");
        }

        /// <summary>File-system failures leave as the module's own error, naming the path.</summary>
        private static T Guard<T>(Func<T> body, string path)
        {
            try { return body(); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new KmsImportException(ErrorIds.BundleIOError, ErrorKind.PermissionDenied,
                    $"Could not read or write the bundle at '{path}': {ex.Message}. Check the path and its permissions.", ex)
                { TargetObject = path };
            }
        }

        private static (string folder, string? json) Locate(string path, string preferredJson)
        {
            if (Directory.Exists(path))
            {
                var candidate = Path.Combine(path, preferredJson);
                return (path, File.Exists(candidate) ? candidate : null);
            }
            if (File.Exists(path)) return (Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", path);
            throw new KmsImportException(ErrorIds.BundleNotFound, ErrorKind.ObjectNotFound,
                $"'{path}' does not exist. Pass the folder Get-KmsImportParameters -OutDirectory or Protect-KeyMaterial -OutDirectory wrote (…/<KeyId>), or its JSON file.")
            { TargetObject = path };
        }

        private static string NewFolder(string directory, string keyId)
        {
            var folder = Path.Combine(directory, KeyFileNames.ForKeyId(keyId));
            if (Directory.Exists(folder) && Directory.GetFileSystemEntries(folder).Length > 0)
                throw new KmsImportException(ErrorIds.BundleExists, ErrorKind.ResourceExists,
                    $"'{folder}' already holds files; bundles are never overwritten. Choose another -OutDirectory or move the old bundle away.")
                { TargetObject = folder };
            Directory.CreateDirectory(folder);
            return folder;
        }

        private static void WriteNew(string path, byte[] content)
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(content, 0, content.Length);
        }

        private static byte[] Json(Action<Utf8JsonWriter> body)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                body(w);
                w.WriteEndObject();
            }
            return buffer.ToArray();
        }

        private static JsonElement ReadJson(string path)
        {
            var info = new FileInfo(path);
            if (info.Length > MaxJsonBytes) throw Invalid(path, "is too large to be a parameters bundle");
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(path, "is not a JSON object");
                // Strings are decoded lazily; decode them now so bad UTF-8 is refused here, not later.
                foreach (var property in doc.RootElement.EnumerateObject())
                    if (property.Value.ValueKind == JsonValueKind.String) property.Value.GetString();
                return doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw Invalid(path, $"is not valid JSON ({ex.Message})", ex);
            }
            catch (InvalidOperationException ex)
            {
                throw Invalid(path, "holds text that is not valid UTF-8", ex);
            }
        }

        private static string? Str(JsonElement json, string name) =>
            json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static T? EnumOrNull<T>(JsonElement? json, string name, string path) where T : struct, Enum
        {
            if (!json.HasValue || Str(json.Value, name) is not string text) return null;
            // By name only: "1" is not HMAC_224. The file's text is not quoted back.
            if (KmsNames.TryParse<T>(text, out var value)) return value;
            throw Invalid(path, $"has a {name} that is not one of {string.Join(", ", KmsNames.Names<T>())}");
        }

        private static byte[] FromBase64(string text, string name, string path)
        {
            try { return Convert.FromBase64String(text); }
            catch (FormatException ex) { throw Invalid(path, $"has a {name} that is not base64", ex); }
        }

        private static byte[] ReadBin(string folder, JsonElement? json, string property, string defaultName, string path)
        {
            var name = (json.HasValue ? Str(json.Value, property) : null) ?? defaultName;
            if (name.IndexOfAny(new[] { '/', '\\' }) >= 0 || name == "..") throw Invalid(path, $"names {property} '{name}' outside its folder");
            var file = Path.Combine(folder, name);
            if (!File.Exists(file)) throw Invalid(path, $"lacks {name} beside it");
            var info = new FileInfo(file);
            if (info.Length == 0 || info.Length > 6144 + 1024) throw Invalid(path, $"has a {name} of {info.Length} bytes, which cannot be KMS's");
            return File.ReadAllBytes(file);
        }

        private static DateTime ValidTo(JsonElement? json, string folder, string path)
        {
            if (json.HasValue && json.Value.TryGetProperty("ParametersValidTo", out var v))
            {
                if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var epoch))
                    return new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(epoch);
                if (v.ValueKind == JsonValueKind.String &&
                    DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
                    return when.UtcDateTime;
                throw Invalid(path, "has a ParametersValidTo that is not a date");
            }
            var token = Path.Combine(folder, ImportTokenFile);
            if (File.Exists(token)) return File.GetLastWriteTimeUtc(token).AddHours(24);
            throw Invalid(path, "does not say until when its parameters are valid");
        }

        private static KmsImportException Missing(string path, string what, string parameter) =>
            new KmsImportException(ErrorIds.BundleInvalid, ErrorKind.InvalidData,
                $"'{path}' does not record the {what} (files from the aws CLI procedure do not); pass {parameter}.")
            { TargetObject = path };

        private static KmsImportException Invalid(string path, string problem, Exception? inner = null) =>
            new KmsImportException(ErrorIds.BundleInvalid, ErrorKind.InvalidData,
                $"'{path}' {problem}. Use the files Get-KmsImportParameters -OutDirectory or Protect-KeyMaterial -OutDirectory wrote.", inner)
            { TargetObject = path };
    }
}
