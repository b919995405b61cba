using System.Text;
using Xunit;
using KmsImport.Core.Import;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Import;

// Fleet plans: the CSV reader against what Export-Csv writes (quotes, doubled quotes, line breaks in fields), the
// whole-plan checks (every bad row reported, none quoted), and the results file a killed run leaves behind.
public class FleetPlanTests
{
    private static string Material(TempDir dir) => dir.Write("m.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Csv_reads_quoted_fields_doubled_quotes_line_breaks_and_crlf()
    {
        var records = Csv.Parse("\"a\",\"b,c\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,\n", 10, () => new Exception("many"), l => new Exception("open " + l));
        Assert.Equal(3, records.Count);
        Assert.Equal(new[] { "a", "b,c" }, records[0]);
        Assert.Equal(new[] { "say \"hi\"", "two\nlines" }, records[1]);
        Assert.Equal(new[] { "x", "" }, records[2]);
        Assert.Equal("\"a\",\"say \"\"hi\"\"\",\"\"\n", Csv.Line(new[] { "a", "say \"hi\"", null }));
    }

    [Fact]
    public void Csv_stops_at_an_open_quote_and_past_the_row_cap()
    {
        var open = Assert.Throws<Exception>(() => Csv.Parse("a\n\"b,c\nd", 10, () => new Exception("many"), l => new Exception("open " + l)));
        Assert.Equal("open 2", open.Message);
        var many = Assert.Throws<Exception>(() => Csv.Parse("a\nb\nc\n", 2, () => new Exception("many"), l => new Exception("open")));
        Assert.Equal("many", many.Message);
    }

    [Fact]
    public void A_plan_file_with_an_unknown_column_is_refused_without_quoting_it()
    {
        using var dir = new TempDir();
        var path = dir.Write("plan.csv", Encoding.UTF8.GetBytes("Region,Alias,Sekret_Value\neu-west-1,a,b\n"));
        var ex = Assert.Throws<KmsImportException>(() => FleetPlan.ReadFile(path));
        Assert.Equal(ErrorIds.PlanUnreadable, ex.ErrorId);
        Assert.Contains("Column 3", ex.Message);
        Assert.DoesNotContain("Sekret", ex.Message);
    }

    [Fact]
    public void A_json_plan_reads_strings_flags_and_lists()
    {
        using var dir = new TempDir();
        var path = dir.Write("plan.json", Encoding.UTF8.GetBytes("[{\"Region\":\"eu-west-1\",\"Alias\":\"a\",\"MultiRegion\":true,\"ReplicaRegion\":[\"eu-west-2\",\"eu-west-3\"]}]"));
        var rows = FleetPlan.ReadFile(path);
        Assert.Single(rows);
        Assert.Equal("true", rows[0].MultiRegion);
        Assert.Equal("eu-west-2;eu-west-3", rows[0].ReplicaRegion);
        Assert.Equal(1, rows[0].Row);
    }

    [Fact]
    public void Every_bad_row_is_reported_once_and_the_good_ones_pass()
    {
        using var dir = new TempDir();
        var m = Material(dir);
        var rows = new List<KmsFleetPlanRow>
        {
            new() { Row = 1, Region = "eu-west-1", Alias = "ok", Path = m },
            new() { Row = 2, Region = "eu-west-1", Alias = "alias/ok", Path = m },                       // duplicate alias
            new() { Row = 3, Region = "eu-west-1", Alias = "b", Path = m, Generate = "true" },            // Path and Generate
            new() { Row = 4, Region = "eu-west-1", Alias = "c", Path = m, ValidTo = "2030-01-01" },       // ValidTo without EXPIRES
            new() { Row = 5, Region = "eu-west-1", Alias = "d", KeySpec = "HMAC_256", KeyUsage = "SIGN_VERIFY", Path = m },
            new() { Row = 6, Region = "eu-west-1", Alias = "e", KeySpec = "RSA_2048", Path = m },         // 32 raw bytes are no RSA key
            new() { Row = 7, Region = "eu-west-2", Alias = "ok", Path = m },                              // same alias, other Region: fine
            new() { Row = 8, Account = "222233334444", Region = "eu-west-1", Alias = "ok", Path = m },    // other account: fine
        };
        using var plan = FleetPlan.Check(rows, dir.Path, null, null);
        Assert.Equal(new[] { 1, 7, 8 }, plan.Entries.Select(e => e.Row.Row));
        Assert.Equal(new[] { ErrorIds.PlanAliasDuplicate, ErrorIds.PlanRowContradicts, ErrorIds.PlanRowContradicts, ErrorIds.PlanRowContradicts, ErrorIds.PlanMaterialUnusable },
            plan.Problems.Select(p => p.ErrorId));
        Assert.Equal(new[] { 2, 3, 4, 5, 6 }, plan.Problems.Select(p => ((KmsFleetPlanRow)p.TargetObject!).Row));
        Assert.All(plan.Problems, p => Assert.StartsWith($"Plan row {((KmsFleetPlanRow)p.TargetObject!).Row}: ", p.Message));
        Assert.All(plan.Problems, p => Assert.DoesNotContain(m, p.Message));
    }

    [Fact]
    public void A_results_file_cut_short_by_a_kill_gives_the_finished_keys_and_is_appended_to()
    {
        using var dir = new TempDir();
        var path = dir.File("results.csv");
        var file = FleetResultFile.Open(path, resume: false);
        file.Add(new KmsFleetImportResult { Row = 1, Account = "111122223333", Region = "eu-west-1", Alias = "alias/a", KeyId = "k1", Status = BatchStatuses.Imported });
        file.Add(new KmsFleetImportResult { Row = 2, Account = "111122223333", Region = "eu-west-1", Alias = "alias/b", KeyId = "k2", Status = BatchStatuses.Failed, Message = "a \"quoted\", message" });
        File.AppendAllText(path, "\"3\",\"111122223333\",\"eu-west-1\",\"alias/c\",\"k3\",\"Imp"); // the kill
        Assert.Throws<KmsImportException>(() => FleetResultFile.Open(path, resume: false));
        var resumed = FleetResultFile.Open(path, resume: true);
        Assert.Equal(new[] { FleetResultFile.KeyOf("111122223333", "eu-west-1", "alias/a") }, resumed.Finished.Keys);
        Assert.Equal(("k1", BatchStatuses.Imported), resumed.Finished.Values.Single());
        // The torn line is gone: what this run appends reads back whole.
        resumed.Add(new KmsFleetImportResult { Row = 3, Account = "111122223333", Region = "eu-west-1", Alias = "alias/c", KeyId = "k3", Status = BatchStatuses.Imported, Message = "two\nlines" });
        var again = FleetResultFile.Open(path, resume: true);
        Assert.Equal(("k3", BatchStatuses.Imported), again.Finished[FleetResultFile.KeyOf("111122223333", "eu-west-1", "alias/c")]);
        Assert.Equal(4, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void A_json_results_file_is_whole_after_every_key_and_owner_only()
    {
        using var dir = new TempDir();
        var path = dir.File("results.json");
        var file = FleetResultFile.Open(path, resume: false);
        file.Add(new KmsFleetImportResult { Row = 1, Region = "eu-west-1", Alias = "alias/a", KeyId = "k1", Status = BatchStatuses.Verified });
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)))
            Assert.Equal("k1", doc.RootElement[0].GetProperty("KeyId").GetString());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left behind
        var resumed = FleetResultFile.Open(path, resume: true);
        Assert.True(resumed.Finished.ContainsKey(FleetResultFile.KeyOf(null, "eu-west-1", "alias/a")));
    }

    [Fact]
    public void A_results_file_of_another_shape_or_extension_is_refused()
    {
        using var dir = new TempDir();
        Assert.Equal(ErrorIds.PlanResultFileInvalid, Assert.Throws<KmsImportException>(() => FleetResultFile.Open(dir.File("r.txt"), false)).ErrorId);
        var other = dir.Write("other.csv", Encoding.UTF8.GetBytes("a,b\n"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(other, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(ErrorIds.PlanResultFileInvalid, Assert.Throws<KmsImportException>(() => FleetResultFile.Open(other, true)).ErrorId);
    }
}
