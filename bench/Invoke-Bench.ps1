#requires -Version 7.2
<#
.SYNOPSIS
    The KmsImport benchmarks: against the manual procedure and against the limits. Writes bench/RESULTS.md.
.DESCRIPTION
    Called by `dotnet pwsh ./build.ps1 -Task Bench` after the Build task. Never part of the test suite.
    Everything talks to the project's local KMS-compatible endpoint on 127.0.0.1 (LocalKms/); nothing
    reaches AWS. Sections (all by default), run in the order Crypto, Start, PerKey, Batch:
      Crypto  BenchmarkDotNet micro-benchmarks of wrapping and parsing (bench/KmsImport.Benchmarks)
      Start   module start: bare pwsh vs an empty module vs Import-Module KmsImport vs import + first cmdlet call
      PerKey  one key end to end: bench/manual-procedure.sh (aws CLI + OpenSSL) vs the pipeline in a warm
              session vs the pipeline in a cold pwsh per key vs (what-if) the warm pipeline without
              BouncyCastle's primality test of the wrapping key; interleaved
      Batch   Invoke-KmsKeyImport: 20 keys under AWS's default quotas (paced), and 100 keys with 20 ms on every
              call (-NoPacing); request counts, throttling, CPU and the peak resident set of the batch process
      Fleet   (not in the default set: its wrapping-key pools take minutes to fill) a fleet plan of -FleetKeys keys
              (Invoke-KmsKeyImport -PlanPath, a role per account) over 1, 3 and 9 account-Region pairs under the
              default quotas per (account, Region), against the floor; bench/Measure-Fleet.ps1
    GetParametersForImport needs a fresh RSA_4096 pair per key (seconds of CPU each): three endpoints keep pools
    of them, filled in the background at nice 19 while anything is measured.
    The built module and endpoint are copied to a private temp folder first, so concurrent rebuilds of out/
    cannot change what is measured. The machine is shared: compare the ratios and medians, not absolute times.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
.EXAMPLE
    # one section, quicker, without touching bench/RESULTS.md
    dotnet pwsh ./bench/Invoke-Bench.ps1 -Root . -ModulePath out/KmsImport/KmsImport.psd1 -LocalKmsPath out/LocalKms/LocalKms.dll -Sections Start -ResultsPath /tmp/r.md
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalKmsPath,
    [ValidateSet('Start', 'PerKey', 'Batch', 'Crypto', 'Fleet')]
    [string[]] $Sections = @('Start', 'PerKey', 'Batch', 'Crypto'),
    [string] $ResultsPath,
    # Section 1: interleaved rounds (each round = one key per variant), and the time it may take at most.
    [ValidateRange(5, 15)] [int] $PerKeyRounds = 10,
    [double] $PerKeyBudgetSeconds = 200,
    [int] $StartRounds = 10,
    [int] $QuotaKeys = 20,
    [int] $LatencyKeys = 100,
    [int] $LatencyMs = 20,
    [int] $LatencyThrottleLimit = 8,
    [ValidateRange(9, 127)] [int] $FleetKeys = 90,
    # BenchmarkDotNet glob filter, e.g. '*Check*' (for quick iterations; RESULTS.md then lacks the other rows)
    [string] $CryptoFilter
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$total = [Diagnostics.Stopwatch]::StartNew()
$Root = (Resolve-Path $Root).Path
if (-not $ResultsPath) { $ResultsPath = Join-Path $Root 'bench/RESULTS.md' }
$bench = $PSScriptRoot
Import-Module (Join-Path $bench 'BenchTools.psm1') -Force
Import-Module (Join-Path $Root 'tests/Pester/TestHelpers.psm1') -Force   # shared with the tests and the demo: Start-LocalKms, Stop-LocalKms ...
$commandLine = 'dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench'
$startedUtc = [DateTime]::UtcNow
function Step([string] $Text) { Write-Host ("==> [{0,5:n0} s] {1}" -f $total.Elapsed.TotalSeconds, $Text) }
function Fmt([double] $Ms) { if ([double]::IsNaN($Ms)) { 'n/a' } elseif ($Ms -ge 10000) { '{0:n1} s' -f ($Ms / 1000) } elseif ($Ms -ge 100) { '{0:n0} ms' -f $Ms } else { '{0:n1} ms' -f $Ms } }
function Ratio([double] $A, [double] $B) { if ($B -le 0 -or [double]::IsNaN($A) -or [double]::IsNaN($B)) { [double]::NaN } else { $A / $B } }

