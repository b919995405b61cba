using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;
using KmsImport.Core.Evidence;
using KmsImport.Core.Kms;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Evidence;

// The chain is checked against an independent computation: SHA-256 (System.Security.Cryptography) of each line's bytes as
// they are on disk, split at the line feeds by this test, never by the code under test.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class EvidenceChainTests
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private static KmsEvidenceStep Step(string keyId, string cmdlet = "Protect-KeyMaterial", string outcome = KmsEvidenceStep.Succeeded) => new()
    {
        Cmdlet = cmdlet,
        KeyId = keyId,
        Region = "eu-west-2",
        Outcome = outcome,
        Fingerprint = "74CA70",
        FingerprintAlgorithm = "AES-KCV",
    };

    private static string WriteFive(TempDir dir)
    {
        var path = dir.File("ceremony.jsonl");
        var log = new EvidenceLog(path);
        string[] cmdlets = ["New-KmsExternalKey", "Get-KmsImportParameters", "Protect-KeyMaterial", "Import-KmsKeyMaterial", "Test-KmsKeyState"];
        foreach (var c in cmdlets) log.Append(Step("key-1", c));
        return path;
    }

    private static List<byte[]> Lines(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') { lines.Add(bytes[start..i]); start = i + 1; }
        Assert.Equal(bytes.Length, start); // every line ends with a line feed
        return lines;
    }

    private static void WriteLines(string path, IEnumerable<byte[]> lines)
    {
        using var buffer = new MemoryStream();
        foreach (var l in lines) { buffer.Write(l); buffer.WriteByte((byte)'\n'); }
        File.WriteAllBytes(path, buffer.ToArray());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string Prev(byte[] line) => JsonDocument.Parse(line).RootElement.GetProperty("prev").GetString()!;

    private static string Sha(byte[] line) => Convert.ToHexStringLower(SHA256.HashData(line));

    private static KmsImportException VerifyFails(string path) =>
        Assert.Throws<KmsImportException>(() => EvidenceChain.Verify(path));

    [Fact]
    public void The_first_line_chains_to_the_genesis_value_and_each_next_line_to_the_SHA256_of_the_previous_lines_bytes()
    {
        using var dir = new TempDir();
        var lines = Lines(WriteFive(dir));
        Assert.Equal(5, lines.Count);
        Assert.Equal(Genesis, Prev(lines[0]));
        for (int i = 1; i < lines.Count; i++) Assert.Equal(Sha(lines[i - 1]), Prev(lines[i]));
    }

    [Fact]
    public void Lines_are_compact_json_with_the_marker_first_and_prev_last()
    {
        using var dir = new TempDir();
        foreach (var line in Lines(WriteFive(dir)))
        {
            var text = Encoding.UTF8.GetString(line);
            Assert.StartsWith("{\"kmsImportEvidence\":1,", text);
            Assert.Matches("\"prev\":\"[0-9a-f]{64}\"}$", text);
            Assert.DoesNotContain('\r', text);
        }
    }

    [Fact]
    public void A_new_file_is_created_owner_only()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Verify_returns_every_step_numbered_with_its_hash_and_the_chain_head()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var lines = Lines(path);
        var evidence = EvidenceChain.Verify(path);
        Assert.Equal([1, 2, 3, 4, 5], evidence.Steps.Select(s => s.Line));
        Assert.Equal(lines.Select(Sha), evidence.Steps.Select(s => s.Sha256));
        Assert.Equal(Sha(lines[4]), evidence.Head);
        Assert.Equal("Test-KmsKeyState", evidence.Steps[4].Cmdlet);
    }

    [Fact]
    public void Every_field_round_trips()
    {
        using var dir = new TempDir();
        var path = dir.File("e.jsonl");
        var step = new KmsEvidenceStep
        {
            Time = new DateTime(2026, 12, 2, 1, 2, 3, 456, DateTimeKind.Utc),
            Cmdlet = "Protect-KeyMaterial", KeyId = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            Region = "eu-west-2", Account = "111122223333", EndpointUrl = "http://127.0.0.1:1", Operator = "ops", Host = "vault-1",
            CredentialSource = "profile 'ops'", AccessKeyId = "AKIDEXAMPLE", KeySpec = "HMAC_256", Fingerprint = "A1B2C3",
            FingerprintAlgorithm = "HMAC-SHA256-KCV", ComponentCheckValues = ["0A1B2C", "3D4E5F", "SHA256:ABCDEF"],
            WrappingAlgorithm = "RSAES_OAEP_SHA_256", WrappingKeySpec = "RSA_4096", PublicKeySha256 = new string('a', 64),
            ImportTokenSha256 = new string('b', 64), KeyState = "Enabled", Outcome = KmsEvidenceStep.Failed, Status = "NotPassed",
            ErrorId = "KmsInvalidCiphertext",
        };
        new EvidenceLog(path).Append(step);
        var read = Assert.Single(EvidenceChain.Verify(path).Steps);
        foreach (var p in typeof(KmsEvidenceStep).GetProperties().Where(p => p.Name != nameof(KmsEvidenceStep.Line)))
            Assert.Equal(JsonSerializer.Serialize(p.GetValue(step)), JsonSerializer.Serialize(p.GetValue(read)));
        Assert.Equal(1, read.Line);
    }

    [Fact]
    public void An_edited_line_breaks_the_chain_at_the_next_line_and_the_message_quotes_nothing_of_it()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var lines = Lines(path);
        // Still a valid record: only the chain can tell.
        lines[1] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(lines[1]).Replace("\"74CA70\"", "\"EDITED\""));
        WriteLines(path, lines);
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceChainBroken, ex.ErrorId);
        Assert.Contains("Line 3 does not chain to line 2", ex.Message);
        Assert.DoesNotContain("EDITED", ex.Message);
        Assert.DoesNotContain("Get-KmsImportParameters", ex.Message);
    }

    [Fact]
    public void A_deleted_line_breaks_the_chain_where_it_was()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var lines = Lines(path);
        lines.RemoveAt(2);
        WriteLines(path, lines);
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceChainBroken, ex.ErrorId);
        Assert.Contains("Line 3 does not chain", ex.Message);
    }

    [Fact]
    public void A_deleted_first_line_breaks_the_chain_at_line_1()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        WriteLines(path, Lines(path).Skip(1));
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceChainBroken, ex.ErrorId);
        Assert.Contains("Line 1 does not start the chain", ex.Message);
    }

    [Fact]
    public void Swapped_lines_break_the_chain_at_the_first_of_them()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var lines = Lines(path);
        (lines[1], lines[2]) = (lines[2], lines[1]);
        WriteLines(path, lines);
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceChainBroken, ex.ErrorId);
        Assert.Contains("Line 2 does not chain to line 1", ex.Message);
    }

    [Fact]
    public void An_inserted_copy_of_a_line_breaks_the_chain()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var lines = Lines(path);
        lines.Insert(2, lines[1]);
        WriteLines(path, lines);
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceChainBroken, ex.ErrorId);
        Assert.Contains("Line 3 does not chain to line 2", ex.Message);
    }

    [Fact]
    public void Appended_garbage_is_an_invalid_line_named_by_its_number_and_nothing_more_is_appended()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        File.AppendAllText(path, "secret-looking garbage\n");
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceLineInvalid, ex.ErrorId);
        Assert.Contains("line 6 ", ex.Message);
        Assert.DoesNotContain("garbage", ex.Message);

        var before = File.ReadAllBytes(path);
        var refused = Assert.Throws<KmsImportException>(() => new EvidenceLog(path).Append(Step("key-2")));
        Assert.Equal(ErrorIds.EvidenceFileTampered, refused.ErrorId);
        Assert.DoesNotContain("garbage", refused.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_truncated_last_line_is_incomplete_for_the_verifier_and_the_writer_refuses_to_chain_to_it()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]);
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceLineInvalid, ex.ErrorId);
        Assert.Contains("line 5 is incomplete", ex.Message);

        var log = new EvidenceLog(path);
        Assert.Equal(ErrorIds.EvidenceFileTampered, Assert.Throws<KmsImportException>(log.CheckAppendable).ErrorId);
        Assert.Equal(ErrorIds.EvidenceFileTampered, Assert.Throws<KmsImportException>(() => log.Append(Step("key-2"))).ErrorId);
        Assert.Equal(bytes[..^20], File.ReadAllBytes(path));
    }

    [Fact]
    public void A_truncation_at_a_line_end_passes_the_chain_but_not_the_recorded_chain_head()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var head = EvidenceChain.Verify(path).Head;
        WriteLines(path, Lines(path).Take(4));
        var evidence = EvidenceChain.Verify(path);
        Assert.Equal(4, evidence.Steps.Count);
        Assert.NotEqual(head, evidence.Head);
    }

    [Fact]
    public void An_empty_file_does_not_verify_but_is_appended_to_from_the_genesis_value()
    {
        using var dir = new TempDir();
        var path = dir.File("empty.jsonl");
        WriteLines(path, []);
        Assert.Equal(ErrorIds.EvidenceLineInvalid, VerifyFails(path).ErrorId);
        new EvidenceLog(path).Append(Step("key-1"));
        Assert.Equal(Genesis, Prev(Assert.Single(Lines(path))));
        Assert.Single(EvidenceChain.Verify(path).Steps);
    }

    [Fact]
    public void A_line_longer_than_the_cap_is_refused_by_both()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        File.AppendAllText(path, "{\"kmsImportEvidence\":1,\"x\":\"" + new string('x', EvidenceLog.MaxLineBytes) + "\"}\n");
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceLineInvalid, ex.ErrorId);
        Assert.Contains("line 6 is longer than", ex.Message);
        Assert.Equal(ErrorIds.EvidenceFileTampered, Assert.Throws<KmsImportException>(() => new EvidenceLog(path).Append(Step("k"))).ErrorId);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"cmdlet\":\"x\"}")]
    [InlineData("{\"kmsImportEvidence\":2,\"time\":\"2026-12-02T00:00:00.000Z\",\"cmdlet\":\"x\",\"outcome\":\"Succeeded\",\"prev\":\"PREV\"}")]
    [InlineData("{\"kmsImportEvidence\":1,\"time\":\"2026-12-02T00:00:00.000Z\",\"cmdlet\":\"x\",\"outcome\":\"Maybe\",\"prev\":\"PREV\"}")]
    [InlineData("{\"kmsImportEvidence\":1,\"time\":\"yesterday\",\"cmdlet\":\"x\",\"outcome\":\"Succeeded\",\"prev\":\"PREV\"}")]
    [InlineData("{\"kmsImportEvidence\":1,\"time\":\"2026-12-02T00:00:00.000Z\",\"cmdlet\":\"x\",\"outcome\":\"Succeeded\",\"prev\":\"PREV\",\"prev\":\"PREV\"}")]
    [InlineData("{\"kmsImportEvidence\":1,\"time\":\"2026-12-02T00:00:00.000Z\",\"cmdlet\":\"x\",\"outcome\":\"Succeeded\",\"prev\":\"ABC\"}")]
    public void A_line_that_is_not_an_evidence_record_is_invalid_even_with_the_right_prev(string template)
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var lines = Lines(path);
        lines.Add(Encoding.UTF8.GetBytes(template.Replace("PREV", Sha(lines[^1]))));
        WriteLines(path, lines);
        var ex = VerifyFails(path);
        Assert.Equal(ErrorIds.EvidenceLineInvalid, ex.ErrorId);
        Assert.Contains("line 6 ", ex.Message);
    }

    [Fact]
    public void A_line_with_the_right_prev_and_format_verifies_so_the_chain_alone_cannot_catch_an_edited_last_line()
    {
        // Documented limit (Test-KmsCeremonyEvidence -ExpectedChainHead): the last line has no successor to vouch for it.
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var head = EvidenceChain.Verify(path).Head;
        var lines = Lines(path);
        lines[4] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(lines[4]).Replace("\"74CA70\"", "\"EDITED\""));
        WriteLines(path, lines);
        Assert.NotEqual(head, EvidenceChain.Verify(path).Head);
    }

    [Fact]
    public void Concurrent_appends_from_many_threads_all_land_and_the_chain_verifies()
    {
        using var dir = new TempDir();
        var path = dir.File("concurrent.jsonl");
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            var log = new EvidenceLog(path);
            for (int i = 0; i < 25; i++) log.Append(Step($"key-{t}-{i}"));
        });
        var evidence = EvidenceChain.Verify(path);
        Assert.Equal(200, evidence.Steps.Count);
        Assert.Equal(200, evidence.Steps.Select(s => s.KeyId).Distinct().Count());
        Assert.Equal(200, evidence.PerKey().Count);
    }

    [Fact]
    public async Task A_writer_waits_for_another_holder_of_the_file_lock_and_gives_up_with_EvidenceFileBusy()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        var log = new EvidenceLog(path) { LockWait = TimeSpan.FromMilliseconds(300) };
        // Another writer (another process would take the same flock) holds the exclusive lock.
        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Equal(ErrorIds.EvidenceFileBusy, Assert.Throws<KmsImportException>(() => log.Append(Step("late"))).ErrorId);
        }
        Assert.Equal(5, EvidenceChain.Verify(path).Steps.Count);

        var holder = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var release = Task.Run(async () => { await Task.Delay(200); holder.Dispose(); });
        new EvidenceLog(path) { LockWait = TimeSpan.FromSeconds(20) }.Append(Step("after-wait"));
        await release;
        Assert.Equal("after-wait", EvidenceChain.Verify(path).Steps[^1].KeyId);
    }

    [Fact]
    public void A_file_others_may_read_or_write_is_not_appended_to()
    {
        using var dir = new TempDir();
        var path = WriteFive(dir);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        var ex = Assert.Throws<KmsImportException>(() => new EvidenceLog(path).Append(Step("k")));
        Assert.Equal(ErrorIds.EvidenceFileUntrusted, ex.ErrorId);
        Assert.Equal(ErrorIds.EvidenceFileUntrusted, Assert.Throws<KmsImportException>(new EvidenceLog(path).CheckAppendable).ErrorId);
        // An auditor may still verify such a copy.
        Assert.Equal(5, EvidenceChain.Verify(path).Steps.Count);
    }

    [Fact]
    public void A_symbolic_link_is_neither_appended_to_nor_verified()
    {
        using var dir = new TempDir();
        var target = WriteFive(dir);
        var link = dir.File("link.jsonl");
        File.CreateSymbolicLink(link, target);
        Assert.Equal(ErrorIds.EvidenceFileUntrusted, Assert.Throws<KmsImportException>(() => new EvidenceLog(link).Append(Step("k"))).ErrorId);
        Assert.Equal(ErrorIds.EvidenceFileUntrusted, VerifyFails(link).ErrorId);
        Assert.Equal(5, Lines(target).Count);
    }

    [Fact]
    public void A_dangling_symbolic_link_is_not_followed_to_create_a_file()
    {
        using var dir = new TempDir();
        var link = dir.File("dangling.jsonl");
        File.CreateSymbolicLink(link, dir.File("elsewhere.jsonl"));
        Assert.Equal(ErrorIds.EvidenceFileUntrusted, Assert.Throws<KmsImportException>(() => new EvidenceLog(link).Append(Step("k"))).ErrorId);
        Assert.False(File.Exists(dir.File("elsewhere.jsonl")));
    }

    [Fact]
    public void A_folder_a_missing_folder_and_a_missing_file_are_told_apart()
    {
        using var dir = new TempDir();
        Assert.Equal(ErrorIds.EvidencePathInvalid, Assert.Throws<KmsImportException>(new EvidenceLog(dir.Path).CheckAppendable).ErrorId);
        var missingFolder = new EvidenceLog(Path.Combine(dir.Path, "no-such-folder", "e.jsonl"));
        Assert.Equal(ErrorIds.EvidenceWriteFailed, Assert.Throws<KmsImportException>(missingFolder.CheckAppendable).ErrorId);
        Assert.Equal(ErrorIds.EvidenceWriteFailed, Assert.Throws<KmsImportException>(() => missingFolder.Append(Step("k"))).ErrorId);
        Assert.Equal(ErrorIds.EvidenceFileNotFound, VerifyFails(dir.File("missing.jsonl")).ErrorId);
        // A new file in an existing folder is fine, and nothing is created by the check.
        var fresh = new EvidenceLog(dir.File("new.jsonl"));
        fresh.CheckAppendable();
        Assert.False(File.Exists(fresh.Path));
    }

    [Fact]
    public void Steps_are_grouped_per_key_and_Region_with_an_ARN_counted_as_its_key_id()
    {
        using var dir = new TempDir();
        var path = dir.File("keys.jsonl");
        var log = new EvidenceLog(path);
        const string id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        log.Append(new KmsEvidenceStep { Cmdlet = "New-KmsExternalKey", KeyId = id, Region = "eu-west-2", Account = "111122223333", Outcome = KmsEvidenceStep.Succeeded });
        log.Append(new KmsEvidenceStep { Cmdlet = "Protect-KeyMaterial", KeyId = "arn:aws:kms:eu-west-2:111122223333:key/" + id, Outcome = KmsEvidenceStep.Succeeded, Fingerprint = "ABCDEF" });
        log.Append(new KmsEvidenceStep { Cmdlet = "Import-KmsKeyMaterial", KeyId = id, Region = "us-east-1", Outcome = KmsEvidenceStep.Failed, ErrorId = "KmsInvalidCiphertext" });
        log.Append(new KmsEvidenceStep { Cmdlet = "Import-KmsKeyMaterial", KeyId = id, Region = "eu-west-2", Outcome = KmsEvidenceStep.Failed, ErrorId = "KmsThrottled" });
        var keys = EvidenceChain.Verify(path).PerKey();
        Assert.Equal(2, keys.Count);
        var london = keys[0];
        Assert.Equal((id, "eu-west-2", "111122223333"), (london.KeyId, london.Region, london.Account));
        Assert.Equal([1, 2, 4], london.Steps.Select(s => s.Line));
        Assert.Equal(1, london.FailedCount);
        Assert.Equal(("Import-KmsKeyMaterial", KmsEvidenceStep.Failed, "ABCDEF"), (london.LastStep, london.LastOutcome, london.Fingerprint));
        Assert.Equal(("us-east-1", 1), (keys[1].Region, keys[1].StepCount));
    }

    [Theory]
    [InlineData("arn:aws:kms:eu-west-2:111122223333:key/abc", "111122223333", "eu-west-2", "abc")]
    [InlineData("arn:aws-cn:kms:cn-north-1:222233334444:key/mrk-1", "222233334444", "cn-north-1", "mrk-1")]
    [InlineData("abc", null, null, "abc")]
    [InlineData("alias/x", null, null, "alias/x")]
    public void Account_Region_and_key_id_come_from_a_key_ARN(string keyId, string? account, string? region, string id)
    {
        Assert.Equal(account, KmsKeyIds.AccountOfArn(keyId));
        Assert.Equal(region, KmsKeyIds.RegionOfArn(keyId));
        Assert.Equal(id, KmsKeyIds.KeyIdOf(keyId));
    }

    [Fact]
    public void Hashes_of_bytes_are_SHA256_in_lowercase_hex()
    {
        // FIPS 180-2 test vector "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", EvidenceFacts.Sha256Hex(Encoding.ASCII.GetBytes("abc")));
        Assert.Null(EvidenceFacts.Sha256Hex([]));
        Assert.Null(EvidenceFacts.Sha256Hex(null));
    }
}
