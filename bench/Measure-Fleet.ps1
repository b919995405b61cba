#requires -Version 7.2
<#
.SYNOPSIS
    Section 6 of the bench: one fleet plan (Invoke-KmsKeyImport -PlanPath) of N keys spread over 1, 3 and 9
    account-Region pairs, under AWS's default quotas per (account, Region), against the floor.
.DESCRIPTION
    Called by Invoke-Bench.ps1 (-Sections Fleet), in a fresh pwsh, with the bench environment (credentials of
    the default account, the module on PSModulePath). It starts its own LocalKms with three accounts
    (--account ...) and a wrapping-key pool of N + 1 RSA_4096 pairs, and for each fan-out:
      - waits until the pool holds N + 1 pairs (so no GetParametersForImport generates a key inline),
      - resets the endpoint (no keys, no log) and sets the aws-default-quotas preset (per account and Region),
      - runs the import in a child pwsh (-Run): writes the plan (N symmetric keys, aliases, Generate with a
        plaintext escrow folder), times `Invoke-KmsKeyImport -PlanPath -RoleArn 'arn:aws:iam::{Account}:role/...'
        -ThrottleLimit <pairs>` alone, and records the child's CPU time and peak resident set,
      - reads the endpoint's request log: requests, throttling, keys created per account, AssumeRole calls.
    Floor of a fan-out: GetParametersForImport is 1 per second per (account, Region), one per key, so the plan
    cannot finish before ceil(N / pairs) seconds. Target: wall time <= 1.3 x the floor for each fan-out.
    Writes one JSON object to -OutFile. Everything talks to 127.0.0.1 only.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Fleet.ps1 -LocalKmsPath out/LocalKms/LocalKms.dll -Keys 18 -OutFile /tmp/fleet.json -WorkDir /tmp/fleet