# ---------------------------------------------------------------------------------------------------
# A private copy of what is measured, and an environment that can only reach the local endpoint.
# ---------------------------------------------------------------------------------------------------
$work = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 12))
$modules = New-Item -ItemType Directory -Force (Join-Path $work 'modules')
Copy-Item -Recurse (Split-Path -Parent (Resolve-Path $ModulePath).Path) (Join-Path $modules 'KmsImport')
Copy-Item -Recurse (Split-Path -Parent (Resolve-Path $LocalKmsPath).Path) (Join-Path $work 'LocalKms')
$localKms = Join-Path $work 'LocalKms/LocalKms.dll'
$savedEnv = @{}
$benchEnv = [ordered]@{
    AWS_ACCESS_KEY_ID = 'AKIDLOCALBENCH'; AWS_SECRET_ACCESS_KEY = 'local-bench-secret'; AWS_SESSION_TOKEN = $null; AWS_PROFILE = $null
    AWS_REGION = $null; AWS_DEFAULT_REGION = 'eu-west-2'; AWS_EC2_METADATA_DISABLED = 'true'
    AWS_CONFIG_FILE = (Join-Path $work 'no-aws-config'); AWS_SHARED_CREDENTIALS_FILE = (Join-Path $work 'no-aws-credentials')
    PSModulePath = ($modules.FullName + [IO.Path]::PathSeparator + $env:PSModulePath)
    POWERSHELL_TELEMETRY_OPTOUT = '1'; NO_COLOR = '1'; DOTNET_CLI_TELEMETRY_OPTOUT = '1'; DOTNET_NOLOGO = '1'
}
# $null means unset (a [string] parameter would turn $null into "", which is not the same).
function Set-EnvVar([string] $Name, $Value) {
    if ($null -eq $Value) { Remove-Item "Env:$Name" -ErrorAction SilentlyContinue } else { Set-Item "Env:$Name" -Value $Value }
}
foreach ($k in $benchEnv.Keys) {
    $savedEnv[$k] = [Environment]::GetEnvironmentVariable($k)
    Set-EnvVar $k $benchEnv[$k]
}
$pwsh = Get-PwshCommand
$pwshExe = $pwsh.Executable
$pwshLead = @($pwsh.Arguments)
function Invoke-ChildPwsh([string] $Script, [string[]] $Arguments) {
    & $pwshExe @pwshLead -NoProfile -NonInteractive -File $Script @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$([IO.Path]::GetFileName($Script)) failed with exit code $LASTEXITCODE" }
}

