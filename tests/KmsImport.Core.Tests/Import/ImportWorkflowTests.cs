using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Import;

public sealed class ImportWorkflowTests : IDisposable
{
    private const string Region = "eu-west-2";
    private readonly FakeKms _kms = new();
    private readonly ImportWorkflow _workflow = new() { ReplicaTimeout = TimeSpan.FromSeconds(5) };
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsimport-workflow-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private KmsImportService Service => _kms.Service(Region);

    private static KeyFacts FactsOf(KmsExternalKey key) => new(key.KeyId)
    {
        KeySpec = KmsNames.ParseOrNull<KeySpec>(key.KeySpec),
        Origin = key.Origin,
        KeyState = key.KeyState,
        MultiRegionKeyType = key.MultiRegionKeyType,
        PrimaryRegion = key.PrimaryRegion,
    };

    private string NewMaterialFile(int length = 32)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(length));
        return path;
    }

    private KmsExternalKey CreateKey(bool multiRegion = false) =>
        _workflow.CreateKey(Service, new ExternalKeyOptions { MultiRegion = multiRegion }).Key;

    /// <summary>Steps 1-6 of the seed pipeline for one key, as the pipeline cmdlets call them.</summary>
    private KmsImportResult ImportThroughSteps(KmsExternalKey key, MaterialPlan plan)
    {
        var service = _kms.Service(key.Region);
        var resolved = _workflow.ResolveKey(service, FactsOf(key), _kms.Service);
        var parameters = _workflow.GetParameters(service, resolved, null, null);
        var spec = _workflow.CheckKey(resolved);
        using var material = _workflow.ObtainMaterial(plan, spec, resolved, keyHoldsMaterial: false)!;
        var wrapped = _workflow.Wrap(parameters, material);
        return _workflow.Import(service, wrapped, new ImportOptions(), spec);
    }

    [Fact]
    public void The_seed_pipeline_needs_no_DescribeKey_until_the_verification()
    {
        var key = CreateKey();
        Assert.Equal("EXTERNAL", key.Origin);
        var file = NewMaterialFile();

        var result = ImportThroughSteps(key, MaterialPlan.FromFile(file));

        Assert.Equal(KmsImportResult.Imported, result.Outcome);
        Assert.Null(result.KeyState); // not observed, so not claimed
        Assert.Equal("SYMMETRIC_DEFAULT", result.KeySpec);
        Assert.Equal(key.KeyId, result.KeyId);
        Assert.Equal(new[] { "CreateKey", "GetParametersForImport", "ImportKeyMaterial" }, _kms.Operations(key.KeyId));

        var report = _workflow.Verify(Service, key.KeyId, KeyStates.Enabled);
        Assert.True(report.Passed);
        Assert.Equal("Enabled", report.KeyState);
        Assert.Equal(new[] { "CreateKey", "GetParametersForImport", "ImportKeyMaterial", "DescribeKey" }, _kms.Operations(key.KeyId));
        Assert.Equal(File.ReadAllBytes(file), _kms.Key(Region, key.KeyId).Material);
    }

    [Theory]
    [InlineData(null, "EXTERNAL", "PendingImport", false)]          // no spec: described
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, null, "PendingImport", false)]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, "EXTERNAL", null, false)]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, "EXTERNAL", "Creating", false)]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, "AWS_KMS", "Enabled", false)]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, "EXTERNAL", "PendingImport", true)]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, "EXTERNAL", "Enabled", true)]
    public void ResolveKey_describes_unless_the_facts_say_spec_origin_and_an_accepting_state(KeySpec? spec, string? origin, string? state, bool spared)
    {
        var key = CreateKey();
        _kms.ClearLog();
        var resolved = _workflow.ResolveKey(Service, new KeyFacts(key.KeyId) { KeySpec = spec, Origin = origin, KeyState = state });
        Assert.Equal(key.KeyId, resolved.KeyId);
        Assert.Equal(spared ? Array.Empty<string>() : new[] { "DescribeKey" }, _kms.Operations());
    }

    [Fact]
    public void ResolveKey_always_describes_an_alias()
    {
        var facts = new KeyFacts("alias/some-key") { KeySpec = KeySpec.SYMMETRIC_DEFAULT, Origin = "EXTERNAL", KeyState = "PendingImport" };
        Assert.False(facts.SufficeForImport);
        var ex = Assert.Throws<KmsImportException>(() => _workflow.ResolveKey(Service, facts));
        Assert.Equal(ErrorIds.KeyNotFound, ex.ErrorId);
        Assert.Equal(new[] { "DescribeKey" }, _kms.Operations());
    }

    [Theory]
    [InlineData("AWS_KMS", "Enabled", ErrorIds.KeyNotExternal)]
    [InlineData("EXTERNAL", "PendingDeletion", ErrorIds.KeyInvalidState)]
    public void GetParameters_refuses_what_the_key_shows_before_any_call(string origin, string state, string errorId)
    {
        var key = _kms.Seed(Region, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", null, origin, state);
        var resolved = _workflow.ResolveKey(Service, new KeyFacts(key.KeyId));
        _kms.ClearLog();
        var ex = Assert.Throws<KmsImportException>(() => _workflow.GetParameters(Service, resolved, null, null));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Empty(_kms.Operations());
    }

    [Fact]
    public void GetParameters_refuses_a_retired_algorithm_and_a_key_spec_KMS_imports_nothing_for()
    {
        var key = CreateKey();
        var resolved = _workflow.ResolveKey(Service, new KeyFacts(key.KeyId));
        _kms.ClearLog();
        Assert.Equal(ErrorIds.WrappingAlgorithmRetired,
            Assert.Throws<KmsImportException>(() => _workflow.GetParameters(Service, resolved, WrappingAlgorithm.RSAES_PKCS1_V1_5, null)).ErrorId);
        resolved.KeySpec = "ECC_NIST_EDWARDS25519";
        Assert.Equal(ErrorIds.KeySpecNotImportable,
            Assert.Throws<KmsImportException>(() => _workflow.GetParameters(Service, resolved, null, null)).ErrorId);
        Assert.Empty(_kms.Operations());
    }

    [Fact]
    public void Generated_material_is_escrowed_only_when_wrapping_succeeded()
    {
        var key = CreateKey();
        var resolved = _workflow.ResolveKey(Service, FactsOf(key));
        var parameters = _workflow.GetParameters(Service, resolved, null, null);
        var escrowDir = Path.Combine(_dir, "escrow");
        Directory.CreateDirectory(escrowDir);

        using var material = _workflow.ObtainMaterial(MaterialPlan.Generate(escrowDir), KeySpec.SYMMETRIC_DEFAULT, resolved, keyHoldsMaterial: false)!;
        Assert.True(material.Generated);
        Assert.True(material.EscrowPending);
        Assert.Empty(Directory.GetFiles(escrowDir)); // not yet: checks come first

        // A malformed public key fails the wrap: no escrow file for material that was never wrapped.
        var broken = new KmsImportParameters
        {
            KeyId = parameters.KeyId, KeySpec = parameters.KeySpec, WrappingAlgorithm = parameters.WrappingAlgorithm,
            WrappingKeySpec = parameters.WrappingKeySpec, PublicKey = new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 },
            ImportToken = parameters.ImportToken, ParametersValidTo = parameters.ParametersValidTo, Region = Region,
        };
        Assert.Throws<KmsImportException>(() => _workflow.Wrap(broken, material));
        Assert.Empty(Directory.GetFiles(escrowDir));

        // A bundle folder that already holds files is refused before the escrow copy is written, too.
        var bundles = Path.Combine(_dir, "bundles");
        Directory.CreateDirectory(Path.Combine(bundles, key.KeyId));
        File.WriteAllText(Path.Combine(bundles, key.KeyId, "old.txt"), "x");
        Assert.Equal(ErrorIds.BundleExists, Assert.Throws<KmsImportException>(() => _workflow.Wrap(parameters, material, bundles)).ErrorId);
        Assert.Empty(Directory.GetFiles(escrowDir));

        var wrapped = _workflow.Wrap(parameters, material);
        var escrow = Path.Combine(escrowDir, key.KeyId + ".bin");
        Assert.Equal(escrow, wrapped.EscrowPath);
        Assert.Equal(material.Material.ExportForImport(), File.ReadAllBytes(escrow));
        Assert.False(material.EscrowPending);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(escrow));
    }

    [Fact]
    public void An_existing_escrow_file_is_never_replaced_and_the_advice_points_at_it()
    {
        var key = CreateKey();
        var resolved = _workflow.ResolveKey(Service, FactsOf(key));
        // An escrow file as the module writes it (owner-only): what a resumed run trusts.
        var escrow = Path.Combine(_dir, "escrow.bin");
        SecretFile.CreateNew(escrow, RandomNumberGenerator.GetBytes(32));
        var before = File.ReadAllBytes(escrow);

        var ex = Assert.Throws<KmsImportException>(() => _workflow.ObtainMaterial(MaterialPlan.Generate(escrow), KeySpec.SYMMETRIC_DEFAULT, resolved, false));
        Assert.Equal(ErrorIds.SecretFileExists, ex.ErrorId);
        Assert.Contains($"Protect-KeyMaterial -Path '{escrow}'", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(escrow));

        // A batch resumes from it instead.
        using var resumed = _workflow.ObtainMaterial(MaterialPlan.Generate(escrow, resumeFromEscrow: true), KeySpec.SYMMETRIC_DEFAULT, resolved, false)!;
        Assert.False(resumed.Generated);
        Assert.Equal(before, resumed.Material.ExportForImport());
    }

    [Fact]
    public void Generate_for_a_key_that_holds_material_gives_nothing_to_import()
    {
        var key = CreateKey();
        var resolved = _workflow.ResolveKey(Service, FactsOf(key));
        Assert.Null(_workflow.ObtainMaterial(MaterialPlan.Generate(null), KeySpec.SYMMETRIC_DEFAULT, resolved, keyHoldsMaterial: true));
    }

    [Fact]
    public void A_replica_is_created_only_after_its_primary_holds_material_and_takes_the_primary_escrow()
    {
        var primary = CreateKey(multiRegion: true);
        Assert.Equal("PRIMARY", primary.MultiRegionKeyType);
        var announced = _workflow.AnnounceReplica(primary, "eu-west-1");
        Assert.True(announced.ReplicationPending);
        Assert.Null(announced.KeyState);
        Assert.Equal(Region, announced.PrimaryRegion);
        Assert.Equal(primary.Arn.Replace(":eu-west-2:", ":eu-west-1:"), announced.Arn);

        // Before the primary's import: refused, nothing created, and the message says how to resume.
        var ex = Assert.Throws<KmsImportException>(() => _workflow.ResolveKey(_kms.Service("eu-west-1"), FactsOf(announced), _kms.Service));
        Assert.Equal(ErrorIds.ReplicaNeedsPrimaryMaterial, ex.ErrorId);
        Assert.Contains($"-PrimaryRegion '{Region}'", ex.Message);
        Assert.False(_kms.Exists("eu-west-1", primary.KeyId));

        var escrowDir = Path.Combine(_dir, "mrk");
        Directory.CreateDirectory(escrowDir);
        var first = ImportThroughSteps(primary, MaterialPlan.Generate(escrowDir));
        var second = ImportThroughSteps(announced, MaterialPlan.Generate(escrowDir));

        Assert.Equal("eu-west-1", second.Region);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Single(Directory.GetFiles(escrowDir));
        Assert.Equal(_kms.Key(Region, primary.KeyId).Material, _kms.Key("eu-west-1", primary.KeyId).Material);
        // Sent from the primary's Region: once refused (before the import), once made.
        Assert.Equal(2, _kms.Log.Count(l => l.Region == Region && l.Operation == "ReplicateKey"));
        Assert.DoesNotContain(_kms.Log, l => l.Region == "eu-west-1" && l.Operation == "ReplicateKey");

        // Run again: the replica exists, so ReplicateKey's AlreadyExists is taken as "made earlier".
        var again = _workflow.ResolveKey(_kms.Service("eu-west-1"), FactsOf(announced), _kms.Service);
        Assert.Equal("Enabled", again.KeyState);
    }

    [Fact]
    public void A_replica_gets_no_generated_material_of_its_own()
    {
        var replica = new KmsKeyDescription { KeyId = "mrk-1", KeySpec = "SYMMETRIC_DEFAULT", MultiRegionKeyType = "REPLICA", Region = "eu-west-1" };
        var ex = Assert.Throws<KmsImportException>(() => _workflow.ObtainMaterial(MaterialPlan.Generate(_dir), KeySpec.SYMMETRIC_DEFAULT, replica, false));
        Assert.Equal(ErrorIds.ReplicaNeedsPrimaryMaterial, ex.ErrorId);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Import_checks_locally_before_any_call()
    {
        var key = CreateKey();
        var resolved = _workflow.ResolveKey(Service, FactsOf(key));
        var parameters = _workflow.GetParameters(Service, resolved, null, null);
        using var material = _workflow.ObtainMaterial(MaterialPlan.FromFile(NewMaterialFile()), KeySpec.SYMMETRIC_DEFAULT, resolved, false)!;
        var wrapped = _workflow.Wrap(parameters, material);
        _kms.ClearLog();

        var options = new ImportOptions { ImportType = "NEW_KEY_MATERIAL", KeyMaterialId = new string('a', 64) };
        Assert.Equal(ErrorIds.ImportOptionsInvalid, Assert.Throws<KmsImportException>(() => _workflow.Import(Service, wrapped, options, KeySpec.SYMMETRIC_DEFAULT)).ErrorId);
        var hmacOptions = new ImportOptions { ImportType = "NEW_KEY_MATERIAL" };
        Assert.Equal(ErrorIds.ImportOptionsInvalid, Assert.Throws<KmsImportException>(() => _workflow.Import(Service, wrapped, hmacOptions, KeySpec.HMAC_256)).ErrorId);
        wrapped.ParametersValidTo = DateTime.UtcNow.AddSeconds(30);
        Assert.Equal(ErrorIds.ImportParametersExpired, Assert.Throws<KmsImportException>(() => _workflow.Import(Service, wrapped, new ImportOptions(), KeySpec.SYMMETRIC_DEFAULT)).ErrorId);
        Assert.Empty(_kms.Operations());
    }

    [Fact]
    public void ImportKey_restores_material_with_four_requests_and_reports_the_observed_state()
    {
        var key = CreateKey();
        var file = NewMaterialFile();
        ImportThroughSteps(key, MaterialPlan.FromFile(file));
        _kms.ClearLog();
        var confirmed = 0;
        var request = new KeyImportRequest(new KeyFacts(key.KeyId), MaterialPlan.FromFile(file), new ImportOptions())
        {
            Confirm = (k, m) => { confirmed++; return true; },
        };

        var outcome = _workflow.ImportKey(Service, request);

        Assert.Equal(1, confirmed);
        Assert.Equal(BatchStatuses.Imported, outcome.Status);
        Assert.Equal("Enabled", outcome.Result!.KeyState);
        Assert.Equal(new[] { "DescribeKey", "GetParametersForImport", "ImportKeyMaterial", "DescribeKey" }, _kms.Operations());
    }

    [Fact]
    public void ImportKey_stops_without_a_quota_call_when_not_confirmed()
    {
        var key = CreateKey();
        _kms.ClearLog();
        var request = new KeyImportRequest(new KeyFacts(key.KeyId), MaterialPlan.FromFile(NewMaterialFile()), new ImportOptions()) { Confirm = (_, _) => false };
        var outcome = _workflow.ImportKey(Service, request);
        Assert.Equal(KeyImportOutcome.NotConfirmed, outcome.Status);
        Assert.Null(outcome.Result);
        Assert.Equal(new[] { "DescribeKey" }, _kms.Operations());
    }

    [Fact]
    public void Verify_proves_material_and_reports_a_missing_file_before_any_call()
    {
        var key = CreateKey();
        var file = NewMaterialFile();
        ImportThroughSteps(key, MaterialPlan.FromFile(file));
        var report = _workflow.Verify(Service, key.KeyId, KeyStates.Enabled, MaterialPlan.FromFile(file));
        Assert.True(report.Passed);
        Assert.Equal(ProofMethods.EncryptDecrypt, report.ProofMethod);

        _kms.ClearLog();
        var missing = Path.Combine(_dir, "missing.bin");
        Assert.Equal(ErrorIds.KeyMaterialFileNotFound,
            Assert.Throws<KmsImportException>(() => _workflow.Verify(Service, key.KeyId, KeyStates.Enabled, MaterialPlan.FromFile(missing))).ErrorId);
        Assert.Empty(_kms.Operations());
    }
}
