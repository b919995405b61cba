using Xunit;

namespace KmsImport.Core.Tests.Model;

/// <summary>The short texts of the default views: each fits its fixed column, and says exactly what the value is.</summary>
public class DisplayTextTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 0, 15, 30, DateTimeKind.Utc);

    [Theory]
    [InlineData("KEY_MATERIAL_DOES_NOT_EXPIRE", null, "Never")]
    [InlineData("KEY_MATERIAL_EXPIRES", "2027-01-05T23:59:59Z", "2027-01-05")]
    [InlineData("KEY_MATERIAL_EXPIRES", null, "")]
    [InlineData(null, null, "")]
    [InlineData("KEY_MATERIAL_SOMETHING_NEW", null, "KEY_MATERIAL_SOMETHING_NEW")]
    public void Expiry_is_Never_or_the_UTC_date(string? model, string? validTo, string expected)
    {
        DateTime? date = validTo == null ? null : DateTime.Parse(validTo, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal(expected, DisplayText.Expiry(model, date));
    }

    [Fact]
    public void Expiry_of_a_local_time_is_its_UTC_date()
    {
        var local = new DateTime(2027, 1, 5, 23, 30, 0, DateTimeKind.Utc).ToLocalTime();
        Assert.Equal("2027-01-05", DisplayText.Expiry("KEY_MATERIAL_EXPIRES", local));
    }

    [Theory]
    [InlineData("1c7e363d8371795b1f0f5afb7bc855deec95b1f13ef226e2c16bcc0e25559341", "1c7e363..9341")]
    [InlineData("E6BE3E", "E6BE3E")]
    [InlineData("0123456789abc", "0123456789abc")] // 13: as long as the short form, kept whole
    [InlineData("0123456789abcd", "0123456..abcd")]
    [InlineData(null, "")]
    [InlineData("", "")]
    public void ShortId_keeps_the_first_7_and_last_4_of_a_long_id(string? id, string expected)
    {
        Assert.Equal(expected, DisplayText.ShortId(id));
        Assert.True(DisplayText.ShortId(id).Length <= 13);
    }

    [Theory]
    [InlineData(23 * 60 + 59, "00:14 in 23 h")] // whole hours, rounded down
    [InlineData(24 * 60, "00:15 in 24 h")]
    [InlineData(90, "01:45 in 1 h")]
    [InlineData(59, "01:14 in <1 h")]
    [InlineData(-5, "00:10 expired")]
    [InlineData(-(23 * 60), "01:15 expired")]
    [InlineData(-(3 * 24 * 60 + 10), "expired 3 d ago")]
    [InlineData(3 * 24 * 60 + 10, "00:25 in 3 d")]
    public void ValidTo_is_the_time_and_how_long_is_left(int minutes, string expected)
    {
        var validTo = Now.AddMinutes(minutes);
        Assert.Equal(expected, DisplayText.ValidTo(validTo, Now));
    }

    [Fact]
    public void ValidTo_of_parameters_fits_the_13_columns_of_its_table_column()
    {
        for (var minutes = -24 * 60 + 1; minutes <= 24 * 60; minutes += 7)
            Assert.True(DisplayText.ValidTo(Now.AddMinutes(minutes), Now).Length <= 13, minutes.ToString());
    }

    [Fact]
    public void Lists_show_the_full_time_in_UTC_with_how_far_away_it_is()
    {
        var validTo = new DateTime(2026, 12, 3, 0, 15, 52, DateTimeKind.Utc);
        Assert.Equal("2026-12-03 00:15:52 UTC (in 24 h)", DisplayText.TimestampAndRelative(validTo, Now));
        Assert.Equal("2026-12-03 00:15:52 UTC", DisplayText.Timestamp(validTo));
        Assert.Equal("", DisplayText.Timestamp(null));
        Assert.Equal("2026-12-03 00:15", DisplayText.Minute(validTo));
        Assert.Equal("2026-12-03", DisplayText.Date(validTo));
        Assert.Equal("", DisplayText.Date(null));
    }
}
