using KmsImport.Core.Import;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

public class ImportRulesTests
{
    [Fact]
    public void Neither_model_nor_ValidTo_means_material_that_does_not_expire()
    {
        var (model, validTo) = ImportRules.ResolveExpiration(null, null);
        Assert.Equal(ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, model);
        Assert.Null(validTo);
    }

    [Fact]
    public void ValidTo_alone_implies_KEY_MATERIAL_EXPIRES_and_is_converted_to_utc()
    {
        var local = DateTime.Now.AddDays(10);
        var (model, validTo) = ImportRules.ResolveExpiration(null, local);
        Assert.Equal(ExpirationModel.KEY_MATERIAL_EXPIRES, model);
        Assert.Equal(DateTimeKind.Utc, validTo!.Value.Kind);
        // Whole seconds, rounded down: never later than asked (and within the 365-day limit at its edge).
        var utc = local.ToUniversalTime();
        Assert.Equal(new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, DateTimeKind.Utc), validTo.Value);
    }

    [Fact]
    public void ValidTo_is_rounded_down_to_whole_seconds()
    {
        var asked = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(9_999_999);
        Assert.Equal(new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc), UtcTime.WholeSeconds(asked));
        Assert.Equal(0, UtcTime.WholeSeconds(asked).Ticks % TimeSpan.TicksPerSecond);
    }

    [Theory]
    [InlineData(-1, ErrorIds.ValidToInPast)]
    [InlineData(366, ErrorIds.ValidToTooFar)]
    public void ValidTo_outside_the_window_is_refused(int days, string errorId)
    {
        var ex = Assert.Throws<KmsImportException>(() => ImportRules.ResolveExpiration(null, DateTime.UtcNow.AddDays(days)));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void ValidTo_just_inside_365_days_is_accepted()
    {
        var (_, validTo) = ImportRules.ResolveExpiration(ExpirationModel.KEY_MATERIAL_EXPIRES, DateTime.UtcNow.AddDays(365).AddMinutes(-1));
        Assert.NotNull(validTo);
    }

    [Fact]
    public void Expires_without_ValidTo_and_DoesNotExpire_with_ValidTo_are_refused()
    {
        Assert.Equal(ErrorIds.ValidToRequired,
            Assert.Throws<KmsImportException>(() => ImportRules.ResolveExpiration(ExpirationModel.KEY_MATERIAL_EXPIRES, null)).ErrorId);
        Assert.Equal(ErrorIds.ValidToNotAllowed,
            Assert.Throws<KmsImportException>(() => ImportRules.ResolveExpiration(ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, DateTime.UtcNow.AddDays(1))).ErrorId);
    }

    [Fact]
    public void Parameters_expired_or_about_to_expire_are_refused_with_the_recovery_command()
    {
        var ex = Assert.Throws<KmsImportException>(() => ImportRules.EnsureParametersUsable(DateTime.UtcNow.AddSeconds(30), "key-1"));
        Assert.Equal(ErrorIds.ImportParametersExpired, ex.ErrorId);
        Assert.Contains("Get-KmsImportParameters -KeyId key-1", ex.Message);
        Assert.Equal("key-1", ex.TargetObject);
        ImportRules.EnsureParametersUsable(DateTime.UtcNow.AddHours(23), "key-1");
    }
}
