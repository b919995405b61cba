using LocalKms.Control;
using Xunit;

namespace LocalKms.Tests;

/// <summary>Exact fault-rule arithmetic, without HTTP timing in the way.</summary>
public sealed class FaultInjectorTests
{
    [Fact]
    public void AwsDefaultQuotas_ReplicateKeyCountsTwoAgainstCreateKey_PerRegion()
    {
        var f = new FaultInjector();
        f.Set(FaultInjector.AwsDefaultQuotas());
        Assert.Equal(FaultOutcome.None, f.Evaluate("CreateKey", "eu-west-2", "111122223333").Outcome);      // 1
        Assert.Equal(FaultOutcome.None, f.Evaluate("ReplicateKey", "eu-west-2", "111122223333").Outcome);   // 3
        Assert.Equal(FaultOutcome.None, f.Evaluate("ReplicateKey", "eu-west-2", "111122223333").Outcome);   // 5
        Assert.Equal(FaultOutcome.Throttle, f.Evaluate("CreateKey", "eu-west-2", "111122223333").Outcome);  // 6 > 5
        Assert.Equal(FaultOutcome.None, f.Evaluate("CreateKey", "us-east-1", "111122223333").Outcome);      // another Region
        Assert.Equal(FaultOutcome.None, f.Evaluate("GetParametersForImport", "eu-west-2", "111122223333").Outcome);
        Assert.Equal(FaultOutcome.Throttle, f.Evaluate("GetParametersForImport", "eu-west-2", "111122223333").Outcome);
        Assert.Equal(FaultOutcome.None, f.Evaluate("DescribeKey", "eu-west-2", "111122223333").Outcome);
    }

    [Fact]
    public void Quotas_ArePerAccountAndRegion_AndARuleCanNameAnAccount()
    {
        const string A = "111111111111", B = "222222222222";
        var f = new FaultInjector();
        f.Set(FaultInjector.AwsDefaultQuotas());
        Assert.Equal(FaultOutcome.None, f.Evaluate("GetParametersForImport", "eu-west-2", A).Outcome);
        Assert.Equal(FaultOutcome.None, f.Evaluate("GetParametersForImport", "eu-west-2", B).Outcome);     // another account
        Assert.Equal(FaultOutcome.None, f.Evaluate("GetParametersForImport", "us-east-1", A).Outcome);     // another Region
        Assert.Equal(FaultOutcome.Throttle, f.Evaluate("GetParametersForImport", "eu-west-2", A).Outcome);
        Assert.Equal(FaultOutcome.Throttle, f.Evaluate("GetParametersForImport", "eu-west-2", B).Outcome);

        f.Set([new FaultRule { Operation = "*", Account = B, ThrottleRate = 1 }]);
        Assert.Equal(FaultOutcome.None, f.Evaluate("ListKeys", "eu-west-2", A).Outcome);
        Assert.Equal(FaultOutcome.Throttle, f.Evaluate("ListKeys", "eu-west-2", B).Outcome);
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Account = "2222" }]));
    }

    [Fact]
    public void Count_LimitsHowOftenARuleApplies_AndLatenciesAdd()
    {
        var f = new FaultInjector();
        f.Set([new FaultRule { Operation = "*", ThrottleRate = 1, Count = 2 }, new FaultRule { Operation = "Sign", LatencyMs = 5 }, new FaultRule { Operation = "*", LatencyMs = 7 }]);
        Assert.Equal(new FaultDecision(12, FaultOutcome.Throttle), f.Evaluate("Sign", "r", "111122223333"));
        Assert.Equal(new FaultDecision(7, FaultOutcome.Throttle), f.Evaluate("Verify", "r", "111122223333"));
        Assert.Equal(new FaultDecision(12, FaultOutcome.None), f.Evaluate("Sign", "r", "111122223333"));
        Assert.Equal(2, f.Snapshot()[0].Applied);
    }

    [Fact]
    public void InvalidRules_AreRefused()
    {
        var f = new FaultInjector();
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { ThrottleRate = 1.5 }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { QuotaPerSecond = 0 }]));
        Assert.Throws<ArgumentException>(() => f.Set([new FaultRule { Operation = "" }]));
        Assert.Equal(FaultOutcome.None, f.Evaluate("Sign", "r", "111122223333").Outcome);
    }
}
