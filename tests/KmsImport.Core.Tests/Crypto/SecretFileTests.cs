using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

// The Unix half of SecretFile is what this Linux suite can prove; the Windows half (CreateFileW + SDDL) is compile-checked only.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SecretFileTests
{
    /// <summary>true: P/Invoke open(2); false: the runtime's FileStreamOptions.UnixCreateMode path.</summary>
    public static TheoryData<bool> Methods() => new() { true, false };

    private static SecretFile.UnixMethod M(bool pinvoke) => pinvoke ? SecretFile.UnixMethod.PInvoke : SecretFile.UnixMethod.FileStreamOptions;

    private static void With(SecretFile.UnixMethod method, Action action)
    {
        SecretFile.ForceUnixMethod = method;
        try { action(); }
        finally { SecretFile.ForceUnixMethod = SecretFile.UnixMethod.Auto; }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Creates_an_owner_only_file_with_the_content(bool pinvoke)
    {
        using var dir = new TempDir();
        var path = dir.File("escrow.bin");
        byte[] content = [1, 2, 3, 0, 255];
        With(M(pinvoke), () => SecretFile.CreateNew(path, content));
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(M(pinvoke), SecretFile.LastUnixMethod);
    }

    [Fact]
    public void Auto_uses_pinvoke_open_on_linux()
    {
        using var dir = new TempDir();
        SecretFile.CreateNew(dir.File("a.bin"), [1]);
        Assert.Equal(SecretFile.UnixMethod.PInvoke, SecretFile.LastUnixMethod);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("a.bin")));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Never_overwrites(bool pinvoke)
    {
        using var dir = new TempDir();
        var path = dir.Write("existing.bin", [9, 9]);
        var e = Assert.Throws<KmsImportException>(() => With(M(pinvoke), () => SecretFile.CreateNew(path, [1])));
        Assert.Equal(ErrorIds.SecretFileExists, e.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, e.Kind);
        Assert.Equal(new byte[] { 9, 9 }, File.ReadAllBytes(path));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_dangling_symlink_is_not_followed(bool pinvoke)
    {
        using var dir = new TempDir();
        var target = dir.File("target.bin");
        var link = dir.File("link.bin");
        File.CreateSymbolicLink(link, target);
        var e = Assert.Throws<KmsImportException>(() => With(M(pinvoke), () => SecretFile.CreateNew(link, [1])));
        Assert.Equal(ErrorIds.SecretFileExists, e.ErrorId);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_directory_of_that_name_is_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("sub"));
        Assert.Equal(ErrorIds.SecretFileExists, Assert.Throws<KmsImportException>(() => SecretFile.CreateNew(dir.File("sub"), [1])).ErrorId);
    }

    [Fact]
    public void Missing_folder_is_refused()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KmsImportException>(() => SecretFile.CreateNew(dir.File("no/such/escrow.bin"), [1]));
        Assert.Equal(ErrorIds.SecretFileDirectoryNotFound, e.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_failure_after_creation_leaves_nothing_behind(bool pinvoke)
    {
        using var dir = new TempDir();
        var path = dir.File("escrow.bin");
        SecretFile.AfterCreate = _ => throw new IOException("disk full (simulated)");
        try
        {
            var e = Assert.Throws<KmsImportException>(() => With(M(pinvoke), () => SecretFile.CreateNew(path, [1, 2, 3])));
            Assert.Equal(ErrorIds.SecretFileWriteFailed, e.ErrorId);
            Assert.Contains("disk full", e.Message);
        }
        finally
        {
            SecretFile.AfterCreate = null;
        }
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void The_file_is_already_owner_only_when_it_first_exists()
    {
        using var dir = new TempDir();
        var path = dir.File("escrow.bin");
        UnixFileMode? seen = null;
        SecretFile.AfterCreate = _ => seen = File.GetUnixFileMode(path);
        try { SecretFile.CreateNew(path, [1]); }
        finally { SecretFile.AfterCreate = null; }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, seen);
    }
}
