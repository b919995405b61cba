using Xunit;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>Zeroing, disposal, and that nothing prints material.</summary>
public class HygieneTests
{
    private readonly OpenSslKeys keys = OpenSslKeys.Shared;

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT)]
    [InlineData(KeySpec.HMAC_512)]
    [InlineData(KeySpec.ECC_NIST_P521)]
    public void Dispose_zeroes_the_buffer_and_later_use_throws(KeySpec spec)
    {
        var material = KeyMaterial.Generate(spec);
        byte[] buffer = material.InternalBuffer;
        Assert.Contains(buffer, b => b != 0);
        string fingerprint = material.Fingerprint;

        material.Dispose();

        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.True(material.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => material.ExportForImport());
        Assert.Throws<ObjectDisposedException>(() => material.GetPublicKeySpki());
        Assert.Throws<ObjectDisposedException>(() =>
            KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_4096), WrappingMatrix.Recommend(spec).Algorithm, WrappingKeySpec.RSA_4096));
        // Metadata stays readable (PowerShell formats objects after the pipeline ends).
        Assert.Equal(fingerprint, material.Fingerprint);
        Assert.Contains("disposed", material.ToString());
        material.Dispose(); // idempotent
    }

    [Fact]
    public void Export_is_a_copy_and_input_is_copied()
    {
        var input = new byte[32];
        input[0] = 7;
        using var material = KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, input);
        input[1] = 9;
        var export = material.ExportForImport();
        Assert.Equal(0, export[1]);
        export[2] = 5;
        Assert.Equal(0, material.ExportForImport()[2]);
        Assert.NotSame(material.InternalBuffer, export);
    }

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT)]
    [InlineData(KeySpec.HMAC_256)]
    [InlineData(KeySpec.RSA_2048)]
    [InlineData(KeySpec.ECC_NIST_P256)]
    public void ToString_shows_spec_length_and_fingerprint_but_no_material(KeySpec spec)
    {
        using var material = Materials.For(spec, keys);
        string s = material.ToString();
        Assert.StartsWith($"KeyMaterial({spec}, {material.Length} bytes, {material.FingerprintAlgorithm} {material.Fingerprint}", s);
        byte[] bytes = material.ExportForImport();
        for (int i = 0; i + 4 <= bytes.Length; i += 4)
        {
            string chunk = Convert.ToHexString(bytes, i, 4);
            if (material.Fingerprint.Contains(chunk, StringComparison.OrdinalIgnoreCase)) continue; // coincidence with the public fingerprint
            Assert.DoesNotContain(chunk, s, StringComparison.OrdinalIgnoreCase);
        }
        Assert.DoesNotContain(Convert.ToBase64String(bytes)[..12], s);
    }

    [Theory]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256)]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1)]
    public void The_transient_aes_key_is_observed_as_a_copy_and_zeroed_after_use(WrappingAlgorithm algorithm)
    {
        var copies = new List<byte[]>();
        var buffers = new List<byte[]>();
        KeyWrapper.TransientKeyObserver = copies.Add;
        KeyWrapper.TransientKeyBufferObserver = buffers.Add;
        try
        {
            using var material = KeyMaterial.FromFile(KeySpec.RSA_2048, keys.Pem(KeySpec.RSA_2048));
            byte[] wrapped = KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_4096), algorithm, WrappingKeySpec.RSA_4096);

            var copy = Assert.Single(copies);
            var live = Assert.Single(buffers);
            Assert.Equal(32, copy.Length);
            Assert.NotSame(copy, live);
            Assert.Contains(copy, b => b != 0);
            // The observed key is the key in R...
            using var rsa = keys.RsaPrivate(KeySpec.RSA_4096);
            Assert.Equal(copy, WrappedMaterialDecoder.TransientKey(wrapped, rsa, algorithm));
            // ...and the buffer the wrapper used was zeroed before Wrap returned.
            Assert.All(live, b => Assert.Equal(0, b));
        }
        finally
        {
            KeyWrapper.TransientKeyObserver = null;
            KeyWrapper.TransientKeyBufferObserver = null;
        }
    }

    [Fact]
    public void Every_wrap_uses_a_fresh_aes_key()
    {
        var copies = new List<byte[]>();
        KeyWrapper.TransientKeyObserver = copies.Add;
        try
        {
            using var material = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
            for (int i = 0; i < 3; i++)
                KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048);
            Assert.Equal(3, copies.Count);
            Assert.Equal(3, copies.Select(Convert.ToHexString).Distinct().Count());
        }
        finally
        {
            KeyWrapper.TransientKeyObserver = null;
        }
    }

    [Fact]
    public void Oaep_wrapping_has_no_transient_key()
    {
        var copies = new List<byte[]>();
        KeyWrapper.TransientKeyObserver = copies.Add;
        try
        {
            using var material = KeyMaterial.Generate(KeySpec.SYMMETRIC_DEFAULT);
            KeyWrapper.Wrap(material, keys.PublicSpki(KeySpec.RSA_2048), WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048);
            Assert.Empty(copies);
        }
        finally
        {
            KeyWrapper.TransientKeyObserver = null;
        }
    }

    [Fact]
    public void Key_material_error_messages_do_not_echo_the_input()
    {
        var text = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF");
        var e = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.SYMMETRIC_DEFAULT, text));
        Assert.DoesNotContain("0123456789abcdef", e.Message);
        var e2 = Assert.Throws<KmsImportException>(() => KeyMaterial.FromBytes(KeySpec.HMAC_256, Encoding.ASCII.GetBytes("correct horse battery staple 123")));
        Assert.DoesNotContain("horse", e2.Message);
    }

    [Fact]
    public void CheckFile_refuses_what_FromFile_refuses_and_hands_back_only_the_path()
    {
        // The cmdlets call CheckFile before any KMS call (to refuse a bad -Path locally); it reads the file to
        // find unreadable ones, so it must give nothing of the content back, and its errors must not echo it.
        var dir = Directory.CreateTempSubdirectory("kmsimport-checkfile-");
        try
        {
            var good = Path.Combine(dir.FullName, "key.bin");
            File.WriteAllBytes(good, Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdeF"));
            Assert.Equal(Path.GetFullPath(good), KeyMaterial.CheckFile(good));

            var empty = Path.Combine(dir.FullName, "empty.bin");
            File.WriteAllBytes(empty, Array.Empty<byte>());
            var huge = Path.Combine(dir.FullName, "huge.bin");
            File.WriteAllBytes(huge, new byte[KeyMaterial.MaxFileSize + 1]);
            Assert.Equal(ErrorIds.KeyMaterialFileEmpty, Assert.Throws<KmsImportException>(() => KeyMaterial.CheckFile(empty)).ErrorId);
            Assert.Equal(ErrorIds.KeyMaterialFileTooLarge, Assert.Throws<KmsImportException>(() => KeyMaterial.CheckFile(huge)).ErrorId);
            Assert.Equal(ErrorIds.KeyMaterialIsDirectory, Assert.Throws<KmsImportException>(() => KeyMaterial.CheckFile(dir.FullName)).ErrorId);
            var missing = Assert.Throws<KmsImportException>(() => KeyMaterial.CheckFile(Path.Combine(dir.FullName, "missing.bin")));
            Assert.Equal(ErrorIds.KeyMaterialFileNotFound, missing.ErrorId);
            Assert.DoesNotContain("0123456789abcdef", missing.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