#>
[CmdletBinding(DefaultParameterSetName = 'Orchestrate')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Orchestrate')] [string] $LocalKmsPath,
    [Parameter(ParameterSetName = 'Orchestrate')] [ValidateRange(9, 127)] [int] $Keys = 90,
    [Parameter(ParameterSetName = 'Orchestrate')] [int[]] $FanOuts = @(1, 3, 9),
    [Parameter(Mandatory)] [string] $OutFile,
    [Parameter(Mandatory)] [string] $WorkDir,
    # Child mode: one timed import of the plan in this process.
    [Parameter(Mandatory, ParameterSetName = 'Run')] [switch] $Run,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $Url,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $PlanPath,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [int] $Pairs
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # Start-LocalKms, the control API

# The fleet: three accounts (known to the endpoint through --account, so their roles can be assumed) x three Regions.
$accounts = @('111111111111', '222222222222', '333333333333')
$regions = @('eu-west-2', 'eu-west-1', 'us-east-1')
$rolePattern = 'arn:aws:iam::{Account}:role/KmsImportBench'

if ($Run) {
    # ---------------------------------------------------------------------------------------------
    # Child: one timed fleet import. STS is on the same port as KMS.
    # ---------------------------------------------------------------------------------------------
    Assert-LocalUrl $Url
    $env:AWS_ENDPOINT_URL_STS = $Url
    $rssStart = Get-PeakRssMiB
    Import-Module KmsImport
    $rssImported = Get-PeakRssMiB
    $cpu0 = Get-ProcessCpuSeconds -ProcessId $PID
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $results = @(Invoke-KmsKeyImport -PlanPath $PlanPath -RoleArn $rolePattern -RoleSessionName 'kmsimport-bench-fleet' `
            -EndpointUrl $Url -ThrottleLimit $Pairs -Confirm:$false -WarningAction SilentlyContinue)
    $watch.Stop()
    $cpu = (Get-ProcessCpuSeconds -ProcessId $PID) - $cpu0
    [ordered]@{
        ElapsedMs        = [math]::Round($watch.Elapsed.TotalMilliseconds, 1)
        Results          = @($results | Group-Object Status | ForEach-Object { [ordered]@{ Status = $_.Name; Count = $_.Count } })
        Failed           = @($results | Where-Object Status -eq 'Failed').Count
        FailedDetail     = @($results | Where-Object Status -eq 'Failed' | Select-Object -First 5 | ForEach-Object { "$($_.KeyId): $($_.ErrorId) $($_.Message)" })
        ClientCpuSeconds = [math]::Round($cpu, 2)
        PeakRssMiB       = [ordered]@{ Start = $rssStart; AfterImportModule = $rssImported; End = (Get-PeakRssMiB) }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path $OutFile
    return
}

# -------------------------------------------------------------------------------------------------
# Orchestrator.
# -------------------------------------------------------------------------------------------------
$null = New-Item -ItemType Directory -Force $WorkDir
$pwsh = Get-PwshCommand
$accountArgs = @(for ($i = 0; $i -lt $accounts.Count; $i++) { '--account'; "AKIDBENCHFLEET$i=$($accounts[$i])" })
$server = Start-LocalKms -LocalKmsPath $LocalKmsPath -ExtraArguments (@('--wrapping-key-pool', ($Keys + 1)) + $accountArgs)
$runs = [Collections.Generic.List[object]]::new()
try {
    Request-WrappingKeyPool -Url $server.Url
    foreach ($pairs in $FanOuts) {
        if ($pairs -gt $accounts.Count * $regions.Count) { throw "at most $($accounts.Count * $regions.Count) account-Region pairs" }
        # Pairs in the order (account 1, Region 1), (account 2, Region 1), (account 3, Region 1), (account 1, Region 2) ...
        $pairList = @(for ($i = 0; $i -lt $pairs; $i++) { [pscustomobject]@{ Account = $accounts[$i % 3]; Region = $regions[[math]::Floor($i / 3)] } })
        $dir = (New-Item -ItemType Directory -Force (Join-Path $WorkDir "fleet-$pairs")).FullName
        $escrow = (New-Item -ItemType Directory -Force (Join-Path $dir 'escrow')).FullName
        $plan = Join-Path $dir 'plan.csv'
        $rows = for ($k = 0; $k -lt $Keys; $k++) {
            $p = $pairList[$k % $pairs]
            [pscustomobject][ordered]@{
                Account = $p.Account; ProfileName = ''; RoleArn = ''; Region = $p.Region; KeySpec = 'SYMMETRIC_DEFAULT'; KeyUsage = 'ENCRYPT_DECRYPT'
                Alias = "alias/bench-fleet-$pairs-$k"; Description = "bench fleet $pairs pairs"; MultiRegion = 'false'; ReplicaRegion = ''
                Path = ''; Generate = 'true'; EscrowPath = $escrow; EscrowRecipient = ''; ExpirationModel = 'KEY_MATERIAL_DOES_NOT_EXPIRE'; ValidTo = ''
            }
        }
        $rows | Export-Csv -Path $plan -NoTypeInformation -UseQuotes AsNeeded
        $floorMs = 1000.0 * [math]::Ceiling($Keys / $pairs)

        Write-Host ("    {0} keys over {1} pair(s): waiting for {2} wrapping pairs" -f $Keys, $pairs, ($Keys + 1))
        $poolWait = Wait-WrappingKeyPool -Servers @($server) -Need @($Keys + 1) -TimeoutSeconds 900
        $null = Invoke-LocalKmsControl -Url $server.Url -Path 'reset' -Method POST
        $null = Invoke-LocalKmsControl -Url $server.Url -Path 'faults' -Method POST -Body @{ preset = 'aws-default-quotas' }
        $kmsCpu0 = Get-ProcessCpuSeconds -ProcessId $server.Process.Id
        $out = Join-Path $dir 'run.json'
        & $pwsh.Executable @($pwsh.Arguments) -NoProfile -NonInteractive -File $PSCommandPath -Run -Url $server.Url -PlanPath $plan -Pairs $pairs -OutFile $out -WorkDir $dir
        if ($LASTEXITCODE -ne 0) { throw "the fleet import of $pairs pair(s) failed with exit code $LASTEXITCODE" }
        $kmsCpu = (Get-ProcessCpuSeconds -ProcessId $server.Process.Id) - $kmsCpu0
        $r = Get-Content -Raw $out | ConvertFrom-Json
        $log = @(Get-LocalKmsRequest -Url $server.Url)
        $null = Invoke-LocalKmsControl -Url $server.Url -Path 'faults' -Method DELETE
        $kms = @($log | Where-Object { $_.service -eq 'kms' })
        $runs.Add([ordered]@{
                Pairs             = $pairs
                Keys              = $Keys
                KeysPerPair       = [math]::Ceiling($Keys / $pairs)
                FloorMs           = $floorMs
                ElapsedMs         = [double]$r.ElapsedMs
                Ratio             = [math]::Round([double]$r.ElapsedMs / $floorMs, 3)
                Results           = $r.Results
                Failed            = [int]$r.Failed
                FailedDetail      = $r.FailedDetail
                Requests          = $kms.Count
                Throttled         = @($kms | Where-Object { $_.errorType -eq 'ThrottlingException' }).Count
                CreatedPerAccount = @($kms | Where-Object { $_.operation -eq 'CreateKey' -and $_.status -eq 200 } | Group-Object account | Sort-Object Name |
                        ForEach-Object { [ordered]@{ Account = $_.Name; Count = $_.Count } })
                AssumeRole        = @($log | Where-Object { $_.service -eq 'sts' -and $_.operation -eq 'AssumeRole' }).Count
                ClientCpuSeconds  = [double]$r.ClientCpuSeconds
                ClientCpuMsPerKey = [math]::Round(1000.0 * [double]$r.ClientCpuSeconds / $Keys, 2)
                EndpointCpuSeconds = [math]::Round($kmsCpu, 2)   # serving + the pool refill at nice 19
                PeakRssMiB        = $r.PeakRssMiB
                PeakRssKiBPerKey  = [math]::Round(1024.0 * ([double]$r.PeakRssMiB.End - [double]$r.PeakRssMiB.AfterImportModule) / $Keys, 1)
                PoolWaitSeconds   = $poolWait
            })
        Write-Host ("    {0} pair(s): {1:n1} s = {2:n2}x the {3:n0} s floor, {4} failed, {5} throttled, client CPU {6} ms/key" -f $pairs,
            ([double]$r.ElapsedMs / 1000), ([double]$r.ElapsedMs / $floorMs), ($floorMs / 1000), $r.Failed, $runs[-1].Throttled, $runs[-1].ClientCpuMsPerKey)
    }
} finally {
    Stop-LocalKms -Server $server
}
[ordered]@{ Keys = $Keys; Accounts = $accounts; Regions = $regions; RolePattern = $rolePattern; Runs = $runs } |
    ConvertTo-Json -Depth 8 | Set-Content -Path $OutFile
