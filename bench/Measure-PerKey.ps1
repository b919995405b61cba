# Section 1: one key end to end (create, parameters, wrap, import, verify), four ways, interleaved
# A B C D A B C D ... so drift on a shared machine falls on all of them alike:
#   A  the AWS procedure by hand: bench/manual-procedure.sh (aws CLI + OpenSSL), one bash process per key
#   B  the KmsImport pipeline in THIS pwsh session (module imported, warmed up): the warm case
#   C  the same pipeline in a new `pwsh -NoProfile -c` per key: the cold case
#   D  what-if: B with BouncyCastle's Miller-Rabin test of RSA moduli switched off (its own setting, the
#      environment variable Org.BouncyCastle.Rsa.MaxMRTests=0, set around each run only): what the wrap's
#      primality check costs end to end
# Runs as its own fresh pwsh (started by Invoke-Bench.ps1), so "warm" means warmed by this script only.
# Each variant works in its own Region of the one local endpoint, so the request log tells them apart.
param(
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $ManualScript,
    [Parameter(Mandatory)] [string] $OutFile,
    [Parameter(Mandatory)] [string] $WorkDir,
    [int] $Rounds = 12,
    [int] $MinRounds = 5,
    [int] $WarmUps = 3,
    # Stop after the round that passes this many seconds (but never before MinRounds): keeps Bench in budget.
    [double] $BudgetSeconds = 240
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # the endpoint's control API, shared with the tests
Assert-LocalUrl $Url

$variants = 'A', 'B', 'C', 'D'
$regions = @{ A = 'eu-west-1'; B = 'eu-west-2'; C = 'eu-west-3'; D = 'eu-north-1' }
$escrow = @{}
foreach ($v in 'B', 'C', 'D') { $escrow[$v] = (New-Item -ItemType Directory -Force (Join-Path $WorkDir "escrow-$v")).FullName }

$pwsh = Get-PwshCommand
$pwshExe = $pwsh.Executable
$pwshLead = @($pwsh.Arguments)

# The pipeline, the same text for B and C (C adds Import-Module, as a script of its own would).
function Get-PipelineText([string] $Region, [string] $EscrowDir) {
    "`$r = New-KmsExternalKey -Region $Region -EndpointUrl '$Url' | Get-KmsImportParameters | Protect-KeyMaterial -Generate -EscrowPath '$EscrowDir' | Import-KmsKeyMaterial | Test-KmsKeyState; " +
    "Remove-Item -Path (Join-Path '$EscrowDir' '*') -Force; " +
    "if (-not `$r.Passed) { throw ""key `$(`$r.KeyId) is `$(`$r.KeyState)"" }"
}
$warmBlock = [scriptblock]::Create((Get-PipelineText $regions.B $escrow.B))
$noMrBlock = [scriptblock]::Create((Get-PipelineText $regions.D $escrow.D))
$coldCommand = 'Import-Module KmsImport; ' + (Get-PipelineText $regions.C $escrow.C)

function Invoke-A {
    $env:AWS_DEFAULT_REGION = $regions.A
    $out = & bash $ManualScript $Url 2>&1
    if ($LASTEXITCODE -ne 0) { throw "manual procedure failed ($LASTEXITCODE): $($out -join ' ')" }
}
function Invoke-B { $null = & $warmBlock }
function Invoke-D {
    ${env:Org.BouncyCastle.Rsa.MaxMRTests} = '0'
    try { $null = & $noMrBlock } finally { Remove-Item 'Env:Org.BouncyCastle.Rsa.MaxMRTests' -ErrorAction SilentlyContinue }
}
function Invoke-C {
    $out = & $pwshExe @pwshLead -NoProfile -NonInteractive -c $coldCommand 2>&1
    if ($LASTEXITCODE -ne 0) { throw "cold pwsh failed ($LASTEXITCODE): $($out -join ' ')" }
}

Import-Module KmsImport   # from PSModulePath: the private copy Invoke-Bench.ps1 made
for ($i = 0; $i -lt $WarmUps; $i++) { Invoke-B }
$null = Invoke-LocalKmsControl -Url $Url -Path 'requests' -Method DELETE

$times = @{}; $failures = @{}
foreach ($v in $variants) { $times[$v] = [Collections.Generic.List[double]]::new(); $failures[$v] = 0 }
$errors = [Collections.Generic.List[string]]::new()
$budget = [Diagnostics.Stopwatch]::StartNew()
$done = 0
for ($round = 1; $round -le $Rounds; $round++) {
    foreach ($v in $variants) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        try {
            & "Invoke-$v"
            $watch.Stop()
            $times[$v].Add($watch.Elapsed.TotalMilliseconds)
        } catch {
            $failures[$v]++
            $errors.Add("$v round ${round}: $($_.Exception.Message)")
        }
    }
    $done = $round
    Write-Host ("    round {0,2}: A {1,7:n0} ms  B {2,5:n0} ms  C {3,6:n0} ms  D {4,5:n0} ms" -f $round,
        ($times.A | Select-Object -Last 1), ($times.B | Select-Object -Last 1), ($times.C | Select-Object -Last 1), ($times.D | Select-Object -Last 1))
    if ($round -ge $MinRounds -and $budget.Elapsed.TotalSeconds -gt $BudgetSeconds) { break }
}

# Requests per key and how long GetParametersForImport took on the server (pool hit: a few ms).
$log = @(Get-LocalKmsRequest -Url $Url)
$requests = @{}
foreach ($v in $variants) {
    $mine = @($log | Where-Object { $_.region -eq $regions[$v] })
    $keys = [math]::Max(1, $times[$v].Count + $failures[$v])
    $gpi = @($mine | Where-Object { $_.operation -eq 'GetParametersForImport' } | ForEach-Object { [double]$_.durationMs })
    $requests[$v] = [ordered]@{
        PerKey      = [math]::Round($mine.Count / $keys, 2)
        ByOperation = ($mine | Group-Object operation | Sort-Object Name | ForEach-Object { "$($_.Name) $([math]::Round($_.Count / $keys, 2))" }) -join ', '
        GpiServerMedianMs = (Get-Median $gpi)
        GpiServerMaxMs = if ($gpi) { ($gpi | Measure-Object -Maximum).Maximum } else { $null }
        NonOk       = @($mine | Where-Object { $_.status -ne 200 }).Count
    }
}

[ordered]@{
    Rounds   = $done
    WarmUps  = $WarmUps
    Times    = @{ A = $times.A.ToArray(); B = $times.B.ToArray(); C = $times.C.ToArray(); D = $times.D.ToArray() }
    Failures = $failures
    Errors   = $errors.ToArray()
    Requests = $requests
    Regions  = $regions
    Seconds  = [math]::Round($budget.Elapsed.TotalSeconds, 1)
} | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile
