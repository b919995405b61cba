using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>FromFile's file errors, each with its ErrorId and category.</summary>
public class KeyFileErrorTests
{
    private static KmsImportException Refused(string path) =>
        Assert.Throws<KmsImportException>(() => KeyMaterial.FromFile(KeySpec.SYMMETRIC_DEFAULT, path));

    [Fact]
    public void Missing_file()
    {
        using var dir = new TempDir();
        var e = Refused(dir.File("nope.bin"));
        Assert.Equal(ErrorIds.KeyMaterialFileNotFound, e.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
        Assert.Equal(dir.File("nope.bin"), e.TargetObject);
        // An absolute path was not resolved against anything: no remark about relative paths.
        Assert.DoesNotContain("relative", e.Message);
    }

    [Fact]
    public void Missing_file_given_relative_says_against_which_directory_it_was_resolved()
    {
        var name = "kmsimport-no-such-file-" + Guid.NewGuid().ToString("n") + ".bin";
        var e = Refused(name);
        Assert.Equal(ErrorIds.KeyMaterialFileNotFound, e.ErrorId);
        Assert.Contains($"the relative path '{name}' was resolved against the process's current directory", e.Message);
        Assert.Equal(Path.GetFullPath(name), e.TargetObject);
    }

    [Fact]
    public void Directory_instead_of_file()
    {
        using var dir = new TempDir();
        var e = Refused(dir.Path);
        Assert.Equal(ErrorIds.KeyMaterialIsDirectory, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Empty_file()
    {
        using var dir = new TempDir();
        var e = Refused(dir.Write("empty.bin", []));
        Assert.Equal(ErrorIds.KeyMaterialFileEmpty, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void File_over_one_MiB()
    {
        using var dir = new TempDir();
        var e = Refused(dir.Write("big.bin", new byte[KeyMaterial.MaxFileSize + 1]));
        Assert.Equal(ErrorIds.KeyMaterialFileTooLarge, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.Contains((KeyMaterial.MaxFileSize + 1).ToString(), e.Message);
    }

    [Fact]
    public void Exactly_one_MiB_is_read_and_judged_on_content()
    {
        using var dir = new TempDir();
        var e = Refused(dir.Write("mib.bin", new byte[KeyMaterial.MaxFileSize]));
        Assert.Equal(ErrorIds.KeyMaterialWrongLength, e.ErrorId);
    }

    [Fact]
    public void Endless_device_is_refused_before_it_is_read()
    {
        // A device is not a regular file: refused up front (it used to be read up to the size limit).
        var e = Refused("/dev/zero");
        Assert.Equal(ErrorIds.KeyMaterialFileNotRegular, e.ErrorId);
    }

    [Fact]
    public void Read_error_is_unreadable()
    {
        // /proc/self/mem opens but reading offset 0 fails with EIO.
        var e = Refused("/proc/self/mem");
        Assert.Equal(ErrorIds.KeyMaterialUnreadable, e.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, e.Kind);
    }

    [Fact]
    public void Access_denied_maps_to_permission_denied()
    {
        // Tests run as root here, where chmod 000 does not stop reads: the mapping is tested directly.
        var e = KeyFileReader.MapIoException(new UnauthorizedAccessException("Access to the path is denied."), "/x/key.bin");
        Assert.Equal(ErrorIds.KeyMaterialUnreadable, e.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Equal("/x/key.bin", e.TargetObject);
        Assert.Equal(ErrorIds.KeyMaterialFileNotFound, KeyFileReader.MapIoException(new FileNotFoundException(), "/x").ErrorId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bad\0name")]
    public void Invalid_paths(string path)
    {
        var e = Refused(path);
        Assert.Equal(ErrorIds.KeyMaterialPathInvalid, e.ErrorId);
    }

    [Fact]
    public void Null_arguments_are_programming_errors()
    {
        Assert.Throws<ArgumentNullException>(() => KeyMaterial.FromFile(KeySpec.SYMMETRIC_DEFAULT, (string)null!));
        Assert.Throws<ArgumentNullException>(() => KeyMaterial.FromFile(KeySpec.SYMMETRIC_DEFAULT, (KeyMaterialFile)null!));
        Assert.Throws<ArgumentNullException>(() => KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, null!));
    }

    [Fact]
    public void Raw_key_file_loads()
    {
        using var dir = new TempDir();
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        key[0] = 0xFF; // certainly not all text
        using var material = KeyMaterial.FromFile(KeySpec.SYMMETRIC_DEFAULT, dir.Write("key.bin", key));
        Assert.Equal(key, material.ExportForImport());
    }
}
