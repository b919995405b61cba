using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TestTaskCrash;

/// <summary>Runs the tests of a class in the order of their names, so the crash comes second, between two passing tests.</summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}

[TestCaseOrderer("TestTaskCrash.ByNameOrderer", "TestTaskCrash")]
public class CrashTests
{
    [Fact]
    public void A_passes() => Assert.Equal(2, 1 + 1);

    // What a stack overflow in a parser under fuzzing does to the test host: it is gone, no result is written for
    // this test or any after it, and the counters of the TRX say "passed=1 failed=0".
    [Fact]
    public void B_kills_the_test_host() => Environment.FailFast("TestTaskCrash: the test host crashes on purpose");

    [Fact]
    public void C_never_runs() => Assert.Equal(4, 2 + 2);
}
