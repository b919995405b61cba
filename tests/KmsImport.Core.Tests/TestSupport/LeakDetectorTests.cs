using System.Security.Cryptography;
using System.Text;
using KmsImport.TestSupport;
using Xunit;

namespace KmsImport.Core.Tests.TestSupport;

/// <summary>
/// The leak detector (tests/TestSupport/LeakDetector.cs, shared with the Pester suite) catches a planted leak in every form,
/// and does not flag what is public. tests/Pester/Hygiene.Tests.ps1 plants the same kinds through PowerShell's own output.
/// </summary>
public class LeakDetectorTests
{
    private static readonly byte[] Material = Bytes(32, 1);
    private static readonly byte[] Other = Bytes(32, 2);

    private static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static string Wrap(string inner) => "KeyId : 1234abcd\nStatus : Imported\n" + inner + "\nMessage : done\n";

    private static LeakDetector Detector() => new LeakDetector().AddSecret("material", Material);

    public static TheoryData<string, string> PlantedInText()
    {
        byte[] m = Material;
        byte[] padded1 = [0x30, .. m];
        byte[] padded2 = [0x30, 0x20, .. m];
        var data = new TheoryData<string, string>
        {
            { "hex upper", Convert.ToHexString(m) },
            { "hex lower", Convert.ToHexString(m).ToLowerInvariant() },
            { "hex of the middle 8 bytes", Convert.ToHexString(m, 12, 8).ToLowerInvariant() },
            { "BitConverter hex", BitConverter.ToString(m) },
            { "OpenSSL hex", string.Join(':', m.Select(b => b.ToString("x2"))) },
            { "hex bytes with 0x", string.Join(", ", m.Select(b => "0x" + b.ToString("X2"))) },
            { "space-separated hex across lines", string.Join(' ', m.Take(10).Select(b => b.ToString("x2"))) + "\n" + string.Join(' ', m.Skip(10).Select(b => b.ToString("x2"))) },
            { "base64 aligned", Convert.ToBase64String(m) },
            { "base64 at offset 1", Convert.ToBase64String(padded1) },
            { "base64 at offset 2", Convert.ToBase64String(padded2) },
            { "base64 of the middle only", Convert.ToBase64String(m, 6, 18) },
            { "base64url", Convert.ToBase64String(padded1).TrimEnd('=').Replace('+', '-').Replace('/', '_') },
            { "PowerShell list {a, b, c...}", "{" + string.Join(", ", m) + "}" },
            { "PowerShell list cut by the view", "{" + string.Join(", ", m.Take(9)) + "...}" },
            { "space-separated decimal (a byte[] in a string)", string.Join(' ', m) },
            { "one number per line (Out-String)", string.Join("\n", m) },
            { "one number per CRLF line", string.Join("\r\n", m) },
            { "semicolons", string.Join(";", m) },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(PlantedInText))]
    public void Catches_the_material_planted_as(string form, string leak)
    {
        string? found = Detector().FindIn(Wrap(leak));
        Assert.True(found != null, $"{form} was not caught: {leak}");
        Assert.Contains("the material", found);
    }

    [Fact]
    public void Catches_raw_bytes_in_a_file_and_text_forms_in_a_file()
    {
        var d = Detector();
        Assert.NotNull(d.FindIn([.. Encoding.ASCII.GetBytes("header"), .. Material.AsSpan(5, 9).ToArray(), .. Encoding.ASCII.GetBytes("trailer")]));
        Assert.NotNull(d.FindIn(Encoding.UTF8.GetBytes("{\"Key\": \"" + Convert.ToBase64String(Material) + "\"}")));
        Assert.Null(d.FindIn(Other));
    }

    [Fact]
    public void Catches_a_leak_in_an_inner_exception_message()
    {
        var e = new InvalidOperationException("outer", new FormatException("bad key " + Convert.ToHexString(Material)));
        Assert.Contains("FormatException", Detector().FindIn(e));
    }

    [Fact]
    public void Catches_a_password_as_text_and_in_base64()
    {
        var d = new LeakDetector().AddText("password", "hygiene-password-123");
        Assert.NotNull(d.FindIn("the password is hygiene-password-123."));
        Assert.NotNull(d.FindIn(Convert.ToBase64String(Encoding.UTF8.GetBytes("xhygiene-password-123"))));
        Assert.Null(d.FindIn("hygiene-password-12"));
    }

