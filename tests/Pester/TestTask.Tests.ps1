# The test task itself (build.ps1 -Task Test, judged by tools/TestRun.psm1) cannot report a broken run as green:
# a crashed test host, a non-zero exit code, a TRX outcome other than Completed, skipped / not-run / inconclusive
# Pester tests, a suite below its minimum or without one, and a suite that did not run all count as failures.
# The last test runs build.ps1 on a throwaway xUnit project whose test host dies in its second test
# (tests/TestTaskCrash, not part of the solution or of the normal run).
BeforeAll {
    $script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $script:Repo 'tools/TestRun.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-testtask-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work

    function New-Trx([string] $Outcome, [int] $Passed, [int] $Failed = 0, [int] $NotExecuted = 0) {
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.trx')
        $total = $Passed + $Failed + $NotExecuted
        Set-Content -Path $path -Value @"
<?xml version="1.0" encoding="utf-8"?>
<TestRun id="00000000-0000-0000-0000-000000000000" name="t" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <ResultSummary outcome="$Outcome">
    <Counters total="$total" executed="$($Passed + $Failed)" passed="$Passed" failed="$Failed" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="$NotExecuted" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
  </ResultSummary>
</TestRun>
"@
        $path
    }
    function New-PesterJson([object[]] $Containers) {
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.json')
        [pscustomobject]@{ Result = 'x'; Containers = $Containers } | ConvertTo-Json -Depth 4 | Set-Content $path
        $path
    }
    function New-Container([string] $File, [string] $Result = 'Passed', [int] $Passed = 5, [int] $Failed = 0, [int] $Skipped = 0, [int] $NotRun = 0, [int] $Inconclusive = 0) {
        [pscustomobject]@{ File = "/x/$File"; Result = $Result; Passed = $Passed; Failed = $Failed; Skipped = $Skipped; NotRun = $NotRun; Inconclusive = $Inconclusive }
    }
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Judging a test run (tools/TestRun.psm1)' {
    It 'a clean run passes, with the closing line "N passed, 0 failed"' {
        $suites = @(Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Completed' 7) -ExitCode 0) +
            @(Read-PesterSuite -Path (New-PesterJson @(New-Container 'X.Tests.ps1' -Passed 4)) -ExitCode 0)
        $run = Measure-TestRun -Suites $suites -Minimums @{ 'A.Tests' = 7; 'X.Tests.ps1' = 4 } -Expected 'A.Tests', 'X.Tests.ps1'
        $run.Line | Should -Be '11 passed, 0 failed'
        $run.ExitCode | Should -Be 0
    }

    It 'a crashed test host (TRX outcome Failed, counters "passed=3 failed=0", exit code 1) is a failure' {
        $s = Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Failed' 3) -ExitCode 1
        $run = Measure-TestRun -Suites @($s) -Minimums @{ 'A.Tests' = 0 }
        $run.Line | Should -Be '3 passed, 1 failed'
        $run.ExitCode | Should -Be 1
        $run.Suites[0].Problems | Should -Match "outcome 'Failed'"
    }

    It 'an outcome other than Completed fails the run even with exit code 0' {
        $run = Measure-TestRun -Suites @(Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Aborted' 3) -ExitCode 0) -Minimums @{ 'A.Tests' = 3 }
        $run.Failed | Should -Be 1
        $run.ExitCode | Should -Be 1
    }

    It 'a non-zero exit code fails the run even when the TRX looks clean' {
        $run = Measure-TestRun -Suites @(Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Completed' 3) -ExitCode 2) -Minimums @{ 'A.Tests' = 3 }
        $run.Line | Should -Be '3 passed, 1 failed'
        $run.Suites[0].Problems | Should -Match 'exit code 2'
    }

    It 'a missing TRX, a skipped xUnit test and a failed test each count' {
        (Measure-TestRun -Suites @(Read-TrxSuite -Suite 'A.Tests' -Path (Join-Path $Work 'none.trx') -ExitCode 1) -Minimums @{ 'A.Tests' = 0 }).Line | Should -Be '0 passed, 1 failed'
        (Measure-TestRun -Suites @(Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Completed' 3 -NotExecuted 2) -ExitCode 0) -Minimums @{ 'A.Tests' = 5 }).Line | Should -Be '3 passed, 2 failed'
        (Measure-TestRun -Suites @(Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Failed' 3 -Failed 2) -ExitCode 1) -Minimums @{ 'A.Tests' = 5 }).Line | Should -Be '3 passed, 2 failed'
    }

    It 'Pester <Kind> tests count as failed' -ForEach @(
        @{ Kind = 'inconclusive'; Container = @{ Inconclusive = 2 } }
        @{ Kind = 'not run'; Container = @{ NotRun = 2 } }
        @{ Kind = 'skipped'; Container = @{ Skipped = 2 } }
    ) {
        $c = New-Container 'X.Tests.ps1' -Passed 3 @Container
        $run = Measure-TestRun -Suites @(Read-PesterSuite -Path (New-PesterJson @($c)) -ExitCode 0) -Minimums @{ 'X.Tests.ps1' = 5 }
        $run.Line | Should -Be '3 passed, 2 failed'
        $run.Suites[0].Problems | Should -Match "2 $Kind"
        $run.ExitCode | Should -Be 1
    }

    It 'a Pester file whose container failed (BeforeAll / discovery) or a pwsh that exited non-zero is a failure' {
        (Measure-TestRun -Suites @(Read-PesterSuite -Path (New-PesterJson @(New-Container 'X.Tests.ps1' -Result 'Failed' -Passed 0)) -ExitCode 0) -Minimums @{ 'X.Tests.ps1' = 0 }).Line |
            Should -Be '0 passed, 1 failed'
        (Measure-TestRun -Suites @(Read-PesterSuite -Path (New-PesterJson @(New-Container 'X.Tests.ps1' -Passed 5)) -ExitCode 1) -Minimums @{ 'X.Tests.ps1' = 5 }).Line |
            Should -Be '5 passed, 1 failed'
        (Measure-TestRun -Suites @(Read-PesterSuite -Path (Join-Path $Work 'none.json') -ExitCode 1) -Minimums @{ 'Pester' = 0 }).Line | Should -Be '0 passed, 1 failed'
    }

    It 'a suite below its minimum counts the missing tests as failed' {
        $run = Measure-TestRun -Suites @(Read-TrxSuite -Suite 'A.Tests' -Path (New-Trx 'Completed' 90) -ExitCode 0) -Minimums @{ 'A.Tests' = 100 }
        $run.Line | Should -Be '90 passed, 10 failed'
        $run.Suites[0].Problems | Should -Match 'fewer than its minimum 100'
    }

    It 'tests the runner left out for the platform (UnixOnly on Windows) lower the minimum by their number, and no more' {
        $left = [pscustomobject]@{ File = '/x/X.Tests.ps1'; Result = 'Passed'; Passed = 7; Failed = 0; Skipped = 0; NotRun = 0; Inconclusive = 0; Excluded = 3 }
        (Measure-TestRun -Suites @(Read-PesterSuite -Path (New-PesterJson @($left)) -ExitCode 0) -Minimums @{ 'X.Tests.ps1' = 10 }).Line | Should -Be '7 passed, 0 failed'
        $run = Measure-TestRun -Suites @(Read-PesterSuite -Path (New-PesterJson @($left)) -ExitCode 0) -Minimums @{ 'X.Tests.ps1' = 11 }
        $run.Line | Should -Be '7 passed, 1 failed'
        $run.Suites[0].Problems | Should -Match 'fewer than its minimum 8'
    }

    It 'a suite without a recorded minimum, and an expected suite that did not run, are failures' {
        $run = Measure-TestRun -Suites @(Read-TrxSuite -Suite 'New.Tests' -Path (New-Trx 'Completed' 4) -ExitCode 0) -Minimums @{ 'A.Tests' = 3 } -Expected 'New.Tests', 'A.Tests'
        $run.Line | Should -Be '4 passed, 4 failed'   # New.Tests: no minimum (1); A.Tests: did not run, 3 below its minimum
        ($run.Suites | Where-Object Suite -eq 'New.Tests').Problems | Should -Match 'no minimum recorded'
        ($run.Suites | Where-Object Suite -eq 'A.Tests').Problems | Should -Match 'did not run'
        (Measure-TestRun).ExitCode | Should -Be 1   # no suite at all
    }

    It 'the checked-in minimums name every xUnit project and every Pester file, each with a positive count' {
        $minimums = Read-TestMinimum (Join-Path $Repo 'tests/test-minimums.json')
        $suites = @(Get-ChildItem (Join-Path $Repo 'tests') -Directory | Where-Object { Test-Path (Join-Path $_.FullName "$($_.Name).csproj") } |
                Where-Object Name -like '*.Tests' | ForEach-Object Name) + @(Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' | ForEach-Object Name)
        foreach ($s in $suites) { $minimums[$s] | Should -BeGreaterThan 0 -Because "$s needs a minimum in tests/test-minimums.json" }
        $minimums.Keys | Where-Object { $_ -notin $suites } | Should -BeNullOrEmpty -Because 'a minimum names a suite that exists'
    }
}

Describe 'build.ps1 -Task Test on a suite whose test host crashes mid-run' {
    It 'exits non-zero and its closing line counts the crash as a failure' {
        # Only the crash can fail this run: its minimum is 0 (tests/TestTaskCrash/minimums.json).
        $pwsh = Get-PwshCommand
        $results = Join-Path $Work 'crash-results'
        $out = & $pwsh.Executable @($pwsh.Arguments) -NoProfile -NonInteractive -File (Join-Path $Repo 'build.ps1') -Task Test `
            -TestProject (Join-Path $Repo 'tests/TestTaskCrash/TestTaskCrash.csproj') -MinimumsPath (Join-Path $Repo 'tests/TestTaskCrash/minimums.json') `
            -ResultsDirectory $results 2>&1 | ForEach-Object { "$_" }
        $code = $LASTEXITCODE
        $text = $out -join "`n"
        $code | Should -Be 1 -Because $text
        $text | Should -Match 'TestTaskCrash: the test host crashes on purpose' -Because 'the second test really ran and killed the host'
        $last = @($out | Where-Object { $_ -match '^\d+ passed, \d+ failed$' })
        $last.Count | Should -Be 1 -Because $text
        $last[0] | Should -Match '^\d+ passed, [1-9]\d* failed$'
        $text | Should -Match "outcome 'Failed', not 'Completed'"
        Test-Path (Join-Path $results 'TestTaskCrash.trx') | Should -BeTrue
    }
}
