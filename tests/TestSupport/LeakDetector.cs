// The one leak detector of the test suites: compiled into KmsImport.Core.Tests (xUnit) and loaded with Add-Type by the
// Pester files (tests/Pester/LeakDetector.psm1), so both apply the same rules. Plain BCL code, no dependencies.
#nullable enable
using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KmsImport.TestSupport
{
    /// <summary>
    /// Finds secret bytes in text or files, in every form a leak could take: the raw bytes; hex in either case, also with
    /// separators (BitConverter's "0A-1B", OpenSSL's "0a:1b", "0x0a, 0x1b", spaces, line breaks); base64 at each of the three
    /// byte alignments (so also a run cut from the middle of a PEM body or of a larger encoded blob, across its line breaks)
    /// and base64url; decimal byte lists with any separator (PowerShell's "{10, 27, ...}" with $FormatEnumerationLimit = -1,
    /// "10 27 ..." when a byte[] is put in a string, one number per line from Out-String). A leak is any run of
    /// <see cref="Window"/> consecutive secret bytes in one of those forms. For a private key (PEM or DER: PKCS#8, encrypted
    /// PKCS#8, PKCS#1, SEC1) the secret bytes are its private numbers, so its PEM/DER/PKCS#1/SEC1 encodings and the raw
    /// scalars are all caught, while its public parts (modulus, public point, structure bytes), which a cmdlet may print, are not.
    /// </summary>
    public sealed class LeakDetector
    {
        /// <summary>Bytes per window: 8 random bytes in the wrong place are no coincidence (2^-64).</summary>
        public const int Window = 8;
        private const int Base64Window = 16; // 12 bytes of base64 at one alignment

        private readonly Dictionary<ulong, string> _bytes = new Dictionary<ulong, string>();
        private readonly Dictionary<string, string> _hex = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _base64 = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _base64Url = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly List<KeyValuePair<string, string>> _texts = new List<KeyValuePair<string, string>>();
        private readonly List<string> _names = new List<string>();

        private static readonly Regex HexNoise = new Regex(@"0[xX](?=[0-9A-Fa-f]{2})|[\s\-:,.;{}()\[\]]", RegexOptions.Compiled);
        private static readonly Regex Whitespace = new Regex(@"\s+", RegexOptions.Compiled);
        // ASCII digits only: \d would take other scripts' digits, which are no byte list (and do not parse).
        private static readonly Regex Numbers = new Regex(@"[0-9]+", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        /// <summary>What has been registered, for messages.</summary>
        public IReadOnlyList<string> Names => _names;

        /// <summary>Bytes every run of which is secret (key material, a transient key, a whole DER key in an error message test).</summary>
        public LeakDetector AddSecret(string name, byte[] secret)
        {
            if (secret == null) throw new ArgumentNullException(nameof(secret));
            if (secret.Length < Window) throw new ArgumentException($"the {name} is shorter than {Window} bytes: too short to search for", nameof(secret));
            _names.Add(name);
            for (int i = 0; i + Window <= secret.Length; i++)
            {
                _bytes[Key(secret, i)] = name;
                _hex[Convert.ToHexString(secret, i, Window).ToLowerInvariant()] = name;
            }
            for (int shift = 0; shift < 3; shift++)
            {
                string b64 = Convert.ToBase64String(secret, shift, secret.Length - shift);
                // The last quantum depends on the bytes after the secret (or the padding): left out.
                for (int i = 0; i + Base64Window <= b64.Length - 4; i += 1)
                {
                    string w = b64.Substring(i, Base64Window);
                    _base64[w] = name;
                    _base64Url[w.Replace('+', '-').Replace('/', '_')] = name;
                }
            }
            return this;
        }

        /// <summary>A secret text (a password): the text itself, and its UTF-8 bytes in every form when long enough.</summary>
        public LeakDetector AddText(string name, string secret)
        {
            if (string.IsNullOrEmpty(secret)) throw new ArgumentException("an empty secret text", nameof(secret));
            _texts.Add(new KeyValuePair<string, string>(name, secret));
            byte[] utf8 = Encoding.UTF8.GetBytes(secret);
            if (utf8.Length >= Window) AddSecret(name, utf8);
            else _names.Add(name);
            return this;
        }

        /// <summary>
        /// A private key in any encoding .NET reads (PEM or DER; PKCS#8, encrypted PKCS#8 with <paramref name="password"/>,
        /// PKCS#1, SEC1): its private numbers (RSA d, p, q, dp, dq, qInv; EC d) become secrets.
        /// </summary>
        public LeakDetector AddPrivateKey(string name, byte[] key, string? password = null)
        {
            foreach (var (part, value) in PrivateNumbers(key, password)) AddSecret($"{name} ({part})", value);
            return this;
        }

        /// <summary>Key material as it is stored: a private key's numbers when it is one, otherwise all of its bytes.</summary>
        public LeakDetector AddMaterial(string name, byte[] material)
        {
            List<(string, byte[])> numbers;
            try { numbers = PrivateNumbers(material, null); }
            catch (CryptographicException) { numbers = new List<(string, byte[])>(); }
            if (numbers.Count == 0) return AddSecret(name, material);
            foreach (var (part, value) in numbers) AddSecret($"{name} ({part})", value);
            return this;
        }

        /// <summary>The first leak in <paramref name="text"/>, described by secret name, form and position; null when none.</summary>
        public string? FindIn(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            foreach (var t in _texts)
            {
                int at = text.IndexOf(t.Value, StringComparison.Ordinal);
                if (at >= 0) return $"the {t.Key} as text at {at}";
            }
            string lower = text.ToLowerInvariant();
            string? found = FindHex(lower, "hex");
            if (found != null) return found;
            found = FindHex(HexNoise.Replace(lower, ""), "hex with separators");
            if (found != null) return found;
            found = FindBase64(text, "") ?? FindBase64(Whitespace.Replace(text, ""), " across line breaks");
            if (found != null) return found;
            return FindDecimal(text);
        }

        /// <summary>The first leak in a file's bytes: raw, or any text form of the content.</summary>
        public string? FindIn(byte[]? data)
        {
            if (data == null) return null;
            for (int i = 0; i + Window <= data.Length; i++)
            {
                if (_bytes.TryGetValue(Key(data, i), out string? name)) return $"the {name} as raw bytes at {i}";
            }
            return FindIn(Encoding.UTF8.GetString(data));
        }

        /// <summary>The first leak in an exception's messages, inner exceptions and its ToString (stack, data).</summary>
        public string? FindIn(Exception? e)
        {
            for (Exception? x = e; x != null; x = x.InnerException)
            {
                string? found = FindIn(x.Message);
                if (found != null) return $"{found} in the message of {x.GetType().Name}";
            }
            return e == null ? null : FindIn(e.ToString());
        }

        private string? FindHex(string lower, string form)
        {
            int n = Window * 2;
            for (int i = 0; i + n <= lower.Length; i++)
            {
                if (!IsHex(lower[i]) || !IsHex(lower[i + n - 1])) continue;
                if (_hex.TryGetValue(lower.Substring(i, n), out string? name)) return $"the {name} as {form} at {i}";
            }
            return null;
        }

        private string? FindBase64(string text, string where)
        {
            for (int i = 0; i + Base64Window <= text.Length; i++)
            {
                string w = text.Substring(i, Base64Window);
                if (_base64.TryGetValue(w, out string? name)) return $"the {name} as base64{where} at {i}";
                if (_base64Url.TryGetValue(w, out name)) return $"the {name} as base64url{where} at {i}";
            }
            return null;
        }

        /// <summary>Runs of numbers 0..255 separated by anything that is not a digit or a letter.</summary>
        private string? FindDecimal(string text)
        {
            var run = new List<byte>();
            int end = -1;
            int runStart = 0;
            foreach (Match m in Numbers.Matches(text))
            {
                bool joined = end >= 0 && m.Index - end <= 4 && IsSeparator(text, end, m.Index);
                bool isByte = m.Length <= 3 && int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) <= 255;
                if (!joined || !isByte)
                {
                    string? found = CheckRun(run, runStart);
                    if (found != null) return found;
                    run.Clear();
                    runStart = m.Index;
                }
                if (isByte) run.Add(byte.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture));
                end = isByte ? m.Index + m.Length : -1;
            }
            return CheckRun(run, runStart);
        }

        private string? CheckRun(List<byte> run, int at)
        {
            if (run.Count < Window) return null;
            byte[] bytes = run.ToArray();
            for (int i = 0; i + Window <= bytes.Length; i++)
            {
                if (_bytes.TryGetValue(Key(bytes, i), out string? name)) return $"the {name} as a decimal byte list near {at}";
            }
            return null;
        }

        private static bool IsSeparator(string text, int from, int to)
        {
            if (to <= from) return false;
            for (int i = from; i < to; i++)
            {
                if (char.IsLetterOrDigit(text[i])) return false; // any script's letters or digits break a list
            }
            return true;
        }

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');

        private static ulong Key(byte[] b, int i) => BitConverter.ToUInt64(b, i);

        private static List<(string, byte[])> PrivateNumbers(byte[] key, string? password)
        {
            var numbers = new List<(string, byte[])>();
            string text = Encoding.ASCII.GetString(key);
            bool pem = text.Contains("-----BEGIN");
            using (var rsa = RSA.Create())
            {
                if (TryImport(() =>
                {
                    if (pem && password != null) rsa.ImportFromEncryptedPem(text, password);
                    else if (pem) rsa.ImportFromPem(text);
                    else if (password != null) rsa.ImportEncryptedPkcs8PrivateKey(password, key, out _);
                    else if (!TryImport(() => rsa.ImportPkcs8PrivateKey(key, out _))) rsa.ImportRSAPrivateKey(key, out _);
                }))
                {
                    RSAParameters p = rsa.ExportParameters(true);
                    numbers.Add(("d", Trim(p.D!)));
                    numbers.Add(("p", Trim(p.P!)));
                    numbers.Add(("q", Trim(p.Q!)));
                    numbers.Add(("dp", Trim(p.DP!)));
                    numbers.Add(("dq", Trim(p.DQ!)));
                    numbers.Add(("qInv", Trim(p.InverseQ!)));
                    return numbers;
                }
            }
            using (var ec = ECDsa.Create())
            {
                if (TryImport(() =>
                {
                    if (pem && password != null) ec.ImportFromEncryptedPem(text, password);
                    else if (pem) ec.ImportFromPem(text);
                    else if (password != null) ec.ImportEncryptedPkcs8PrivateKey(password, key, out _);
                    else if (!TryImport(() => ec.ImportPkcs8PrivateKey(key, out _))) ec.ImportECPrivateKey(key, out _);
                }))
                {
                    numbers.Add(("d", Trim(ec.ExportParameters(true).D!)));
                }
            }
            return numbers;
        }

        private static bool TryImport(Action import)
        {
            try
            {
                import();
                return true;
            }
            catch (Exception e) when (e is CryptographicException || e is ArgumentException)
            {
                return false;
            }
        }

        // DER INTEGERs drop leading zero bytes; the bytes that follow are the ones to look for.
        private static byte[] Trim(byte[] value)
        {
            int i = 0;
            while (i < value.Length - 1 && value[i] == 0) i++;
            byte[] trimmed = new byte[value.Length - i];
            Array.Copy(value, i, trimmed, 0, trimmed.Length);
            return trimmed;
        }
    }
}
