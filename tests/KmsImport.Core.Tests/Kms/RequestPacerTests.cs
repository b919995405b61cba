using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

/// <summary>The pacer on a clock of the test's own: no real waiting, no timing.</summary>
public sealed class RequestPacerTests
{
    private DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<TimeSpan> _sleeps = new();

    private RequestPacer Pacer(Dictionary<string, double> quotas, double headroom = 1.0) =>
        new(quotas, headroom, () => _now, d => { _sleeps.Add(d); _now += d; });

    [Fact]
    public void Spaces_requests_of_one_operation_by_its_quota()
    {
        var pacer = Pacer(new() { ["GetParametersForImport"] = 2 });
        for (var i = 0; i < 3; i++) pacer.Wait("GetParametersForImport");
        Assert.Equal(new[] { TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500) }, _sleeps);
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.TotalWait);
    }

    [Fact]
    public void Spacing_from_answers_keeps_a_late_answer_an_interval_from_the_next_request()
    {
        var pacer = Pacer(new() { ["GetParametersForImport"] = 1 });
        pacer.SpaceFromAnswers = true;
        var start = _now;
        pacer.Wait("GetParametersForImport");
        _now += TimeSpan.FromMilliseconds(700); // the request was slow on its way and in KMS: answered 0.7 s later
        pacer.Answered("GetParametersForImport");
        pacer.Wait("GetParametersForImport");
        Assert.Equal(TimeSpan.FromMilliseconds(1700), _now - start); // sent 1 s after the answer, not 1 s after the first was sent
        pacer.Answered("ImportKeyMaterial"); // an operation without a quota: nothing to space
        pacer.Answered("GetParametersForImport");
        pacer.Wait("GetParametersForImport");
        Assert.Equal(TimeSpan.FromMilliseconds(2700), _now - start);
    }

    [Fact]
    public void Without_spacing_from_answers_an_answer_changes_nothing()
    {
        var pacer = Pacer(new() { ["GetParametersForImport"] = 1 });
        pacer.Wait("GetParametersForImport");
        _now += TimeSpan.FromMilliseconds(700);
        pacer.Answered("GetParametersForImport");
        pacer.Wait("GetParametersForImport");
        Assert.Equal(new[] { TimeSpan.FromMilliseconds(300) }, _sleeps);
    }

    [Fact]
    public void Keeps_headroom_below_the_quota()
    {
        var pacer = Pacer(new() { ["CreateKey"] = 5 }, headroom: 0.5);
        pacer.Wait("CreateKey");
        pacer.Wait("CreateKey");
        Assert.Equal(new[] { TimeSpan.FromMilliseconds(400) }, _sleeps);
    }

    [Fact]
    public void Operations_are_paced_independently_and_unnamed_or_zero_quota_ones_not_at_all()
    {
        var pacer = Pacer(new() { ["GetParametersForImport"] = 1, ["ImportKeyMaterial"] = 1, ["DescribeKey"] = 0 });
        pacer.Wait("GetParametersForImport");
        pacer.Wait("ImportKeyMaterial");
        for (var i = 0; i < 5; i++)
        {
            pacer.Wait("DescribeKey");
            pacer.Wait("Encrypt");
        }
        Assert.Empty(_sleeps);
        Assert.Equal(TimeSpan.Zero, pacer.TotalWait);
    }

    [Fact]
    public void Time_that_passed_counts_towards_the_next_slot()
    {
        var pacer = Pacer(new() { ["GetParametersForImport"] = 1 });
        pacer.Wait("GetParametersForImport");
        _now += TimeSpan.FromMilliseconds(700);
        pacer.Wait("GetParametersForImport");
        _now += TimeSpan.FromSeconds(5);
        pacer.Wait("GetParametersForImport");
        Assert.Equal(new[] { TimeSpan.FromMilliseconds(300) }, _sleeps);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    public void Refuses_a_headroom_outside_0_to_1(double headroom) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestPacer(new Dictionary<string, double>(), headroom));

    [Fact]
    public void Defaults_follow_AWS_quotas_for_the_import_operations()
    {
        Assert.Equal(1, RequestPacer.AwsDefaultQuotas["GetParametersForImport"]);
        Assert.Equal(15, RequestPacer.AwsDefaultQuotas["ImportKeyMaterial"]);
        Assert.Equal(2.5, RequestPacer.AwsDefaultQuotas["ReplicateKey"]);
    }
}
