using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace KmsImport.Core.Evidence
{
    /// <summary>A line that is not an evidence record; the reason names no content of the line.</summary>
    internal sealed class EvidenceFormatException : Exception
    {
        public EvidenceFormatException(string reason) : base(reason) { }
    }

    /// <summary>
    /// One evidence line: compact JSON (no line break inside), UTF-8, properties in a fixed order, the
    /// format marker first and the hash of the previous line (<c>prev</c>) last. The chain hashes the
    /// line's exact bytes (without its line feed), so any change to a line shows in the next one.
    /// </summary>
    internal static class EvidenceFormat
    {
        public const string Marker = "kmsImportEvidence";
        public const int Version = 1;
        /// <summary>The <c>prev</c> of the first line: there is no line before it.</summary>
        public static readonly string Genesis = new string('0', 64);

        public static byte[] Write(KmsEvidenceStep s)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            {
                w.WriteStartObject();
                w.WriteNumber(Marker, Version);
                w.WriteString("time", s.Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteString("cmdlet", s.Cmdlet);
                w.WriteString("keyId", s.KeyId);
                Str(w, "region", s.Region);
                Str(w, "account", s.Account);
                Str(w, "endpointUrl", s.EndpointUrl);
                Str(w, "operator", s.Operator);
                Str(w, "host", s.Host);
                Str(w, "credentialSource", s.CredentialSource);
                Str(w, "accessKeyId", s.AccessKeyId);
                Str(w, "keySpec", s.KeySpec);
                Str(w, "fingerprint", s.Fingerprint);
                Str(w, "fingerprintAlgorithm", s.FingerprintAlgorithm);
                if (s.ComponentCheckValues == null) w.WriteNull("componentCheckValues");
                else
                {
                    w.WriteStartArray("componentCheckValues");
                    foreach (var v in s.ComponentCheckValues) w.WriteStringValue(v);
                    w.WriteEndArray();
                }
                Str(w, "wrappingAlgorithm", s.WrappingAlgorithm);
                Str(w, "wrappingKeySpec", s.WrappingKeySpec);
                Str(w, "publicKeySha256", s.PublicKeySha256);
                Str(w, "importTokenSha256", s.ImportTokenSha256);
                Str(w, "keyState", s.KeyState);
                w.WriteString("outcome", s.Outcome);
                Str(w, "status", s.Status);
                Str(w, "errorId", s.ErrorId);
                w.WriteString("prev", s.Previous);
                w.WriteEndObject();
            }
            return buffer.ToArray();
        }

        private static void Str(Utf8JsonWriter w, string name, string? value)
        {
            if (value == null) w.WriteNull(name);
            else w.WriteString(name, value);
        }

        /// <summary>The record of one line (without its line feed); <see cref="EvidenceFormatException"/> when it is none.</summary>
        public static KmsEvidenceStep Parse(byte[] line, int offset, int count)
        {
            JsonDocument doc;
            try
            {
                // Strict UTF-8: invalid bytes are refused, not replaced.
                new UTF8Encoding(false, true).GetCharCount(line, offset, count);
                doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(line, offset, count));
            }
            catch (Exception e) when (e is JsonException || e is DecoderFallbackException || e is ArgumentException)
            {
                throw new EvidenceFormatException("is not a JSON object in UTF-8");
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new EvidenceFormatException("is not a JSON object");
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var first = true;
                foreach (var p in root.EnumerateObject())
                {
                    if (!seen.Add(p.Name)) throw new EvidenceFormatException("names a property twice");
                    if (first && (p.Name != Marker || p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var v) || v != Version))
                        throw new EvidenceFormatException($"does not start with the evidence marker ({Marker}: {Version})");
                    first = false;
                }
                if (first) throw new EvidenceFormatException("is an empty JSON object");

                var step = new KmsEvidenceStep
                {
                    Cmdlet = Required(root, "cmdlet"),
                    KeyId = Optional(root, "keyId") ?? "",
                    Region = Optional(root, "region"),
                    Account = Optional(root, "account"),
                    EndpointUrl = Optional(root, "endpointUrl"),
                    Operator = Optional(root, "operator"),
                    Host = Optional(root, "host"),
                    CredentialSource = Optional(root, "credentialSource"),
                    AccessKeyId = Optional(root, "accessKeyId"),
                    KeySpec = Optional(root, "keySpec"),
                    Fingerprint = Optional(root, "fingerprint"),
                    FingerprintAlgorithm = Optional(root, "fingerprintAlgorithm"),
                    ComponentCheckValues = Values(root, "componentCheckValues"),
                    WrappingAlgorithm = Optional(root, "wrappingAlgorithm"),
                    WrappingKeySpec = Optional(root, "wrappingKeySpec"),
                    PublicKeySha256 = Optional(root, "publicKeySha256"),
                    ImportTokenSha256 = Optional(root, "importTokenSha256"),
                    KeyState = Optional(root, "keyState"),
                    Outcome = Required(root, "outcome"),
                    Status = Optional(root, "status"),
                    ErrorId = Optional(root, "errorId"),
                    Previous = Required(root, "prev"),
                };
                if (!DateTime.TryParseExact(Required(root, "time"), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
                    throw new EvidenceFormatException("has a time that is not UTC in the evidence format");
                step.Time = DateTime.SpecifyKind(time, DateTimeKind.Utc);
                if (!IsSha256Hex(step.Previous)) throw new EvidenceFormatException("has a prev that is not 64 lowercase hex digits");
                if (step.Outcome != KmsEvidenceStep.Succeeded && step.Outcome != KmsEvidenceStep.Failed)
                    throw new EvidenceFormatException("has an outcome other than Succeeded or Failed");
                step.Sha256 = Sha256Hex(line, offset, count);
                return step;
            }
        }

        private static string Required(JsonElement root, string name) =>
            Optional(root, name) ?? throw new EvidenceFormatException($"has no {name}");

        private static string? Optional(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.String) throw new EvidenceFormatException($"has a {name} that is not text");
            return v.GetString();
        }

        private static IReadOnlyList<string>? Values(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.Array) throw new EvidenceFormatException($"has a {name} that is not a list");
            var list = new List<string>();
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) throw new EvidenceFormatException($"has a {name} entry that is not text");
                list.Add(item.GetString()!);
            }
            return list;
        }

        public static bool IsSha256Hex(string? value)
        {
            if (value == null || value.Length != 64) return false;
            foreach (var c in value)
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
            return true;
        }

        /// <summary>SHA-256 as 64 lowercase hex digits.</summary>
        public static string Sha256Hex(byte[] data, int offset = 0, int count = -1)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(data, offset, count < 0 ? data.Length - offset : count);
            var sb = new StringBuilder(64);
            foreach (var b in hash) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }
}
