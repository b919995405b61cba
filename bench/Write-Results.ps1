# Writes bench/RESULTS.md from what bench/Invoke-Bench.ps1 measured (any subset of the sections).
# Invoke-Bench.ps1 also saves the raw measurements as JSON (path printed at the end); to re-render:
#   pwsh bench/Write-Results.ps1 -RawPath <that json> -Path bench/RESULTS.md
[CmdletBinding(DefaultParameterSetName = 'Live')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Live')] [System.Collections.IDictionary] $Results,
    [Parameter(Mandatory, ParameterSetName = 'Live')] [System.Collections.IDictionary] $Facts,
    [Parameter(Mandatory, ParameterSetName = 'Live')] [string] $CommandLine,
    [Parameter(Mandatory, ParameterSetName = 'Live')] [datetime] $StartedUtc,
    [Parameter(Mandatory, ParameterSetName = 'Live')] [System.Collections.IDictionary] $Settings,
    [Parameter(Mandatory, ParameterSetName = 'Raw')] [string] $RawPath,
    [Parameter(Mandatory)] [string] $Path
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
if ($PSCmdlet.ParameterSetName -eq 'Raw') {
    $raw = Get-Content -Raw $RawPath | ConvertFrom-Json -AsHashtable
    $Results = $raw.Results; $Facts = $raw.Facts; $Settings = $raw.Settings; $CommandLine = $raw.CommandLine; $StartedUtc = [datetime]$raw.StartedUtc
    # Back to the shapes Invoke-Bench.ps1 passes (objects with properties, not hashtables).
    foreach ($k in @($Results.Keys)) { if ($Results[$k] -is [System.Collections.IDictionary] -or $Results[$k] -is [System.Collections.IList]) { $Results[$k] = $Results[$k] | ConvertTo-Json -Depth 10 | ConvertFrom-Json } }
}
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1')

$inv = [Globalization.CultureInfo]::InvariantCulture
function Ms([double] $Ms) {
    if ([double]::IsNaN($Ms)) { return 'n/a' }
    if ($Ms -ge 10000) { return [string]::Format($inv, '{0:0.0} s', $Ms / 1000) }
    if ($Ms -ge 1000) { return [string]::Format($inv, '{0:0.00} s', $Ms / 1000) }
    if ($Ms -ge 100) { return [string]::Format($inv, '{0:0} ms', $Ms) }
    if ($Ms -ge 10) { return [string]::Format($inv, '{0:0.0} ms', $Ms) }
    if ($Ms -ge 0.1) { return [string]::Format($inv, '{0:0.00} ms', $Ms) }
    [string]::Format($inv, '{0:0.0} µs', $Ms * 1000)
}
function X([double] $Ratio) { if ([double]::IsNaN($Ratio) -or [double]::IsInfinity($Ratio)) { 'n/a' } else { [string]::Format($inv, '{0:0.0}x', $Ratio) } }
function N([double] $V, [string] $Format = '0.##') { if ([double]::IsNaN($V)) { 'n/a' } else { $V.ToString($Format, $inv) } }
function Ok([bool] $Met) { if ($Met) { '**met**' } else { '**missed**' } }
function Has([string] $Name) { $Results.Contains($Name) -and $null -ne $Results[$Name] }

$md = [Text.StringBuilder]::new()
function L([string] $Line = '') { $null = $md.AppendLine($Line) }

# Wall time of the whole Bench task: this process is build.ps1's when run through it (Build + Bench).
$processSeconds = if ($Results.Contains('ProcessSeconds')) { [double]$Results.ProcessSeconds } else { [math]::Round(([DateTime]::Now - [Diagnostics.Process]::GetCurrentProcess().StartTime).TotalSeconds) }
$benchSeconds = [double]$Results.TotalSeconds

$targets = [Collections.Generic.List[object]]::new()
$headlines = [Collections.Generic.List[string]]::new()
$why = [Collections.Generic.List[string]]::new()

# ------------------------------------------------------------------------------------------------
# Compute first (targets and headlines go near the top).
# ------------------------------------------------------------------------------------------------
$crypto = @(if (Has 'Crypto') { $Results.Crypto })
$wraps = @()
function CryptoRow([string] $Class, [string] $Method, [string] $Case) {
    $crypto | Where-Object { $_.Class -eq $Class -and $_.Method -eq $Method -and $_.Case -eq $Case } | Select-Object -First 1
}
function CryptoMs($Row) { if ($Row -and $null -ne $Row.MedianNs) { [double]$Row.MedianNs / 1e6 } else { [double]::NaN } }
$inspect4096 = CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'InspectWrappingKey' 'RSA_4096')
$noMr4096 = CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'WrapWithoutModulusMRTest' 'RSA_4096')
$dotnet4096 = CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'DotNetOaepSha256' 'RSA_4096')
$defaultWrap = CryptoMs (CryptoRow 'WrapBenchmarks' 'Wrap' 'RSAES_OAEP_SHA_256/RSA_4096/SYMMETRIC_32B')

if (Has 'PerKey') {
    $pk = $Results.PerKey
    $a = Get-Summary @($pk.Times.A); $b = Get-Summary @($pk.Times.B); $c = Get-Summary @($pk.Times.C); $d = Get-Summary @($pk.Times.D)
    $warmRatio = $a.Median / $b.Median
    $coldRatio = $a.Median / $c.Median
    $noMrRatio = $a.Median / $d.Median
    $perKeyFailures = [int]$pk.Failures.A + [int]$pk.Failures.B + [int]$pk.Failures.C
    $targets.Add([pscustomobject]@{ Target = 'Per key: warm pipeline >= 30x faster than the manual script'; Result = "$(X $warmRatio) ($(Ms $a.Median) vs $(Ms $b.Median), medians, N = $($b.N))"; Met = ($warmRatio -ge 30) })
    $headlines.Add("Per key, end to end: the KmsImport pipeline in a warm session is **$(X $warmRatio) faster** than the AWS procedure by hand (aws CLI + OpenSSL): $(Ms $b.Median) vs $(Ms $a.Median) (medians).")
    $headlines.Add("Control D (BouncyCastle's Miller-Rabin rounds forced off process-wide) runs at $(Ms $d.Median) per key, **$(X $noMrRatio)** faster than the script: the same as B, because the module already skips those rounds for the KMS wrapping key.")
    $headlines.Add("Even a new pwsh process per key (import the module, run the pipeline, exit) is **$(X $coldRatio) faster** than the script: $(Ms $c.Median) vs $(Ms $a.Median).")
    if ($warmRatio -lt 30) {
        $wrapShare = if (-not [double]::IsNaN($defaultWrap)) { " In the micro-benchmark the default wrap (RSAES_OAEP_SHA_256 under RSA_4096) takes $(Ms $defaultWrap), WrappingPublicKey.Inspect (the parse with that check) alone $(Ms $inspect4096), and the wrap without the check $(Ms $noMr4096) (see 4)." } else { '' }
        $why.Add("**Per key, warm < 30x the script.** The warm pipeline's median is $(Ms $b.Median) against $(Ms $a.Median) for the script. Most of it ($(Ms ($b.Median - $d.Median)) of $(Ms $b.Median)) is one check: BouncyCastle's Miller-Rabin test that the wrapping key's modulus is composite, run by the ``RsaKeyParameters`` constructor on every wrap. The same warm pipeline with that test switched off (variant D: BouncyCastle's own setting ``Org.BouncyCastle.Rsa.MaxMRTests=0`` in the environment around each run) takes $(Ms $d.Median), **$(X $noMrRatio)** faster than the script.$wrapShare What remains is $($pk.Requests.B.PerKey) KMS round trips per key through the AWS SDK ($($pk.Requests.B.ByOperation)), each of the five cmdlets building its own SDK client. **What would close it** (src/KmsImport.Core, for the lead): build the wrapping key's RsaKeyParameters without the Miller-Rabin rounds (``Org.BouncyCastle.Utilities.Properties.SetThreadProperty(""Org.BouncyCastle.Rsa.MaxMRTests"", ""0"")`` around that one constructor, keeping the cheap checks: odd, no small factors, exact size), or do the RSA-OAEP step with System.Security.Cryptography. The check buys nothing here: the key comes from KMS's own answer, and a damaged modulus fails at ImportKeyMaterial anyway (InvalidCiphertext).")
    }
}

if (Has 'Quota') {
    $q = $Results.Quota
    $gpiCount = [int](@($q.ByOperation | Where-Object Operation -eq 'GetParametersForImport') | ForEach-Object Count | Select-Object -First 1)
    $quotaFloorMs = [math]::Max(1, $gpiCount) * 1000.0   # GetParametersForImport: 1 request per second
    $quotaRatio = [double]$q.ElapsedMs / $quotaFloorMs
    $met = ($quotaRatio -le 1.3) -and ([int]$q.Failed -eq 0)
    $targets.Add([pscustomobject]@{ Target = "Batch of $($q.Keys) keys under AWS default quotas: 0 failed, <= 1.3x the floor"; Result = "$(Ms $q.ElapsedMs) = $(X $quotaRatio) the $(Ms $quotaFloorMs) floor; $($q.Failed) failed; $($q.Throttled) throttled of $($q.Requests) requests"; Met = $met })
    $headlines.Add("$($q.Keys) keys under AWS's default quotas in $(Ms $q.ElapsedMs): **$(X $quotaRatio) the floor** set by GetParametersForImport's 1 request/s, with **$($q.Throttled) throttled** requests and $($q.Failed) failed keys (default pacing).")
    if (-not $met) {
        $why.Add("**Quota batch above 1.3x the floor.** $(Ms $q.ElapsedMs) for $gpiCount GetParametersForImport calls at 1/s. The pacer spaces that operation at 1/(1 x 0.9) s = 1.11 s (10 % headroom), so its own floor is $(Ms (($gpiCount - 1) * 1111.1)) plus one key's unpaced work; anything beyond comes from throttled retries ($($q.Throttled)) or a slow client. **What would close it:** less headroom for operations with a 1/s quota, or starting the next key's DescribeKey/wrap while waiting for its GetParametersForImport slot.")
    }
}

if (Has 'Latency') {
    $l = $Results.Latency
    $latencyFloorMs = [double]$l.Requests * [double]$l.LatencyMs / [double]$l.ThrottleLimit
    $latencyRatio = [double]$l.ElapsedMs / $latencyFloorMs
    $cpuFloorMs = 1000.0 * ([double]$l.ClientCpuSeconds + [double]$l.EndpointCpuSeconds) / [math]::Max(1, [int]$Facts.nproc)
    $met = ($latencyRatio -le 1.3) -and ([int]$l.Failed -eq 0)
    $targets.Add([pscustomobject]@{ Target = "Batch of $($l.Keys) keys, +$($l.LatencyMs) ms per call, -NoPacing: 0 failed, <= 1.3x the floor"; Result = "$(Ms $l.ElapsedMs) = $(X $latencyRatio) the $(Ms $latencyFloorMs) latency floor; $($l.Failed) failed"; Met = $met })
    $headlines.Add("$($l.Keys) keys with $($l.LatencyMs) ms added to every call, -ThrottleLimit $($l.ThrottleLimit): $(Ms $l.ElapsedMs), $(X $latencyRatio) the latency floor ($($l.Requests) requests x $($l.LatencyMs) ms / $($l.ThrottleLimit)); the client spent $(N ([double]$l.ClientCpuSeconds)) s of CPU ($(Ms (1000.0 * [double]$l.ClientCpuSeconds / [double]$l.Keys)) per key).")
    if (-not $met) {
        $perKeyCpu = 1000.0 * [double]$l.ClientCpuSeconds / [double]$l.Keys
        $fixedPerKey = $perKeyCpu - $defaultWrap + $noMr4096
        $projectedMs = ([double]$l.Keys * $fixedPerKey + 1000.0 * [double]$l.EndpointCpuSeconds) / [math]::Max(1, [int]$Facts.nproc)
        $projected = ''
        $why.Add("**Latency batch above 1.3x the floor: it is CPU-bound on this machine, not latency-bound.** The batch process used $(N ([double]$l.ClientCpuSeconds)) s of CPU ($(Ms $perKeyCpu) per key) and the endpoint $(N ([double]$l.EndpointCpuSeconds)) s serving the requests (its RSA-4096 unwraps; the pool refill, $(N ([double]$l.EndpointPoolCpuSeconds)) s at nice 19, excluded): on $($Facts.nproc) cores that alone is at least $(Ms $cpuFloorMs), against a latency floor of $(Ms $latencyFloorMs). The client's wrap is no longer the cost ($(Ms $defaultWrap) per RSA_4096 wrap); what remains is the local endpoint's own RSA-4096 work and the SDK's per-request overhead, sharing two cores with the client. **What would close it:** more cores, or a real KMS (whose CPU is not on the caller's machine); a higher -ThrottleLimit only helps once CPU is not the bound.$projected")
    }
    $targets.Add([pscustomobject]@{ Target = 'Zero failed keys in both batches'; Result = "$(if (Has 'Quota') { [int]$Results.Quota.Failed } else { 'n/a' }) + $($l.Failed)"; Met = ((-not (Has 'Quota') -or [int]$Results.Quota.Failed -eq 0) -and [int]$l.Failed -eq 0) })
}

if (Has 'Start') {
    $st = $Results.Start
    $importDelta = [double]$st.ImportDelta.Median
    $targets.Add([pscustomobject]@{ Target = 'Import-Module KmsImport < 150 ms over bare pwsh start (median)'; Result = "+$(Ms $importDelta) (bare start $(Ms ([double]$st.Bare.Median)))"; Met = ($importDelta -lt 150) })
    $headlines.Add("Module start: ``Import-Module KmsImport`` adds **$(Ms $importDelta)** to a bare ``pwsh -NoProfile`` start of $(Ms ([double]$st.Bare.Median)), of which $(Ms ([double]$st.EmptyDelta.Median)) is PowerShell's first import of any module (an empty one) and $(Ms ([double]$st.ImportOverEmpty.Median)) KmsImport's own; import plus the first cmdlet call (a CreateKey) adds $(Ms ([double]$st.FirstCallDelta.Median)).")
    if ($importDelta -ge 150) {
        $why.Add("**Import-Module above 150 ms over bare start.** Median +$(Ms $importDelta). Most of it is PowerShell's own: the first Import-Module of an *empty* manifest module in a fresh pwsh already adds $(Ms ([double]$st.EmptyDelta.Median)) (in-process $(Ms ([double]$st.EmptyInProcess.Median))), and KmsImport costs $(Ms ([double]$st.ImportOverEmpty.Median)) more (paired medians). KmsImport's own part is loading KmsImport.dll and the loader, preloading every dependency (AWS SDK, BouncyCastle, KmsImport.Core) into the private load context, cmdlet discovery and the format file. **What would close it:** little on KmsImport's side can, since PowerShell's fixed part alone is near the target on this machine; preloading the dependencies lazily (on first cmdlet use) and ReadyToRun images would trim KmsImport's share. A native pwsh (apphost) instead of ``dotnet pwsh.dll`` does not change the import itself.")
    }
}

if ($crypto.Count) {
    $wraps = @($crypto | Where-Object Class -eq 'WrapBenchmarks')
}
if ($crypto.Count -and $wraps.Count) {
    $worst = $wraps | Sort-Object { [double]$_.MedianNs } -Descending | Select-Object -First 1
    $best = $wraps | Sort-Object { [double]$_.MedianNs } | Select-Object -First 1
    $under = @($wraps | Where-Object { [double]$_.MedianNs -lt 2e6 }).Count
    $targets.Add([pscustomobject]@{ Target = 'Every wrap < 2 ms'; Result = "$under of $($wraps.Count) under 2 ms; medians $(Ms (CryptoMs $best)) ($($best.Case)) to $(Ms (CryptoMs $worst)) ($($worst.Case))"; Met = ($under -eq $wraps.Count -and $wraps.Count -gt 0) })
    if ($under -ne $wraps.Count) {
        $why.Add("**Wraps are not under 2 ms.** BouncyCastle's ``RsaKeyParameters`` constructor, called by WrappingPublicKey.Parse for every wrap, runs Miller-Rabin rounds on the wrapping key's modulus to prove it is composite: WrappingPublicKey.Inspect alone takes $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'InspectWrappingKey' 'RSA_2048'))) / $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'InspectWrappingKey' 'RSA_3072'))) / $(Ms $inspect4096) for RSA_2048/3072/4096 and allocates ~1-3 MB. The same wraps with that test off take $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'WrapWithoutModulusMRTest' 'RSA_2048'))) / $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'WrapWithoutModulusMRTest' 'RSA_3072'))) / $(Ms $noMr4096); .NET's own RSA-OAEP-SHA-256 takes $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'DotNetOaepSha256' 'RSA_2048'))) / $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'DotNetOaepSha256' 'RSA_3072'))) / $(Ms $dotnet4096). **What would close it** (src/KmsImport.Core, for the lead): build the wrapping key's RsaKeyParameters with the Miller-Rabin rounds off (``Org.BouncyCastle.Utilities.Properties.SetThreadProperty(""Org.BouncyCastle.Rsa.MaxMRTests"", ""0"")`` around that one constructor, keeping the cheap checks: odd, no small factors, exact size), or do the RSA-OAEP step with System.Security.Cryptography (available on netstandard2.0; on .NET Framework RSACng does OAEP-SHA-256). Either brings every wrap under 2 ms here.")
    }
    $headlines.Add("Wrap: the default wrap (RSAES_OAEP_SHA_256, RSA_4096, 32 B) takes $(Ms $defaultWrap); parsing and checking the wrapping key (WrappingPublicKey.Inspect, BouncyCastle's Miller-Rabin rounds skipped) takes $(Ms $inspect4096); with BouncyCastle's rounds forced off everywhere the wrap takes $(Ms $noMr4096) (.NET's RSA-OAEP: $(Ms $dotnet4096)).")
}

if (Has 'Fleet') {
    foreach ($f in @($Results.Fleet.Runs)) {
        $targets.Add([pscustomobject]@{ Target = "Fleet plan of $($f.Keys) keys over $($f.Pairs) account-Region pair(s): <= 1.3x the floor, 0 failed"
            Result = "$(Ms ([double]$f.ElapsedMs)) = $(N ([double]$f.Ratio) '0.00')x the $(Ms ([double]$f.FloorMs)) floor; $($f.Failed) failed, $($f.Throttled) throttled"; Met = ([double]$f.Ratio -le 1.3 -and [int]$f.Failed -eq 0) })
    }
    $fr = @($Results.Fleet.Runs | Sort-Object { [int]$_.Pairs })
    if ($fr.Count -ge 2) {
        $headlines.Add("Fleet: $($fr[0].Keys) keys took $(($fr | ForEach-Object { "$(Ms ([double]$_.ElapsedMs)) over $($_.Pairs) pair(s)" }) -join ', '): $(X ([double]$fr[0].ElapsedMs / [double]$fr[-1].ElapsedMs)) faster with $($fr[-1].Pairs) account-Region pairs in parallel, each paced to its own quotas.")
    }
}

# ------------------------------------------------------------------------------------------------
# The document.
# ------------------------------------------------------------------------------------------------
L '# KmsImport benchmarks: against the manual procedure and against the limits'
L
L "Written by ``$CommandLine`` (bench/Invoke-Bench.ps1, after the Build task), started $($StartedUtc.ToString('yyyy-MM-dd HH:mm', $inv)) UTC on commit $($Facts.commit)."
L "The Bench part took **$benchSeconds s**$(if ($processSeconds -gt $benchSeconds + 5) { "; with the Build before it, $processSeconds s in all" }). Sections run: $($Settings.Sections -join ', ')."
L
L 'Every request went to the project''s own KMS-compatible endpoint (LocalKms/) on 127.0.0.1, never to AWS. The module and the endpoint were copied to a private temp folder first, so concurrent rebuilds of out/ could not change what was measured.'
L "**The machine is shared** with other engineers' builds and tests (load average $($Facts.LoadStart) at the start, $($Facts.LoadEnd) at the end, on $($Facts.nproc) cores): absolute times are noise. Variants that are compared were run side by side, interleaved, in one run; compare the **ratios and medians**."
L
L '## Machine'
L
L '| | |'
L '|---|---|'
foreach ($k in 'nproc', 'CPU', 'Memory', 'OS', 'dotnet', 'pwsh', 'openssl', 'aws') { L "| $k | $($Facts[$k]) |" }
L "| load average (1/5/15 min) | start $($Facts.LoadStart); end $($Facts.LoadEnd) |"
L
L '## Headlines'
L
foreach ($h in $headlines) { L "- $h" }
L
L '## Targets'
L
L '| Target | Result | |'
L '|---|---|---|'
foreach ($t in $targets) { L "| $($t.Target) | $($t.Result) | $(Ok $t.Met) |" }
L "| ``build.ps1 -Task Bench`` under 10 minutes on 2 cores | Bench $benchSeconds s$(if ($processSeconds -gt $benchSeconds + 5) { ", Build + Bench $processSeconds s" }) | $(Ok (([math]::Max($processSeconds, $benchSeconds)) -lt 600)) |"
L
if ($why.Count) {
    L '### Missed targets: why, and what would close them'
    L
    foreach ($w in $why) { L "- $w"; L }
}

if (Has 'PerKey') {
    $pk = $Results.PerKey
    L '## 1. Per key, end to end'
    L
    L "One key: create (Origin EXTERNAL), get import parameters (RSA_4096 + RSAES_OAEP_SHA_256 for all), make 32 random bytes, wrap, import (KEY_MATERIAL_DOES_NOT_EXPIRE), check Enabled. Four variants, run **interleaved A B C D A B C D ...** ($($pk.Rounds) rounds) so drift falls on all alike:"
    L
    L '- **A, by hand**: [`bench/manual-procedure.sh`](manual-procedure.sh) - the AWS procedure step by step: `aws kms create-key --origin EXTERNAL`, `get-parameters-for-import` (`--query` + `base64 -d` of token and key), `openssl rand 32`, `openssl pkeyutl -encrypt ... rsa_oaep_md:sha256 rsa_mgf1_md:sha256`, `import-key-material --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`, `describe-key` = Enabled; `--endpoint-url`, temp files removed. One bash process per key, timed from outside.'
    L "- **B, warm**: ``New-KmsExternalKey | Get-KmsImportParameters | Protect-KeyMaterial -Generate -EscrowPath <dir> | Import-KmsKeyMaterial | Test-KmsKeyState`` in one pwsh session with the module imported and $($pk.WarmUps) untimed warm-up keys; the escrow file (the counterpart of ``openssl rand -out``) is deleted inside the timing."
    L '- **C, cold**: the same pipeline as `pwsh -NoProfile -NonInteractive -c "Import-Module KmsImport; ..."`, a new process per key, timed from outside.'
    L '- **D, control**: B again, in the same session, with BouncyCastle''s Miller-Rabin test of RSA moduli switched off process-wide by its own setting (environment variable `Org.BouncyCastle.Rsa.MaxMRTests=0`, set just around each run). The module already skips those rounds for the KMS wrapping key (WrappingPublicKey.WithoutMillerRabin), so D matching B shows nothing else pays for them.' 
    L
    L '| Variant | N | Median | Min | Max | Script / variant | Requests per key | GetParametersForImport on the server (median / max) |'
    L '|---|---|---|---|---|---|---|---|'
    foreach ($v in 'A', 'B', 'C', 'D') {
        $s = Get-Summary @($pk.Times.$v)
        $label = @{ A = 'A manual procedure (bash, aws CLI, OpenSSL)'; B = 'B KmsImport, warm session'; C = 'C KmsImport, cold pwsh per key'; D = 'D control: B with BouncyCastle''s Miller-Rabin rounds off process-wide' }[$v]
        $rq = $pk.Requests.$v
        L "| $label | $($s.N) | **$(Ms $s.Median)** | $(Ms $s.Min) | $(Ms $s.Max) | $(X ((Get-Summary @($pk.Times.A)).Median / $s.Median)) | $($rq.PerKey) ($($rq.ByOperation)) | $($rq.GpiServerMedianMs) / $($rq.GpiServerMaxMs) ms |"
    }
    L
    $fails = "$($pk.Failures.A) / $($pk.Failures.B) / $($pk.Failures.C) / $($pk.Failures.D)"
    L "Failed keys (A / B / C / D): $fails$(if (@($pk.Errors).Count) { ': ' + ((@($pk.Errors) | Select-Object -First 3) -join '; ') })."
    L
    L "**Wrapping-key pool.** GetParametersForImport hands out a fresh RSA_4096 pair per call; generating one takes seconds on this machine. The endpoint ran with ``--wrapping-key-pool 64`` (the maximum) and the section started only once **$($Settings.PerKeyNeed) pairs** were ready, enough for every key of all four variants (4 x $($Settings.PerKeyRounds) rounds + $($Settings.WarmUps) warm-ups + 1), so no variant's GetParametersForImport generated a key; the server-side GetParametersForImport times above (a few ms) confirm it. The pool refills in the background at nice 19, for all variants alike."
    L
}

if ((Has 'Quota') -or (Has 'Latency')) {
    L '## 2. Batches against the limits (Invoke-KmsKeyImport)'
    L
    L 'Each batch runs in a fresh pwsh process: it creates the keys first (untimed, no faults yet), then the endpoint''s conditions are set and the request log cleared, and only `$keys | Invoke-KmsKeyImport -Generate -EscrowPath <dir> ...` is timed. Request counts come from the endpoint''s request log (`/_localkms/requests`).'
    L
    L '| Batch | Keys | Conditions | Invocation | Wall | Floor | Wall / floor | Requests (per key) | By operation | Throttled | Failed keys | Attempts | CPU: client / endpoint |'
    L '|---|---|---|---|---|---|---|---|---|---|---|---|---|'
    if (Has 'Quota') {
        $q = $Results.Quota
        $ops = (@($q.ByOperation) | ForEach-Object { "$($_.Operation) $($_.Count)" }) -join ', '
        L "| 2a quota-bound | $($q.Keys) | ``{""preset"":""aws-default-quotas""}`` | default pacing, -ThrottleLimit $($q.ThrottleLimit) | **$(Ms $q.ElapsedMs)** | $(Ms $quotaFloorMs) | **$(X $quotaRatio)** | $($q.Requests) ($(N ([double]$q.Requests / [double]$q.Keys))) | $ops | $($q.Throttled) | $($q.Failed) | $($q.Attempts) | $(N ([double]$q.ClientCpuSeconds)) s / $(N ([double]$q.EndpointCpuSeconds)) s |"
    }
    if (Has 'Latency') {
        $l = $Results.Latency
        $ops = (@($l.ByOperation) | ForEach-Object { "$($_.Operation) $($_.Count)" }) -join ', '
        L "| 2b latency-bound | $($l.Keys) | ``latencyMs: $($l.LatencyMs)`` on every operation, no quotas | -NoPacing -ThrottleLimit $($l.ThrottleLimit) | **$(Ms $l.ElapsedMs)** | $(Ms $latencyFloorMs) | **$(X $latencyRatio)** | $($l.Requests) ($(N ([double]$l.Requests / [double]$l.Keys))) | $ops | $($l.Throttled) | $($l.Failed) | $($l.Attempts) | $(N ([double]$l.ClientCpuSeconds)) s / $(N ([double]$l.EndpointCpuSeconds)) s |"
    }
    L
    if (Has 'Quota') {
        L "- **Floor of 2a**: AWS's default quota for GetParametersForImport is 1 request/s per Region, the tightest of the operations a key needs (CreateKey is done before; DescribeKey 2000/s, ImportKeyMaterial 15/s): $gpiCount calls need about $gpiCount s (strictly ($gpiCount - 1) s between the first and the last). The module's pacer sends at 90 % of each quota (1 call per 1.11 s), which is why it is not exactly 1.0x; throttled responses count requests the endpoint refused with ThrottlingException."
    }
    if (Has 'Latency') {
        L "- **Floor of 2b**: every request waits $($l.LatencyMs) ms and each key's requests are sequential, so with -ThrottleLimit $($l.ThrottleLimit) keys at a time the batch needs at least requests x latency / concurrency = $($l.Requests) x $($l.LatencyMs) ms / $($l.ThrottleLimit) = $(Ms $latencyFloorMs). CPU bound for comparison: (client + endpoint CPU) / $($Facts.nproc) cores = $(Ms $cpuFloorMs). The endpoint's pool refill ($(N ([double]$l.EndpointPoolCpuSeconds)) s of CPU during the batch, at nice 19) is not counted in the endpoint CPU."
        L "- **Two endpoints for 100 keys**: ``--wrapping-key-pool`` is capped at 64 and every key takes one fresh RSA_4096 pair, so the 100 keys live on two endpoint processes (E2, E3; $($Settings.Half) each, both Region eu-west-2), each prefilled with enough pairs; they go through **one** Invoke-KmsKeyImport call with one -ThrottleLimit, which makes one SDK client per endpoint. $($l.WarmUpKeys) untimed warm-up key was imported first in the same process (JIT of the import path). A cap above 100 (or a pool that survives restarts) in LocalKms would allow one endpoint."
    }
    L
}

if (Has 'Start') {
    $st = $Results.Start
    L '## 3. Module start'
    L
    L "Fresh processes, $($st.Bare.N) interleaved rounds (one untimed round first), wall time from outside. ``pwsh`` here is PowerShell $($Facts.pwsh)."
    L
    L '| Command | Median wall | Min | Max | Over bare start (median of paired differences) | In-process Stopwatch (median) |'
    L '|---|---|---|---|---|---|'
    L "| ``pwsh -NoProfile -c 'exit'`` | $(Ms ([double]$st.Bare.Median)) | $(Ms ([double]$st.Bare.Min)) | $(Ms ([double]$st.Bare.Max)) | - | - |"
    L "| ``pwsh -NoProfile -c 'Import-Module <empty manifest module>'`` (PowerShell's own first-import cost) | $(Ms ([double]$st.Empty.Median)) | $(Ms ([double]$st.Empty.Min)) | $(Ms ([double]$st.Empty.Max)) | +$(Ms ([double]$st.EmptyDelta.Median)) | Import-Module $(Ms ([double]$st.EmptyInProcess.Median)) |"
    L "| ``pwsh -NoProfile -c 'Import-Module KmsImport'`` | $(Ms ([double]$st.Import.Median)) | $(Ms ([double]$st.Import.Min)) | $(Ms ([double]$st.Import.Max)) | **+$(Ms ([double]$st.ImportDelta.Median))** (+$(Ms ([double]$st.ImportOverEmpty.Median)) over the empty module) | Import-Module $(Ms ([double]$st.ImportInProcess.Median)) |"
    L "| ``pwsh -NoProfile -c 'Import-Module KmsImport; New-KmsExternalKey ...'`` | $(Ms ([double]$st.FirstCall.Median)) | $(Ms ([double]$st.FirstCall.Min)) | $(Ms ([double]$st.FirstCall.Max)) | **+$(Ms ([double]$st.FirstCallDelta.Median))** | first cmdlet call $(Ms ([double]$st.FirstCallInProcess.Median)) |"
    L
    L 'The first call (one CreateKey against the local endpoint) pays for loading and JIT-compiling the AWS SDK and for the first HTTP connection. The in-process Import-Module time can exceed the difference in wall time: part of what a first command costs in a fresh pwsh is paid by `exit` too.'
    L
}

if ($crypto.Count) {
    L '## 4. Crypto micro-benchmarks'
    L
    L "BenchmarkDotNet 0.15.8, [bench/KmsImport.Benchmarks](KmsImport.Benchmarks) (net10.0, references src/KmsImport.Core; not in KmsImport.slnx). In-process job, 1 warm-up and 5 measured iterations of ~100 ms (BenchmarkDotNet drops upper outliers, so N is 4-5), memory diagnoser; **medians** per operation. It runs first, while the endpoints' wrapping-key pools fill at nice 19 (so they take only CPU the benchmark thread leaves). Wrapping keys are fresh RSA keys made once per size; materials: 32 random bytes, 64 random bytes (HMAC_512), an ECC P-256 and an RSA-2048 private key as PKCS#8."
    L
    L '### Wrap (KeyWrapper.Wrap: matrix check, wrapping-key parse and check, RSA-OAEP or RSA-OAEP + RFC 5649)'
    L
    L '| Algorithm | Wrapping key | Material | Median | Allocated | < 2 ms |'
    L '|---|---|---|---|---|---|'
    foreach ($r in @($crypto | Where-Object Class -eq 'WrapBenchmarks')) {
        $p = $r.Case -split '/'
        L "| $($p[0]) | $($p[1]) | $($p[2]) | $(Ms (CryptoMs $r)) | $(N ([double]$r.AllocatedBytes / 1024) '0') KB | $(if ((CryptoMs $r) -lt 2) { 'yes' } else { 'no' }) |"
    }
    L
    L '### Where a wrap''s time goes'
    L
    L '| Wrapping key | WrappingPublicKey.Inspect (parse + BouncyCastle modulus validation) | Wrap RSAES_OAEP_SHA_256, 32 B, Miller-Rabin rounds off | .NET RSA-OAEP-SHA-256 of 32 B (reference) |'
    L '|---|---|---|---|'
    foreach ($size in 'RSA_2048', 'RSA_3072', 'RSA_4096') {
        L "| $size | $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'InspectWrappingKey' $size))) | $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'WrapWithoutModulusMRTest' $size))) | $(Ms (CryptoMs (CryptoRow 'WrappingKeyCheckBenchmarks' 'DotNetOaepSha256' $size))) |"
    }
    L
    L '"Miller-Rabin rounds off" sets BouncyCastle''s own thread property `Org.BouncyCastle.Rsa.MaxMRTests` to 0 for the one call; nothing else changes.'
    L
    L '### Parse (KeyMaterial.FromBytes: recognise, validate against the key spec, normalise to PKCS#8 DER)'
    L
    L '| Input format | Key | Median | Allocated |'
    L '|---|---|---|---|'
    foreach ($r in @($crypto | Where-Object Class -eq 'ParseBenchmarks')) {
        $p = $r.Case -split '/'
        L "| $($p[0]) | $($p[1]) | $(Ms (CryptoMs $r)) | $(N ([double]$r.AllocatedBytes / 1024) '0.#') KB |"
    }
    $rsaNoMr = CryptoRow 'RsaParseCheckBenchmarks' 'ParseRsa2048Pkcs8DerWithoutModulusMRTest' ''
    L
    L "Encrypted PKCS#8 uses PBKDF2-HMAC-SHA256 with 2048 iterations and AES-256-CBC (OpenSSL 3's ``pkcs8 -topk8 -v2 aes-256-cbc`` default); its cost grows with the iteration count. RSA private keys cost most: KeyMaterialReader.ValidateRsa checks the key with a full-length modular exponentiation by the private exponent (2^(e·d) mod n = 2, no CRT), $(Ms (CryptoMs $rsaNoMr)) per RSA-2048 PKCS#8 DER parse even with the Miller-Rabin rounds off. ECC parses allocate ~1.2 MB each (a fresh fixed-point comb precomputation to check the public point). Neither has a target; a CRT-based check (or comparing d·e mod λ) would cut the RSA parse several-fold."
    L
    if ([int]$Results.CryptoExit -ne 0) { L "BenchmarkDotNet exited with code $($Results.CryptoExit): some benchmark failed; see its log."; L }
}

if ((Has 'Quota') -or (Has 'Latency')) {
    L '## 5. Memory'
    L
    L 'Peak resident set (VmHWM from /proc/<pid>/status, which is what .NET reports as Process.PeakWorkingSet64 on Linux) of the pwsh process that ran each batch: before Import-Module, after it, and at the end (it includes creating the keys).'
    L
    L '| Batch | Keys | Before Import-Module | After Import-Module | End of batch | Batch over imported module |'
    L '|---|---|---|---|---|---|'
    foreach ($name in 'Quota', 'Latency') {
        if (-not (Has $name)) { continue }
        $b = $Results[$name]
        L "| $(@{ Quota = '2a quota-bound'; Latency = '2b latency-bound' }[$name]) | $($b.Keys) | $($b.PeakRssMiB.Start) MiB | $($b.PeakRssMiB.AfterImportModule) MiB | **$($b.PeakRssMiB.End) MiB** | +$(N ([double]$b.PeakRssMiB.End - [double]$b.PeakRssMiB.AfterImportModule) '0.0') MiB |"
    }
    L
}

if (Has 'Fleet') {
    $fl = $Results.Fleet
    L '## 6. A fleet in one run (Invoke-KmsKeyImport -PlanPath)'
    L
    L "One plan of $($fl.Keys) symmetric keys (create where missing, alias, generate, escrow, import, verify), spread evenly over 1, 3 and 9 account-Region pairs ($($fl.Accounts.Count) accounts x $($fl.Regions.Count) Regions: $($fl.Regions -join ', ')), in one ``Invoke-KmsKeyImport -PlanPath plan.csv -RoleArn '$($fl.RolePattern)' -ThrottleLimit <pairs>`` call. One endpoint served every account (``--account``) and its STS (one AssumeRole per account) and enforced ``aws-default-quotas`` **per (account, Region)**. **Floor**: GetParametersForImport is limited to 1 per second per (account, Region) and each key needs one, so the plan cannot end before (keys per pair) x 1 s."
    L
    L '| Pairs | Keys per pair | Wall time | Floor | Ratio | Failed | Throttled | Requests | Keys created per account | AssumeRole | Client CPU per key | Peak RSS (end) | Peak RSS over imported module, per key |'
    L '|---|---|---|---|---|---|---|---|---|---|---|---|---|'
    foreach ($f in @($fl.Runs)) {
        $perAccount = (@($f.CreatedPerAccount) | ForEach-Object { "$($_.Account): $($_.Count)" }) -join ', '
        L "| $($f.Pairs) | $($f.KeysPerPair) | **$(Ms ([double]$f.ElapsedMs))** | $(Ms ([double]$f.FloorMs)) | **$(N ([double]$f.Ratio) '0.00')x** | $($f.Failed) | $($f.Throttled) | $($f.Requests) | $perAccount | $($f.AssumeRole) | $(Ms ([double]$f.ClientCpuMsPerKey)) | $($f.PeakRssMiB.End) MiB | $(N ([double]$f.PeakRssKiBPerKey) '0.0') KiB |"
    }
    L
    L "- Each fan-out ran in a fresh pwsh on a reset endpoint whose RSA_4096 wrapping-key pool held $([int]$fl.Keys + 1) pairs first (waits: $((@($fl.Runs) | ForEach-Object { "$($_.PoolWaitSeconds) s" }) -join ', ')), so no GetParametersForImport generated a key inline; the pool refilled at nice 19 during the runs. Client CPU is the pwsh process's CPU time during the timed call, over all keys."
    L "- Not in the default sections (the pools take minutes to fill on 2 cores): ``dotnet pwsh ./bench/Invoke-Bench.ps1 ... -Sections Fleet [-FleetKeys N]``."
    L
}

L '## How it was measured'
L
L '- `build.ps1 -Task Bench` builds (Build task), then runs `bench/Invoke-Bench.ps1 -Root -ModulePath -LocalKmsPath`. It starts three endpoints (`dotnet LocalKms.dll --port 0 --wrapping-key-pool 64`), builds bench/KmsImport.Benchmarks while E1''s RSA_4096 pool fills (E2 and E3 start filling once E1 holds enough), then runs sections 4, 3, 1, 2a, 2b and stops the endpoints. Options: `-Sections Start,PerKey,Batch,Crypto`, `-PerKeyRounds`, `-ResultsPath` (see the script''s help).'
L '- Credentials are fixed fake ones in the environment (the endpoint does not check them); `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` point to files that do not exist; `AWS_EC2_METADATA_DISABLED=true`. `manual-procedure.sh` refuses any endpoint other than `http://127.0.0.1:<port>`.'
L "- Section 1 stops early (never below 5 rounds) when it passes its time budget, so a very busy machine still finishes within the 10 minutes; N above is what ran."
L '- pwsh is the pinned dotnet local tool (`dotnet pwsh.dll`, no native apphost); a native pwsh install starts faster, which would favour the cold variant and narrow the bare-start baseline, not change the import overhead.'
L '- The wrapping-key pools refill in the background at nice 19 while anything is measured, and at full priority only while the bench waits for them.'
$waits = @('PoolWaitPerKeySeconds', 'PoolWaitQuotaSeconds', 'PoolWaitLatencySeconds' | Where-Object { Has $_ } | ForEach-Object { "$($_ -replace '^PoolWait|Seconds$', '') $($Results[$_]) s" })
if ($waits) { L "- Time spent waiting for the pools in this run: $($waits -join ', ')." }

$text = $md.ToString() -replace "`r`n", "`n"
Set-Content -Path $Path -Value $text -NoNewline -Encoding utf8NoBOM
