using Xunit;
using System.Security.Cryptography;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

public class KeyComponentTests : IClassFixture<EscrowCertificates>
{
    private readonly EscrowCertificates _c;

    public KeyComponentTests(EscrowCertificates c) => _c = c;

    [Theory]
    // AES of the zero block under the all-zero key (FIPS-197 known answers): AES-128 66e94bd4..., AES-192 aae06992..., AES-256 dc95c078...
    [InlineData(16, "66E94B")]
    [InlineData(24, "AAE069")]
    [InlineData(32, "DC95C0")]
    public void Aes_kcv_of_the_zero_key_is_the_published_answer(int length, string kcv)
    {
        Assert.Equal(kcv, KeyComponents.CheckValue(new byte[length]));
        Assert.Equal("AES-KCV", KeyComponents.CheckValueAlgorithm(length));
    }

    [Theory]
    [InlineData(16, "-aes-128-ecb")]
    [InlineData(24, "-aes-192-ecb")]
    [InlineData(32, "-aes-256-ecb")]
    public void Aes_kcv_matches_openssl(int length, string cipher)
    {
        var component = RandomNumberGenerator.GetBytes(length);
        var block = OpenSsl.RunWithInput(new byte[16], "enc", cipher, "-nopad", "-K", OpenSsl.Hex(component));
        Assert.Equal(Convert.ToHexString(block, 0, 3), KeyComponents.CheckValue(component));
    }

