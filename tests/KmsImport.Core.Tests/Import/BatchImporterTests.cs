using System.Security.Cryptography;
using Amazon.KeyManagementService.Model;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Import;

public sealed class BatchImporterTests : IDisposable
{
    private const string Region = "eu-west-2";
    private readonly FakeKms _kms = new();
    private readonly ImportWorkflow _workflow = new() { ReplicaTimeout = TimeSpan.FromSeconds(5) };
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private BatchImporter Importer(MaterialPlan plan) =>
        new(_workflow, plan, new ImportOptions(), key => $"resume {key.KeyId} {key.Service.Region}") { ThrottleLimit = 4, RetryDelay = TimeSpan.Zero };

    private static List<KmsBatchImportResult> Run(BatchImporter importer, IReadOnlyList<BatchKey> keys) =>
        importer.Start(keys, CancellationToken.None).GetConsumingEnumerable().ToList();

    private List<BatchKey> NewKeys(int count, string spec = "SYMMETRIC_DEFAULT", string usage = "ENCRYPT_DECRYPT") =>
        Enumerable.Range(0, count).Select(_ => new BatchKey(_kms.Seed(Region, spec, usage, null).KeyId, _kms.Service(Region))).ToList();

    [Fact]
    public void Imports_generated_escrowed_material_with_four_requests_per_key()
    {
        var keys = NewKeys(3);
        var results = Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), keys);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal("Imported", r.Status));
        Assert.All(results, r => Assert.Equal("Enabled", r.KeyState));
        Assert.All(results, r => Assert.Equal(1, r.Attempts));
        foreach (var key in keys)
        {
            Assert.Equal(new[] { "DescribeKey", "GetParametersForImport", "ImportKeyMaterial", "DescribeKey" }, _kms.Operations(key.KeyId));
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, key.KeyId + ".bin")), _kms.Key(Region, key.KeyId).Material);
        }
    }

    [Fact]
    public void A_rerun_verifies_symmetric_keys_by_reimport_and_HMAC_keys_by_proof_alone()
    {
        var keys = NewKeys(2).Concat(NewKeys(1, "HMAC_256", "GENERATE_VERIFY_MAC")).ToList();
        Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), keys);
        var files = Directory.GetFiles(_dir).Select(File.ReadAllBytes).ToList();
        _kms.ClearLog();

        var again = Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), keys);

        Assert.All(again, r => Assert.Equal("Verified", r.Status));
        Assert.Equal(new[] { "ReImport", "ReImport", "GenerateMac" }, keys.Select(k => again.Single(r => r.KeyId == k.KeyId).ProofMethod));
        Assert.Equal(files, Directory.GetFiles(_dir).Select(File.ReadAllBytes).ToList()); // no escrow file rewritten
        Assert.Equal(new[] { "DescribeKey", "GenerateMac" }, _kms.Operations(keys[2].KeyId));
    }

    [Fact]
    public void With_no_escrow_a_key_that_holds_material_is_skipped()
    {
        var keys = NewKeys(1);
        Run(Importer(MaterialPlan.Generate(null)), keys);
        var again = Run(Importer(MaterialPlan.Generate(null)), keys);
        Assert.Equal("Skipped", again.Single().Status);
    }

    [Fact]
    public void A_missing_key_fails_with_its_ErrorId_and_resume_command_and_the_others_go_on()
    {
        var keys = NewKeys(1);
        keys.Add(new BatchKey(Guid.NewGuid().ToString(), _kms.Service(Region)));
        var results = Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), keys);

        var failed = results.Single(r => r.KeyId == keys[1].KeyId);
        Assert.Equal("Failed", failed.Status);
        Assert.Equal(ErrorIds.KeyNotFound, failed.ErrorId);
        Assert.Equal($"resume {keys[1].KeyId} {Region}", failed.ResumeCommand);
        Assert.Equal("Imported", results.Single(r => r.KeyId == keys[0].KeyId).Status);
        Assert.Single(Directory.GetFiles(_dir)); // nothing generated for the missing key
    }

    [Fact]
    public void A_transient_failure_is_retried_from_fresh_parameters()
    {
        var keys = NewKeys(1);
        var throttled = 0;
        _kms.Fault = (operation, _) => operation == "ImportKeyMaterial" && throttled++ == 0
            ? FakeKms.Error<LimitExceededException>("ThrottlingException", "slow down")
            : null;
        var result = Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), keys).Single();

        Assert.Equal("Imported", result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, _kms.Operations(keys[0].KeyId).Count(o => o == "GetParametersForImport"));
        Assert.Single(Directory.GetFiles(_dir)); // the second attempt resumed from the escrow file of the first
    }

    [Fact]
    public void Replicas_still_to_be_created_run_after_their_primary_and_take_its_material()
    {
        var created = _workflow.CreateKey(_kms.Service(Region), new ExternalKeyOptions { MultiRegion = true }).Key;
        var replicas = new[] { "eu-west-1", "us-east-1" }.Select(r => _workflow.AnnounceReplica(created, r)).ToList();
        // The replicas first in the input: the batch still imports the primary before creating them.
        var keys = replicas.Select(r => new BatchKey(new KeyFacts(r.KeyId) { PrimaryRegion = r.PrimaryRegion }, _kms.Service(r.Region), _kms.Service(Region)))
            .Append(new BatchKey(created.KeyId, _kms.Service(Region))).ToList();

        var results = Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), keys);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal("Imported", r.Status));
        // Worked on primary first, reported in input order.
        var log = _kms.Log.ToList();
        Assert.True(log.FindIndex(l => l.Operation == "ImportKeyMaterial" && l.Region == Region) < log.FindIndex(l => l.Operation == "ReplicateKey"));
        Assert.Equal(new[] { "eu-west-1", "us-east-1", Region }, results.Select(r => r.Region));
        Assert.Single(Directory.GetFiles(_dir));
        Assert.Single(results.Select(r => r.Fingerprint).Distinct());
        foreach (var region in new[] { "eu-west-1", "us-east-1" })
            Assert.Equal(_kms.Key(Region, created.KeyId).Material, _kms.Key(region, created.KeyId).Material);
    }

    [Fact]
    public void A_replica_whose_primary_is_not_in_the_batch_and_has_no_material_fails_with_the_resume_command()
    {
        var created = _workflow.CreateKey(_kms.Service(Region), new ExternalKeyOptions { MultiRegion = true }).Key;
        var replica = _workflow.AnnounceReplica(created, "eu-west-1");
        var key = new BatchKey(new KeyFacts(replica.KeyId) { PrimaryRegion = Region }, _kms.Service("eu-west-1"), _kms.Service(Region));

        var result = Run(Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true)), new[] { key }).Single();

        Assert.Equal("Failed", result.Status);
        Assert.Equal(ErrorIds.ReplicaNeedsPrimaryMaterial, result.ErrorId);
        Assert.Null(result.KeyState); // KMS has no such replica: no state is made up
        Assert.Equal($"resume {created.KeyId} eu-west-1", result.ResumeCommand);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Results_come_in_input_order_even_when_the_first_key_finishes_last_unless_in_completion_order(bool inputOrder)
    {
        // The first key lives in another Region, whose calls wait until both other keys have their result.
        var slow = new BatchKey(_kms.Seed("eu-west-1", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", null).KeyId, _kms.Service("eu-west-1"));
        var keys = new[] { slow }.Concat(NewKeys(2)).ToList();
        using var othersDone = new CountdownEvent(2);
        var finished = new List<string>();
        _kms.BeforeCall = (_, region) =>
        {
            if (region == "eu-west-1" && !othersDone.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("the other keys never finished");
        };
        var importer = Importer(MaterialPlan.Generate(_dir, resumeFromEscrow: true));
        importer.InputOrder = inputOrder;
        importer.Finished = r =>
        {
            lock (finished) finished.Add(r.KeyId);
            if (r.Region == Region) othersDone.Signal();
        };

        var results = Run(importer, keys);

        Assert.All(results, r => Assert.Equal("Imported", r.Status));
        Assert.Equal(slow.KeyId, finished[2]); // it did finish last
        if (inputOrder)
            Assert.Equal(keys.Select(k => k.KeyId), results.Select(r => r.KeyId));
        else
            Assert.Equal(finished, results.Select(r => r.KeyId));
    }

    [Fact]
    public void OrderedRelease_holds_only_what_overtook_a_missing_item()
    {
        var emitted = new List<string>();
        var release = new OrderedRelease<string>(emitted.Add, inOrder: true);

        release.Add(2, "c");
        release.Add(1, "b");
        Assert.Empty(emitted);
        Assert.Equal(2, release.Held);
        release.Add(0, "a");
        Assert.Equal(new[] { "a", "b", "c" }, emitted);
        Assert.Equal(0, release.Held);
        release.Add(4, "e");
        Assert.Equal(1, release.Held);
        release.Add(3, "d");
        Assert.Equal(new[] { "a", "b", "c", "d", "e" }, emitted);

        var asArrived = new List<string>();
        var unordered = new OrderedRelease<string>(asArrived.Add, inOrder: false);
        unordered.Add(1, "b");
        unordered.Add(0, "a");
        Assert.Equal(new[] { "b", "a" }, asArrived);
    }
}
