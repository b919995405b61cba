#requires -Version 7.2
<#
.SYNOPSIS
    The KmsImport benchmarks: against the manual procedure, against the limits, and before/after (a baseline build
    of the module run side by side). Writes bench/RESULTS.md.
.DESCRIPTION
    Called by `dotnet pwsh ./build.ps1 -Task Bench [-BaselinePath <folder of a staged KmsImport>]` after the Build
    task. Never part of the test suite. Everything talks to the project's local KMS-compatible endpoint on
    127.0.0.1 (LocalKms/); nothing reaches AWS. Sections (all by default), run in the order Crypto, Start,
    PerKey, Latency, Memory, Regions:
      Crypto  BenchmarkDotNet micro-benchmarks of wrapping and parsing, RSA-2048 private key parse included
              (bench/KmsImport.Benchmarks)
      Start   fresh processes: bare pwsh, + an empty manifest module, + Import-Module KmsImport, and a cold runbook
              split into Import-Module, the first call, the rest of the pipeline (and the first call over a warm one)
      PerKey  one key end to end: bench/manual-procedure.sh (aws CLI + OpenSSL) vs the pipeline in a warm session
              vs a cold pwsh per key; interleaved
      Latency 100 keys with 20 ms on every call, -NoPacing: the endpoint pinned to CPU 0 and the client to CPU 1
              (taskset), wall against the latency floor, client CPU per key
      Memory  100 and 1,000 keys, no faults: peak resident set of the batch process and client CPU per key
      Regions keys under AWS's default quotas (per Region) in 1 Region and spread over several: the
              GetParametersForImport wall per Region
      Fleet   (not in the default set: its wrapping-key pools take minutes to fill) a fleet plan of -FleetKeys keys
              (Invoke-KmsKeyImport -PlanPath, a role per account) over 1, 3 and 9 account-Region pairs under the
              default quotas per (account, Region), against the floor; bench/Measure-Fleet.ps1
    With -BaselinePath, every section but Crypto runs the baseline module too, interleaved with the module under
    test, and RESULTS.md gets before/after columns; without it, only "after".
    The endpoint runs with --reuse-wrapping-keys (one RSA_4096 wrapping pair, made once, handed out by every
    GetParametersForImport), so no batch waits for key generation; its CPU is measured, the pair's generation is not.
    The built module(s) and endpoint are copied to a private temp folder first, so concurrent rebuilds of out/
    cannot change what is measured. The machine is shared: compare the ratios and medians, not absolute times.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench -BaselinePath /work/baseline/KmsImport
.EXAMPLE
    # one section, quicker, without touching bench/RESULTS.md
    dotnet pwsh ./bench/Invoke-Bench.ps1 -Root . -ModulePath out/KmsImport/KmsImport.psd1 -LocalKmsPath out/LocalKms/LocalKms.dll -Sections Start -StartRounds 3 -ResultsPath /tmp/r.md
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalKmsPath,
    # The "before" module: a staged KmsImport folder (or its KmsImport.psd1). Empty: no before columns.
    [string] $BaselinePath,
    [ValidateSet('Start', 'PerKey', 'Latency', 'Memory', 'Regions', 'Crypto', 'Fleet')]
    [string[]] $Sections = @('Start', 'PerKey', 'Latency', 'Memory', 'Regions', 'Crypto'),
    [string] $ResultsPath,
    # PerKey: interleaved rounds (each round = one key per variant), and the time it may take at most.
    [ValidateRange(2, 15)] [int] $PerKeyRounds = 10,
    [double] $PerKeyBudgetSeconds = 150,
    [int] $StartRounds = 10,
    [int] $LatencyKeys = 100,
    [int] $LatencyMs = 20,
    [int] $LatencyThrottleLimit = 8,
    [int[]] $MemoryKeys = @(100, 1000),
    # Regions: keys in all, spread evenly over each count of Regions.
    [int] $RegionKeys = 12,
    [int[]] $RegionCounts = @(1, 4),
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
$commandLine = 'dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench' + $(if ($BaselinePath) { " -BaselinePath $BaselinePath" } else { '' })
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
$afterPsd1 = Join-Path $modules 'KmsImport/KmsImport.psd1'
$beforePsd1 = $null
if ($BaselinePath) {
    $basePsd1 = if ((Get-Item $BaselinePath).PSIsContainer) { Join-Path $BaselinePath 'KmsImport.psd1' } else { $BaselinePath }
    if (-not (Test-Path $basePsd1)) { throw "-BaselinePath: no KmsImport.psd1 at $basePsd1" }
    $baseCopy = New-Item -ItemType Directory -Force (Join-Path $work 'baseline')
    Copy-Item -Recurse (Split-Path -Parent (Resolve-Path $basePsd1).Path) (Join-Path $baseCopy 'KmsImport')
    $beforePsd1 = Join-Path $baseCopy 'KmsImport/KmsImport.psd1'
}
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
# The batches pin the endpoint to CPU 0 and the client to CPU 1, so the client's CPU and the endpoint's do
# not compete (the issue's "endpoint on its own"). Without taskset or a second CPU they share, and
# RESULTS.md recomputes the floor with the endpoint's CPU share instead.
$taskset = Get-Command taskset -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
$pinned = [bool]$taskset -and [Environment]::ProcessorCount -ge 2
function Invoke-ChildPwsh([string] $Script, [string[]] $Arguments, [switch] $Pin) {
    if ($Pin -and $pinned) { & $taskset.Source -c 1 $pwshExe @pwshLead -NoProfile -NonInteractive -File $Script @Arguments }
    else { & $pwshExe @pwshLead -NoProfile -NonInteractive -File $Script @Arguments }
    if ($LASTEXITCODE -ne 0) { throw "$([IO.Path]::GetFileName($Script)) failed with exit code $LASTEXITCODE" }
}
# The module variants measured: "After" (under test) and, with -BaselinePath, "Before".
$variants = [ordered]@{ After = $afterPsd1 }
if ($beforePsd1) { $variants.Before = $beforePsd1 }

