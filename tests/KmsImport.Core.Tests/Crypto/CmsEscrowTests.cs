using Xunit;
using System.Text;
using KmsImport.Core.Crypto;
using KmsImport.Core.Tests.Crypto.TestSupport;

namespace KmsImport.Core.Tests.Crypto;

/// <summary>Escrow certificates and keys made with OpenSSL 3 once for the class.</summary>
public sealed class EscrowCertificates : IDisposable
{
    internal TempDir Dir { get; } = new TempDir();

    public EscrowCertificates()
    {
        Make("rsa", "rsa:2048", "keyUsage=critical,keyEncipherment", "extendedKeyUsage=1.3.6.1.4.1.311.80.1");
        Make("rsa2", "rsa:2048", "keyUsage=critical,keyEncipherment");
        Make("p256", "ec", "keyUsage=critical,keyAgreement", curve: "P-256");
        Make("p384", "ec", "keyUsage=critical,keyAgreement", curve: "P-384");
        Make("nokeyusage", "rsa:2048");
        Make("signonly", "rsa:2048", "keyUsage=critical,digitalSignature");
        Make("ecsign", "ec", "keyUsage=critical,digitalSignature", curve: "P-256");
        Make("serverauth", "rsa:2048", "keyUsage=critical,keyEncipherment", "extendedKeyUsage=serverAuth");
        Make("rsa1024", "rsa:1024", "keyUsage=critical,keyEncipherment");
        // The RSA key as PKCS#1, encrypted PKCS#8 and PFX; the EC key as SEC1.
        OpenSsl.Run("pkey", "-in", Key("rsa"), "-traditional", "-out", Dir.File("rsa.pkcs1.pem"));
        OpenSsl.Run("pkcs8", "-topk8", "-in", Key("rsa"), "-v2", "aes-256-cbc", "-passout", "pass:s3cret", "-out", Dir.File("rsa.enc.pem"));
        OpenSsl.Run("pkcs12", "-export", "-in", Cert("rsa"), "-inkey", Key("rsa"), "-passout", "pass:pfxpw", "-out", Dir.File("rsa.pfx"));
        OpenSsl.Run("ec", "-in", Key("p256"), "-out", Dir.File("p256.sec1.pem"));
    }

    private void Make(string name, string newkey, string? keyUsage = null, string? eku = null, string? curve = null)
    {
        var args = new List<string> { "req", "-x509", "-newkey", newkey, "-nodes", "-keyout", Key(name), "-out", Cert(name), "-days", "30", "-subj", "/CN=Custodian " + name };
        if (curve != null) { args.Add("-pkeyopt"); args.Add("ec_paramgen_curve:" + curve); }
        if (keyUsage != null) { args.Add("-addext"); args.Add(keyUsage); }
        if (eku != null) { args.Add("-addext"); args.Add(eku); }
        OpenSsl.Run(args.ToArray());
    }

    public string Cert(string name) => Dir.File(name + ".pem");
    public string Key(string name) => Dir.File(name + ".key");
    public EscrowRecipient Recipient(string name) => EscrowRecipient.FromFile(Cert(name));

    public void Dispose() => Dir.Dispose();
}

public class CmsEscrowTests : IClassFixture<EscrowCertificates>
{
    private readonly EscrowCertificates _c;

    public CmsEscrowTests(EscrowCertificates c) => _c = c;

    private static byte[] Random(int n) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(n);

    private byte[] OpenSslDecrypt(byte[] pem, string name)
    {
        var file = _c.Dir.Write($"in-{Guid.NewGuid():N}.cms", pem);
        return OpenSsl.Run("cms", "-decrypt", "-inform", "PEM", "-in", file, "-inkey", _c.Key(name), "-recip", _c.Cert(name));
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("p256")]
    [InlineData("p384")]
    public void OpenSsl_decrypts_what_the_module_encrypts(string name)
    {
        var content = Random(32);
        var pem = CmsEscrow.Encrypt(content, new[] { _c.Recipient(name) });
        Assert.Equal(content, OpenSslDecrypt(pem, name));
    }

