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
        /// <summary>The endpoint the caller named (-EndpointUrl): a bundle's endpoint is used only when it is this one, or AWS's own.</summary>
        public string? EndpointUrl { get; set; }
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
        private const int MaxBinBytes = 6144 + 1024;

        /// <summary>Test hook: runs after each bundle file is created, before its content is written (simulates a full disk). Thread-static.</summary>
        [ThreadStatic]
        internal static Action<string>? AfterCreate;

        /// <summary>Writes the parameters into &lt;directory&gt;/&lt;KeyId&gt;/; returns that folder.</summary>
        public static string WriteParameters(string directory, KmsImportParameters p) => Guard(() => WriteParametersCore(directory, p), directory);

        private static string WriteParametersCore(string directory, KmsImportParameters p) => WriteAllOrNothing(directory, p.KeyId, folder =>
        {
            WriteNew(Path.Combine(folder, PublicKeyFile), p.PublicKey);
            WriteNew(Path.Combine(folder, ImportTokenFile), p.ImportToken);
            WriteNew(Path.Combine(folder, ParametersFile), Json(w =>
            {
                WriteCommon(w, ParametersFormat, p.KeyId, p.KeySpec, p.WrappingAlgorithm, p.WrappingKeySpec, p.ParametersValidTo, p.Region, p.EndpointUrl);
                w.WriteString("PublicKeyFile", PublicKeyFile);
                w.WriteString("ImportTokenFile", ImportTokenFile);
            }));
        });

        /// <summary>Writes wrapped material into &lt;directory&gt;/&lt;KeyId&gt;/; returns that folder.</summary>
        public static string WriteProtected(string directory, ProtectedKeyMaterial m) => Guard(() => WriteProtectedCore(directory, m), directory);

        private static string WriteProtectedCore(string directory, ProtectedKeyMaterial m) => WriteAllOrNothing(directory, m.KeyId, folder =>
        {
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
        });

        /// <summary>
        /// Creates &lt;directory&gt;/&lt;KeyId&gt;/ and its files, or, when any write fails (a full disk, a quota, a
        /// removed medium), removes every file it created and the folder if it made it: nothing half-written stays
        /// to block the retry with ImportBundleExists.
        /// </summary>
        private static string WriteAllOrNothing(string directory, string keyId, Action<string> write)
        {
            var folder = EnsureFree(directory, keyId);
            bool existed = Directory.Exists(folder);
            Directory.CreateDirectory(folder);
            var created = new System.Collections.Generic.List<string>();
            try
            {
                write(folder);
                return folder;
            }
            catch (Exception e)
            {
                foreach (var file in Directory.GetFiles(folder))
                    try { File.Delete(file); } catch (Exception) { /* best effort: the original failure is reported */ }
                if (!existed)
                    try { Directory.Delete(folder); } catch (Exception) { /* best effort */ }
                if (e is KmsImportException) throw;
                throw new KmsImportException(ErrorIds.BundleIOError, ErrorKind.ResourceUnavailable,
                    $"Writing the bundle into '{folder}' failed ({e.GetType().Name}); everything written was removed. "
                    + "Check free disk space and the folder's permissions, then run the same command again.")
                { TargetObject = folder };
            }
        }

        public static KmsImportParameters ReadParameters(string path, BundleOverrides? overrides = null) => Guard(() => ReadParametersCore(path, overrides), path);

        private static KmsImportParameters ReadParametersCore(string path, BundleOverrides? overrides = null)
        {
            overrides ??= new BundleOverrides();
            var (folder, jsonPath) = Locate(path, ParametersFile);
            JsonElement? json = jsonPath != null ? ReadJson(jsonPath) : null;
            var publicKey = json.HasValue && Str(json.Value, "PublicKey", path) is string pk ? FromBase64(pk, "PublicKey", path) : ReadBin(folder, json, "PublicKeyFile", PublicKeyFile, path);
            var token = json.HasValue && Str(json.Value, "ImportToken", path) is string tk ? FromBase64(tk, "ImportToken", path) : ReadBin(folder, json, "ImportTokenFile", ImportTokenFile, path);

            var origin = TrustedOrigin(json, overrides, path);
            var wrappingKeySpec = overrides.WrappingKeySpec ?? EnumOrNull<WrappingKeySpec>(json, "WrappingKeySpec", path) ?? WrappingPublicKey.Inspect(publicKey);
            // The key id is asked for first, as before the vocabulary change (files of the aws CLI procedure lack all three).
            var keyId = KeyIdOf(json, overrides, path);
            var keySpec = overrides.KeySpec ?? EnumOrNull<KeySpec>(json, "KeySpec", path) ?? throw Missing(path, "KeySpec", "-KeySpec");
            var algorithm = overrides.WrappingAlgorithm ?? EnumOrNull<WrappingAlgorithm>(json, "WrappingAlgorithm", path) ?? throw Missing(path, "WrappingAlgorithm", "-WrappingAlgorithm");
            return new KmsImportParameters
            {
                KeyId = keyId,
                KeySpec = KmsNames.Name(keySpec),
                WrappingAlgorithm = KmsNames.Name(algorithm),
                WrappingKeySpec = KmsNames.Name(wrappingKeySpec),
                PublicKey = publicKey,
                ImportToken = token,
                ParametersValidTo = ValidTo(json, folder, path),
                Region = origin.Region,
                EndpointUrl = origin.EndpointUrl,
            };
        }

        public static ProtectedKeyMaterial ReadProtected(string path, BundleOverrides? overrides = null) => Guard(() => ReadProtectedCore(path, overrides), path);

        private static ProtectedKeyMaterial ReadProtectedCore(string path, BundleOverrides? overrides = null)
        {
            overrides ??= new BundleOverrides();
            var (folder, jsonPath) = Locate(path, ProtectedFile);
            JsonElement? json = jsonPath != null ? ReadJson(jsonPath) : null;
            var origin = TrustedOrigin(json, overrides, path);
            return new ProtectedKeyMaterial
            {
                KeyId = KeyIdOf(json, overrides, path),
                // Not recorded (the aws CLI procedure's files): left empty, never a default spec.
                KeySpec = KmsNames.Name(overrides.KeySpec ?? EnumOrNull<KeySpec>(json, "KeySpec", path)) ?? "",
                WrappingAlgorithm = KmsNames.Name(EnumOrNull<WrappingAlgorithm>(json, "WrappingAlgorithm", path)) ?? "",
                WrappingKeySpec = KmsNames.Name(EnumOrNull<WrappingKeySpec>(json, "WrappingKeySpec", path)) ?? "",
                EncryptedKeyMaterial = ReadBin(folder, json, "EncryptedKeyMaterialFile", EncryptedMaterialFile, path),
                ImportToken = ReadBin(folder, json, "ImportTokenFile", ImportTokenFile, path),
                ParametersValidTo = ValidTo(json, folder, path),
                Fingerprint = Fingerprint(json, "Fingerprint", path),
                FingerprintAlgorithm = Fingerprint(json, "FingerprintAlgorithm", path),
                Region = origin.Region,
                EndpointUrl = origin.EndpointUrl,
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
            w.WriteString("ParametersValidTo", UtcTime.ToUtc(parametersValidTo).ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("Region", region);
            if (endpointUrl != null) w.WriteString("EndpointUrl", endpointUrl); else w.WriteNull("EndpointUrl");
        }

        /// <summary>File-system failures leave as the module's own error, naming the path.</summary>
        private static T Guard<T>(Func<T> body, string path)
        {
            try { return body(); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                // The exception's own message is left out: only the path and the kind of failure are reported.
                throw new KmsImportException(ErrorIds.BundleIOError, ex is UnauthorizedAccessException ? ErrorKind.PermissionDenied : ErrorKind.ResourceUnavailable,
                    $"Could not read or write the bundle at '{path}' ({ex.GetType().Name}). Check the path, free disk space and the permissions.")
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

        /// <summary>Refuses, before anything is written anywhere (escrow included), a bundle folder that already holds files or a missing -OutDirectory.</summary>
        public static void EnsureProtectedWritable(string directory, string keyId) => Guard(() => EnsureFree(directory, keyId), directory);

        private static string EnsureFree(string directory, string keyId)
        {
            var folder = Path.Combine(directory, KeyFileNames.ForKeyId(keyId));
            if (Directory.Exists(folder) && Directory.GetFileSystemEntries(folder).Length > 0)
                throw new KmsImportException(ErrorIds.BundleExists, ErrorKind.ResourceExists,
                    $"'{folder}' already holds files; bundles are never overwritten. Choose another -OutDirectory or move the old bundle away.")
                { TargetObject = folder };
            if (!Directory.Exists(directory))
                throw new KmsImportException(ErrorIds.BundleNotFound, ErrorKind.ObjectNotFound,
                    $"The folder '{directory}' does not exist. Create it first, or pass an existing folder to -OutDirectory.")
                { TargetObject = directory };
            return folder;
        }

        private static void WriteNew(string path, byte[] content)
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            AfterCreate?.Invoke(path);
            stream.Write(content, 0, content.Length);
            stream.Flush(true);
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

        /// <summary>A file of the bundle: a regular file (no symbolic link, pipe or device), size-capped, read once.</summary>
        private static byte[] ReadFile(string file, int maxBytes, string path, string role)
        {
            try
            {
                return UntrustedFile.Read(file, maxBytes, followLinks: false);
            }
            catch (FileRefusedException e)
            {
                switch (e.Reason)
                {
                    case FileRefusal.SymbolicLink:
                    case FileRefusal.NotRegular:
                    case FileRefusal.Changed:
                        throw new KmsImportException(ErrorIds.BundleFileNotRegular, ErrorKind.SecurityError,
                            $"The bundle's {role} '{file}' {e.Message}. Bundles are read from regular files only: copy the real files "
                            + "into the bundle folder (not links), or write the bundle again with -OutDirectory.")
                        { TargetObject = file };
                    case FileRefusal.NotFound:
                        throw Invalid(path, $"lacks its {role} beside it");
                    case FileRefusal.TooLarge:
                    case FileRefusal.Empty:
                        throw Invalid(path, $"has a {role} of {(e.Size.HasValue ? e.Size + " bytes" : e.Reason == FileRefusal.Empty ? "0 bytes" : "more than " + maxBytes + " bytes")}, which cannot be KMS's");
                    default:
                        throw new KmsImportException(ErrorIds.BundleIOError, ErrorKind.ResourceUnavailable,
                            $"The bundle's {role} '{file}' {e.Message}. Check the file's permissions.")
                        { TargetObject = file };
                }
            }
        }

        private static JsonElement ReadJson(string path)
        {
            var bytes = ReadFile(path, MaxJsonBytes, path, "description");
            int start = 0;
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) start = 3; // UTF-8 BOM (Windows PowerShell 5.1 writes one)
            else if (bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) || bytes[0] == 0 || bytes[1] == 0))
                throw new KmsImportException(ErrorIds.BundleEncodingUnsupported, ErrorKind.InvalidData,
                    $"'{path}' is UTF-16 (or UTF-32) text; bundle descriptions are UTF-8 JSON. Re-save it as UTF-8, e.g. "
                    + "Set-Content -Encoding utf8 (PowerShell 7) or [IO.File]::WriteAllText($path, (Get-Content -Raw $path), [Text.UTF8Encoding]::new($false)) (Windows PowerShell 5.1).")
                { TargetObject = path };
            try
            {
                // No exception of the parser travels on: its message quotes the text (a key file given by mistake, for one).
                using var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, start, bytes.Length - start));
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw Invalid(path, "is not a JSON object (a key material file belongs to Protect-KeyMaterial -Path, not here)");
                var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(property.Name)) throw Invalid(path, "names one field twice");
                    // Strings are decoded lazily; decode them now so bad UTF-8 is refused here, not later.
                    if (property.Value.ValueKind == JsonValueKind.String) property.Value.GetString();
                }
                return doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw Invalid(path, $"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}); "
                    + "a key material file belongs to Protect-KeyMaterial -Path, not here");
            }
            catch (InvalidOperationException)
            {
                throw Invalid(path, "holds text that is not valid UTF-8");
            }
            catch (ArgumentException)
            {
                throw Invalid(path, "holds text that is not valid UTF-8");
            }
        }

        /// <summary>A text field, or null when absent or JSON null; any other JSON type is refused.</summary>
        private static string? Str(JsonElement json, string name, string path)
        {
            if (!json.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.String) throw Invalid(path, $"has a {name} that is not a text value");
            return v.GetString();
        }

        /// <summary>Vocabulary values by NAME only (KmsNames, the one parser in Model): "1" is not HMAC_224.</summary>
        private static T? EnumOrNull<T>(JsonElement? json, string name, string path) where T : struct, Enum
        {
            if (!json.HasValue || Str(json.Value, name, path) is not string text) return null;
            if (KmsNames.TryParse<T>(text, out var value)) return value;
            throw Invalid(path, $"has a {name} that is not one of {string.Join(", ", KmsNames.Names<T>())}");
        }

        private static string KeyIdOf(JsonElement? json, BundleOverrides overrides, string path)
        {
            var keyId = overrides.KeyId ?? (json.HasValue ? Str(json.Value, "KeyId", path) : null) ?? throw Missing(path, "KeyId", "-KeyId");
            KeyFileNames.EnsureSafe(keyId, overrides.KeyId != null ? "The key id" : $"The KeyId in '{path}'");
            return keyId;
        }

        private static string Fingerprint(JsonElement? json, string name, string path)
        {
            var text = json.HasValue ? Str(json.Value, name, path) : null;
            if (text == null) return "";
            if (text.Length > 64 || !System.Text.RegularExpressions.Regex.IsMatch(text, "^[A-Za-z0-9()_.-]*$"))
                throw Invalid(path, $"has a {name} that is not a fingerprint");
            return text;
        }

        private static readonly System.Text.RegularExpressions.Regex RegionName =
            new System.Text.RegularExpressions.Regex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// The Region and endpoint to use for a bundle: a bundle names where it was made, but that is data from
        /// whoever handed the files over. Its endpoint is used only when the caller named the same one (-EndpointUrl)
        /// or it is AWS's own KMS endpoint for the bundle's Region; its Region only when the caller named none or the
        /// same. Anything else is refused here, before any request could carry credentials to it.
        /// </summary>
        private static (string Region, string? EndpointUrl) TrustedOrigin(JsonElement? json, BundleOverrides overrides, string path)
        {
            string? bundleRegion = json.HasValue ? Str(json.Value, "Region", path) : null;
            string? bundleEndpoint = json.HasValue ? Str(json.Value, "EndpointUrl", path) : null;
            if (string.IsNullOrEmpty(bundleRegion)) bundleRegion = null;
            if (string.IsNullOrEmpty(bundleEndpoint)) bundleEndpoint = null;
            if (bundleRegion != null && !RegionName.IsMatch(bundleRegion)) throw Invalid(path, "has a Region that is not an AWS Region name");
            string? callerRegion = string.IsNullOrWhiteSpace(overrides.Region) ? null : overrides.Region!.Trim();
            string? callerEndpoint = KmsClientFactory.NormalizeEndpoint(overrides.EndpointUrl);

            if (callerRegion != null && bundleRegion != null && !string.Equals(callerRegion, bundleRegion, StringComparison.Ordinal))
                throw new KmsImportException(ErrorIds.BundleRegionMismatch, ErrorKind.InvalidArgument,
                    $"'{path}' was made for another Region than -Region {callerRegion}. Pass the bundle's own Region (its Region field), or leave -Region out.")
                { TargetObject = path };
            var region = callerRegion ?? bundleRegion ?? "";

            if (bundleEndpoint == null) return (region, callerEndpoint);
            string? normalized;
            try { normalized = KmsClientFactory.NormalizeEndpoint(bundleEndpoint); }
            catch (KmsImportException) { throw Invalid(path, "has an EndpointUrl that is not an absolute http(s) URL"); }
            if (callerEndpoint != null)
            {
                if (string.Equals(callerEndpoint, normalized, StringComparison.OrdinalIgnoreCase)) return (region, callerEndpoint);
                throw new KmsImportException(ErrorIds.BundleEndpointUntrusted, ErrorKind.SecurityError,
                    $"'{path}' names another endpoint than -EndpointUrl. Nothing was sent. Check where the bundle came from; "
                    + "if it is genuine, pass the endpoint it names (its EndpointUrl field) with -EndpointUrl.")
                { TargetObject = path };
            }
            if (normalized != null && IsAwsKmsEndpoint(normalized, region)) return (region, normalized);
            throw new KmsImportException(ErrorIds.BundleEndpointUntrusted, ErrorKind.SecurityError,
                $"'{path}' names an endpoint that is not AWS KMS in its Region, and no -EndpointUrl was given. Nothing was sent: "
                + "signed requests go only where you say. If you trust that endpoint, pass it (the bundle's EndpointUrl field) with -EndpointUrl.")
            { TargetObject = path };
        }

        /// <summary>https://kms[-fips].&lt;region&gt;.amazonaws.com (.com.cn in China): AWS's own KMS endpoint for the Region.</summary>
        internal static bool IsAwsKmsEndpoint(string normalizedUrl, string region)
        {
            if (!Uri.TryCreate(normalizedUrl, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !uri.IsDefaultPort
                || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length != 0) || !RegionName.IsMatch(region))
                return false;
            string suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? ".amazonaws.com.cn" : ".amazonaws.com";
            var host = uri.Host.ToLowerInvariant();
            return host == "kms." + region + suffix || host == "kms-fips." + region + suffix;
        }

        private static byte[] FromBase64(string text, string name, string path)
        {
            try { return Convert.FromBase64String(text); }
            catch (FormatException) { throw Invalid(path, $"has a {name} that is not base64"); }
        }

        private static byte[] ReadBin(string folder, JsonElement? json, string property, string defaultName, string path)
        {
            var name = (json.HasValue ? Str(json.Value, property, path) : null) ?? defaultName;
            if (name.Length == 0 || name.Length > 255 || name == "." || name == ".." || name.IndexOfAny(new[] { '/', '\\', ':' }) >= 0 || HasControl(name))
                throw Invalid(path, $"has a {property} that names a file outside its folder or no file at all");
            return ReadFile(Path.Combine(folder, name), MaxBinBytes, path, property == "PublicKeyFile" ? "public key file" : property == "ImportTokenFile" ? "import token file" : "wrapped material file");
        }

        private static bool HasControl(string text)
        {
            foreach (var c in text) if (char.IsControl(c)) return true;
            return false;
        }

        private static DateTime ValidTo(JsonElement? json, string folder, string path)
        {
            if (json.HasValue && json.Value.TryGetProperty("ParametersValidTo", out var v))
            {
                // Seconds since 1970 (as the aws CLI prints it) or ISO 8601 text; between 2000 and 2200, else it is no token's expiry.
                const double Earliest = 946684800, Latest = 7258118400;
                if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var epoch))
                {
                    if (double.IsNaN(epoch) || double.IsInfinity(epoch) || epoch < Earliest || epoch > Latest)
                        throw Invalid(path, "has a ParametersValidTo out of range (seconds since 1970 between the years 2000 and 2200 are expected)");
                    return new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(epoch);
                }
                if (v.ValueKind == JsonValueKind.String &&
                    DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
                {
                    if (when.Year < 2000 || when.Year >= 2200)
                        throw Invalid(path, "has a ParametersValidTo out of range (a date between the years 2000 and 2200 is expected)");
                    return when.UtcDateTime;
                }
                throw Invalid(path, "has a ParametersValidTo that is not a date (ISO 8601 text or seconds since 1970)");
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
