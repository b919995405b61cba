using System;
using System.Collections.Generic;
using System.Text;

namespace KmsImport.Core.Import
{
    /// <summary>RFC 4180 CSV as Import-Csv and Export-Csv read and write it: commas, double-quoted fields with "" inside, CRLF or LF.</summary>
    internal static class Csv
    {
        /// <summary>Records of fields; stops with <paramref name="tooMany"/> past <paramref name="maxRecords"/>, <paramref name="unterminated"/> for an open quote.</summary>
        public static List<List<string>> Parse(string text, int maxRecords, Func<Exception> tooMany, Func<int, Exception> unterminated)
        {
            var records = new List<List<string>>();
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            var line = 1;
            var quoteLine = 0;
            var any = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                        else quoted = false;
                    }
                    else
                    {
                        if (c == '\n') line++;
                        field.Append(c);
                    }
                    continue;
                }
                switch (c)
                {
                    case '"':
                        quoted = true;
                        quoteLine = line;
                        any = true;
                        break;
                    case ',':
                        fields.Add(field.ToString());
                        field.Clear();
                        any = true;
                        break;
                    case '\r':
                        break;
                    case '\n':
                        line++;
                        fields.Add(field.ToString());
                        field.Clear();
                        records.Add(fields);
                        if (records.Count > maxRecords) throw tooMany();
                        fields = new List<string>();
                        any = false;
                        break;
                    default:
                        field.Append(c);
                        any = true;
                        break;
                }
            }
            if (quoted) throw unterminated(quoteLine);
            if (any || field.Length > 0 || fields.Count > 0)
            {
                fields.Add(field.ToString());
                records.Add(fields);
                if (records.Count > maxRecords) throw tooMany();
            }
            return records;
        }

        /// <summary>One CSV line (with its line end), every field quoted as Export-Csv does.</summary>
        public static string Line(IEnumerable<string?> fields)
        {
            var sb = new StringBuilder();
            var first = true;
            foreach (var f in fields)
            {
                if (!first) sb.Append(',');
                first = false;
                sb.Append('"').Append((f ?? "").Replace("\"", "\"\"")).Append('"');
            }
            return sb.Append('\n').ToString();
        }
    }
}