    [Fact]
    public void Rsa_recipients_get_oaep_with_sha256_and_the_content_aes_256_cbc()
    {
        var pem = CmsEscrow.Encrypt(Random(32), new[] { _c.Recipient("rsa") });
        var file = _c.Dir.Write("print.cms", pem);
        var print = Encoding.ASCII.GetString(OpenSsl.Run("cms", "-cmsout", "-print", "-inform", "PEM", "-in", file));
        Assert.Contains("rsaesOaep", print);
        Assert.Contains("sha256", print);
        Assert.Contains("aes-256-cbc", print);
        Assert.DoesNotContain("rsaEncryption (1.2.840.113549.1.1.1)\n          parameter: NULL", print);
    }

    [Fact]
    public void Ec_recipients_get_ecdh_sha256_kdf_with_aes_256_wrap()
    {
        var pem = CmsEscrow.Encrypt(Random(32), new[] { _c.Recipient("p256") });
        var file = _c.Dir.Write("print-ec.cms", pem);
        var print = Encoding.ASCII.GetString(OpenSsl.Run("cms", "-cmsout", "-print", "-inform", "PEM", "-in", file));
        Assert.Contains("dhSinglePass-stdDH-sha256kdf-scheme", print);
        Assert.Contains("id-aes256-wrap", print);
    }

    [Fact]
    public void Pem_framing_is_protect_cms_messages()
    {
        var text = Encoding.ASCII.GetString(CmsEscrow.Encrypt(Random(32), new[] { _c.Recipient("rsa") }));
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        Assert.Equal("-----BEGIN CMS-----", lines[0]);
        Assert.Equal("-----END CMS-----", lines[^1]);
        Assert.All(lines.Skip(1).Take(lines.Count - 2), l => Assert.InRange(l.Length, 1, 76));
        Assert.Equal(76, lines[1].Length);
    }

    [Fact]
    public void Every_recipient_of_a_multi_recipient_escrow_opens_it_alone()
    {
        var content = Random(48);
        var pem = CmsEscrow.Encrypt(content, new[] { _c.Recipient("rsa"), _c.Recipient("p256"), _c.Recipient("rsa2") });
        Assert.Equal(content, OpenSslDecrypt(pem, "rsa"));
        Assert.Equal(content, OpenSslDecrypt(pem, "p256"));
        Assert.Equal(content, OpenSslDecrypt(pem, "rsa2"));
        foreach (var key in new[] { "rsa", "p256", "rsa2" })
            Assert.Equal(content, CmsEscrow.Decrypt(pem, new[] { EscrowKey.FromKeyFile(_c.Key(key), null) }, "test"));
    }

    [Theory]
    [InlineData("rsa", "-keyopt", "rsa_padding_mode:oaep")]
    [InlineData("rsa", null, null)] // PKCS#1 v1.5 key transport: what Protect-CmsMessage writes
    [InlineData("p256", null, null)]
    [InlineData("p384", null, null)]
    public void The_module_decrypts_what_openssl_encrypts(string name, string? opt, string? value)
    {
        var content = Random(32);
        var input = _c.Dir.Write($"plain-{Guid.NewGuid():N}.bin", content);
        var args = new List<string> { "cms", "-encrypt", "-in", input, "-binary", "-aes256", "-outform", "PEM", "-recip", _c.Cert(name) };
        if (opt != null) { args.Add(opt); args.Add(value!); }
        var pem = OpenSsl.Run(args.ToArray());
        Assert.True(CmsEscrow.IsCmsPem(pem));
        Assert.Equal(content, CmsEscrow.Decrypt(pem, new[] { EscrowKey.FromKeyFile(_c.Key(name), null) }, "test"));
    }

