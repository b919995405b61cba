using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>One checked plan row: every column parsed, the material readable and fitting the key spec.</summary>
    public sealed class FleetEntry : IDisposable
    {
        internal FleetEntry(KmsFleetPlanRow row, string alias, KeySpec spec, KeyUsage usage, MaterialPlan material, ImportOptions options)
        {
            Row = row;
            Alias = alias;
            KeySpec = spec;
            KeyUsage = usage;
            Material = material;
            Options = options;
        }

        public KmsFleetPlanRow Row { get; }
        public string Region => Row.Region!;
        /// <summary>The normalised alias (alias/...).</summary>
        public string Alias { get; }
        public KeySpec KeySpec { get; }
        public KeyUsage KeyUsage { get; }
        public bool MultiRegion { get; internal set; }
        public IReadOnlyList<string> ReplicaRegions { get; internal set; } = Array.Empty<string>();
        public MaterialPlan Material { get; }
        public ImportOptions Options { get; }

        /// <summary>Who the row's credentials are for: the account, else the profile, else the role (rows of one account and Region share a pacer).</summary>
        public string AccountKey => FleetPlan.Text(Row.Account) ?? FleetPlan.Text(Row.ProfileName) ?? FleetPlan.Text(Row.RoleArn) ?? "";

        public void Dispose() => Material.Dispose();
    }

    /// <summary>
    /// A fleet plan: rows read from a CSV or JSON file or from objects, checked as a whole before any request.
    /// A plan comes from strangers: the file is a regular file of at most <see cref="MaxFileBytes"/> with at most
    /// <see cref="MaxRows"/> rows, and no message quotes its content (rows and columns are named by number and name).
    /// </summary>
    public sealed class FleetPlan : IDisposable
    {
        public const long MaxFileBytes = 4 * 1024 * 1024;
        public const int MaxRows = 10000;
        /// <summary>The tag a key created for a plan row carries (value: the alias), so a key whose alias an interrupted run never set is found again.</summary>
        public const string AliasTagKey = "kmsimport:fleet-alias";

        public List<FleetEntry> Entries { get; } = new List<FleetEntry>();
        /// <summary>One problem per bad row (its first), each with the row as target; empty when the plan may run.</summary>
        public List<KmsImportException> Problems { get; } = new List<KmsImportException>();
        public int RowCount { get; private set; }

        public void Dispose()
        {
            foreach (var e in Entries) e.Dispose();
        }

        // ---- reading -------------------------------------------------------------------------------------

        /// <summary>Reads a plan file (.csv, or .json: an array of objects) into rows; refuses what is not a plan with PlanUnreadable.</summary>
        public static List<KmsFleetPlanRow> ReadFile(string fullPath)
        {
            byte[] bytes;
            try
            {
                bytes = UntrustedFile.Read(fullPath, MaxFileBytes, followLinks: true);
            }
            catch (FileRefusedException e)
            {
                throw Unreadable($"The plan file '{fullPath}' {e.Message}. A plan is a regular CSV or JSON file of at most {MaxFileBytes / (1024 * 1024)} MiB.");
            }
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Unreadable($"The plan file '{fullPath}' is not UTF-8 text.");
            }
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            var ext = Path.GetExtension(fullPath).ToLowerInvariant();
            if (ext == ".json") return FromJson(text, fullPath);
            if (ext == ".csv") return FromCsv(text, fullPath);
            throw Unreadable($"The plan file '{fullPath}' is neither .csv nor .json; name it by its format.");
        }

        /// <summary>Rows from objects by property name (-Plan, e.g. Import-Csv): properties that are no plan column are ignored.</summary>
        public static List<KmsFleetPlanRow> FromRecords(IEnumerable<IReadOnlyDictionary<string, string?>> records)
        {
            var rows = new List<KmsFleetPlanRow>();
            foreach (var record in records)
            {
                if (rows.Count >= MaxRows) throw Unreadable($"The plan has more than {MaxRows} rows; split it into several runs.");
                var row = new KmsFleetPlanRow { Row = rows.Count + 1 };
                foreach (var pair in record)
                {
                    var column = KmsFleetPlanRow.Columns.FirstOrDefault(c => string.Equals(c, pair.Key, StringComparison.OrdinalIgnoreCase));
                    if (column != null) Set(row, column, pair.Value);
                }
                rows.Add(row);
            }
            return rows;
        }

        private static List<KmsFleetPlanRow> FromCsv(string text, string source)
        {
            var records = Csv.Parse(text, MaxRows + 1, () => Unreadable($"The plan file '{source}' has more than {MaxRows} rows; split it into several runs."),
                line => Unreadable($"The plan file '{source}' is not valid CSV: a quoted field that starts on line {line} never ends."));
            if (records.Count == 0) throw Unreadable($"The plan file '{source}' is empty: it needs a header line with the column names.");
            var header = records[0].Select(h => h.Trim()).ToList();
            var columns = new string[header.Count];
            for (var i = 0; i < header.Count; i++)
            {
                var column = KmsFleetPlanRow.Columns.FirstOrDefault(c => string.Equals(c, header[i], StringComparison.OrdinalIgnoreCase));
                if (column == null)
                    throw Unreadable($"Column {i + 1} of the header of '{source}' is not a plan column. The columns are: {string.Join(", ", KmsFleetPlanRow.Columns)}.");
                if (columns.Contains(column))
                    throw Unreadable($"Column {i + 1} of the header of '{source}' repeats the column {column}.");
                columns[i] = column;
            }
            var rows = new List<KmsFleetPlanRow>();
            for (var r = 1; r < records.Count; r++)
            {
                var fields = records[r];
                if (fields.Count == 1 && fields[0].Length == 0) continue; // a blank line
                if (fields.Count != columns.Length)
                    throw Unreadable($"Row {rows.Count + 1} of '{source}' has {fields.Count} fields; the header has {columns.Length}.");
                var row = new KmsFleetPlanRow { Row = rows.Count + 1 };
                for (var i = 0; i < columns.Length; i++) Set(row, columns[i], fields[i]);
                rows.Add(row);
            }
            return rows;
        }

        private static List<KmsFleetPlanRow> FromJson(string text, string source)
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            }
            catch (JsonException)
            {
                throw Unreadable($"The plan file '{source}' is not valid JSON.");
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array)
                    throw Unreadable($"The plan file '{source}' is not a JSON array of rows.");
                var rows = new List<KmsFleetPlanRow>();
                foreach (var element in doc.RootElement.EnumerateArray())
                {
                    if (rows.Count >= MaxRows) throw Unreadable($"The plan file '{source}' has more than {MaxRows} rows; split it into several runs.");
                    var row = new KmsFleetPlanRow { Row = rows.Count + 1 };
                    if (element.ValueKind != JsonValueKind.Object) throw Unreadable($"Row {row.Row} of '{source}' is not a JSON object.");
                    foreach (var p in element.EnumerateObject())
                    {
                        var column = KmsFleetPlanRow.Columns.FirstOrDefault(c => string.Equals(c, p.Name, StringComparison.OrdinalIgnoreCase));
                        if (column == null)
                            throw Unreadable($"Row {row.Row} of '{source}' has a property that is not a plan column. The columns are: {string.Join(", ", KmsFleetPlanRow.Columns)}.");
                        string? value = p.Value.ValueKind switch
                        {
                            JsonValueKind.String => p.Value.GetString(),
                            JsonValueKind.True => "true",
                            JsonValueKind.False => "false",
                            JsonValueKind.Null => null,
                            JsonValueKind.Number => p.Value.GetRawText(),
                            JsonValueKind.Array => string.Join(";", p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
                            _ => throw Unreadable($"Row {row.Row} of '{source}': column {column} is not text, a number or true/false."),
                        };
                        Set(row, column, value);
                    }
                    rows.Add(row);
                }
                return rows;
            }
        }

        private static void Set(KmsFleetPlanRow row, string column, string? value)
        {
            var property = typeof(KmsFleetPlanRow).GetProperty(column)!;
            property.SetValue(row, value);
        }

        public static KmsImportException Unreadable(string message) =>
            new KmsImportException(ErrorIds.PlanUnreadable, ErrorKind.InvalidData, message) { TargetObject = "Plan" };

        // ---- checking ------------------------------------------------------------------------------------

        /// <summary>
        /// Checks every row without any request: Region, Account, alias (and no alias twice per account and Region),
        /// key spec and usage, contradictions, expiry, and the material (read, and fitting the spec).
        /// <paramref name="baseDirectory"/> anchors relative paths (the plan file's folder, or the current location).
        /// </summary>
        public static FleetPlan Check(IReadOnlyList<KmsFleetPlanRow> rows, string baseDirectory, char[]? password,
            IReadOnlyList<EscrowKey>? escrowKeys, ImportOptions? defaultExpiry = null, AccountCredentialSource? credentials = null)
        {
            var plan = new FleetPlan { RowCount = rows.Count };
            if (rows.Count == 0)
            {
                plan.Problems.Add(new KmsImportException(ErrorIds.PlanUnreadable, ErrorKind.InvalidData, "The plan has no rows.") { TargetObject = "Plan" });
                return plan;
            }
            var aliases = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                try
                {
                    var entry = CheckRow(row, baseDirectory, password, escrowKeys, defaultExpiry, credentials);
                    var pair = entry.AccountKey + "|" + entry.Region + "|" + entry.Alias;
                    if (aliases.TryGetValue(pair, out var first))
                    {
                        entry.Dispose();
                        throw RowProblem(row, ErrorIds.PlanAliasDuplicate, $"its alias is already the alias of row {first} in the same account and Region; each key needs its own alias.");
                    }
                    aliases[pair] = row.Row;
                    plan.Entries.Add(entry);
                }
                catch (KmsImportException ex)
                {
                    plan.Problems.Add(ex);
                }
            }
            return plan;
        }

        private static FleetEntry CheckRow(KmsFleetPlanRow row, string baseDirectory, char[]? password, IReadOnlyList<EscrowKey>? escrowKeys,
            ImportOptions? defaultExpiry, AccountCredentialSource? credentials)
        {
            var region = Text(row.Region);
            if (region == null) throw Invalid(row, "Region is empty; every row names the Region of its key.");
            if (!ImportRules.IsRegionName(region)) throw Invalid(row, "Region is not an AWS Region name (for example eu-west-2).");
            row.Region = region;
            var account = Text(row.Account);
            if (account != null && (account.Length != 12 || !account.All(c => c >= '0' && c <= '9')))
                throw Invalid(row, "Account is not a 12-digit AWS account id.");
            try
            {
                // The role the row will assume (its RoleArn, or -RoleArn for its Account), checked without a call.
                credentials?.RoleFor(account, Text(row.ProfileName), Text(row.RoleArn));
            }
            catch (KmsImportException ex)
            {
                throw Invalid(row, $"RoleArn (or -RoleArn with the row's Account) does not make an IAM role ARN of the row's account ({ex.ErrorId}): arn:aws:iam::<account>:role/<name>, with {{Account}} only in -RoleArn or with an Account column.");
            }

            var specText = Text(row.KeySpec);
            var spec = KeySpec.SYMMETRIC_DEFAULT;
            if (specText != null && !KmsNames.TryParse(specText, out spec))
                throw Invalid(row, $"KeySpec is not a key spec whose material KMS imports ({string.Join(", ", KmsNames.Names<KeySpec>())}).");
            var usageText = Text(row.KeyUsage);
            var usage = KeySpecRules.DefaultUsage(spec);
            if (usageText != null && !KmsNames.TryParse(usageText, out usage))
                throw Invalid(row, "KeyUsage is not a KMS key usage (ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT).");
            if (!KeySpecRules.IsUsageAllowed(spec, usage))
                throw Contradicts(row, $"KeyUsage {usage} is not allowed for {spec}; allowed: {string.Join(", ", KeySpecRules.AllowedUsages(spec))}.");

            var aliasText = Text(row.Alias);
            if (aliasText == null) throw Invalid(row, "Alias is empty; every row needs an alias: it is how a rerun finds the key instead of creating another.");
            string alias;
            try
            {
                alias = ImportRules.ValidateExternalKeyOptions(new ExternalKeyOptions { KeySpec = spec, KeyUsage = usage, Alias = aliasText })!;
            }
            catch (KmsImportException)
            {
                throw Invalid(row, "Alias is not a valid alias name: letters, digits, '/', '_' and '-' (at most 256 characters with 'alias/'), not beginning with 'alias/aws/'.");
            }
            var description = Text(row.Description);
            if (description != null && description.Length > 8192) throw Invalid(row, "Description is longer than KMS's 8192 characters.");

            var multiRegion = Flag(row, row.MultiRegion, nameof(row.MultiRegion));
            var replicas = Split(row.ReplicaRegion);
            if (replicas.Count > 0 && !multiRegion)
                throw Contradicts(row, "ReplicaRegion names Regions but MultiRegion is not true; only a multi-Region key has replicas.");
            foreach (var r in replicas)
            {
                if (!ImportRules.IsRegionName(r)) throw Invalid(row, "ReplicaRegion is not a list of AWS Region names separated by ';'.");
                if (r == region) throw Contradicts(row, "ReplicaRegion names the row's own Region; a replica is in another Region.");
                if (KmsPartitions.OfRegion(r) != KmsPartitions.OfRegion(region)) throw Contradicts(row, "ReplicaRegion names a Region of another AWS partition; replicas stay in their primary's partition.");
            }
            if (replicas.Distinct(StringComparer.Ordinal).Count() != replicas.Count) throw Contradicts(row, "ReplicaRegion names a Region twice.");

            // The command's -ExpirationModel/-ValidTo serve rows that say nothing of expiry.
            var options = defaultExpiry != null && Text(row.ExpirationModel) == null && Text(row.ValidTo) == null ? defaultExpiry : Expiry(row);

            var generate = Flag(row, row.Generate, nameof(row.Generate));
            var path = Text(row.Path);
            var escrow = Text(row.EscrowPath);
            var recipients = Split(row.EscrowRecipient);
            if (generate && path != null) throw Contradicts(row, "Path and Generate are both given; a key's material is read from Path or generated, not both.");
            if (!generate && path == null) throw Invalid(row, "neither Path nor Generate is given; name the material file, or Generate = true with an EscrowPath folder.");
            if (!generate && (escrow != null || recipients.Count > 0)) throw Contradicts(row, "EscrowPath and EscrowRecipient go with Generate = true only.");
            MaterialPlan material;
            if (generate)
            {
                if (escrow == null) throw Invalid(row, "Generate = true needs EscrowPath: a folder for the escrow copy, so the material can be restored after it expires or is deleted.");
                var folder = Anchor(baseDirectory, escrow);
                if (!Directory.Exists(folder)) throw Invalid(row, "EscrowPath is not an existing folder; create it (owner-only access) first.");
                material = MaterialPlan.Generate(folder, resumeFromEscrow: true);
                try
                {
                    material.EscrowRecipients = recipients.Select(c => EscrowRecipient.FromFile(Anchor(baseDirectory, c))).ToList();
                }
                catch (KmsImportException ex)
                {
                    throw RowProblem(row, ErrorIds.PlanMaterialUnusable, $"an EscrowRecipient certificate cannot be used ({ex.ErrorId}).");
                }
                material.EscrowKeys = escrowKeys ?? Array.Empty<EscrowKey>();
            }
            else
            {
                material = MaterialPlan.FromFile(Anchor(baseDirectory, path!), password);
                material.EscrowKeys = escrowKeys ?? Array.Empty<EscrowKey>();
                try
                {
                    material.CheckLocally();
                    // The material must fit the row's spec: read now, so a bad file stops the plan before any request.
                    using var loaded = KeyMaterial.FromFile(spec, material.File!, password, false, material.EscrowKeys);
                }
                catch (KmsImportException ex)
                {
                    material.Dispose();
                    throw RowProblem(row, ErrorIds.PlanMaterialUnusable, $"the material file in column Path cannot be used for {spec} ({ex.ErrorId}: {RecommendedActionOrKind(ex)}).");
                }
            }
            return new FleetEntry(row, alias, spec, usage, material, options) { MultiRegion = multiRegion, ReplicaRegions = replicas };
        }

        // The reason a material file was refused, by kind only: the reader's own message may quote the file.
        private static string RecommendedActionOrKind(KmsImportException ex) => ex.ErrorId switch
        {
            ErrorIds.KeyMaterialFileNotFound => "no file at that path",
            ErrorIds.KeyMaterialIsDirectory => "the path is a folder",
            ErrorIds.KeyMaterialFileEmpty => "the file is empty",
            ErrorIds.KeyMaterialFileTooLarge => "the file is too large to be key material",
            ErrorIds.KeyMaterialUnreadable => "the file cannot be read",
            ErrorIds.KeyMaterialFileNotRegular => "not a regular file",
            ErrorIds.KeyMaterialWrongLength => "the material has the wrong length for the key spec",
            ErrorIds.KeyMaterialLowEntropy => "the bytes are plainly not random",
            _ => "the material does not fit or cannot be read",
        };

        private static ImportOptions Expiry(KmsFleetPlanRow row)
        {
            var modelText = Text(row.ExpirationModel);
            ExpirationModel? model = null;
            if (modelText != null)
            {
                if (!KmsNames.TryParse(modelText, out ExpirationModel parsed))
                    throw Invalid(row, "ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE or KEY_MATERIAL_EXPIRES.");
                model = parsed;
            }
            var validToText = Text(row.ValidTo);
            DateTime? validTo = null;
            if (validToText != null)
            {
                if (!DateTime.TryParse(validToText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                    throw Invalid(row, "ValidTo is not a date and time (ISO 8601, for example 2027-06-30T00:00:00Z).");
                validTo = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
                if (model != ExpirationModel.KEY_MATERIAL_EXPIRES)
                    throw Contradicts(row, "ValidTo is given but ExpirationModel is not KEY_MATERIAL_EXPIRES; KMS takes ValidTo only with expiring material.");
            }
            if (model == ExpirationModel.KEY_MATERIAL_EXPIRES && validTo == null)
                throw Contradicts(row, "ExpirationModel is KEY_MATERIAL_EXPIRES but ValidTo is empty; expiring material needs the date.");
            try
            {
                var (resolved, utc) = ImportRules.ResolveExpiration(model, validTo);
                return new ImportOptions { ExpirationModel = resolved, ValidToUtc = utc };
            }
            catch (KmsImportException)
            {
                throw Invalid(row, "ValidTo must be in the future and at most 365 days ahead.");
            }
        }

        private static bool Flag(KmsFleetPlanRow row, string? value, string column)
        {
            var text = Text(value);
            if (text == null) return false;
            switch (text.ToLowerInvariant())
            {
                case "true": case "yes": case "1": return true;
                case "false": case "no": case "0": return false;
                default: throw Invalid(row, $"{column} is true or false.");
            }
        }

        private static List<string> Split(string? value) =>
            (value ?? "").Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

        private static string Anchor(string baseDirectory, string path)
        {
            try
            {
                return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
                throw new KmsImportException(ErrorIds.PlanRowInvalid, ErrorKind.InvalidArgument, "A path in the plan is not a valid path.") { TargetObject = "Plan" };
            }
        }

        internal static string? Text(string? value)
        {
            var t = value?.Trim();
            return string.IsNullOrEmpty(t) ? null : t;
        }

        private static KmsImportException Invalid(KmsFleetPlanRow row, string detail) => RowProblem(row, ErrorIds.PlanRowInvalid, detail);

        private static KmsImportException Contradicts(KmsFleetPlanRow row, string detail) => RowProblem(row, ErrorIds.PlanRowContradicts, detail);

        private static KmsImportException RowProblem(KmsFleetPlanRow row, string errorId, string detail) =>
            new KmsImportException(errorId, ErrorKind.InvalidData, $"Plan row {row.Row}: {detail}") { TargetObject = row };
    }
}
