using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>
/// Issue 14, the core halves: weak material (MaterialEntropy), material files read once and regular files only
/// (KeyMaterialFile, UntrustedFile), escrow files checked on resume (SecretFile.ReadExisting, FromEscrowFile),
/// safe key ids (KeyFileNames.EnsureSafe) and AWS's own endpoints (ImportBundle.IsAwsKmsEndpoint).
/// The Pester suite (tests/Pester/Untrusted.Tests.ps1) runs the same through the cmdlets.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class UntrustedInputTests
{
    // ---- finding 6: low entropy -------------------------------------------------------------------------

    public static TheoryData<string, byte[], KeySpec> WeakMaterial()
    {
        var b16 = RandomNumberGenerator.GetBytes(16);
        var b12 = RandomNumberGenerator.GetBytes(12);
        return new()
        {
            { "zeros", new byte[32], KeySpec.SYMMETRIC_DEFAULT },
            { "0xFF", Enumerable.Repeat((byte)0xFF, 32).ToArray(), KeySpec.SYMMETRIC_DEFAULT },
            { "2-byte pattern", Enumerable.Range(0, 32).Select(i => (byte)(i % 2 == 0 ? 0x5A : 0xC3)).ToArray(), KeySpec.SYMMETRIC_DEFAULT },
            { "16-byte block twice", [.. b16, .. b16], KeySpec.SYMMETRIC_DEFAULT },
            { "zero HMAC key", new byte[32], KeySpec.HMAC_256 },
            { "16-byte block and its first 12 bytes (HMAC_224)", [.. b16, .. b16[..12]], KeySpec.HMAC_224 },
            { "12-byte block repeated over 128 bytes", Enumerable.Range(0, 128).Select(i => b12[i % 12]).ToArray(), KeySpec.HMAC_512 },
            { "seven values", Enumerable.Range(0, 32).Select(i => (byte)((i * 5 + i / 3) % 7 * 31)).ToArray(), KeySpec.SYMMETRIC_DEFAULT },
        };
    }

    [Theory]
    [MemberData(nameof(WeakMaterial))]
    public void Weak_raw_material_is_refused_and_accepted_only_when_allowed(string name, byte[] data, KeySpec spec)
    {
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(spec, data));
        Assert.True(e.ErrorId == ErrorIds.KeyMaterialLowEntropy, $"{name}: {e.ErrorId} {e.Message}");
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.Contains("-Force", e.Message);
        Assert.DoesNotContain(Convert.ToHexString(data[..8]), e.Message, StringComparison.OrdinalIgnoreCase);
        using var forced = KeyMaterial.FromBytes(spec, data, allowLowEntropy: true);
        Assert.Equal(data, forced.ExportForImport());
    }

    [Fact]
    public void Random_material_of_every_raw_length_never_trips_the_check()
    {
        // 2,000 CSPRNG keys of each length 28..128 (202,000 keys): the bound below says none may trip.
        for (int n = 28; n <= 128; n++)
            for (int i = 0; i < 2000; i++)
            {
                var data = RandomNumberGenerator.GetBytes(n);
                var weakness = MaterialEntropy.Weakness(data);
                Assert.True(weakness == null, $"{n} random bytes were called weak: {weakness}");
            }
    }

    [Fact]
    public void The_false_positive_bound_in_MaterialEntropy_holds_for_every_raw_length()
    {
        for (int n = 28; n <= 128; n++)
        {
            // Repetition: at most n - 12 periods, each 256^-(n-p) <= 256^-12.
            double repetition = Math.Log10(n - MaterialEntropy.MinRepeatedBytes) - 12 * Math.Log10(256);
            // Distinct values: refused when distinct * 4 < n, i.e. at most k = ceil(n/4) - 1; P <= C(256,k) (k/256)^n.
            int k = (n + 3) / 4 - 1;
            double log10Comb = 0;
            for (int j = 0; j < k; j++) log10Comb += Math.Log10(256 - j) - Math.Log10(j + 1);
            double distinct = log10Comb + n * Math.Log10(k / 256.0);
            Assert.True(repetition < -26, $"n={n}: repetition bound 1e{repetition:0.0}");
            Assert.True(distinct < -32, $"n={n}: distinct-values bound 1e{distinct:0.0}");
        }
    }

    [Fact]
    public void Asymmetric_material_and_generated_material_are_not_affected()
    {
        foreach (var spec in new[] { KeySpec.SYMMETRIC_DEFAULT, KeySpec.HMAC_224, KeySpec.HMAC_512, KeySpec.ECC_NIST_P256 })
        {
            using var generated = KeyMaterial.Generate(spec);
            using var again = KeyMaterial.FromBytes(spec, generated.ExportForImport());
            Assert.Equal(generated.Fingerprint, again.Fingerprint);
        }
    }

    // ---- finding 14: read once, regular files only ------------------------------------------------------

    [Fact]
    public void A_material_file_is_read_once_and_the_bytes_serve_later_loads()
    {
        using var dir = new TempDir();
        var data = RandomNumberGenerator.GetBytes(32);
        var path = dir.Write("key.bin", data);
        using var file = KeyMaterialFile.Read(path);
        File.Delete(path); // a pipe is gone after one read; so is this file
        using var first = KeyMaterial.FromFile(KeySpec.SYMMETRIC_DEFAULT, file);
        using var second = KeyMaterial.FromFile(KeySpec.SYMMETRIC_DEFAULT, file);
        Assert.Equal(data, second.ExportForImport());
        Assert.Equal(Path.GetFullPath(path), file.FullPath);
    }

    [Fact]
    public void A_fifo_a_link_to_one_and_a_device_are_refused_without_being_opened()
    {
        using var dir = new TempDir();
        var fifo = dir.File("material.fifo");
        Process.Start("mkfifo", fifo)!.WaitForExit();
        var link = dir.File("fd-63");
        File.CreateSymbolicLink(link, fifo);
        var watch = Stopwatch.StartNew();
        foreach (var path in new[] { fifo, link, "/dev/zero", "/dev/null" })
        {
            var e = Assert.Throws<KmsImportException>(() => KeyMaterialFile.Read(path));
            Assert.Equal(ErrorIds.KeyMaterialFileNotRegular, e.ErrorId);
        }
        // Opening the FIFO would block until a writer came: the refusal comes before any open.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Bundle_style_reads_refuse_links_to_regular_files_material_reads_follow_them()
    {
        using var dir = new TempDir();
        var target = dir.Write("target.bin", RandomNumberGenerator.GetBytes(32));
        var link = dir.File("link.bin");
        File.CreateSymbolicLink(link, target);
        Assert.Equal(FileRefusal.SymbolicLink, Assert.Throws<FileRefusedException>(() => UntrustedFile.Read(link, 100, followLinks: false)).Reason);
        Assert.Equal(32, UntrustedFile.Read(link, 100, followLinks: true).Length);
        Assert.Equal(FileRefusal.TooLarge, Assert.Throws<FileRefusedException>(() => UntrustedFile.Read(target, 31, followLinks: false)).Reason);
        Assert.Equal(FileRefusal.IsDirectory, Assert.Throws<FileRefusedException>(() => UntrustedFile.Read(dir.Path, 100, followLinks: false)).Reason);
        Assert.Equal(FileRefusal.NotFound, Assert.Throws<FileRefusedException>(() => UntrustedFile.Read(dir.File("none"), 100, followLinks: false)).Reason);
        Assert.True(UntrustedFile.IsLink(link));
        Assert.False(UntrustedFile.IsLink(target));
    }

    // ---- finding 4: escrow files on resume --------------------------------------------------------------

    [Fact]
    public void An_existing_escrow_file_must_be_regular_owner_only_and_small()
    {
        using var dir = new TempDir();
        var data = RandomNumberGenerator.GetBytes(32);
        var good = dir.File("good.bin");
        SecretFile.CreateNew(good, data);
        Assert.Equal(data, SecretFile.ReadExisting(good));

        var world = dir.Write("world.bin", data);
        File.SetUnixFileMode(world, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var link = dir.File("link.bin");
        File.CreateSymbolicLink(link, good);
        var large = dir.File("large.bin");
        SecretFile.CreateNew(large, new byte[SecretFile.MaxEscrowFileBytes + 1]);
        foreach (var (path, why) in new[] { (world, "mode 644"), (link, "symbolic link"), (large, "bytes, more than") })
        {
            var e = Assert.Throws<KmsImportException>(() => SecretFile.ReadExisting(path));
            Assert.Equal(ErrorIds.EscrowFileUntrusted, e.ErrorId);
            Assert.Contains(why, e.Message);
            Assert.Null(e.InnerException);
        }
    }

    [Fact]
    public void An_escrow_file_with_another_fingerprint_than_recorded_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("escrow.bin");
        SecretFile.CreateNew(path, RandomNumberGenerator.GetBytes(32));
        using var right = KeyMaterial.FromEscrowFile(KeySpec.SYMMETRIC_DEFAULT, path);
        using var again = KeyMaterial.FromEscrowFile(KeySpec.SYMMETRIC_DEFAULT, path, right.Fingerprint);
        Assert.Equal(right.Fingerprint, again.Fingerprint);
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromEscrowFile(KeySpec.SYMMETRIC_DEFAULT, path, "000000"));
        Assert.Equal(ErrorIds.EscrowFingerprintMismatch, e.ErrorId);
    }

    // ---- finding 16: key ids ----------------------------------------------------------------------------

    [Theory]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("mrk-1234abcd12ab34cd56ef1234567890ab")]
    [InlineData("arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("arn:aws-cn:kms:cn-north-1:111122223333:alias/ops/key_1")]
    [InlineData("alias/ops/key-1")]
    public void Kms_key_ids_arns_and_aliases_are_safe(string keyId)
    {
        KeyFileNames.EnsureSafe(keyId);
        Assert.DoesNotContain('/', KeyFileNames.ForKeyId(keyId));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData("a\u001b[31mb")]
    [InlineData("x\r\ny")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a b")]
    [InlineData("arn:aws:kms:eu-west-2:1:key//x")]
    public void Other_key_ids_are_refused_and_shown_without_control_characters(string keyId)
    {
        var e = Assert.Throws<KmsImportException>(() => KeyFileNames.ForKeyId(keyId));
        Assert.Equal(ErrorIds.KeyIdUnsafe, e.ErrorId);
        Assert.DoesNotContain(e.Message, c => char.IsControl(c));
        Assert.DoesNotContain((string)e.TargetObject!, c => char.IsControl(c));
    }

    // ---- finding 3: AWS's own endpoints -----------------------------------------------------------------

    [Theory]
    [InlineData("https://kms.eu-west-2.amazonaws.com", "eu-west-2", true)]
    [InlineData("https://kms-fips.us-east-1.amazonaws.com", "us-east-1", true)]
    [InlineData("https://kms.cn-north-1.amazonaws.com.cn", "cn-north-1", true)]
    [InlineData("https://kms.us-east-1.amazonaws.com", "eu-west-2", false)]
    [InlineData("http://kms.eu-west-2.amazonaws.com", "eu-west-2", false)]
    [InlineData("https://kms.eu-west-2.amazonaws.com:8443", "eu-west-2", false)]
    [InlineData("https://kms.eu-west-2.amazonaws.com.evil.example", "eu-west-2", false)]
    [InlineData("https://kms.eu-west-2.amazonaws.com/proxy", "eu-west-2", false)]
    [InlineData("http://127.0.0.1:4566", "eu-west-2", false)]
    public void Only_AWS_own_KMS_endpoint_for_the_Region_is_trusted_without_being_named(string url, string region, bool trusted)
    {
        Assert.Equal(trusted, ImportBundle.IsAwsKmsEndpoint(KmsClientFactory.NormalizeEndpoint(url)!, region));
    }
}