    [Fact]
    public void Keys_open_as_pkcs1_encrypted_pkcs8_sec1_and_pfx()
    {
        var rsaContent = Random(32);
        var rsaPem = CmsEscrow.Encrypt(rsaContent, new[] { _c.Recipient("rsa") });
        Assert.Equal(rsaContent, CmsEscrow.Decrypt(rsaPem, new[] { EscrowKey.FromKeyFile(_c.Dir.File("rsa.pkcs1.pem"), null) }, "t"));
        Assert.Equal(rsaContent, CmsEscrow.Decrypt(rsaPem, new[] { EscrowKey.FromKeyFile(_c.Dir.File("rsa.enc.pem"), "s3cret".ToCharArray()) }, "t"));
        Assert.Equal(rsaContent, CmsEscrow.Decrypt(rsaPem, new[] { EscrowKey.FromPfxFile(_c.Dir.File("rsa.pfx"), "pfxpw".ToCharArray()) }, "t"));
        var ecContent = Random(32);
        var ecPem = CmsEscrow.Encrypt(ecContent, new[] { _c.Recipient("p256") });
        Assert.Equal(ecContent, CmsEscrow.Decrypt(ecPem, new[] { EscrowKey.FromKeyFile(_c.Dir.File("p256.sec1.pem"), null) }, "t"));
    }

