#requires -Version 7.2
<#
.SYNOPSIS
    Section 6 of the bench: one fleet plan (Invoke-KmsKeyImport -PlanPath) of N keys spread over 1, 3 and 9
    account-Region pairs, under AWS's default quotas per (account, Region), against the floor.
.DESCRIPTION
    Called by Invoke-Bench.ps1 (-Sections Fleet), in a fresh pwsh, with the bench environment (credentials of
    the default account, the module on PSModulePath). It starts its own LocalKms with three accounts
    (--account ...) that hands out one wrapping key pair per spec again and again (--reuse-wrapping-keys, a
    benchmark-only option: AWS makes a fresh pair per call; here no run waits for RSA_4096 generation), and for
    each fan-out:
      - resets the endpoint (no keys, no log) and sets the aws-default-quotas preset (per account and Region),
      - runs the import in a child pwsh (-Run): writes the plan (N symmetric keys, aliases, Generate with a
        plaintext escrow folder, a ProfileName per account), times `Invoke-KmsKeyImport -PlanPath -ThrottleLimit
        <pairs>` alone, and records the child's CPU time and peak resident set,
      - reads the endpoint's request log: requests, throttling, keys created per account.
    Credentials: one profile per account in a private shared credentials file, with an access key the endpoint
    maps to that account (--account AKID=ACCOUNT), so each row's requests land in its account.
    Floor of a fan-out: GetParametersForImport is 1 per second per (account, Region), one per key, so the plan
    cannot finish before ceil(N / pairs) seconds. Target: wall time <= 1.3 x the floor for each fan-out.
    Writes one JSON object to -OutFile. Everything talks to 127.0.0.1 only.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Fleet.ps1 -LocalKmsPath out/LocalKms/LocalKms.dll -Keys 18 -OutFile /tmp/fleet.json -WorkDir /tmp/fleet
#>
[CmdletBinding(DefaultParameterSetName = 'Orchestrate')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Orchestrate')] [string] $LocalKmsPath,
    [Parameter(ParameterSetName = 'Orchestrate')] [ValidateRange(9, 1000)] [int] $Keys = 90,
    [Parameter(ParameterSetName = 'Orchestrate')] [int[]] $FanOuts = @(1, 3, 9),
    # The module's default is RSA_4096 (the endpoint reuses one pair per spec, so no spec costs generation time).
    [ValidateSet('RSA_2048', 'RSA_3072', 'RSA_4096')] [string] $WrappingKeySpec = 'RSA_4096',
    [Parameter(Mandatory)] [string] $OutFile,
    [Parameter(Mandatory)] [string] $WorkDir,
    # Child mode: one timed import of the plan in this process.
    [Parameter(Mandatory, ParameterSetName = 'Run')] [switch] $Run,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $Url,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $PlanPath,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [int] $Pairs
)
# (-WrappingKeySpec serves both modes: the orchestrator makes that pair first, the child imports with it.)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # Start-LocalKms, the control API

# The fleet: three accounts (access keys mapped by --account, one profile each) x three Regions.
$accounts = @('111111111111', '222222222222', '333333333333')
$regions = @('eu-west-2', 'eu-west-1', 'us-east-1')
function ProfileOf([string] $Account) { "bench-fleet-$Account" }
function AccessKeyOf([string] $Account) { "AKIDBENCHFLEET$([array]::IndexOf($accounts, $Account))" }