    public static TheoryData<string> Curves() => new() { "nistP256", "nistP384", "nistP521", "secP256k1" };

    [Theory]
    [MemberData(nameof(Curves))]
    public void Catches_every_encoding_of_an_escrowed_ec_key_but_not_its_public_key(string curve)
    {
        using var ec = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        byte[] escrow = ec.ExportPkcs8PrivateKey();   // as an escrow file holds it
        var d = new LeakDetector().AddMaterial("escrowed key", escrow);
        Assert.NotNull(d.FindIn(Convert.ToBase64String(ec.ExportECPrivateKey())));           // SEC1, base64
        Assert.NotNull(d.FindIn(ec.ExportECPrivateKeyPem()));                                // SEC1 PEM
        Assert.NotNull(d.FindIn(ec.ExportPkcs8PrivateKeyPem()));                             // PKCS#8 PEM
        Assert.NotNull(d.FindIn(ec.ExportECPrivateKey()));                                   // SEC1 DER in a file
        Assert.NotNull(d.FindIn(Convert.ToHexString(ec.ExportParameters(true).D!)));        // the raw scalar
        Assert.NotNull(d.FindIn(string.Join(", ", ec.ExportParameters(true).D!)));
        // What a cmdlet may print about the key is public: no leak.
        Assert.Null(d.FindIn(Convert.ToBase64String(ec.ExportSubjectPublicKeyInfo())));
        Assert.Null(d.FindIn(string.Join(", ", ec.ExportSubjectPublicKeyInfo())));
        Assert.Null(d.FindIn(Convert.ToHexString(ec.ExportSubjectPublicKeyInfo())));
    }

    [Fact]
    public void Catches_every_encoding_of_an_rsa_key_and_each_private_number_but_not_its_public_key()
    {
        using var rsa = RSA.Create(2048);
        var d = new LeakDetector().AddPrivateKey("RSA key", rsa.ExportPkcs8PrivateKey());
        Assert.Equal(6, d.Names.Count);
        Assert.NotNull(d.FindIn(rsa.ExportRSAPrivateKeyPem()));                              // PKCS#1 PEM
        Assert.NotNull(d.FindIn(rsa.ExportRSAPrivateKey()));                                 // PKCS#1 DER
        Assert.NotNull(d.FindIn(rsa.ExportPkcs8PrivateKeyPem()));
        RSAParameters p = rsa.ExportParameters(true);
        foreach (byte[] number in new[] { p.D!, p.P!, p.Q!, p.DP!, p.DQ!, p.InverseQ! })
        {
            Assert.NotNull(d.FindIn(Convert.ToHexString(number).ToLowerInvariant()));
        }
        Assert.Null(d.FindIn(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
        Assert.Null(d.FindIn(rsa.ExportRSAPublicKeyPem()));
        Assert.Null(d.FindIn(string.Join(" ", rsa.ExportSubjectPublicKeyInfo())));
    }

    [Fact]
    public void Reads_an_encrypted_pkcs8_key_with_its_password()
    {
        using var rsa = RSA.Create(2048);
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000);
        var d = new LeakDetector().AddPrivateKey("RSA key", Encoding.ASCII.GetBytes(rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", pbe)), "pw");
        Assert.NotNull(d.FindIn(rsa.ExportRSAPrivateKeyPem()));
    }

    [Fact]
    public void Does_not_flag_other_random_bytes_short_runs_or_ordinary_output()
    {
        var d = Detector();
        Assert.Null(d.FindIn(Wrap(Convert.ToHexString(Other) + " " + Convert.ToBase64String(Other) + " {" + string.Join(", ", Other) + "}")));
        Assert.Null(d.FindIn(Convert.ToHexString(Material, 3, 7)));                          // 7 bytes: below the window
        Assert.Null(d.FindIn("{" + string.Join(", ", Material.Take(7)) + "...}"));
        // Numbers split by letters are not a byte list.
        Assert.Null(d.FindIn(string.Join(" x ", Material)));
        // Digits of other scripts (bytes decoded as text) are neither a byte list nor an error.
        Assert.Null(d.FindIn("\u0663\u0664 \u0661, 12 \u0663"));
    }

    [Fact]
    public void Refuses_a_secret_too_short_to_search_for() =>
        Assert.Throws<ArgumentException>(() => new LeakDetector().AddSecret("short", new byte[7]));
}
