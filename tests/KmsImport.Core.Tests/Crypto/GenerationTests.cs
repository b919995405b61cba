using Xunit;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace KmsImport.Core.Tests.Crypto;

public class GenerationTests
{
    // RSA_3072 and RSA_4096 are generated once each, in Rsa_keys_have_the_spec_size_two_primes_and_f4.
    public static TheoryData<KeySpec> AllSpecs() => new(Materials.AllSpecs.Where(s => s is not (KeySpec.RSA_3072 or KeySpec.RSA_4096)));

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Generated_material_is_valid_for_its_spec_and_fresh(KeySpec spec)
    {
        using var a = KeyMaterial.Generate(spec);
        Assert.Equal(spec, a.KeySpec);
        Assert.Equal("Generated", a.SourceFormat);
        Assert.Equal(KeySpecRules.IsAsymmetric(spec), a.IsAsymmetric);
        byte[] export = a.ExportForImport();
        if (KeySpecRules.RawMaterialLength(spec) is int n)
        {
            Assert.Equal(n, export.Length);
        }
        else
        {
            // Our own reader accepts it for the spec (modulus size / curve check) and it is the canonical form.
            using var again = KeyMaterial.FromBytes(spec, export);
            Assert.Equal(export, again.ExportForImport());
            Assert.Equal(a.Fingerprint, again.Fingerprint);
            // OpenSSL reads and checks it.
            using var dir = new TempDir();
            var f = dir.Write("k.der", export);
            OpenSsl.Run("pkey", "-inform", "DER", "-in", f, "-check", "-noout");
            var openssl = OpenSsl.Run("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", f, "-outform", "DER");
            Assert.Equal(openssl, export);
        }
        using var b = KeyMaterial.Generate(spec);
        Assert.NotEqual(export, b.ExportForImport());
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
    }

    [Theory]
    [InlineData(KeySpec.RSA_2048, 2048)]
    [InlineData(KeySpec.RSA_3072, 3072)]
    [InlineData(KeySpec.RSA_4096, 4096)]
    public void Rsa_keys_have_the_spec_size_two_primes_and_f4(KeySpec spec, int bits)
    {
        using var m = KeyMaterial.Generate(spec);
        var k = Assert.IsType<RsaPrivateCrtKeyParameters>(PrivateKeyFactory.CreateKey(m.ExportForImport()));
        Assert.Equal(bits, k.Modulus.BitLength);
        Assert.Equal(65537, k.PublicExponent.IntValue);
        Assert.Equal(k.Modulus, k.P.Multiply(k.Q));
        Assert.Equal("Generated", m.SourceFormat);
        using var again = KeyMaterial.FromBytes(spec, m.ExportForImport());
        Assert.Equal(m.Fingerprint, again.Fingerprint);
        using var dir = new TempDir();
        var f = dir.Write("k.der", m.ExportForImport());
        OpenSsl.Run("pkey", "-inform", "DER", "-in", f, "-check", "-noout");
        Assert.Equal(OpenSsl.Run("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", f, "-outform", "DER"), m.ExportForImport());
    }

    [Fact]
    public void The_bouncycastle_rsa_path_used_on_dotnet_framework_makes_valid_keys()
    {
        using var m = KeyMaterialGenerator.GenerateRsaWithBouncyCastle(KeySpec.RSA_2048);
        Assert.Equal("Generated", m.SourceFormat);
        var k = Assert.IsType<RsaPrivateCrtKeyParameters>(PrivateKeyFactory.CreateKey(m.ExportForImport()));
        Assert.Equal(2048, k.Modulus.BitLength);
        Assert.Equal(65537, k.PublicExponent.IntValue);
        using var dir = new TempDir();
        OpenSsl.Run("pkey", "-inform", "DER", "-in", dir.Write("k.der", m.ExportForImport()), "-check", "-noout");
    }
}
