# Runs the Pester suite against the built module, with one local KMS endpoint for the whole run.
# Called by build.ps1 -Task Test in a child process; writes the counts of each file (tools/TestRun.psm1 reads them) as JSON.
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalKmsPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Filter = '*',
    # Tests with these tags are left out of the run. Default: 'UnixOnly' on Windows (tests that need POSIX file
    # modes, symbolic links or FIFOs). They are not skipped tests: each file reports how many it left out
    # (Excluded) and build.ps1 lowers the file's minimum by that number (tools/TestRun.psm1).
    [string[]] $ExcludeTag = @(if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { 'UnixOnly' })
)
$ErrorActionPreference = 'Stop'
# Windows PowerShell 5.1 (build.ps1 -PesterHost powershell) has no $IsWindows/$IsLinux/$IsMacOS: the test files'
# platform checks read these.
if ($PSVersionTable.PSEdition -eq 'Desktop') {
    $global:IsWindows = $true; $global:IsLinux = $false; $global:IsMacOS = $false
}
$ModulePath = (Resolve-Path $ModulePath).Path
$LocalKmsPath = (Resolve-Path $LocalKmsPath).Path
Import-Module $PesterPath -Force
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

# Tests never reach AWS: fixed fake credentials, no instance-metadata probing.
$env:AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST'
$env:AWS_SECRET_ACCESS_KEY = 'local-test-secret'
Remove-Item Env:AWS_SESSION_TOKEN, Env:AWS_PROFILE, Env:AWS_REGION, Env:AWS_DEFAULT_REGION -ErrorAction SilentlyContinue
$env:AWS_EC2_METADATA_DISABLED = 'true'
$env:KMSIMPORT_TEST_MODULE = $ModulePath
$env:KMSIMPORT_TEST_LOCALKMS = $LocalKmsPath

$server = Start-LocalKms -LocalKmsPath $LocalKmsPath
$env:KMSIMPORT_TEST_ENDPOINT = $server.Url
try {
    $config = New-PesterConfiguration
    $config.Run.Path = @(Get-ChildItem $PSScriptRoot -Filter "$Filter.Tests.ps1" | ForEach-Object FullName)
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $config.Output.RenderMode = 'Plaintext'
    if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
    $result = Invoke-Pester -Configuration $config
    # One entry per file: build.ps1 checks each against its minimum (tests/test-minimums.json).
    # The tests of a container that carry an excluded tag, on themselves or on an enclosing block.
    function Get-ExcludedTest($Block, [string[]] $Inherited) {
        $tags = @($Inherited) + @($Block.Tag | Where-Object { $_ })
        foreach ($t in @($Block.Tests)) { if (@(@($tags) + @($t.Tag) | Where-Object { $_ -in $ExcludeTag }).Count) { $t } }
        foreach ($b in @($Block.Blocks)) { Get-ExcludedTest $b $tags }
    }
    $containers = foreach ($c in $result.Containers) {
        $excluded = @(if ($ExcludeTag) { foreach ($b in @($c.Blocks)) { Get-ExcludedTest $b @() } })
        $excludedNotRun = @($excluded | Where-Object { "$($_.Result)" -eq 'NotRun' }).Count
        [pscustomobject]@{
            File = "$($c.Item)"; Result = "$($c.Result)"; Passed = $c.PassedCount; Failed = $c.FailedCount; Skipped = $c.SkippedCount
            NotRun = $c.NotRunCount - $excludedNotRun; Inconclusive = $c.InconclusiveCount; Excluded = $excludedNotRun
        }
    }
    [pscustomobject]@{
        Result     = "$($result.Result)"
        Containers = @($containers)
    } | ConvertTo-Json -Depth 4 | Set-Content $ResultPath
} finally {
    Stop-LocalKms -Server $server
}
