using System;
using System.Collections.Generic;
using System.Text;

namespace KmsImport.Core.Crypto
{
    /// <summary>One decoded PEM block. <see cref="Dispose"/> zeroes the decoded DER.</summary>
    internal sealed class PemBlock : IDisposable
    {
        public PemBlock(string label, bool legacyEncrypted, byte[] der)
        {
            Label = label;
            LegacyEncrypted = legacyEncrypted;
            Der = der;
        }

        public string Label { get; }

        /// <summary>True for OpenSSL's traditional encrypted PEM (Proc-Type: 4,ENCRYPTED / DEK-Info headers).</summary>
        public bool LegacyEncrypted { get; }

        public byte[] Der { get; }

        public void Dispose() => Array.Clear(Der, 0, Der.Length);
    }

    /// <summary>
    /// A PEM (RFC 7468) reader that works on the bytes directly, so the base64 text of a private key never
    /// becomes an immutable .NET string: the only copies are a char[] and the decoded byte[], both zeroed.
    /// </summary>
    internal static class Pem
    {
        private static readonly byte[] BeginMarker = Encoding.ASCII.GetBytes("-----BEGIN ");
        private static readonly byte[] Dashes = Encoding.ASCII.GetBytes("-----");

        public static bool LooksLikePem(byte[] data) => IndexOf(data, BeginMarker, 0) >= 0;

        /// <summary>PEM labels of RFC 7468 and OpenSSL, the only ones messages repeat verbatim.</summary>
        private static readonly HashSet<string> KnownLabels = new HashSet<string>(StringComparer.Ordinal)
        {
            "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY", "DSA PRIVATE KEY",
            "ANY PRIVATE KEY", "OPENSSH PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY", "EC PUBLIC KEY", "SSH2 PUBLIC KEY",
            "EC PARAMETERS", "SM2 PARAMETERS", "DSA PARAMETERS", "DH PARAMETERS", "X9.42 DH PARAMETERS", "PARAMETERS",
            "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
            "ATTRIBUTE CERTIFICATE", "X509 CRL", "PKCS7", "CMS", "PGP PRIVATE KEY BLOCK", "PGP PUBLIC KEY BLOCK",
        };

        /// <summary>
        /// How a message names a label: a known label quoted (<c>'PRIVATE KEY'</c>), anything else only by its length. A
        /// damaged file can carry key text in its BEGIN line (a lost line break), and messages never repeat key material.
        /// </summary>
        public static string QuoteLabel(string label) =>
            KnownLabels.Contains(label) ? "'" + label + "'" : $"one with an unrecognized label ({label.Length} characters)";

        private static string Block(string label) =>
            KnownLabels.Contains(label) ? $"the PEM block '{label}'" : $"a PEM block with an unrecognized label ({label.Length} characters)";

        /// <summary>All blocks in order. Throws <see cref="FormatException"/> for a block without END or with bad base64.</summary>
        public static List<PemBlock> ReadAll(byte[] data)
        {
            var blocks = new List<PemBlock>();
            try
            {
                int pos = 0;
                while (true)
                {
                    int begin = IndexOf(data, BeginMarker, pos);
                    if (begin < 0) break;
                    int labelStart = begin + BeginMarker.Length;
                    int labelEnd = IndexOf(data, Dashes, labelStart);
                    if (labelEnd < 0 || labelEnd - labelStart > 64) throw new FormatException("a PEM BEGIN line is not terminated by '-----'");
                    string label = Encoding.ASCII.GetString(data, labelStart, labelEnd - labelStart);
                    int bodyStart = labelEnd + Dashes.Length;
                    byte[] endMarker = Encoding.ASCII.GetBytes("-----END " + label + "-----");
                    int end = IndexOf(data, endMarker, bodyStart);
                    if (end < 0)
                        throw new FormatException(KnownLabels.Contains(label)
                            ? $"the PEM block '{label}' has no matching '-----END {label}-----' line (truncated file?)"
                            : $"{Block(label)} has no matching END line (truncated or damaged file?)");
                    blocks.Add(DecodeBody(label, data, bodyStart, end));
                    pos = end + endMarker.Length;
                }
                return blocks;
            }
            catch
            {
                foreach (var b in blocks) b.Dispose();
                throw;
            }
        }

        private static PemBlock DecodeBody(string label, byte[] data, int start, int end)
        {
            bool legacyEncrypted = false;
            var chars = new char[end - start];
            int count = 0;
            try
            {
                int lineStart = start;
                bool inHeaders = true;
                while (lineStart < end)
                {
                    int lineEnd = lineStart;
                    while (lineEnd < end && data[lineEnd] != (byte)'\n') lineEnd++;
                    bool isHeader = false;
                    if (inHeaders)
                    {
                        for (int i = lineStart; i < lineEnd; i++)
                        {
                            if (data[i] == (byte)':') { isHeader = true; break; }
                        }
                        if (isHeader)
                        {
                            string header = Encoding.ASCII.GetString(data, lineStart, lineEnd - lineStart);
                            if (header.IndexOf("ENCRYPTED", StringComparison.OrdinalIgnoreCase) >= 0
                                || header.StartsWith("DEK-Info", StringComparison.OrdinalIgnoreCase))
                                legacyEncrypted = true;
                        }
                    }
                    if (!isHeader)
                    {
                        for (int i = lineStart; i < lineEnd; i++)
                        {
                            byte b = data[i];
                            if (b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r') continue;
                            bool ok = (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'a' && b <= (byte)'z')
                                      || (b >= (byte)'0' && b <= (byte)'9') || b == (byte)'+' || b == (byte)'/' || b == (byte)'=';
                            if (!ok) throw new FormatException($"{Block(label)} contains a character that is not base64");
                            chars[count++] = (char)b;
                            inHeaders = false;
                        }
                    }
                    lineStart = lineEnd + 1;
                }
                byte[] der;
                try
                {
                    der = Convert.FromBase64CharArray(chars, 0, count);
                }
                catch (FormatException)
                {
                    throw new FormatException($"the base64 body of {Block(label)} is malformed (truncated or edited?)");
                }
                return new PemBlock(label, legacyEncrypted, der);
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
            }
        }

        internal static int IndexOf(byte[] data, byte[] pattern, int from)
        {
            for (int i = from; i <= data.Length - pattern.Length; i++)
            {
                int j = 0;
                while (j < pattern.Length && data[i + j] == pattern[j]) j++;
                if (j == pattern.Length) return i;
            }
            return -1;
        }
    }
}
