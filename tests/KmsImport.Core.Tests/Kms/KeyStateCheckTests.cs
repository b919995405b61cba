using KmsImport.Core.Kms;
using KmsImport.Core.Import;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

public class KeyStateCheckTests
{
    private static KmsKeyDescription Key(string state, DateTime? validTo = null) => new()
    {
        KeyId = "k", Arn = "arn:aws:kms:eu-west-2:111122223333:key/k", KeyState = state, Origin = "EXTERNAL",
        KeySpec = "SYMMETRIC_DEFAULT", KeyUsage = "ENCRYPT_DECRYPT", ValidTo = validTo, Region = "eu-west-2",
    };

    [Fact]
    public void Enabled_key_passes()
    {
        var report = KeyStateCheck.Evaluate(Key("Enabled"), "Enabled");
        Assert.True(report.Passed);
        Assert.Empty(report.Reasons);
        Assert.Equal("eu-west-2", report.Region);
    }

    [Fact]
    public void Pending_import_fails_and_says_how_to_recover()
    {
        var report = KeyStateCheck.Evaluate(Key("PendingImport"), "Enabled");
        Assert.False(report.Passed);
        var reason = Assert.Single(report.Reasons);
        Assert.Contains("PendingImport, expected Enabled", reason);
        Assert.Contains("escrowed", reason);
    }

    [Fact]
    public void Material_past_its_ValidTo_fails()
    {
        var report = KeyStateCheck.Evaluate(Key("Enabled", DateTime.UtcNow.AddMinutes(-1)), "Enabled");
        Assert.False(report.Passed);
        Assert.Contains(report.Reasons, r => r.Contains("ValidTo"));
    }

    [Fact]
    public void Expected_state_other_than_Enabled_is_honoured()
    {
        Assert.True(KeyStateCheck.Evaluate(Key("PendingImport"), "PendingImport").Passed);
    }
}