$servers = [ordered]@{}
$res = [ordered]@{}
$facts = [ordered]@{}
try {
    # -----------------------------------------------------------------------------------------------
    # Endpoints: E1 for Start, PerKey and Regions; E2 (pinned to CPU 0) for the Latency and Memory batches.
    # Both reuse one wrapping pair per spec; the first GetParametersForImport makes it (seconds), here.
    # -----------------------------------------------------------------------------------------------
    $needE1 = $Sections | Where-Object { $_ -in 'Start', 'PerKey', 'Regions' }
    $needE2 = $Sections | Where-Object { $_ -in 'Latency', 'Memory' }
    if ($needE1) { $servers.E1 = Start-LocalKms -LocalKmsPath $localKms -ExtraArguments @('--reuse-wrapping-keys') }
    if ($needE2) {
        $servers.E2 = Start-LocalKms -LocalKmsPath $localKms -ExtraArguments @('--reuse-wrapping-keys')
        if ($pinned) { $null = & $taskset.Source -a -cp 0 $servers.E2.Process.Id }
    }
    if ($servers.Count) {
        Step 'Starting the local endpoints (--reuse-wrapping-keys) and making their RSA_4096 wrapping pair'
        Request-WrappingKeyPool -Url @($servers.Values | ForEach-Object Url)
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

    # -----------------------------------------------------------------------------------------------
    # Section 4: crypto micro-benchmarks. First among the measurements: it needs no endpoint.
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
    # RSA-2048 private key parse through each module's own KmsImport.Core (fresh pwsh per run, alternating): the
    # before/after of the parse target; BenchmarkDotNet above measures the module under test only.
    if (($Sections -contains 'Crypto') -and $beforePsd1) {
        Step 'Section 4b: RSA-2048 private key parse, module under test vs baseline (3 alternating processes each)'
        $parse = @{ After = [Collections.Generic.List[double]]::new(); Before = [Collections.Generic.List[double]]::new() }
        for ($i = 0; $i -lt 3; $i++) {
            foreach ($v in 'After', 'Before') {
                $out = & $pwshExe @pwshLead -NoProfile -NonInteractive -File (Join-Path $bench 'Measure-RsaParse.ps1') -ModulePath $variants[$v]
                if ($LASTEXITCODE -ne 0) { throw "Measure-RsaParse.ps1 ($v) failed: $out" }
                $parse[$v].Add([double]::Parse("$out".Trim(), [Globalization.CultureInfo]::InvariantCulture))
            }
        }
        $res.RsaParse = [ordered]@{ After = Get-Median $parse.After.ToArray(); Before = Get-Median $parse.Before.ToArray() }
        Write-Host ("    RSA-2048 parse: before {0}, after {1} (medians)" -f (Fmt $res.RsaParse.Before), (Fmt $res.RsaParse.After))
    }
    $e1 = if ($servers.Contains('E1')) { $servers.E1.Url } else { $null }
    $e2 = if ($servers.Contains('E2')) { $servers.E2 } else { $null }
    $facts.Pinned = if ($pinned) { 'taskset: endpoint on CPU 0, batch client on CPU 1' } else { 'no taskset or one CPU: endpoint and client share the CPUs' }
    $facts.Baseline = if ($beforePsd1) { "$BaselinePath (version $((Import-PowerShellDataFile $beforePsd1).ModuleVersion))" } else { 'none given (no before columns)' }

    # -----------------------------------------------------------------------------------------------
    # Section 3: module start and the cold runbook split (fresh processes, interleaved).
    # -----------------------------------------------------------------------------------------------
    if ($Sections -contains 'Start') {
        Step "Section 3: module start, $StartRounds interleaved rounds ($($variants.Keys -join ', '))"
        $out = Join-Path $work 'start.json'
        Invoke-ChildPwsh (Join-Path $bench 'Measure-Start.ps1') @('-Url', $e1, '-ModulePaths', ($variants.Values -join ','), '-OutFile', $out,
            '-WorkDir', $work, '-Rounds', $StartRounds)
        $res.Start = Get-Content -Raw $out | ConvertFrom-Json
        foreach ($v in $variants.Keys) {
            $m = $res.Start.Modules.$v
            Write-Host ("    {0}: KmsImport's own import share {1} (paired median over the empty module), first call {2} over warm {3}" -f $v,
                (Fmt $m.ImportOverEmpty.Median), (Fmt $m.FirstCall.Median), (Fmt $m.WarmCall.Median))
        }
    }

    # -----------------------------------------------------------------------------------------------
    # Section 1: per key, end to end (child pwsh = the warm session).
    # -----------------------------------------------------------------------------------------------
    if ($Sections -contains 'PerKey') {
        Step "Section 1: per key end to end, A = manual-procedure.sh, B = warm, C = cold pwsh$(if ($beforePsd1) { ', B0 / C0 = the same with the baseline' }); up to $PerKeyRounds rounds"
        $out = Join-Path $work 'perkey.json'
        $pkArgs = @('-Url', $e1, '-ManualScript', (Join-Path $bench 'manual-procedure.sh'), '-OutFile', $out, '-WorkDir', $work,
            '-Rounds', $PerKeyRounds, '-WarmUps', 3, '-BudgetSeconds', $PerKeyBudgetSeconds, '-ModulePath', $afterPsd1)
        if ($beforePsd1) { $pkArgs += @('-BaselineModulePath', $beforePsd1) }
        Invoke-ChildPwsh (Join-Path $bench 'Measure-PerKey.ps1') $pkArgs
        $res.PerKey = Get-Content -Raw $out | ConvertFrom-Json
        foreach ($e in @($res.PerKey.Errors)) { Write-Host "    failed: $e" }
    }

    # -----------------------------------------------------------------------------------------------
    # Section 2: batches. Each in a fresh pwsh (pinned to CPU 1 where taskset allows), variants interleaved.
    # -----------------------------------------------------------------------------------------------
    function Invoke-Batch([string] $Name, [string] $Module, [string[]] $Arguments, [object] $Server, [switch] $Pin) {
        $out = Join-Path $work "$Name.json"
        Invoke-ChildPwsh (Join-Path $bench 'Measure-Batch.ps1') (@('-Urls', $Server.Url, '-EndpointPids', $Server.Process.Id, '-ModulePath', $Module,
                '-OutFile', $out, '-WorkDir', $work) + $Arguments) -Pin:$Pin
        Get-Content -Raw $out | ConvertFrom-Json
    }
    if ($Sections -contains 'Latency') {
        Step "Section 2b: $LatencyKeys keys, +$LatencyMs ms on every call, -NoPacing -ThrottleLimit $LatencyThrottleLimit ($($facts.Pinned))"
        $res.Latency = [ordered]@{}
        foreach ($v in $variants.Keys) {
            $r = Invoke-Batch "latency-$v" $variants[$v] @('-KeysPerUrl', $LatencyKeys, '-Mode', 'Latency', '-LatencyMs', $LatencyMs,
                '-ThrottleLimit', $LatencyThrottleLimit, '-NoPacing', '-WarmUpKeys', 1) $e2 -Pin
            $res.Latency[$v] = $r
            Write-Host ("    {0}: {1} keys in {2}, {3} failed, {4} requests, client CPU {5} s, endpoint CPU {6} s" -f $v, $r.Keys, (Fmt $r.ElapsedMs),
                $r.Failed, $r.Requests, $r.ClientCpuSeconds, $r.EndpointCpuSeconds)
        }
    }
    if ($Sections -contains 'Memory') {
        $res.Memory = [ordered]@{}
        foreach ($n in $MemoryKeys) {
            Step "Section 5: $n keys, no faults, -NoPacing -ThrottleLimit ${LatencyThrottleLimit}: peak memory and client CPU"
            foreach ($v in $variants.Keys) {
                $r = Invoke-Batch "memory-$n-$v" $variants[$v] @('-KeysPerUrl', $n, '-Mode', 'Plain', '-ThrottleLimit', $LatencyThrottleLimit, '-NoPacing', '-WarmUpKeys', 1) $e2 -Pin
                $res.Memory["$v-$n"] = $r
                Write-Host ("    {0}: {1} keys in {2}, {3} failed, peak RSS {4} MiB (after import {5}), client CPU {6} s" -f $v, $r.Keys, (Fmt $r.ElapsedMs), $r.Failed,
                    $r.PeakRssMiB.End, $r.PeakRssMiB.AfterImportModule, $r.ClientCpuSeconds)
            }
        }
    }
    if ($Sections -contains 'Regions') {
        $res.Regions = [ordered]@{}
        $allRegions = 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'us-east-1', 'us-west-2'
        foreach ($count in $RegionCounts) {
            $count = [math]::Min($count, $allRegions.Count)
            $per = [int][math]::Ceiling($RegionKeys / $count)
            Step "Section 2a: $($per * $count) keys over $count Region(s) ($per each), endpoint enforcing aws-default-quotas per Region, default pacing"
            foreach ($v in $variants.Keys) {
                $r = Invoke-Batch "regions-$count-$v" $variants[$v] @('-KeysPerUrl', $per, '-Mode', 'Quota', '-Regions', ($allRegions[0..($count - 1)] -join ',')) $servers.E1
                $res.Regions["$v-$count"] = $r
                Write-Host ("    {0}: {1} keys in {2}, {3} failed, {4} throttled; GetParametersForImport span per Region: {5}" -f $v, $r.Keys, (Fmt $r.ElapsedMs), $r.Failed, $r.Throttled,
                    (($r.ByRegion | ForEach-Object { "$($_.Region) $(Fmt $_.GpiSpanMs)" }) -join ', '))
            }
        }
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
    $settings = [ordered]@{ PerKeyRounds = $PerKeyRounds; StartRounds = $StartRounds; LatencyKeys = $LatencyKeys; LatencyMs = $LatencyMs
        LatencyThrottleLimit = $LatencyThrottleLimit; FleetKeys = $FleetKeys; WarmUps = 3; MemoryKeys = $MemoryKeys; RegionKeys = $RegionKeys; RegionCounts = $RegionCounts
        Sections = $Sections; Variants = @($variants.Keys); Pinned = $pinned }
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
