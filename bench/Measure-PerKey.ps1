# Section 1: one key end to end (create, parameters, wrap, import, verify), interleaved
# A B C [B0 C0] A B C [B0 C0] ... so drift on a shared machine falls on all of them alike:
#   A   the AWS procedure by hand: bench/manual-procedure.sh (aws CLI + OpenSSL), one bash process per key
#   B   the KmsImport pipeline in THIS pwsh session (module imported, warmed up): the warm case
#   C   the same pipeline in a new `pwsh -NoProfile -c` per key: the cold case (a runbook per key)
#   B0  (with -BaselineModulePath) B with the baseline module ("before"), in a second warm pwsh session that
#       this script drives over its standard input (two versions of one module cannot share a session)
#   C0  (with -BaselineModulePath) C with the baseline module
# Runs as its own fresh pwsh (started by Invoke-Bench.ps1), so "warm" means warmed by this script only.
# Each variant works in its own Region of the one local endpoint, so the request log tells them apart.
param(
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $ManualScript,
    [Parameter(Mandatory)] [string] $OutFile,
    [Parameter(Mandatory)] [string] $WorkDir,
    # The KmsImport.psd1 under test, and the baseline's (optional: no B0 / C0 without it).
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $BaselineModulePath,
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

$variants = if ($BaselineModulePath) { 'A', 'B', 'C', 'B0', 'C0' } else { 'A', 'B', 'C' }
$regions = @{ A = 'eu-west-1'; B = 'eu-west-2'; C = 'eu-west-3'; B0 = 'eu-north-1'; C0 = 'eu-south-1' }
$escrow = @{}
foreach ($v in 'B', 'C', 'B0', 'C0') { $escrow[$v] = (New-Item -ItemType Directory -Force (Join-Path $WorkDir "escrow-$v")).FullName }

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
$coldCommand = "Import-Module '$ModulePath'; " + (Get-PipelineText $regions.C $escrow.C)
$coldBaseline = "Import-Module '$BaselineModulePath'; " + (Get-PipelineText $regions.C0 $escrow.C0)

function Invoke-A {
    $env:AWS_DEFAULT_REGION = $regions.A
    $out = & bash $ManualScript $Url 2>&1
    if ($LASTEXITCODE -ne 0) { throw "manual procedure failed ($LASTEXITCODE): $($out -join ' ')" }
}
function Invoke-B { $null = & $warmBlock }
function Invoke-C {
    $out = & $pwshExe @pwshLead -NoProfile -NonInteractive -c $coldCommand 2>&1
    if ($LASTEXITCODE -ne 0) { throw "cold pwsh failed ($LASTEXITCODE): $($out -join ' ')" }
}
function Invoke-C0 {
    $out = & $pwshExe @pwshLead -NoProfile -NonInteractive -c $coldBaseline 2>&1
    if ($LASTEXITCODE -ne 0) { throw "cold pwsh (baseline) failed ($LASTEXITCODE): $($out -join ' ')" }
}
# B0: a second warm session with the baseline module; one line in ("go"), one line out (OK or the error).
# Timed here, from outside, like B: the round trip over the pipes costs well under a millisecond.
$baselineSession = $null
function Start-BaselineSession {
    $loop = "Import-Module '$BaselineModulePath'; `$block = [scriptblock]::Create(@'`n$(Get-PipelineText $regions.B0 $escrow.B0)`n'@); " +
        'while ($null -ne ($line = [Console]::In.ReadLine())) { try { $null = & $block; [Console]::Out.WriteLine(''OK'') } catch { [Console]::Out.WriteLine(''ERR '' + $_.Exception.Message) } }'
    $info = [Diagnostics.ProcessStartInfo]::new($pwshExe)
    foreach ($a in @($pwshLead) + @('-NoProfile', '-NonInteractive', '-Command', $loop)) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true; $info.RedirectStandardOutput = $true; $info.UseShellExecute = $false
    [Diagnostics.Process]::Start($info)
}
function Invoke-B0 {
    $baselineSession.StandardInput.WriteLine('go')
    $baselineSession.StandardInput.Flush()
    do { $answer = $baselineSession.StandardOutput.ReadLine() } while ($null -ne $answer -and $answer -ne 'OK' -and $answer -notlike 'ERR *')
    if ($answer -ne 'OK') { throw "baseline session: $(if ($null -eq $answer) { 'exited' } else { $answer })" }
}

Import-Module $ModulePath
for ($i = 0; $i -lt $WarmUps; $i++) { Invoke-B }
if ($BaselineModulePath) {
    $baselineSession = Start-BaselineSession
    for ($i = 0; $i -lt $WarmUps; $i++) { Invoke-B0 }
}
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
    Write-Host ("    round {0,2}: {1}" -f $round, (($variants | ForEach-Object { '{0} {1:n0} ms' -f $_, ($times[$_] | Select-Object -Last 1) }) -join '  '))
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
    Variants = $variants
    Times    = & { $t = [ordered]@{}; foreach ($v in $variants) { $t[$v] = $times[$v].ToArray() }; $t }
    Failures = $failures
    Errors   = $errors.ToArray()
    Requests = $requests
    Regions  = $regions
    Seconds  = [math]::Round($budget.Elapsed.TotalSeconds, 1)
} | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile
if ($baselineSession) {
    $baselineSession.StandardInput.Close()
    if (-not $baselineSession.WaitForExit(10000)) { $baselineSession.Kill() }
}