    [Theory]
    [InlineData(28)]
    [InlineData(64)]
    [InlineData(138)]
    public void Other_lengths_use_the_first_three_bytes_of_sha256(int length)
    {
        var component = RandomNumberGenerator.GetBytes(length);
        Assert.Equal("SHA256-KCV", KeyComponents.CheckValueAlgorithm(length));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(component), 0, 3), KeyComponents.CheckValue(component));
        var openssl = OpenSsl.RunWithInput(component, "dgst", "-sha256", "-binary");
        Assert.Equal(Convert.ToHexString(openssl, 0, 3), KeyComponents.CheckValue(component));
    }

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, 3)]
    [InlineData(KeySpec.HMAC_224, 2)]
    [InlineData(KeySpec.HMAC_256, 3)]
    [InlineData(KeySpec.HMAC_384, 4)]
    [InlineData(KeySpec.HMAC_512, 9)]
    [InlineData(KeySpec.RSA_2048, 3)]
    [InlineData(KeySpec.ECC_NIST_P256, 3)]
    [InlineData(KeySpec.ECC_NIST_P384, 2)]
    [InlineData(KeySpec.ECC_NIST_P521, 3)]
    [InlineData(KeySpec.ECC_SECG_P256K1, 3)]
    public void Components_of_every_importable_spec_combine_to_the_material(KeySpec spec, int count)
    {
        using var material = KeyMaterial.Generate(spec);
        using var set = KeyComponents.Split(material, count);
        Assert.Equal(count, set.Count);
        Assert.Equal(count, set.CheckValues.Count);
        var plain = material.ExportForImport();
        foreach (var component in set.Components)
        {
            Assert.Equal(plain.Length, component.Length);
            Assert.NotEqual(plain, component);
        }
        using var combined = KeyComponents.Combine(spec, set.Components.ToList());
        Assert.Equal(material.Fingerprint, combined.Fingerprint);
        Assert.Equal(plain, combined.ExportForImport());
        // One component short: not the material.
        if (count > 2 && !material.IsAsymmetric)
        {
            using var partial = KeyComponents.Combine(spec, set.Components.Take(count - 1).ToList());
            Assert.NotEqual(material.Fingerprint, partial.Fingerprint);
        }
    }

    [Fact]
    public void Components_are_zeroed_on_dispose()
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        var set = KeyComponents.Split(material, 3);
        var components = set.Components;
        set.Dispose();
        Assert.All(components, c => Assert.All(c, b => Assert.Equal(0, b)));
        Assert.Equal(3, set.CheckValues.Count);
    }

    [Fact]
    public void Counts_outside_two_to_nine_and_unequal_lengths_are_refused()
    {
        using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
        Assert.Equal(ErrorIds.ComponentCountMismatch, Assert.Throws<KmsImportException>(() => KeyComponents.Split(material, 1)).ErrorId);
        Assert.Equal(ErrorIds.ComponentCountMismatch, Assert.Throws<KmsImportException>(() => KeyComponents.Split(material, 10)).ErrorId);
        Assert.Equal(ErrorIds.ComponentLengthMismatch, Assert.Throws<KmsImportException>(() =>
            KeyComponents.Combine(KeySpec.SYMMETRIC_DEFAULT, new[] { new byte[32], new byte[31] })).ErrorId);
    }

    [Fact]
    public void Hex_as_typed_on_paper_forms_is_read()
    {
        Assert.Equal(new byte[] { 0x01, 0xAB, 0xcd, 0xEF }, KeyComponents.FromHex("01 ab-CD:ef".ToCharArray(), 1));
        Assert.Equal(ErrorIds.ComponentHexInvalid, Assert.Throws<KmsImportException>(() => KeyComponents.FromHex("0g".ToCharArray(), 1)).ErrorId);
        Assert.Equal(ErrorIds.ComponentHexInvalid, Assert.Throws<KmsImportException>(() => KeyComponents.FromHex("abc".ToCharArray(), 1)).ErrorId);
        Assert.Equal(ErrorIds.ComponentHexInvalid, Assert.Throws<KmsImportException>(() => KeyComponents.FromHex("  ".ToCharArray(), 1)).ErrorId);
    }

    // ---- the workflow: written as components, combined back ----

    private static readonly KmsKeyDescription Key = new KmsKeyDescription { KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab", KeySpec = "HMAC_256", Region = "eu-west-2" };

    internal (TempDir Dir, string Fingerprint, string[] Paths, string[] CheckValues) WriteComponents(KeySpec spec, int count)
    {
        var dir = new TempDir();
        var workflow = new ImportWorkflow();
        using var plan = MaterialPlan.Generate(dir.Path);
        plan.EscrowRecipients = Enumerable.Range(0, count).Select(i => _c.Recipient(i % 2 == 0 ? "rsa" : "p256")).ToList();
        plan.ComponentCount = count;
        var key = new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = spec.ToString(), Region = Key.Region };
        using var obtained = workflow.ObtainMaterial(plan, spec, key, keyHoldsMaterial: false)!;
        var manifest = workflow.CommitEscrow(obtained, key.KeyId);
        Assert.Equal(ComponentManifest.PathFor(dir.Path, key.KeyId), manifest);
        return (dir, obtained.Material.Fingerprint, obtained.ComponentPaths!.ToArray(), obtained.ComponentCheckValues!.ToArray());
    }

    private static EscrowKey[] Keys(EscrowCertificates c) => new[] { EscrowKey.FromKeyFile(c.Key("rsa"), null), EscrowKey.FromKeyFile(c.Key("p256"), null) };

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT)]
    [InlineData(KeySpec.HMAC_512)]
    [InlineData(KeySpec.ECC_NIST_P384)]
    public void Components_written_to_custodians_combine_back_and_openssl_opens_each(KeySpec spec)
    {
        var (dir, fingerprint, paths, checkValues) = WriteComponents(spec, 3);
        using var _ = dir;
        Assert.Equal(3, paths.Length);
        Assert.All(paths, p => Assert.Matches(@"\.component-[1-3]-of-3\.cms$", p));
        // Each custodian opens their own component with OpenSSL; its check value is the recorded one.
        for (int i = 0; i < 3; i++)
        {
            var name = i % 2 == 0 ? "rsa" : "p256";
            var component = OpenSsl.Run("cms", "-decrypt", "-inform", "PEM", "-in", paths[i], "-inkey", _c.Key(name), "-recip", _c.Cert(name));
            Assert.Equal(checkValues[i], KeyComponents.CheckValue(component));
        }
        var manifestText = File.ReadAllText(ComponentManifest.PathFor(dir.Path, Key.KeyId));
        Assert.Contains(fingerprint, manifestText);
        using var plan = MaterialPlan.FromComponents(paths.Reverse().ToList(), null); // any order: the names say the positions
        plan.EscrowKeys = Keys(_c);
        var key = new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = spec.ToString() };
        using var combined = new ImportWorkflow().ObtainMaterial(plan, spec, key, keyHoldsMaterial: true)!;
        Assert.Equal(fingerprint, combined.Material.Fingerprint);
        Assert.Equal(checkValues, combined.ComponentCheckValues);
    }

    [Fact]
    public void A_component_of_another_key_is_refused_by_its_check_value()
    {
        var (dir, _, paths, _) = WriteComponents(KeySpec.SYMMETRIC_DEFAULT, 3);
        var (other, _, otherPaths, _) = WriteComponents(KeySpec.SYMMETRIC_DEFAULT, 3);
        using var d1 = dir;
        using var d2 = other;
        using var plan = MaterialPlan.FromComponents(new[] { paths[0], otherPaths[1], paths[2] }, null);
        plan.EscrowKeys = Keys(_c);
        var key = new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = "SYMMETRIC_DEFAULT" };
        var e = Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(plan, KeySpec.SYMMETRIC_DEFAULT, key, true));
        Assert.Equal(ErrorIds.ComponentCheckValueMismatch, e.ErrorId);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Raw_components_in_the_wrong_order_are_refused_and_a_missing_one_is_counted()
    {
        var (dir, _, paths, _) = WriteComponents(KeySpec.HMAC_256, 2);
        using var _d = dir;
        var keys = Keys(_c);
        // The custodians saved their components as raw owner-only files (no position in the name).
        var raw = paths.Select((p, i) =>
        {
            var bytes = CmsEscrow.Decrypt(File.ReadAllBytes(p), keys, "t");
            var f = Path.Combine(dir.Path, $"custodian{i + 1}.bin");
            SecretFile.CreateNew(f, bytes);
            return f;
        }).ToArray();
        var manifest = ComponentManifest.PathFor(dir.Path, Key.KeyId);
        var key = new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = "HMAC_256" };
        using (var ok = MaterialPlan.FromComponents(raw, manifest))
            using (var m = new ImportWorkflow().ObtainMaterial(ok, KeySpec.HMAC_256, key, true)!) Assert.NotNull(m.Material.Fingerprint);
        using (var swapped = MaterialPlan.FromComponents(raw.Reverse().ToList(), manifest))
            Assert.Equal(ErrorIds.ComponentCheckValueMismatch, Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(swapped, KeySpec.HMAC_256, key, true)).ErrorId);
        using (var one = MaterialPlan.FromComponents(new[] { raw[0] }, manifest))
            Assert.Equal(ErrorIds.ComponentCountMismatch, Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(one, KeySpec.HMAC_256, key, true)).ErrorId);
        // A raw component others can read is refused.
        File.SetUnixFileMode(raw[1], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using (var open = MaterialPlan.FromComponents(raw, manifest))
            Assert.Equal(ErrorIds.ComponentFileInvalid, Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(open, KeySpec.HMAC_256, key, true)).ErrorId);
    }

    [Fact]
    public void Host_components_are_confirmed_one_by_one_and_a_wrong_one_stops_before_the_next()
    {
        var (dir, fingerprint, paths, checkValues) = WriteComponents(KeySpec.SYMMETRIC_DEFAULT, 3);
        using var _d = dir;
        var keys = Keys(_c);
        var hex = paths.Select(p => Convert.ToHexString(CmsEscrow.Decrypt(File.ReadAllBytes(p), keys, "t"))).ToArray();
        var manifest = ComponentManifest.PathFor(dir.Path, Key.KeyId);
        var key = new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = "SYMMETRIC_DEFAULT" };
        var accepted = new List<string>();
        using (var plan = MaterialPlan.FromHostComponents(3, (i, n) => hex[i - 1].ToCharArray(), (i, kcv, alg) => accepted.Add($"{i}:{kcv}:{alg}"), manifest))
        using (var m = new ImportWorkflow().ObtainMaterial(plan, KeySpec.SYMMETRIC_DEFAULT, key, true)!)
            Assert.Equal(fingerprint, m.Material.Fingerprint);
        Assert.Equal(checkValues.Select((v, i) => $"{i + 1}:{v}:AES-KCV"), accepted);

        var asked = new List<int>();
        using var wrongOrder = MaterialPlan.FromHostComponents(3, (i, n) => { asked.Add(i); return hex[i == 1 ? 1 : i - 1].ToCharArray(); }, (i, kcv, alg) => { }, manifest);
        Assert.Equal(ErrorIds.ComponentCheckValueMismatch, Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(wrongOrder, KeySpec.SYMMETRIC_DEFAULT, key, true)).ErrorId);
        Assert.Equal(new[] { 1 }, asked);
    }

    [Fact]
    public void Without_a_manifest_the_combined_fingerprint_is_not_checked_but_a_wrong_manifest_fingerprint_is_refused()
    {
        var (dir, _, paths, _) = WriteComponents(KeySpec.SYMMETRIC_DEFAULT, 2);
        using var _d = dir;
        var manifestPath = ComponentManifest.PathFor(dir.Path, Key.KeyId);
        var text = File.ReadAllText(manifestPath);
        var forged = System.Text.RegularExpressions.Regex.Replace(text, "\"fingerprint\": \"[0-9A-F]{6}\"", "\"fingerprint\": \"000000\"");
        Assert.NotEqual(text, forged);
        var forgedPath = Path.Combine(dir.Path, "forged.json");
        File.WriteAllText(forgedPath, forged);
        using var plan = MaterialPlan.FromComponents(paths, forgedPath);
        plan.EscrowKeys = Keys(_c);
        var key = new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = "SYMMETRIC_DEFAULT" };
        Assert.Equal(ErrorIds.ComponentFingerprintMismatch, Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(plan, KeySpec.SYMMETRIC_DEFAULT, key, true)).ErrorId);
    }

    [Fact]
    public void Components_are_never_written_over_existing_ones()
    {
        var (dir, _, _, _) = WriteComponents(KeySpec.SYMMETRIC_DEFAULT, 2);
        using var _d = dir;
        using var plan = MaterialPlan.Generate(dir.Path);
        plan.EscrowRecipients = new[] { _c.Recipient("rsa"), _c.Recipient("p256") };
        plan.ComponentCount = 2;
        var e = Assert.Throws<KmsImportException>(() => new ImportWorkflow().ObtainMaterial(plan, KeySpec.SYMMETRIC_DEFAULT, new KmsKeyDescription { KeyId = Key.KeyId, KeySpec = "SYMMETRIC_DEFAULT" }, false));
        Assert.Equal(ErrorIds.SecretFileExists, e.ErrorId);
    }
}