if ($Run) {
    # ---------------------------------------------------------------------------------------------
    # Child: one timed fleet import. STS is on the same port as KMS.
    # ---------------------------------------------------------------------------------------------
    Assert-LocalUrl $Url
    # The profiles of the plan's rows: a private credentials file next to the plan.
    $creds = Join-Path (Split-Path -Parent $PlanPath) 'credentials'
    Set-Content -Path $creds -Value (($accounts | ForEach-Object { "[$(ProfileOf $_)]`naws_access_key_id = $(AccessKeyOf $_)`naws_secret_access_key = bench-fleet-secret`n" }) -join "`n")
    if (-not $IsWindows) { chmod 600 $creds }
    $env:AWS_SHARED_CREDENTIALS_FILE = $creds
    $rssStart = Get-PeakRssMiB
    Import-Module KmsImport
    $rssImported = Get-PeakRssMiB
    $cpu0 = Get-ProcessCpuSeconds -ProcessId $PID
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $results = @(Invoke-KmsKeyImport -PlanPath $PlanPath -EndpointUrl $Url -ThrottleLimit $Pairs -WrappingKeySpec $WrappingKeySpec -Confirm:$false -WarningAction SilentlyContinue)
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
$accountArgs = @(foreach ($a in $accounts) { '--account'; "$(AccessKeyOf $a)=$a" })
$server = Start-LocalKms -LocalKmsPath $LocalKmsPath -ExtraArguments (@('--reuse-wrapping-keys') + $accountArgs)
$runs = [Collections.Generic.List[object]]::new()
try {
    # The reused pair is made on first use: make it now, before anything is timed.
    $trigger = Invoke-LocalKmsApi -Url $server.Url -Operation CreateKey -Body @{ Origin = 'EXTERNAL'; Description = 'bench: wrapping pair' }
    $null = Invoke-LocalKmsApi -Url $server.Url -Operation GetParametersForImport -Body @{ KeyId = $trigger.KeyMetadata.KeyId; WrappingAlgorithm = 'RSAES_OAEP_SHA_256'; WrappingKeySpec = $WrappingKeySpec }
    foreach ($pairs in $FanOuts) {
        if ($pairs -gt $accounts.Count * $regions.Count) { throw "at most $($accounts.Count * $regions.Count) account-Region pairs" }
        # Pairs in the order (account 1, Region 1), (account 2, Region 1), (account 3, Region 1), (account 1, Region 2) ...
        $pairList = @(for ($i = 0; $i -lt $pairs; $i++) { [pscustomobject]@{ Account = $accounts[$i % 3]; Region = $regions[[math]::Floor($i / 3)] } })
        $dir = (New-Item -ItemType Directory -Force (Join-Path $WorkDir "fleet-$pairs")).FullName
        $escrow = (New-Item -ItemType Directory -Force (Join-Path $dir 'escrow')).FullName
        if (-not $IsWindows) { chmod 700 $escrow }   # escrow copies are key material: owner-only
        $plan = Join-Path $dir 'plan.csv'
        $rows = for ($k = 0; $k -lt $Keys; $k++) {
            $p = $pairList[$k % $pairs]
            [pscustomobject][ordered]@{
                Account = $p.Account; ProfileName = (ProfileOf $p.Account); RoleArn = ''; Region = $p.Region; KeySpec = 'SYMMETRIC_DEFAULT'; KeyUsage = 'ENCRYPT_DECRYPT'
                Alias = "alias/bench-fleet-$pairs-$k"; Description = "bench fleet $pairs pairs"; MultiRegion = 'false'; ReplicaRegion = ''
                Path = ''; Generate = 'true'; EscrowPath = $escrow; EscrowRecipient = ''; ExpirationModel = 'KEY_MATERIAL_DOES_NOT_EXPIRE'; ValidTo = ''
            }
        }
        $rows | Export-Csv -Path $plan -NoTypeInformation -UseQuotes AsNeeded
        $floorMs = 1000.0 * [math]::Ceiling($Keys / $pairs)

        Write-Host ("    {0} keys over {1} pair(s)" -f $Keys, $pairs)
        $null = Invoke-LocalKmsControl -Url $server.Url -Path 'reset' -Method POST
        $null = Invoke-LocalKmsControl -Url $server.Url -Path 'faults' -Method POST -Body @{ preset = 'aws-default-quotas' }
        $kmsCpu0 = Get-ProcessCpuSeconds -ProcessId $server.Process.Id
        $out = Join-Path $dir 'run.json'
        & $pwsh.Executable @($pwsh.Arguments) -NoProfile -NonInteractive -File $PSCommandPath -Run -Url $server.Url -PlanPath $plan -Pairs $pairs `
            -WrappingKeySpec $WrappingKeySpec -OutFile $out -WorkDir $dir
        if ($LASTEXITCODE -ne 0) { throw "the fleet import of $pairs pair(s) failed with exit code $LASTEXITCODE" }
        $kmsCpu = (Get-ProcessCpuSeconds -ProcessId $server.Process.Id) - $kmsCpu0
        $r = Get-Content -Raw $out | ConvertFrom-Json
        $log = @(Get-LocalKmsRequest -Url $server.Url)
        $null = Invoke-LocalKmsControl -Url $server.Url -Path 'faults' -Method DELETE
        $kms = @($log | Where-Object { $_.service -eq 'kms' })
        # Where the time above the floor goes: the start (first request to the first GetParametersForImport)
        # and the spacing of GetParametersForImport within each pair (the pacer's interval).
        # (Invoke-RestMethod may have turned the ISO times into DateTime already.)
        $t = { param($e) $v = $e.time; if ($v -is [datetime]) { ([DateTimeOffset]$v.ToUniversalTime()).ToUnixTimeMilliseconds() } else { [DateTimeOffset]::Parse($v, [Globalization.CultureInfo]::InvariantCulture).ToUnixTimeMilliseconds() } }
        $gpi = @($kms | Where-Object { $_.operation -eq 'GetParametersForImport' -and $_.status -eq 200 })
        $first = if ($kms) { ($kms | ForEach-Object { & $t $_ } | Measure-Object -Minimum).Minimum } else { 0 }
        $startMs = if ($gpi) { ($gpi | ForEach-Object { & $t $_ } | Measure-Object -Minimum).Minimum - $first } else { [double]::NaN }
        $intervals = @($gpi | Group-Object account, region | ForEach-Object {
                $ts = @($_.Group | ForEach-Object { & $t $_ } | Sort-Object)
                for ($i = 1; $i -lt $ts.Count; $i++) { $ts[$i] - $ts[$i - 1] }
            })
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
                StartMs           = $startMs
                GpiIntervalMedianMs = Get-Median $intervals
                CreatedPerAccount = @($kms | Where-Object { $_.operation -eq 'CreateKey' -and $_.status -eq 200 } | Group-Object account | Sort-Object Name |
                        ForEach-Object { [ordered]@{ Account = $_.Name; Count = $_.Count } })
                ClientCpuSeconds  = [double]$r.ClientCpuSeconds
                ClientCpuMsPerKey = [math]::Round(1000.0 * [double]$r.ClientCpuSeconds / $Keys, 2)
                EndpointCpuSeconds = [math]::Round($kmsCpu, 2)
                PeakRssMiB        = $r.PeakRssMiB
                PeakRssKiBPerKey  = [math]::Round(1024.0 * ([double]$r.PeakRssMiB.End - [double]$r.PeakRssMiB.AfterImportModule) / $Keys, 1)
            })
        Write-Host ("    {0} pair(s): {1:n1} s = {2:n2}x the {3:n0} s floor, {4} failed, {5} throttled, client CPU {6} ms/key" -f $pairs,
            ([double]$r.ElapsedMs / 1000), ([double]$r.ElapsedMs / $floorMs), ($floorMs / 1000), $r.Failed, $runs[-1].Throttled, $runs[-1].ClientCpuMsPerKey)
    }
} finally {
    Stop-LocalKms -Server $server
}
[ordered]@{ Keys = $Keys; WrappingKeySpec = $WrappingKeySpec; Accounts = $accounts; Regions = $regions; Runs = $runs } |
    ConvertTo-Json -Depth 8 | Set-Content -Path $OutFile
