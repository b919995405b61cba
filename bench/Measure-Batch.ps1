# Sections 2 and 5: one Invoke-KmsKeyImport batch in this (fresh) pwsh process, against one or more
# local endpoints, with the endpoint enforcing AWS's default quotas or adding latency to every call.
# Creates the keys first (untimed, before any fault is set), then times the batch alone, and reports
# the endpoints' request logs, CPU time of this process and of the endpoints, and this process's
# peak resident set (VmHWM = PeakWorkingSet64).
param(
    # One or more endpoint URLs, comma-separated (pwsh -File passes strings), and the endpoints' process ids.
    [Parameter(Mandatory)] [string] $Urls,
    [Parameter(Mandatory)] [string] $EndpointPids,
    [Parameter(Mandatory)] [int] $KeysPerUrl,
    [Parameter(Mandatory)] [ValidateSet('Quota', 'Latency')] [string] $Mode,
    [Parameter(Mandatory)] [string] $OutFile,
    [Parameter(Mandatory)] [string] $WorkDir,
    [int] $LatencyMs = 20,
    [int] $ThrottleLimit = 4,
    [switch] $NoPacing,
    # Keys imported (untimed, before faults) to get the import path compiled before the timed batch.
    [int] $WarmUpKeys = 0
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # the endpoint's control API, shared with the tests
$Url = @($Urls -split ',' | Where-Object { $_ })
$EndpointPid = @($EndpointPids -split ',' | Where-Object { $_ } | ForEach-Object { [int]$_ })
$Url | ForEach-Object { Assert-LocalUrl $_ }

$rssStart = Get-PeakRssMiB
Import-Module KmsImport
$rssImported = Get-PeakRssMiB
$region = 'eu-west-2'
$escrow = (New-Item -ItemType Directory -Force (Join-Path $WorkDir "escrow-$Mode")).FullName

foreach ($u in $Url) {
    $null = Invoke-LocalKmsControl -Url $u -Path 'faults' -Method DELETE
}
$keys = foreach ($u in $Url) { 1..$KeysPerUrl | ForEach-Object { New-KmsExternalKey -Region $region -EndpointUrl $u -Description "bench $Mode" } }
if ($WarmUpKeys -gt 0) {
    $warm = 1..$WarmUpKeys | ForEach-Object { New-KmsExternalKey -Region $region -EndpointUrl $Url[0] -Description 'bench warm-up' }
    $null = $warm | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -NoPacing -ThrottleLimit $ThrottleLimit
}

# The endpoints' conditions for the timed batch.
foreach ($u in $Url) {
    $rules = if ($Mode -eq 'Quota') { @{ preset = 'aws-default-quotas' } } else { , @(@{ operation = '*'; latencyMs = $LatencyMs }) }
    $null = Invoke-LocalKmsControl -Url $u -Path 'faults' -Method POST -Body $rules
    $null = Invoke-LocalKmsControl -Url $u -Path 'requests' -Method DELETE
}
$cpuSelf0 = Get-ProcessCpuSeconds -ProcessId $PID
$cpuKms0 = @($EndpointPid | ForEach-Object { Get-ProcessCpuSeconds -ProcessId $_ })
$cpuPool0 = @($EndpointPid | ForEach-Object { Get-ProcessCpuSeconds -ProcessId $_ -Thread 'LocalKms wrappi' })

$batch = @{ Generate = $true; EscrowPath = $escrow; ThrottleLimit = $ThrottleLimit; NoPacing = [bool]$NoPacing; WarningAction = 'SilentlyContinue' }
$watch = [Diagnostics.Stopwatch]::StartNew()
$results = @($keys | Invoke-KmsKeyImport @batch)
$watch.Stop()

$cpuSelf = (Get-ProcessCpuSeconds -ProcessId $PID) - $cpuSelf0
$cpuKms = 0.0; $cpuPool = 0.0
for ($i = 0; $i -lt $EndpointPid.Count; $i++) {
    $pool = (Get-ProcessCpuSeconds -ProcessId $EndpointPid[$i] -Thread 'LocalKms wrappi') - $cpuPool0[$i]
    $cpuPool += $pool
    $cpuKms += (Get-ProcessCpuSeconds -ProcessId $EndpointPid[$i]) - $cpuKms0[$i] - $pool
}
$rssEnd = Get-PeakRssMiB

$log = @(foreach ($u in $Url) { Get-LocalKmsRequest -Url $u })
foreach ($u in $Url) { $null = Invoke-LocalKmsControl -Url $u -Path 'faults' -Method DELETE }

$gpi = @($log | Where-Object { $_.operation -eq 'GetParametersForImport' -and $_.status -eq 200 } | ForEach-Object { [double]$_.durationMs })
[ordered]@{
    Mode          = $Mode
    Keys          = $keys.Count
    Endpoints     = $Url.Count
    ThrottleLimit = $ThrottleLimit
    NoPacing      = [bool]$NoPacing
    LatencyMs     = if ($Mode -eq 'Latency') { $LatencyMs } else { 0 }
    WarmUpKeys    = $WarmUpKeys
    ElapsedMs     = [math]::Round($watch.Elapsed.TotalMilliseconds, 1)
    Results       = @($results | Group-Object Status | ForEach-Object { [ordered]@{ Status = $_.Name; Count = $_.Count } })
    Failed        = @($results | Where-Object Status -eq 'Failed').Count
    Attempts      = ($results | Measure-Object Attempts -Sum).Sum
    FailedDetail  = @($results | Where-Object Status -eq 'Failed' | Select-Object -First 5 | ForEach-Object { "$($_.KeyId): $($_.ErrorId) $($_.Message)" })
    Requests      = $log.Count
    ByOperation   = @($log | Group-Object operation | Sort-Object Name | ForEach-Object { [ordered]@{ Operation = $_.Name; Count = $_.Count } })
    Throttled     = @($log | Where-Object { $_.errorType -eq 'ThrottlingException' }).Count
    NonOk         = @($log | Where-Object { $_.status -ne 200 }).Count
    GpiServerMedianMs = Get-Median $gpi
    GpiServerMaxMs = if ($gpi) { ($gpi | Measure-Object -Maximum).Maximum } else { $null }
    ClientCpuSeconds = [math]::Round($cpuSelf, 2)
    EndpointCpuSeconds = [math]::Round($cpuKms, 2)          # serving requests (the pool thread's refill excluded)
    EndpointPoolCpuSeconds = [math]::Round($cpuPool, 2)     # refilling the wrapping-key pool in the background (nice 19)
    PeakRssMiB    = [ordered]@{ Start = $rssStart; AfterImportModule = $rssImported; End = $rssEnd }
} | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile
