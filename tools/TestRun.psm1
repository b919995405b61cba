# Reads the results of one test run and judges it, for build.ps1 -Task Test (and its own tests in
# tests/Pester/TestTask.Tests.ps1). A run is green only when every runner exited 0, every TRX says
# "Completed", no Pester test was skipped, inconclusive or not run, and every suite ran at least its
# checked-in minimum number of tests (tests/test-minimums.json). Counters alone cannot be trusted: a
# test host that crashes mid-run leaves a TRX with "passed=3 failed=0" and every later test missing.
Set-StrictMode -Version 3.0

function New-SuiteResult {
    param([string] $Suite, [int] $Passed = 0, [int] $Failed = 0, [int] $Skipped = 0, [int] $NotRun = 0, [int] $Inconclusive = 0, [int] $Excluded = 0,
        [string[]] $Problems = @())
    [pscustomobject]@{
        Suite = $Suite; Passed = $Passed; Failed = $Failed; Skipped = $Skipped; NotRun = $NotRun; Inconclusive = $Inconclusive
        Excluded = $Excluded
        Problems = [Collections.Generic.List[string]]::new([string[]]@($Problems | Where-Object { $_ }))
    }
}

function Read-TrxSuite {
    <# One xUnit suite from its TRX file and the exit code of the `dotnet test` that wrote it. #>
    param([Parameter(Mandatory)] [string] $Suite, [Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [int] $ExitCode)
    if (-not (Test-Path -LiteralPath $Path)) {
        return New-SuiteResult $Suite -Problems "produced no results (dotnet test exit code $ExitCode)"
    }
    $trx = [xml](Get-Content -Raw -LiteralPath $Path)
    $summary = $trx.TestRun.ResultSummary
    $c = $summary.Counters
    $r = New-SuiteResult $Suite -Passed ([int]$c.passed) -Failed ([int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted) `
        -Skipped ([int]$c.notExecuted) -Inconclusive ([int]$c.inconclusive)
    if ("$($summary.outcome)" -ne 'Completed') {
        $r.Problems.Add("run outcome '$($summary.outcome)', not 'Completed' (a crashed test host: the tests after the crash did not run)")
    }
    if ($ExitCode -ne 0) { $r.Problems.Add("dotnet test exit code $ExitCode") }
    $r
}

function Read-PesterSuite {
    <#
    The Pester files of a run, one suite per file, from the JSON tests/Pester/Invoke-PesterSuite.ps1 writes
    ({ Containers = [{ File, Result, Passed, Failed, Skipped, NotRun, Inconclusive }], Failed... }) and the
    exit code of the pwsh that ran it.
    #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [int] $ExitCode)
    if (-not (Test-Path -LiteralPath $Path)) {
        return New-SuiteResult 'Pester' -Problems "produced no results (pwsh exit code $ExitCode)"
    }
    $p = Get-Content -Raw -LiteralPath $Path | ConvertFrom-Json
    $suites = foreach ($c in @($p.Containers)) {
        # Excluded: tests the runner left out for the platform (tag UnixOnly on Windows), reported by the runner.
        $excluded = if ($c.PSObject.Properties['Excluded']) { [int]$c.Excluded } else { 0 }
        $r = New-SuiteResult ([IO.Path]::GetFileName($c.File)) -Passed $c.Passed -Failed $c.Failed -Skipped $c.Skipped -NotRun $c.NotRun -Inconclusive $c.Inconclusive -Excluded $excluded
        # A container fails without failing a test when its discovery, BeforeAll or AfterAll fails.
        if ("$($c.Result)" -ne 'Passed') { $r.Problems.Add("Pester result '$($c.Result)'") }
        $r
    }
    $suites = @($suites)
    if ($ExitCode -ne 0) {
        $problem = "pwsh exit code $ExitCode"
        if ($suites.Count) { $suites[0].Problems.Add($problem) } else { $suites = @(New-SuiteResult 'Pester' -Problems $problem) }
    }
    $suites
}

function Read-TestMinimum {
    <# The per-suite minimums: { "suites": { "<suite>": <count>, ... } }. #>
    param([Parameter(Mandatory)] [string] $Path)
    $json = Get-Content -Raw -LiteralPath $Path | ConvertFrom-Json -AsHashtable
    $minimums = @{}
    foreach ($k in $json.suites.Keys) { $minimums[$k] = [int]$json.suites[$k] }
    $minimums
}

function Measure-TestRun {
    <#
    Judges a run: returns { Suites, Passed, Failed, Line, ExitCode }. Skipped, not-run and inconclusive tests count as
    failed; a suite that ran fewer tests than its minimum counts the missing ones as failed; a suite with any other
    problem (crash, non-zero exit code, missing results, no minimum recorded, did not run) counts at least one failure.
    -Expected names the suites that had to run; -Minimums maps suite name to minimum.
    #>
    param([object[]] $Suites = @(), [hashtable] $Minimums = @{}, [string[]] $Expected = @(), [string] $MinimumsFile = 'tests/test-minimums.json')
    $all = [Collections.Generic.List[object]]::new()
    foreach ($s in $Suites) { $all.Add($s) }
    foreach ($name in $Expected) {
        if (-not @($all | Where-Object Suite -eq $name)) { $all.Add((New-SuiteResult $name -Problems 'did not run')) }
    }
    $rows = foreach ($s in $all) {
        $ran = $s.Passed + $s.Failed + $s.Skipped + $s.NotRun + $s.Inconclusive
        $problems = [Collections.Generic.List[string]]::new([string[]]@($s.Problems))
        $minimum = $null
        if ($Minimums.ContainsKey($s.Suite)) { $minimum = $Minimums[$s.Suite] }
        else { $problems.Add("no minimum recorded for it in $MinimumsFile") }
        # Tests left out for the platform (not skipped: never part of this platform's run) lower the minimum.
        $excluded = if ($s.PSObject.Properties['Excluded']) { [int]$s.Excluded } else { 0 }
        if ($null -ne $minimum -and $excluded -gt 0) { $minimum = [Math]::Max(0, $minimum - $excluded) }
        if ($s.Skipped) { $problems.Add("$($s.Skipped) skipped") }
        if ($s.NotRun) { $problems.Add("$($s.NotRun) not run") }
        if ($s.Inconclusive) { $problems.Add("$($s.Inconclusive) inconclusive") }
        $failed = $s.Failed + $s.Skipped + $s.NotRun + $s.Inconclusive
        if ($null -ne $minimum -and $ran -lt $minimum) {
            $problems.Add("ran $ran tests, fewer than its minimum $minimum")
            $failed += $minimum - $ran
        }
        if ($problems.Count -and $failed -eq 0) { $failed = 1 }
        [pscustomobject]@{ Suite = $s.Suite; Passed = $s.Passed; Failed = $failed; Minimum = $minimum; Problems = $problems -join '; ' }
    }
    $rows = @($rows)
    $passed = 0; $failedTotal = 0
    foreach ($r in $rows) { $passed += $r.Passed; $failedTotal += $r.Failed }
    # No suite at all is not a pass either.
    if ($rows.Count -eq 0) { $failedTotal = 1 }
    [pscustomobject]@{
        Suites   = $rows
        Passed   = [int]$passed
        Failed   = [int]$failedTotal
        Line     = "$passed passed, $failedTotal failed"
        ExitCode = if ($failedTotal -gt 0 -or $passed -eq 0) { 1 } else { 0 }
    }
}

Export-ModuleMember -Function New-SuiteResult, Read-TrxSuite, Read-PesterSuite, Read-TestMinimum, Measure-TestRun
