# Helpers for the benchmarks (bench/Invoke-Bench.ps1 and the scripts it runs in child processes):
# statistics, raw KMS calls to the local endpoint, its wrapping-key pool, and /proc readings.
# Starting, driving and reading the endpoint (Start-LocalKms, Invoke-LocalKmsControl,
# Get-LocalKmsRequest, Get-PwshCommand ...) is the shared module the tests and the demo use too,
# tests/Pester/TestHelpers.psm1: bench scripts import both.
# Everything here talks only to the local endpoint on 127.0.0.1.
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')

function Get-Median {
    param([double[]] $Values)
    if (-not $Values -or $Values.Count -eq 0) { return [double]::NaN }
    $s = [double[]]($Values | Sort-Object)
    $n = $s.Count
    if ($n % 2) { $s[($n - 1) / 2] } else { ($s[$n / 2 - 1] + $s[$n / 2]) / 2 }
}

function Get-Summary {
    <# Median, min, max and count of a list of numbers (milliseconds, usually). #>
    param([double[]] $Values)
    if (-not $Values -or $Values.Count -eq 0) { return [pscustomobject]@{ N = 0; Median = [double]::NaN; Min = [double]::NaN; Max = [double]::NaN } }
    $m = $Values | Measure-Object -Minimum -Maximum
    [pscustomobject]@{ N = $Values.Count; Median = (Get-Median $Values); Min = $m.Minimum; Max = $m.Maximum }
}

function Assert-LocalUrl {
    param([string] $Url)
    if ($Url -notmatch '^http://127\.0\.0\.1:\d+$') { throw "refusing '$Url': the benchmarks talk only to the local endpoint on 127.0.0.1" }
}

function Invoke-LocalKmsApi {
    <# One KMS JSON 1.1 call to the local endpoint, unsigned (it then serves its default Region). #>
    param([Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [string] $Operation, [hashtable] $Body = @{})
    Assert-LocalUrl $Url
    Invoke-RestMethod -Uri "$Url/" -Method Post -Headers @{ 'X-Amz-Target' = "TrentService.$Operation" } `
        -ContentType 'application/x-amz-json-1.1' -Body (ConvertTo-Json -InputObject $Body -Compress -Depth 5)
}

function Request-WrappingKeyPool {
    <#
    Makes each endpoint keep its RSA_4096 pool full: a pool fills a spec to --wrapping-key-pool only once that
    spec was asked for. Asks once per endpoint, through a throwaway EXTERNAL key in the default Region; the
    GetParametersForImport calls run at the same time (each may have to generate its pair inline, ~seconds).
    #>
    param([Parameter(Mandatory)] [string[]] $Url)
    $http = [Net.Http.HttpClient]::new()
    $http.Timeout = [TimeSpan]::FromMinutes(5)
    try {
        $tasks = foreach ($u in $Url) {
            $key = Invoke-LocalKmsApi -Url $u -Operation CreateKey -Body @{ Origin = 'EXTERNAL'; Description = 'bench: pool trigger' }
            $body = ConvertTo-Json -Compress -InputObject @{ KeyId = $key.KeyMetadata.KeyId; WrappingAlgorithm = 'RSAES_OAEP_SHA_256'; WrappingKeySpec = 'RSA_4096' }
            $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Post, "$u/")
            $request.Headers.Add('X-Amz-Target', 'TrentService.GetParametersForImport')
            $request.Content = [Net.Http.StringContent]::new($body)
            $request.Content.Headers.ContentType = [Net.Http.Headers.MediaTypeHeaderValue]::new('application/x-amz-json-1.1')
            $http.SendAsync($request)
        }
        foreach ($t in $tasks) {
            $response = $t.GetAwaiter().GetResult()
            if (-not $response.IsSuccessStatusCode) { throw "GetParametersForImport answered $([int]$response.StatusCode)" }
        }
    } finally { $http.Dispose() }
}

function Get-WrappingKeysReady {
    param([Parameter(Mandatory)] [string] $Url, [string] $Spec = 'RSA_4096')
    Assert-LocalUrl $Url
    [int](Invoke-LocalKmsControl -Url $Url -Path 'health').wrappingKeysReady.$Spec
}

function Set-PoolThreadNice {
    <#
    Sets the nice value of the endpoint's pool thread ("LocalKms wrapping key pool", shown as
    "LocalKms wrappi"): 19 while measuring, so refilling the pool in the background takes CPU only
    when nothing else wants it; 0 while waiting for the pool to fill. Linux only; silently does nothing elsewhere.
    #>
    param([Parameter(Mandatory)] [int] $ProcessId, [int] $Nice = 19)
    $taskDir = "/proc/$ProcessId/task"
    if (-not (Test-Path $taskDir)) { return }
    foreach ($task in Get-ChildItem $taskDir -Directory -ErrorAction SilentlyContinue) {
        $comm = Get-Content (Join-Path $task.FullName 'comm') -ErrorAction SilentlyContinue
        if ($comm -like 'LocalKms wrappi*') { $null = & renice -n $Nice -p $task.Name 2>&1 }
    }
}

function Wait-WrappingKeyPool {
    <# Waits until every endpoint has at least its Need of ready RSA_4096 pairs; returns seconds waited. #>
    param([Parameter(Mandatory)] [object[]] $Servers, [Parameter(Mandatory)] [int[]] $Need, [int] $TimeoutSeconds = 600,
        # Other endpoints whose pools fill at full priority meanwhile too (nothing is measured while waiting).
        [object[]] $AlsoFill = @())
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $all = @($Servers) + @($AlsoFill)
    foreach ($s in $all) { Set-PoolThreadNice -ProcessId $s.Process.Id -Nice 0 }
    try {
        while ($true) {
            $short = @()
            for ($i = 0; $i -lt $Servers.Count; $i++) {
                $ready = Get-WrappingKeysReady -Url $Servers[$i].Url
                if ($ready -lt $Need[$i]) { $short += "$($Servers[$i].Url): $ready of $($Need[$i])" }
            }
            if (-not $short) { return [math]::Round($watch.Elapsed.TotalSeconds, 1) }
            if ($watch.Elapsed.TotalSeconds -gt $TimeoutSeconds) { throw "wrapping key pools not filled within $TimeoutSeconds s: $($short -join '; ')" }
            Start-Sleep -Milliseconds 500
        }
    } finally {
        foreach ($s in $all) { Set-PoolThreadNice -ProcessId $s.Process.Id -Nice 19 }
    }
}

function Get-ProcessCpuSeconds {
    <#
    utime + stime from /proc/<pid>/stat in seconds (all threads, including those that ended); with -Thread, only
    the live threads whose name starts so (e.g. 'LocalKms wrappi', the wrapping-key pool). NaN where unavailable.
    #>
    param([Parameter(Mandatory)] [int] $ProcessId, [string] $Thread)
    function Read-Stat([string] $Path) {
        $text = Get-Content -Raw $Path -ErrorAction SilentlyContinue
        if (-not $text) { return 0.0 }
        $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
        # after "pid (comm) ": utime and stime are fields 14 and 15 of the line, index 11 and 12 here; clock ticks of 1/100 s
        ([double]$fields[11] + [double]$fields[12]) / 100.0
    }
    if (-not (Test-Path "/proc/$ProcessId/stat")) { return [double]::NaN }
    if (-not $Thread) { return Read-Stat "/proc/$ProcessId/stat" }
    $sum = 0.0
    foreach ($task in Get-ChildItem "/proc/$ProcessId/task" -Directory -ErrorAction SilentlyContinue) {
        $comm = Get-Content (Join-Path $task.FullName 'comm') -ErrorAction SilentlyContinue
        if ($comm -like "$Thread*") { $sum += Read-Stat (Join-Path $task.FullName 'stat') }
    }
    $sum
}

function Get-PeakRssMiB {
    <# VmHWM (peak resident set, what .NET reports as PeakWorkingSet64 on Linux) of a process, in MiB. #>
    param([int] $ProcessId = $PID)
    $line = Get-Content "/proc/$ProcessId/status" -ErrorAction SilentlyContinue | Where-Object { $_ -like 'VmHWM:*' }
    if (-not $line) { return [math]::Round([Diagnostics.Process]::GetProcessById($ProcessId).PeakWorkingSet64 / 1MB, 1) }
    [math]::Round([double](($line -split '\s+')[1]) / 1024, 1)
}

Export-ModuleMember -Function Get-Median, Get-Summary, Assert-LocalUrl, Invoke-LocalKmsApi,
    Request-WrappingKeyPool, Get-WrappingKeysReady, Set-PoolThreadNice, Wait-WrappingKeyPool, Get-ProcessCpuSeconds, Get-PeakRssMiB
