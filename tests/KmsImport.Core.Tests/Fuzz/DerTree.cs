namespace KmsImport.Core.Tests.Fuzz;

/// <summary>
/// A minimal, lenient DER tree for structure-aware mutation: every TLV keeps its raw identifier octets; constructed values
/// and OCTET/BIT STRINGs that encapsulate DER (the private key inside PKCS#8, the key inside an SPKI) have children; lengths
/// are recomputed on encoding unless <see cref="RawLength"/> forces bogus ones. Independent of BouncyCastle on purpose.
/// </summary>
internal sealed class DerNode
{
    public byte[] Tag = [];
    /// <summary>Content of a primitive value (null when <see cref="Children"/> is set).</summary>
    public byte[]? Content;
    public List<DerNode>? Children;
    /// <summary>Bytes before the children of an encapsulating primitive (the unused-bits octet of a BIT STRING).</summary>
    public byte[] Prefix = [];
    /// <summary>When set, written instead of the correct length octets.</summary>
    public byte[]? RawLength;

    public bool IsPrimitive => Children == null;
    public bool IsUniversal(int number) => Tag.Length == 1 && (Tag[0] & 0xC0) == 0 && (Tag[0] & 0x1F) == number;

    public DerNode Clone() => new()
    {
        Tag = (byte[])Tag.Clone(),
        Content = (byte[]?)Content?.Clone(),
        Children = Children?.Select(c => c.Clone()).ToList(),
        Prefix = (byte[])Prefix.Clone(),
        RawLength = (byte[]?)RawLength?.Clone(),
    };

    public byte[] ContentBytes()
    {
        if (Children == null) return Content ?? [];
        var ms = new MemoryStream();
        ms.Write(Prefix);
        foreach (var c in Children) ms.Write(c.Encode());
        return ms.ToArray();
    }

    public byte[] Encode()
    {
        byte[] content = ContentBytes();
        byte[] length = RawLength ?? EncodeLength(content.Length);
        var result = new byte[Tag.Length + length.Length + content.Length];
        Tag.CopyTo(result, 0);
        length.CopyTo(result, Tag.Length);
        content.CopyTo(result, Tag.Length + length.Length);
        return result;
    }

    public static byte[] EncodeLength(long length)
    {
        if (length < 0x80) return [(byte)length];
        var bytes = new List<byte>();
        for (long v = length; v > 0; v >>= 8) bytes.Insert(0, (byte)v);
        return [(byte)(0x80 | bytes.Count), .. bytes];
    }

    /// <summary>Every node, depth first, with its parent (null for roots).</summary>
    public static IEnumerable<(DerNode Node, DerNode? Parent)> Walk(List<DerNode> roots)
    {
        var stack = new Stack<(DerNode, DerNode?)>();
        for (int i = roots.Count - 1; i >= 0; i--) stack.Push((roots[i], null));
        while (stack.Count > 0)
        {
            var (node, parent) = stack.Pop();
            yield return (node, parent);
            if (node.Children != null)
                for (int i = node.Children.Count - 1; i >= 0; i--) stack.Push((node.Children[i], node));
        }
    }

    public static byte[] EncodeAll(List<DerNode> roots) => roots.SelectMany(r => r.Encode()).ToArray();

    /// <summary>The TLVs of <paramref name="data"/> as a tree, or null when it is not a clean sequence of definite-length TLVs.</summary>
    public static List<DerNode>? TryParse(byte[] data) => TryParse(data, 0, data.Length, 0);

    private static List<DerNode>? TryParse(byte[] data, int start, int end, int depth)
    {
        if (depth > 32) return null;
        var nodes = new List<DerNode>();
        int pos = start;
        while (pos < end)
        {
            int tagStart = pos;
            if ((data[pos] & 0x1F) == 0x1F)
            {
                pos++;
                while (pos < end && (data[pos] & 0x80) != 0) pos++;
            }
            pos++;
            if (pos >= end) return null;
            var tag = data[tagStart..pos];
            int first = data[pos++];
            long length;
            if (first < 0x80) length = first;
            else
            {
                int n = first & 0x7F;
                if (n == 0 || n > 4 || pos + n > end) return null;
                length = 0;
                for (int i = 0; i < n; i++) length = (length << 8) | data[pos++];
            }
            if (length > end - pos) return null;
            int contentEnd = pos + (int)length;
            var node = new DerNode { Tag = tag };
            bool constructed = (tag[0] & 0x20) != 0;
            if (constructed)
            {
                node.Children = TryParse(data, pos, contentEnd, depth + 1);
                if (node.Children == null) return null;
            }
            else
            {
                node.Content = data[pos..contentEnd];
                // Encapsulated DER: OCTET STRING / BIT STRING content that is itself one SEQUENCE.
                if (tag.Length == 1 && (tag[0] == 0x04 || tag[0] == 0x03))
                {
                    int skip = tag[0] == 0x03 ? 1 : 0;
                    if (length > skip + 2 && data[pos + skip] == 0x30)
                    {
                        var inner = TryParse(data, pos + skip, contentEnd, depth + 1);
                        if (inner != null && inner.Count == 1)
                        {
                            node.Prefix = data[pos..(pos + skip)];
                            node.Children = inner;
                            node.Content = null;
                        }
                    }
                }
            }
            nodes.Add(node);
            pos = contentEnd;
        }
        return nodes;
    }
}
