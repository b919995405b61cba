using System.Text;

namespace KmsImport.Core.Tests.Fuzz;

/// <summary>
/// Deterministic mutations of one seed input, driven by a <see cref="Random"/> seeded per case (so any case can be
/// regenerated alone): byte-level (bit flips, byte set/insert/delete, truncation, append, chunk copy), structure-aware DER
/// (length-field tweaks, tag swaps, integer/OID/content replacement, node removal/duplication/splicing — ancestors' lengths
/// are re-encoded unless the tweak is the point), PEM (base64 corruption, line edits, label and header swaps, the DER
/// inside mutated and re-encoded) and raw-material text conversions. <see cref="Log"/> describes what was done.
/// </summary>
internal sealed class Mutator
{
    private readonly Random _r;

    public Mutator(int seed) => _r = new Random(seed);

    public List<string> Log { get; } = [];

    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A, 0x0D, 0x20, 0x2D, 0x30, 0x31, 0x3D, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xA0, 0xA1, 0xFF];

    private static readonly string[] Labels =
    [
        "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY",
        "CERTIFICATE", "OPENSSH PRIVATE KEY", "EC PARAMETERS", "DSA PRIVATE KEY", "private key", "", new string('X', 70),
    ];

    /// <summary>OIDs that steer parsers into other branches: key algorithms, curves, PBE schemes, PRFs, ciphers.</summary>
    private static readonly string[] Oids =
    [
        "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10", "1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35",
        "1.3.132.0.10", "1.2.156.10197.1.301", "1.3.101.112", "1.3.101.110", "1.2.840.10040.4.1", "1.3.36.3.3.2.8.1.1.7",
        "1.2.840.113549.1.5.13", "1.2.840.113549.1.5.12", "1.3.6.1.4.1.11591.4.11", "1.2.840.113549.1.12.1.3", "1.2.840.113549.1.5.3",
        "1.2.840.113549.2.7", "1.2.840.113549.2.9", "1.2.840.113549.2.11", "2.16.840.1.101.3.4.1.2", "2.16.840.1.101.3.4.1.42",
        "1.2.840.113549.3.7", "1.2.156.10197.1.104.2", "2.16.840.1.101.3.4.3.17", "1.2.3", "2.999.1",
    ];

    private static readonly byte[][] Tags =
    [
        [0x02], [0x03], [0x04], [0x05], [0x06], [0x0C], [0x13], [0x30], [0x31], [0xA0], [0xA1], [0x80], [0x81], [0x00], [0x1F, 0x81, 0x00], [0x22], [0x24],
    ];

    private int N(int max) => _r.Next(max);
    private bool Chance(double p) => _r.NextDouble() < p;
    private T Pick<T>(IReadOnlyList<T> items) => items[N(items.Count)];

    public byte[] Mutate(FuzzSeed seed)
    {
        byte[] data = seed.Kind switch
        {
            SeedKind.Der => MutateDerInput(seed.Data),
            SeedKind.Pem => MutatePem(seed.Data),
            _ => MutateRaw(seed.Data),
        };
        return data;
    }

    // =============================================================================================================
    // Byte level
    // =============================================================================================================

    public byte[] MutateBytes(byte[] input, int rounds)
    {
        var d = new List<byte>(input);
        for (int round = 0; round < rounds; round++)
        {
            int op = N(10);
            if (d.Count == 0) op = 3;
            switch (op)
            {
                case 0:
                case 1:
                {
                    int flips = 1 + N(op == 0 ? 1 : 8);
                    for (int i = 0; i < flips; i++)
                    {
                        int at = N(d.Count);
                        d[at] ^= (byte)(1 << N(8));
                    }
                    Log.Add($"bitflip x{flips}");
                    break;
                }
                case 2:
                {
                    int at = N(d.Count);
                    d[at] = Chance(0.5) ? Pick(Interesting) : (byte)N(256);
                    Log.Add($"set@{at}");
                    break;
                }
                case 3:
                {
                    int at = N(d.Count + 1);
                    int count = 1 + N(Chance(0.8) ? 4 : 64);
                    var bytes = new byte[count];
                    _r.NextBytes(bytes);
                    d.InsertRange(at, bytes);
                    Log.Add($"insert {count}@{at}");
                    break;
                }
                case 4:
                {
                    int at = N(d.Count);
                    int count = Math.Min(d.Count - at, 1 + N(Chance(0.8) ? 4 : 64));
                    d.RemoveRange(at, count);
                    Log.Add($"delete {count}@{at}");
                    break;
                }
                case 5:
                {
                    int keep = N(d.Count);
                    d.RemoveRange(keep, d.Count - keep);
                    Log.Add($"truncate to {keep}");
                    break;
                }
                case 6:
                {
                    int count = 1 + N(32);
                    var bytes = new byte[count];
                    if (Chance(0.5)) _r.NextBytes(bytes);
                    d.AddRange(bytes);
                    Log.Add($"append {count}");
                    break;
                }
                case 7:
                {
                    int from = N(d.Count);
                    int count = Math.Min(d.Count - from, 1 + N(32));
                    var chunk = d.GetRange(from, count);
                    int to = N(d.Count);
                    if (Chance(0.5)) d.InsertRange(to, chunk);
                    else
                        for (int i = 0; i < chunk.Count && to + i < d.Count; i++) d[to + i] = chunk[i];
                    Log.Add($"copy {count} {from}->{to}");
                    break;
                }
                case 8:
                {
                    int at = N(d.Count);
                    int value = d[at] + (Chance(0.5) ? 1 : -1) * (1 + N(4));
                    d[at] = (byte)value;
                    Log.Add($"arith@{at}");
                    break;
                }
                default:
                {
                    if (d.Count >= 2)
                    {
                        int at = N(d.Count - 1);
                        (d[at], d[at + 1]) = (d[at + 1], d[at]);
                        Log.Add($"swap@{at}");
                    }
                    break;
                }
            }
        }
        return d.ToArray();
    }

    // =============================================================================================================
    // DER structure
    // =============================================================================================================

    private byte[] MutateDerInput(byte[] der)
    {
        if (Chance(0.6))
        {
            byte[] mutated = MutateDer(der);
            return Chance(0.15) ? MutateBytes(mutated, 1) : mutated;
        }
        return MutateBytes(der, 1 + N(Chance(0.7) ? 1 : 4));
    }

    public byte[] MutateDer(byte[] der)
    {
        var roots = DerNode.TryParse(der);
        if (roots == null) return MutateBytes(der, 1);
        int rounds = Chance(0.75) ? 1 : 2;
        for (int i = 0; i < rounds; i++) MutateTree(roots);
        return DerNode.EncodeAll(roots);
    }

    private void MutateTree(List<DerNode> roots)
    {
        var all = DerNode.Walk(roots).ToList();
        var (node, parent) = Pick(all);
        switch (N(11))
        {
            case 0:
            case 1:
                TweakLength(node);
                break;
            case 2:
                node.Tag = (byte[])Pick(Tags).Clone();
                Log.Add($"der:tag->{Convert.ToHexString(node.Tag)}");
                break;
            case 3:
            {
                var integers = all.Where(n => n.Node.IsUniversal(2) && n.Node.IsPrimitive).Select(n => n.Node).ToList();
                MutateInteger(integers.Count > 0 ? Pick(integers) : node);
                break;
            }
            case 4:
            {
                var oids = all.Where(n => n.Node.IsUniversal(6) && n.Node.IsPrimitive).Select(n => n.Node).ToList();
                var target = oids.Count > 0 ? Pick(oids) : node;
                string oid = Pick(Oids);
                target.Children = null;
                target.Content = EncodeOid(oid);
                Log.Add($"der:oid->{oid}");
                break;
            }
            case 5:
                ReplaceContent(node);
                break;
            case 6:
            {
                // Flip bits inside one primitive's content, keeping every length right.
                var primitives = all.Where(n => n.Node.IsPrimitive && (n.Node.Content?.Length ?? 0) > 0).Select(n => n.Node).ToList();
                if (primitives.Count == 0) goto case 5;
                var target = Pick(primitives);
                int flips = 1 + N(3);
                for (int i = 0; i < flips; i++) target.Content![N(target.Content.Length)] ^= (byte)(1 << N(8));
                Log.Add($"der:content-bitflip x{flips} (tag {Convert.ToHexString(target.Tag)}, {target.Content!.Length} bytes)");
                break;
            }
            case 7:
            {
                if (parent?.Children is { Count: > 0 } siblings)
                {
                    int index = siblings.IndexOf(node);
                    switch (N(4))
                    {
                        case 0:
                            siblings.RemoveAt(index);
                            Log.Add($"der:remove child {index}");
                            break;
                        case 1:
                            siblings.Insert(index, node.Clone());
                            Log.Add($"der:duplicate child {index}");
                            break;
                        case 2:
                            var other = Pick(all).Node.Clone();
                            siblings.Insert(N(siblings.Count + 1), other);
                            Log.Add($"der:splice node (tag {Convert.ToHexString(other.Tag)})");
                            break;
                        default:
                            int j = N(siblings.Count);
                            (siblings[index], siblings[j]) = (siblings[j], siblings[index]);
                            Log.Add($"der:swap children {index},{j}");
                            break;
                    }
                }
                else
                {
                    TweakLength(node);
                }
                break;
            }
            case 8:
            {
                // Add an element: NULL, an empty SEQUENCE, a context tag, an INTEGER.
                var container = all.Where(n => n.Node.Children != null).Select(n => n.Node).ToList();
                if (container.Count == 0) goto case 5;
                var target = Pick(container);
                DerNode added = N(4) switch
                {
                    0 => new DerNode { Tag = [0x05], Content = [] },
                    1 => new DerNode { Tag = [0x30], Children = [] },
                    2 => new DerNode { Tag = [0xA1], Children = [new DerNode { Tag = [0x03], Content = [0x00, 0x04, 0x01] }] },
                    _ => new DerNode { Tag = [0x02], Content = [0x01] },
                };
                target.Children!.Insert(N(target.Children.Count + 1), added);
                Log.Add($"der:add element {Convert.ToHexString(added.Tag)}");
                break;
            }
            case 9:
            {
                // Wrap in an extra SEQUENCE, or replace a constructed node by its first child.
                if (parent?.Children != null && Chance(0.5))
                {
                    int index = parent.Children.IndexOf(node);
                    parent.Children[index] = new DerNode { Tag = [0x30], Children = [node] };
                    Log.Add("der:wrap in SEQUENCE");
                }
                else if (node.Children is { Count: > 0 } children)
                {
                    var first = children[0];
                    node.Tag = first.Tag;
                    node.Content = first.Content;
                    node.Children = first.Children;
                    node.Prefix = first.Prefix;
                    Log.Add("der:unwrap");
                }
                else
                {
                    TweakLength(node);
                }
                break;
            }
            default:
            {
                // Make an encapsulating string plain bytes again and flip inside (the inner DER gets damaged, lengths stay right).
                var encapsulating = all.Where(n => !n.Node.IsPrimitive && (n.Node.Tag[0] == 0x04 || n.Node.Tag[0] == 0x03)).Select(n => n.Node).ToList();
                if (encapsulating.Count == 0) goto case 6;
                var target = Pick(encapsulating);
                var content = target.ContentBytes();
                target.Children = null;
                target.Prefix = [];
                if (content.Length > 0) content[N(content.Length)] ^= (byte)(1 << N(8));
                target.Content = content;
                Log.Add("der:flatten+bitflip");
                break;
            }
        }
    }

    private void TweakLength(DerNode node)
    {
        long length = node.ContentBytes().Length;
        byte[] raw = N(12) switch
        {
            0 => DerNode.EncodeLength(length + 1),
            1 => DerNode.EncodeLength(Math.Max(0, length - 1)),
            2 => DerNode.EncodeLength(length + 1 + N(300)),
            3 => DerNode.EncodeLength(Math.Max(0, length - 1 - N(300))),
            4 => [0x00],
            5 => [0x80], // indefinite
            6 => [0x81, (byte)Math.Min(length, 255)], // non-minimal when short
            7 => [0x82, (byte)(length >> 8), (byte)length], // maybe non-minimal
            8 => [0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            9 => [0x84, 0x7F, 0xFF, 0xFF, 0xFF],
            10 => [0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, (byte)length],
            _ => [0xFF],
        };
        node.RawLength = raw;
        Log.Add($"der:length {length}->{Convert.ToHexString(raw)} (tag {Convert.ToHexString(node.Tag)})");
    }

    private void MutateInteger(DerNode node)
    {
        byte[] content = node.ContentBytes();
        node.Children = null;
        node.Prefix = [];
        int op = N(9);
        node.Content = op switch
        {
            0 => [],
            1 => [0x00],
            2 => [0x01],
            3 => [0xFF], // -1
            4 => [0x00, .. content], // non-minimal (or re-signed)
            5 => content.Length > 1 ? content[1..] : [0x80],
            6 => content.Length > 0 ? [(byte)(content[0] ^ 0x80), .. content[1..]] : [0x80], // sign flip
            7 => [.. content, .. RandomBytes(1 + N(8))],
            _ => content.Length > 2 ? content[..(content.Length / 2)] : [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        };
        Log.Add($"der:integer op {op} ({content.Length} bytes)");
    }

    private void ReplaceContent(DerNode node)
    {
        node.Children = null;
        node.Prefix = [];
        int op = N(6);
        node.Content = op switch
        {
            0 => [],
            1 => [0x00],
            2 => [0xFF],
            3 => RandomBytes(1 + N(16)),
            4 => RandomBytes(200 + N(400)),
            _ => [0x30, 0x00],
        };
        Log.Add($"der:content op {op} (tag {Convert.ToHexString(node.Tag)})");
    }

    private byte[] RandomBytes(int count)
    {
        var b = new byte[count];
        _r.NextBytes(b);
        return b;
    }

    private static byte[] EncodeOid(string oid)
    {
        var parts = oid.Split('.').Select(long.Parse).ToArray();
        var bytes = new List<byte>();
        void Base128(long v)
        {
            var stack = new Stack<byte>();
            stack.Push((byte)(v & 0x7F));
            for (v >>= 7; v > 0; v >>= 7) stack.Push((byte)(0x80 | (v & 0x7F)));
            bytes.AddRange(stack);
        }
        Base128(parts[0] * 40 + parts[1]);
        foreach (var p in parts.Skip(2)) Base128(p);
        return bytes.ToArray();
    }

    // =============================================================================================================
    // PEM
    // =============================================================================================================

    /// <summary>The PEM text as lines (without line ends) and the line end used.</summary>
    private static (List<string> Lines, string LineEnd) SplitLines(byte[] pem)
    {
        string text = Encoding.Latin1.GetString(pem);
        string lineEnd = text.Contains("\r\n") ? "\r\n" : "\n";
        var lines = text.Split(lineEnd).ToList();
        return (lines, lineEnd);
    }

    private static byte[] JoinLines(List<string> lines, string lineEnd) => Encoding.Latin1.GetBytes(string.Join(lineEnd, lines));

    private static bool IsBodyLine(string line) => line.Length > 0 && !line.StartsWith("-----", StringComparison.Ordinal) && !line.Contains(':')
                                                   && line.All(c => char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/' || c == '=');

    private byte[] MutatePem(byte[] pem)
    {
        double roll = _r.NextDouble();
        if (roll < 0.35) return PemWithMutatedDer(pem);
        if (roll < 0.60) return CorruptBase64(pem);
        if (roll < 0.80) return MutatePemFrame(pem);
        return MutateBytes(pem, 1 + N(3));
    }

    /// <summary>Decodes the last block's body, mutates the DER (structure-aware or bytes), re-encodes it as clean PEM.</summary>
    private byte[] PemWithMutatedDer(byte[] pem)
    {
        var (lines, lineEnd) = SplitLines(pem);
        int end = lines.FindLastIndex(l => l.StartsWith("-----END ", StringComparison.Ordinal));
        int begin = lines.FindLastIndex(end, l => l.StartsWith("-----BEGIN ", StringComparison.Ordinal));
        var body = string.Concat(lines.Skip(begin + 1).Take(end - begin - 1).Where(IsBodyLine));
        byte[] der = Convert.FromBase64String(body);
        byte[] mutated = Chance(0.7) ? MutateDer(der) : MutateBytes(der, 1 + N(2));
        string b64 = Convert.ToBase64String(mutated);
        var newBody = Enumerable.Range(0, (b64.Length + 63) / 64).Select(i => b64.Substring(i * 64, Math.Min(64, b64.Length - i * 64)));
        var result = lines.Take(begin + 1).Concat(newBody).Concat(lines.Skip(end)).ToList();
        Log.Add("pem:der-inside");
        return JoinLines(result, lineEnd);
    }

    private byte[] CorruptBase64(byte[] pem)
    {
        var (lines, lineEnd) = SplitLines(pem);
        var bodyIndexes = Enumerable.Range(0, lines.Count).Where(i => IsBodyLine(lines[i])).ToList();
        if (bodyIndexes.Count == 0) return MutateBytes(pem, 1);
        int li = Pick(bodyIndexes);
        string line = lines[li];
        int at = N(line.Length);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        string[] invalid = ["!", "-", "*", ".", "_", "\0", "\u0080", "\u00ff", "\t", " ", "\r", "=", "==", "@", "#"];
        int op = N(10);
        switch (op)
        {
            case 0: lines[li] = line.Remove(at, 1).Insert(at, alphabet[N(64)].ToString()); break; // another valid char
            case 1: lines[li] = line.Remove(at, 1).Insert(at, Pick(invalid)); break;
            case 2: lines[li] = line.Remove(at, 1); break; // body length no longer a multiple of 4
            case 3: lines[li] = line.Insert(at, alphabet[N(64)].ToString()); break;
            case 4: lines.RemoveAt(li); break;
            case 5: lines.Insert(li, line); break;
            case 6:
            {
                int other = Pick(bodyIndexes);
                (lines[li], lines[other]) = (lines[other], lines[li]);
                break;
            }
            case 7: lines[li] = line.TrimEnd('='); lines[bodyIndexes[^1]] = lines[bodyIndexes[^1]].TrimEnd('='); break;
            case 8: lines[bodyIndexes[^1]] += Chance(0.5) ? "=" : "AAAA"; break;
            default:
            {
                // Join all body lines into one (legal) or split one at a random point (legal): the parser must cope.
                if (Chance(0.5))
                {
                    string joined = string.Concat(bodyIndexes.Select(i => lines[i]));
                    for (int k = bodyIndexes.Count - 1; k >= 1; k--) lines.RemoveAt(bodyIndexes[k]);
                    lines[bodyIndexes[0]] = joined;
                }
                else
                {
                    lines[li] = line.Insert(at, lineEnd);
                }
                break;
            }
        }
        Log.Add($"pem:base64 op {op} line {li}");
        return JoinLines(lines, lineEnd);
    }

    private byte[] MutatePemFrame(byte[] pem)
    {
        var (lines, lineEnd) = SplitLines(pem);
        int begin = lines.FindLastIndex(l => l.StartsWith("-----BEGIN ", StringComparison.Ordinal));
        int end = lines.FindLastIndex(l => l.StartsWith("-----END ", StringComparison.Ordinal));
        if (begin < 0 || end < 0) return MutateBytes(pem, 1);
        string label = lines[begin][11..^5];
        int op = N(12);
        switch (op)
        {
            case 0:
            {
                string other = Pick(Labels);
                lines[begin] = $"-----BEGIN {other}-----";
                lines[end] = $"-----END {other}-----";
                break;
            }
            case 1: lines[begin] = $"-----BEGIN {Pick(Labels)}-----"; break;
            case 2: lines[end] = $"-----END {Pick(Labels)}-----"; break;
            case 3: lines.Insert(begin + 1, "Proc-Type: 4,ENCRYPTED"); lines.Insert(begin + 2, "DEK-Info: AES-128-CBC,000102030405060708090A0B0C0D0E0F"); lines.Insert(begin + 3, ""); break;
            case 4: lines.Insert(begin + 1, "Comment: \"fuzz\""); lines.Insert(begin + 2, ""); break;
            case 5: lines.RemoveAt(end); break;
            case 6: lines.RemoveAt(begin); break;
            case 7: lines.AddRange(lines.Take(end + 1).Skip(begin).ToList()); break; // the block twice
            case 8: lines.Insert(0, "junk before the key " + new string('A', N(100))); lines.Add("trailing junk"); break;
            case 9: lines[begin] = lines[begin][..^(1 + N(4))]; break; // BEGIN line not terminated by five dashes
            case 10:
            {
                string curve = Pick(Oids);
                byte[] oid = EncodeOid(curve);
                string b64 = Convert.ToBase64String([0x06, (byte)oid.Length, .. oid]);
                lines.InsertRange(0, ["-----BEGIN EC PARAMETERS-----", b64, "-----END EC PARAMETERS-----"]);
                break;
            }
            default: lines[begin] = $"-----BEGIN {label.ToLowerInvariant()}-----"; break;
        }
        Log.Add($"pem:frame op {op}");
        return JoinLines(lines, lineEnd);
    }

    // =============================================================================================================
    // Raw material
    // =============================================================================================================

    private byte[] MutateRaw(byte[] raw)
    {
        int op = N(6);
        switch (op)
        {
            case 0:
                Log.Add("raw:hex text");
                return Encoding.ASCII.GetBytes(Chance(0.5) ? Convert.ToHexString(raw) : Convert.ToHexString(raw).ToLowerInvariant() + "\n");
            case 1:
                Log.Add("raw:base64 text");
                return Encoding.ASCII.GetBytes(Convert.ToBase64String(raw) + (Chance(0.5) ? "\r\n" : ""));
            case 2:
                Log.Add("raw:newline");
                return [.. raw, .. (Chance(0.5) ? "\n"u8.ToArray() : "\r\n"u8.ToArray())];
            case 3:
            {
                Log.Add("raw:printable");
                var text = new byte[raw.Length + N(3) - 1];
                for (int i = 0; i < text.Length; i++) text[i] = (byte)(0x20 + N(95));
                return text;
            }
            default:
                return MutateBytes(raw, 1 + N(3));
        }
    }
}