    [Fact]
    public void An_x509certificate2_with_its_private_key_opens_escrow()
    {
        var content = Random(32);
        var pem = CmsEscrow.Encrypt(content, new[] { _c.Recipient("rsa") });
        using var cert = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(_c.Dir.File("rsa.pfx"), "pfxpw",
            System.Security.Cryptography.X509Certificates.X509KeyStorageFlags.Exportable);
        Assert.Equal(content, CmsEscrow.Decrypt(pem, new[] { EscrowKey.FromCertificate(cert) }, "t"));
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_c.Cert("rsa"));
        Assert.Equal(ErrorIds.EscrowKeyInvalid, Assert.Throws<KmsImportException>(() => EscrowKey.FromCertificate(publicOnly)).ErrorId);
    }

    [Fact]
    public void Wrong_password_missing_key_wrong_key_and_garbage_are_refused_with_their_ids()
    {
        var pem = CmsEscrow.Encrypt(Random(32), new[] { _c.Recipient("rsa") });
        Assert.Equal(ErrorIds.EscrowKeyInvalid, Assert.Throws<KmsImportException>(() => EscrowKey.FromKeyFile(_c.Dir.File("rsa.enc.pem"), "wrong".ToCharArray())).ErrorId);
        Assert.Equal(ErrorIds.EscrowKeyInvalid, Assert.Throws<KmsImportException>(() => EscrowKey.FromKeyFile(_c.Dir.File("rsa.enc.pem"), null)).ErrorId);
        Assert.Equal(ErrorIds.EscrowKeyInvalid, Assert.Throws<KmsImportException>(() => EscrowKey.FromPfxFile(_c.Dir.File("rsa.pfx"), "wrong".ToCharArray())).ErrorId);
        Assert.Equal(ErrorIds.EscrowKeyRequired, Assert.Throws<KmsImportException>(() => CmsEscrow.Decrypt(pem, Array.Empty<EscrowKey>(), "t")).ErrorId);
        var wrong = new[] { EscrowKey.FromKeyFile(_c.Key("rsa2"), null), EscrowKey.FromKeyFile(_c.Key("p256"), null) };
        Assert.Equal(ErrorIds.EscrowKeyNoMatch, Assert.Throws<KmsImportException>(() => CmsEscrow.Decrypt(pem, wrong, "t")).ErrorId);
        var key = new[] { EscrowKey.FromKeyFile(_c.Key("rsa"), null) };
        Assert.Equal(ErrorIds.EscrowCmsInvalid, Assert.Throws<KmsImportException>(() => CmsEscrow.Decrypt(Encoding.ASCII.GetBytes("-----BEGIN CMS-----\nAAAA\n-----END CMS-----\n"), key, "t")).ErrorId);
        Assert.Equal(ErrorIds.EscrowCmsInvalid, Assert.Throws<KmsImportException>(() => CmsEscrow.Decrypt(new byte[CmsEscrow.MaxCmsBytes + 1], key, "t")).ErrorId);
    }

    [Fact]
    public void Usable_certificates_pass()
    {
        foreach (var name in new[] { "rsa", "rsa2", "p256", "p384" }) _c.Recipient(name).CheckUsable(DateTime.UtcNow);
        Assert.Equal("RSA", _c.Recipient("rsa").KeyAlgorithm);
        Assert.Equal("EC", _c.Recipient("p256").KeyAlgorithm);
        Assert.Matches("^[0-9A-F]{40}$", _c.Recipient("rsa").Thumbprint);
    }

    [Theory]
    [InlineData("nokeyusage", 0, ErrorIds.EscrowCertificateKeyUsage)]
    [InlineData("signonly", 0, ErrorIds.EscrowCertificateKeyUsage)]
    [InlineData("ecsign", 0, ErrorIds.EscrowCertificateKeyUsage)]
    [InlineData("serverauth", 0, ErrorIds.EscrowCertificateExtendedKeyUsage)]
    [InlineData("rsa", 40, ErrorIds.EscrowCertificateExpired)]
    [InlineData("rsa", -2, ErrorIds.EscrowCertificateNotYetValid)]
    public void Certificates_that_may_not_receive_escrow_are_refused(string name, int daysFromNow, string errorId)
    {
        var e = Assert.Throws<KmsImportException>(() => _c.Recipient(name).CheckUsable(DateTime.UtcNow.AddDays(daysFromNow)));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains("Custodian " + name, e.Message);
    }

    [Fact]
    public void Weak_keys_non_certificates_and_unusable_files_are_refused()
    {
        Assert.Equal(ErrorIds.EscrowCertificateInvalid, Assert.Throws<KmsImportException>(() => _c.Recipient("rsa1024")).ErrorId);
        Assert.Equal(ErrorIds.EscrowCertificateInvalid, Assert.Throws<KmsImportException>(() => EscrowRecipient.FromFile(_c.Key("rsa"))).ErrorId);
        Assert.Equal(ErrorIds.EscrowCertificateInvalid, Assert.Throws<KmsImportException>(() => EscrowRecipient.FromBytes(Random(300), "t")).ErrorId);
        Assert.Equal(ErrorIds.EscrowCertificateUnreadable, Assert.Throws<KmsImportException>(() => EscrowRecipient.FromFile(_c.Dir.File("missing.pem"))).ErrorId);
        Assert.Equal(ErrorIds.EscrowCertificateUnreadable, Assert.Throws<KmsImportException>(() => EscrowRecipient.FromFile(_c.Dir.Path)).ErrorId);
        var big = _c.Dir.Write("big.pem", new byte[EscrowRecipient.MaxCertificateBytes + 1]);
        Assert.Equal(ErrorIds.EscrowCertificateUnreadable, Assert.Throws<KmsImportException>(() => EscrowRecipient.FromFile(big)).ErrorId);
    }

    [Fact]
    public void A_der_certificate_is_read_like_pem()
    {
        var der = OpenSsl.Run("x509", "-in", _c.Cert("rsa"), "-outform", "DER");
        Assert.Equal(_c.Recipient("rsa").Thumbprint, EscrowRecipient.FromBytes(der, "der").Thumbprint);
    }

    [Fact]
    public void Cms_escrow_loads_as_key_material_for_its_spec()
    {
        using var material = KeyMaterial.Generate(KeySpec.ECC_NIST_P256);
        var pem = CmsEscrow.Encrypt(material.ExportForImport(), new[] { _c.Recipient("p384") });
        using var back = KeyMaterial.FromCms(KeySpec.ECC_NIST_P256, pem, new[] { EscrowKey.FromKeyFile(_c.Key("p384"), null) }, "/x/k.cms");
        Assert.Equal(material.Fingerprint, back.Fingerprint);
        var file = _c.Dir.Write("k.cms", pem);
        Assert.Equal(ErrorIds.EscrowKeyRequired, Assert.Throws<KmsImportException>(() => KeyMaterial.FromFile(KeySpec.ECC_NIST_P256, file)).ErrorId);
    }
}