$servers = [ordered]@{}
$poolJob = $null
$res = [ordered]@{}
$facts = [ordered]@{}
try {
    # -----------------------------------------------------------------------------------------------
    # Endpoints first: their RSA_4096 wrapping-key pools take minutes of CPU to fill, so they fill
    # while the benchmark project builds. E1 serves sections 1, 2a and 3; E2 + E3 the 100-key batch
    # (--wrapping-key-pool is capped at 64 per process, and each key uses one fresh pair).
    # -----------------------------------------------------------------------------------------------
    $wantPerKey = $Sections -contains 'PerKey'
    $wantBatch = $Sections -contains 'Batch'
    $warmUps = 3
    $perKeyNeed = if ($wantPerKey) { [math]::Min(64, 4 * $PerKeyRounds + $warmUps + 1) } else { 0 }
    $half = [int][math]::Ceiling($LatencyKeys / 2)
    if ($Sections | Where-Object { $_ -in 'Start', 'PerKey', 'Batch' }) {
        Step 'Starting the local endpoints (--wrapping-key-pool 64)'
        $servers.E1 = Start-LocalKms -LocalKmsPath $localKms -ExtraArguments @('--wrapping-key-pool', '64')
        if ($wantBatch) {
            $servers.E2 = Start-LocalKms -LocalKmsPath $localKms -ExtraArguments @('--wrapping-key-pool', '64')
            $servers.E3 = Start-LocalKms -LocalKmsPath $localKms -ExtraArguments @('--wrapping-key-pool', '64')
        }
        # E1 first: section 1 needs its pairs soonest. E2 and E3 start filling once E1 holds enough (a
        # background job watches), so the pools do not split the spare CPU three ways from the start.
        Request-WrappingKeyPool -Url $servers.E1.Url
        if ($wantBatch) {
            $poolJob = Start-ThreadJob -Name 'bench-pool-trigger' -ArgumentList (Join-Path $bench 'BenchTools.psm1'), $servers.E1.Url, $perKeyNeed, @($servers.E2.Url, $servers.E3.Url) -ScriptBlock {
                param($Tools, $E1, $Need, $Others)
                Import-Module $Tools
                $deadline = [DateTime]::UtcNow.AddMinutes(8)
                while ($Need -gt 0 -and [DateTime]::UtcNow -lt $deadline -and (Get-WrappingKeysReady -Url $E1) -lt $Need) { Start-Sleep -Seconds 1 }
                Request-WrappingKeyPool -Url $Others
            }
        }
    }

    $bdnDll = $null
    if ($Sections -contains 'Crypto') {
        Step 'Building bench/KmsImport.Benchmarks (Release; not part of KmsImport.slnx)'
        & dotnet build (Join-Path $bench 'KmsImport.Benchmarks/KmsImport.Benchmarks.csproj') -c Release --nologo -v q -clp:ErrorsOnly
        if ($LASTEXITCODE -ne 0) { throw 'building bench/KmsImport.Benchmarks failed' }
        $bdnDll = Join-Path $bench 'KmsImport.Benchmarks/bin/Release/net10.0/KmsImport.Benchmarks.dll'
    }

    # -----------------------------------------------------------------------------------------------
    # Machine facts.
    # -----------------------------------------------------------------------------------------------
    function FirstLine([scriptblock] $Block) { try { ((& $Block 2>&1) | Select-Object -First 1 | Out-String).Trim() } catch { 'n/a' } }
    $facts.nproc = FirstLine { nproc }
    $facts.CPU = FirstLine { (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', '' }
    $facts.Memory = FirstLine { '{0:n1} GiB' -f ([double]((Get-Content /proc/meminfo | Where-Object { $_ -like 'MemTotal:*' }) -split '\s+')[1] / 1MB) }
    $facts.OS = FirstLine { "$((Get-Content /etc/os-release | Where-Object { $_ -like 'PRETTY_NAME=*' }) -replace '^PRETTY_NAME=|"', ''), kernel $(uname -r)" }
    $facts.dotnet = FirstLine { "SDK $(dotnet --version), runtime $([Environment]::Version)" }
    $facts.pwsh = FirstLine { "$($PSVersionTable.PSVersion) (dotnet local tool: dotnet pwsh.dll, no apphost)" }
    $facts.openssl = FirstLine { openssl version }
    $facts.aws = FirstLine { aws --version }
    $facts.commit = FirstLine { $d = if (git -C $Root status --porcelain --untracked-files=no) { ' (+ uncommitted changes)' } else { '' }; "$(git -C $Root rev-parse --short HEAD)$d" }
    $facts.LoadStart = FirstLine { (Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3 | Join-String -Separator ' ' }

    # From here on the pools refill at nice 19: only with CPU that nothing measured wants.
    foreach ($s in $servers.Values) { Set-PoolThreadNice -ProcessId $s.Process.Id -Nice 19 }

    # -----------------------------------------------------------------------------------------------
    # Section 4: crypto micro-benchmarks. First among the measurements: it needs no pool, and meanwhile the
    # pools fill at nice 19 on the core BenchmarkDotNet's single benchmark thread leaves free.
    # -----------------------------------------------------------------------------------------------
    if ($bdnDll) {
        Step 'Section 4: crypto micro-benchmarks (BenchmarkDotNet, in-process short job)'
        $artifacts = Join-Path $work 'bdn'
        $log = Join-Path $work 'bdn.log'
        $bdnArgs = @($artifacts)
        if ($CryptoFilter) { $bdnArgs += @('--filter', $CryptoFilter) }
        & dotnet $bdnDll @bdnArgs *> $log
        $bdnExit = $LASTEXITCODE
        $json = Join-Path $artifacts 'kmsimport-results.json'
        if (-not (Test-Path $json)) { Get-Content $log -Tail 40 | Write-Host; throw "BenchmarkDotNet produced no results (exit code $bdnExit)" }
        $res.Crypto = @(Get-Content -Raw $json | ConvertFrom-Json)
        $res.CryptoExit = $bdnExit
        Write-Host "    $($res.Crypto.Count) benchmarks, exit code $bdnExit"
    }
    $e1 = if ($servers.Contains('E1')) { $servers.E1.Url } else { $null }

    # -----------------------------------------------------------------------------------------------
    # Section 3: module start (fresh processes, interleaved).
    # -----------------------------------------------------------------------------------------------
    if ($Sections -contains 'Start') {
        Step "Section 3: module start, $StartRounds interleaved rounds"
        # An empty manifest module: what PowerShell's first Import-Module of anything costs, to tell it from KmsImport's own part.
        $empty = New-Item -ItemType Directory -Force (Join-Path $work 'empty-module/BenchEmpty')
        $emptyPsd1 = Join-Path $empty 'BenchEmpty.psd1'
        Set-Content -Path $emptyPsd1 -Value "@{ ModuleVersion = '1.0'; GUID = '5a1e5a1e-0000-4000-8000-000000000001'; FunctionsToExport = @(); CmdletsToExport = @() }"
        $cmds = [ordered]@{
            Bare      = 'exit'
            Empty     = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$emptyPsd1'; [Console]::Out.WriteLine(`$w.Elapsed.TotalMilliseconds)"
            Import    = '$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module KmsImport; [Console]::Out.WriteLine($w.Elapsed.TotalMilliseconds)'
            FirstCall = '$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module KmsImport; $i = $w.Elapsed.TotalMilliseconds; $w.Restart(); ' +
                        "`$null = New-KmsExternalKey -Region eu-west-2 -EndpointUrl '$e1'; " + '[Console]::Out.WriteLine("$i $($w.Elapsed.TotalMilliseconds)")'
        }
        $wall = @{}
        $inner = @{ Empty = [Collections.Generic.List[double]]::new(); Import = [Collections.Generic.List[double]]::new(); FirstCall = [Collections.Generic.List[double]]::new() }
        foreach ($k in $cmds.Keys) { $wall[$k] = [Collections.Generic.List[double]]::new() }
        for ($round = 0; $round -le $StartRounds; $round++) {   # round 0 warms the disk cache, not recorded
            foreach ($k in $cmds.Keys) {
                $w = [Diagnostics.Stopwatch]::StartNew()
                $out = & $pwshExe @pwshLead -NoProfile -NonInteractive -c $cmds[$k]
                $w.Stop()
                if ($LASTEXITCODE -ne 0) { throw "module start ($k) failed: $out" }
                if ($round -eq 0) { continue }
                $wall[$k].Add($w.Elapsed.TotalMilliseconds)
                $nums = @("$out".Trim() -split '\s+' | Where-Object { $_ } | ForEach-Object { [double]$_ })
                if ($k -in 'Empty', 'Import') { $inner[$k].Add($nums[0]) }
                if ($k -eq 'FirstCall') { $inner.FirstCall.Add($nums[1]) }
            }
        }
        function Delta([string] $Name, [string] $Base = 'Bare') { @(for ($i = 0; $i -lt $wall[$Base].Count; $i++) { $wall[$Name][$i] - $wall[$Base][$i] }) }
        $res.Start = [ordered]@{
            Bare = Get-Summary $wall.Bare.ToArray(); Empty = Get-Summary $wall.Empty.ToArray(); Import = Get-Summary $wall.Import.ToArray(); FirstCall = Get-Summary $wall.FirstCall.ToArray()
            EmptyDelta = Get-Summary (Delta 'Empty'); ImportDelta = Get-Summary (Delta 'Import'); FirstCallDelta = Get-Summary (Delta 'FirstCall')
            ImportOverEmpty = Get-Summary (Delta 'Import' 'Empty')
            EmptyInProcess = Get-Summary $inner.Empty.ToArray(); ImportInProcess = Get-Summary $inner.Import.ToArray(); FirstCallInProcess = Get-Summary $inner.FirstCall.ToArray()
        }
        Write-Host ("    bare {0}, empty module +{1}, KmsImport +{2} (in-process {3}), import + first call +{4}" -f (Fmt $res.Start.Bare.Median), (Fmt $res.Start.EmptyDelta.Median),
            (Fmt $res.Start.ImportDelta.Median), (Fmt $res.Start.ImportInProcess.Median), (Fmt $res.Start.FirstCallDelta.Median))
    }

    # -----------------------------------------------------------------------------------------------
    # Section 1: per key, end to end (child pwsh = the warm session).
    # -----------------------------------------------------------------------------------------------
    if ($wantPerKey) {
        Step "Waiting for E1's RSA_4096 wrapping-key pool to hold $perKeyNeed pairs (4 x $PerKeyRounds rounds + $warmUps warm-ups + 1), so no GetParametersForImport generates a key"
        $res.PoolWaitPerKeySeconds = Wait-WrappingKeyPool -Servers @($servers.E1) -Need @($perKeyNeed) -TimeoutSeconds 420
        Write-Host "    ready after $($res.PoolWaitPerKeySeconds) s"
        Step "Section 1: per key end to end, A = manual-procedure.sh, B = warm pipeline, C = cold pwsh, D = B without the modulus primality test; up to $PerKeyRounds rounds"
        $out = Join-Path $work 'perkey.json'
        Invoke-ChildPwsh (Join-Path $bench 'Measure-PerKey.ps1') @('-Url', $e1, '-ManualScript', (Join-Path $bench 'manual-procedure.sh'),
            '-OutFile', $out, '-WorkDir', $work, '-Rounds', $PerKeyRounds, '-WarmUps', $warmUps, '-BudgetSeconds', $PerKeyBudgetSeconds)
        $res.PerKey = Get-Content -Raw $out | ConvertFrom-Json
        foreach ($e in @($res.PerKey.Errors)) { Write-Host "    failed: $e" }
    }

    # -----------------------------------------------------------------------------------------------
    # Section 2 (+ 5): batches.
    # -----------------------------------------------------------------------------------------------
    if ($wantBatch) {
        Step "Section 2a: $QuotaKeys keys, endpoint enforcing aws-default-quotas, Invoke-KmsKeyImport with default pacing"
        $res.PoolWaitQuotaSeconds = Wait-WrappingKeyPool -Servers @($servers.E1) -Need @($QuotaKeys + 1) -TimeoutSeconds 300
        $out = Join-Path $work 'quota.json'
        Invoke-ChildPwsh (Join-Path $bench 'Measure-Batch.ps1') @('-Urls', $e1, '-EndpointPids', $servers.E1.Process.Id, '-KeysPerUrl', $QuotaKeys,
            '-Mode', 'Quota', '-OutFile', $out, '-WorkDir', $work)
        $res.Quota = Get-Content -Raw $out | ConvertFrom-Json
        Write-Host ("    {0} keys in {1}, {2} failed, {3} requests, {4} throttled" -f $res.Quota.Keys, (Fmt $res.Quota.ElapsedMs), $res.Quota.Failed, $res.Quota.Requests, $res.Quota.Throttled)

        Step "Section 2b: $LatencyKeys keys, +$LatencyMs ms on every call, no quotas, -NoPacing -ThrottleLimit $LatencyThrottleLimit (keys on E2 and E3, $half each)"
        if ($poolJob) { $null = Wait-Job $poolJob -Timeout 600; Receive-Job $poolJob -ErrorAction Stop; Remove-Job $poolJob; $poolJob = $null }
        $res.PoolWaitLatencySeconds = Wait-WrappingKeyPool -Servers @($servers.E2, $servers.E3) -Need @(($half + 1), $half) -TimeoutSeconds 420
        $out = Join-Path $work 'latency.json'
        Invoke-ChildPwsh (Join-Path $bench 'Measure-Batch.ps1') @('-Urls', "$($servers.E2.Url),$($servers.E3.Url)", '-EndpointPids', "$($servers.E2.Process.Id),$($servers.E3.Process.Id)",
            '-KeysPerUrl', $half, '-Mode', 'Latency', '-LatencyMs', $LatencyMs, '-ThrottleLimit', $LatencyThrottleLimit, '-NoPacing',
            '-WarmUpKeys', 1, '-OutFile', $out, '-WorkDir', $work)
        $res.Latency = Get-Content -Raw $out | ConvertFrom-Json
        Write-Host ("    {0} keys in {1}, {2} failed, {3} requests, client CPU {4} s, endpoint CPU {5} s" -f $res.Latency.Keys, (Fmt $res.Latency.ElapsedMs),
            $res.Latency.Failed, $res.Latency.Requests, $res.Latency.ClientCpuSeconds, $res.Latency.EndpointCpuSeconds)
    }

    # -----------------------------------------------------------------------------------------------
    # Section 6: a fleet plan over 1, 3 and 9 account-Region pairs (its own endpoint; bench/Measure-Fleet.ps1).
    # -----------------------------------------------------------------------------------------------
    if ($Sections -contains 'Fleet') {
        Step "Section 6: a fleet plan of $FleetKeys keys over 1, 3 and 9 account-Region pairs, aws-default-quotas per (account, Region)"
        $out = Join-Path $work 'fleet.json'
        Invoke-ChildPwsh (Join-Path $bench 'Measure-Fleet.ps1') @('-LocalKmsPath', $localKms, '-Keys', $FleetKeys, '-OutFile', $out, '-WorkDir', (Join-Path $work 'fleet'))
        $res.Fleet = Get-Content -Raw $out | ConvertFrom-Json
    }
} finally {
    if ($poolJob) { Remove-Job $poolJob -Force -ErrorAction SilentlyContinue }
    foreach ($s in $servers.Values) { Stop-LocalKms -Server $s }
}

try {
    $facts.LoadEnd = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3 | Join-String -Separator ' '
    $res.TotalSeconds = [math]::Round($total.Elapsed.TotalSeconds, 0)
    # This process is build.ps1's when run through it: its age is Build + Bench.
    $res.ProcessSeconds = [math]::Round(([DateTime]::Now - [Diagnostics.Process]::GetCurrentProcess().StartTime).TotalSeconds)

    # -----------------------------------------------------------------------------------------------
    # RESULTS.md
    # -----------------------------------------------------------------------------------------------
    Step "Writing $ResultsPath"
    $settings = [ordered]@{ PerKeyRounds = $PerKeyRounds; StartRounds = $StartRounds; QuotaKeys = $QuotaKeys; LatencyKeys = $LatencyKeys; LatencyMs = $LatencyMs
        LatencyThrottleLimit = $LatencyThrottleLimit; FleetKeys = $FleetKeys; WarmUps = $warmUps; PerKeyNeed = $perKeyNeed; Half = $half; Sections = $Sections }
    # The raw measurements, outside the work folder, so RESULTS.md can be re-rendered (Write-Results.ps1 -RawPath).
    $rawPath = Join-Path ([IO.Path]::GetTempPath()) 'kmsimport-bench-last.json'
    [ordered]@{ Results = $res; Facts = $facts; Settings = $settings; CommandLine = $commandLine; StartedUtc = $startedUtc.ToString('o') } |
        ConvertTo-Json -Depth 10 | Set-Content -Path $rawPath
    & (Join-Path $bench 'Write-Results.ps1') -Results $res -Facts $facts -Path $ResultsPath -CommandLine $commandLine -StartedUtc $startedUtc -Settings $settings
    Write-Host "    raw measurements: $rawPath"
    Write-Host "Bench finished in $([math]::Round($total.Elapsed.TotalSeconds)) s: $ResultsPath"
} finally {
    foreach ($k in $savedEnv.Keys) { Set-EnvVar $k $savedEnv[$k] }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
