# Section 2: one Invoke-KmsKeyImport batch in this (fresh) pwsh process, against one or more local endpoints
# and one or more Regions, with the endpoint enforcing AWS's default quotas (per Region), adding latency to
# every call, or neither (Plain: the memory batches). Creates the keys first (untimed, before any fault is set),
# then times the batch alone, and reports the endpoints' request logs (GetParametersForImport per Region: the
# quota wall), CPU time of this process and of the endpoints, and this process's peak resident set
# (VmHWM = PeakWorkingSet64). Invoke-Bench.ps1 may start it under `taskset` (client on its own core).
param(
    # One or more endpoint URLs, comma-separated (pwsh -File passes strings), and the endpoints' process ids.
    [Parameter(Mandatory)] [string] $Urls,
    [Parameter(Mandatory)] [string] $EndpointPids,
    # Keys per endpoint and Region.
    [Parameter(Mandatory)] [int] $KeysPerUrl,
    [Parameter(Mandatory)] [ValidateSet('Quota', 'Latency', 'Plain')] [string] $Mode,
    # The KmsImport.psd1 to measure (the module under test, or the baseline's).
    [string] $ModulePath = 'KmsImport',
    # Regions the keys are spread over, comma-separated.
    [string] $Regions = 'eu-west-2',
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
Import-Module $ModulePath
$rssImported = Get-PeakRssMiB
$region = @($Regions -split ',' | Where-Object { $_ })
$escrow = (New-Item -ItemType Directory -Force (Join-Path $WorkDir "escrow-$Mode-$PID")).FullName

foreach ($u in $Url) {
    $null = Invoke-LocalKmsControl -Url $u -Path 'faults' -Method DELETE
}
# Round-robin over endpoints and Regions, so a -ThrottleLimit's keys in flight spread over them.
$keys = for ($i = 0; $i -lt $KeysPerUrl; $i++) { foreach ($r in $region) { foreach ($u in $Url) { New-KmsExternalKey -Region $r -EndpointUrl $u -Description "bench $Mode" } } }
if ($WarmUpKeys -gt 0) {
    $warm = 1..$WarmUpKeys | ForEach-Object { New-KmsExternalKey -Region $region[0] -EndpointUrl $Url[0] -Description 'bench warm-up' }
    $null = $warm | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -NoPacing -ThrottleLimit $ThrottleLimit
}

# The endpoints' conditions for the timed batch.
foreach ($u in $Url) {
    $rules = switch ($Mode) { 'Quota' { @{ preset = 'aws-default-quotas' } } 'Latency' { , @(@{ operation = '*'; latencyMs = $LatencyMs }) } default { $null } }
    if ($rules) { $null = Invoke-LocalKmsControl -Url $u -Path 'faults' -Method POST -Body $rules }
    $null = Invoke-LocalKmsControl -Url $u -Path 'requests' -Method DELETE
}
$cpuSelf0 = Get-ProcessCpuSeconds -ProcessId $PID
# The runtime's tiered-compilation thread (JIT re-compiling hot methods at tier 1): a warm-up cost, not a per-key one.
$cpuJit0 = Get-ProcessCpuSeconds -ProcessId $PID -Thread '.NET Tiered Com'
$cpuKms0 = @($EndpointPid | ForEach-Object { Get-ProcessCpuSeconds -ProcessId $_ })
$cpuPool0 = @($EndpointPid | ForEach-Object { Get-ProcessCpuSeconds -ProcessId $_ -Thread 'LocalKms wrappi' })

$batch = @{ Generate = $true; EscrowPath = $escrow; ThrottleLimit = $ThrottleLimit; NoPacing = [bool]$NoPacing; WarningAction = 'SilentlyContinue' }
$watch = [Diagnostics.Stopwatch]::StartNew()
$results = @($keys | Invoke-KmsKeyImport @batch)
$watch.Stop()
$results = @($results | Select-Object KeyId, Status, Attempts, ErrorId, Message)   # not the module's objects beyond this point

$cpuSelf = (Get-ProcessCpuSeconds -ProcessId $PID) - $cpuSelf0
# Only a live thread is counted: if the JIT thread ended during the batch its share is unknown (never negative).
$cpuJit = [math]::Max(0.0, (Get-ProcessCpuSeconds -ProcessId $PID -Thread '.NET Tiered Com') - $cpuJit0)
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
# The quota wall per Region: from the first to the last accepted GetParametersForImport of that Region.
$byRegion = @(foreach ($r in $region) {
        $times = @($log | Where-Object { $_.operation -eq 'GetParametersForImport' -and $_.status -eq 200 -and $_.region -eq $r } | ForEach-Object { [DateTimeOffset]$_.time } | Sort-Object)
        [ordered]@{ Region = $r; Gpi = $times.Count; GpiSpanMs = if ($times.Count -gt 1) { [math]::Round(($times[-1] - $times[0]).TotalMilliseconds, 1) } else { 0 } }
    })
[ordered]@{
    Mode          = $Mode
    Keys          = $keys.Count
    Endpoints     = $Url.Count
    Regions       = $region.Count
    ByRegion      = $byRegion
    Module        = $ModulePath
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
    ClientJitCpuSeconds = [math]::Round($cpuJit, 2)   # of ClientCpuSeconds: the tiered-compilation thread
    EndpointCpuSeconds = [math]::Round($cpuKms, 2)          # serving requests (the pool thread's refill excluded)
    EndpointPoolCpuSeconds = [math]::Round($cpuPool, 2)     # refilling the wrapping-key pool in the background (nice 19)
    PeakRssMiB    = [ordered]@{ Start = $rssStart; AfterImportModule = $rssImported; End = $rssEnd }
} | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile
