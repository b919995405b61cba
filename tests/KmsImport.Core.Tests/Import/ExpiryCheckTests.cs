using KmsImport.Core.Import;
using Xunit;

namespace KmsImport.Core.Tests.Import;

/// <summary>
/// Expiry statuses: a key that never had material is NoMaterial, not Expired (a restore from escrow must not pick it),
/// and material that expired or was deleted stays Expired.
/// </summary>
public class ExpiryCheckTests
{
    private static KmsKeyDescription Key(string state, string? model = null, DateTime? validTo = null, string origin = Origins.External,
        string spec = "SYMMETRIC_DEFAULT") =>
        new KmsKeyDescription
        {
            KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab", Arn = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            KeyState = state, Origin = origin, KeySpec = spec, ExpirationModel = model, ValidTo = validTo, Region = "eu-west-2",
        };

    [Theory]
    [InlineData("SYMMETRIC_DEFAULT")]
    [InlineData("HMAC_256")]
    [InlineData("RSA_2048")]
    public void A_key_that_never_had_material_is_NoMaterial(string spec)
    {
        var report = ExpiryCheck.Evaluate(Key(KeyStates.PendingImport, spec: spec), 30);
        Assert.Equal(ExpiryStatuses.NoMaterial, report.Status);
        Assert.Null(report.DaysRemaining);
    }

    [Fact]
    public void A_key_pending_deletion_that_never_had_material_is_NoMaterial_not_DoesNotExpire()
    {
        Assert.Equal(ExpiryStatuses.NoMaterial, ExpiryCheck.Evaluate(Key(KeyStates.PendingDeletion), 30).Status);
    }

    [Theory]
    [InlineData("KEY_MATERIAL_EXPIRES")]
    [InlineData("KEY_MATERIAL_DOES_NOT_EXPIRE")]
    public void A_key_whose_material_expired_or_was_deleted_is_Expired(string model)
    {
        // DescribeKey keeps the expiration model of the last import once the material is gone.
        Assert.Equal(ExpiryStatuses.Expired, ExpiryCheck.Evaluate(Key(KeyStates.PendingImport, model), 30).Status);
    }

    [Fact]
    public void A_symmetric_key_whose_material_KMS_still_lists_is_Expired_even_without_an_expiration_model()
    {
        Assert.Equal(ExpiryStatuses.Expired, ExpiryCheck.Evaluate(Key(KeyStates.PendingImport), 30, materialListed: true).Status);
    }

    [Fact]
    public void Keys_that_hold_material_keep_their_statuses()
    {
        var now = DateTime.UtcNow;
        Assert.Equal(ExpiryStatuses.Ok, ExpiryCheck.Evaluate(Key(KeyStates.Enabled, "KEY_MATERIAL_EXPIRES", now.AddDays(200)), 30).Status);
        Assert.Equal(ExpiryStatuses.Warning, ExpiryCheck.Evaluate(Key(KeyStates.Enabled, "KEY_MATERIAL_EXPIRES", now.AddDays(10)), 30).Status);
        Assert.Equal(ExpiryStatuses.DoesNotExpire, ExpiryCheck.Evaluate(Key(KeyStates.Enabled, "KEY_MATERIAL_DOES_NOT_EXPIRE"), 30).Status);
        Assert.Equal(ExpiryStatuses.DoesNotExpire, ExpiryCheck.Evaluate(Key(KeyStates.Disabled, "KEY_MATERIAL_DOES_NOT_EXPIRE"), 30).Status);
    }

    [Fact]
    public void A_key_not_made_for_imported_material_is_never_NoMaterial()
    {
        Assert.Equal(ExpiryStatuses.DoesNotExpire, ExpiryCheck.Evaluate(Key(KeyStates.Enabled, origin: Origins.AwsKms), 30).Status);
    }

    [Theory]
    [InlineData(null, ExpirationModel.KEY_MATERIAL_EXPIRES, false)]
    [InlineData("", ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, false)]
    [InlineData("KEY_MATERIAL_EXPIRES", ExpirationModel.KEY_MATERIAL_EXPIRES, false)]
    [InlineData("KEY_MATERIAL_DOES_NOT_EXPIRE", ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, false)]
    [InlineData("KEY_MATERIAL_DOES_NOT_EXPIRE", ExpirationModel.KEY_MATERIAL_EXPIRES, true)]
    [InlineData("KEY_MATERIAL_EXPIRES", ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, true)]
    public void A_change_of_expiration_model_is_named_in_both_directions(string? current, ExpirationModel next, bool changes)
    {
        var change = ImportRules.ExpirationModelChange(current, next);
        if (!changes)
        {
            Assert.Null(change);
            return;
        }
        Assert.Contains($"from {current} to {next}", change);
        Assert.Contains(next == ExpirationModel.KEY_MATERIAL_EXPIRES ? "will expire" : "will no longer expire", change);
    }
}
