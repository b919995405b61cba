# Section 3: module start and the cold runbook, in fresh processes, interleaved so drift falls on all alike.
# Per round, one new `pwsh -NoProfile` each:
#   Bare            exit
#   Empty           Import-Module <an empty manifest module>          (PowerShell's own first-import cost)
#   Import:<m>      Import-Module <m>                                 for m = KmsImport (after) [and the baseline (before)]
#   Runbook:<m>     Import-Module <m>; New-KmsExternalKey (the first call); the rest of the seed pipeline for that key
#                   (Get-KmsImportParameters | Protect-KeyMaterial -Generate | Import-KmsKeyMaterial | Test-KmsKeyState);
#                   then, untimed for the split, New-KmsExternalKey again (the warm call)
# Each child prints its in-process Stopwatch readings; the wall time of every child is taken from outside.
# Writes JSON: per variant the wall times, per module the in-process import, first call, warm call and rest.
param(
    [Parameter(Mandatory)] [string] $Url,
    # KmsImport.psd1 paths, comma-separated: "after" first, then (optionally) the baseline ("before").
    [Parameter(Mandatory)] [string] $ModulePaths,
    [Parameter(Mandatory)] [string] $OutFile,
    [Parameter(Mandatory)] [string] $WorkDir,
    [int] $Rounds = 10,
    [string] $Region = 'eu-west-2'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1')
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')   # Get-PwshCommand, shared with the tests
Assert-LocalUrl $Url
$modules = @($ModulePaths -split ',' | Where-Object { $_ } | ForEach-Object { (Resolve-Path $_).Path })
$labels = @(@('After', 'Before')[0..($modules.Count - 1)])

$pwsh = Get-PwshCommand
$pwshExe = $pwsh.Executable
$pwshLead = @($pwsh.Arguments)

$empty = New-Item -ItemType Directory -Force (Join-Path $WorkDir 'empty-module/BenchEmpty')
$emptyPsd1 = Join-Path $empty 'BenchEmpty.psd1'
Set-Content -Path $emptyPsd1 -Value "@{ ModuleVersion = '1.0'; GUID = '5a1e5a1e-0000-4000-8000-000000000001'; FunctionsToExport = @(); CmdletsToExport = @() }"
$escrow = (New-Item -ItemType Directory -Force (Join-Path $WorkDir 'escrow-start')).FullName

$commands = [ordered]@{
    Bare  = 'exit'
    Empty = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$emptyPsd1'; [Console]::Out.WriteLine(`$w.Elapsed.TotalMilliseconds)"
}
for ($i = 0; $i -lt $modules.Count; $i++) {
    $m = $modules[$i]; $l = $labels[$i]
    $commands["Import:$l"] = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$m'; [Console]::Out.WriteLine(`$w.Elapsed.TotalMilliseconds)"
    $commands["Runbook:$l"] = (
        "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$m'; `$i = `$w.Elapsed.TotalMilliseconds; `$w.Restart(); " +
        "`$k = New-KmsExternalKey -Region $Region -EndpointUrl '$Url'; `$f = `$w.Elapsed.TotalMilliseconds; `$w.Restart(); " +
        "`$r = `$k | Get-KmsImportParameters | Protect-KeyMaterial -Generate -EscrowPath '$escrow' | Import-KmsKeyMaterial | Test-KmsKeyState; " +
        "Remove-Item -Path (Join-Path '$escrow' '*') -Force; `$rest = `$w.Elapsed.TotalMilliseconds; " +
        "if (-not `$r.Passed) { throw ""key `$(`$r.KeyId) is `$(`$r.KeyState)"" }; " +
        "`$w.Restart(); `$null = New-KmsExternalKey -Region $Region -EndpointUrl '$Url'; `$warm = `$w.Elapsed.TotalMilliseconds; " +
        "[Console]::Out.WriteLine(""`$i `$f `$rest `$warm"")")
}

$wall = @{}; $inner = @{}
foreach ($k in $commands.Keys) { $wall[$k] = [Collections.Generic.List[double]]::new(); $inner[$k] = [Collections.Generic.List[double[]]]::new() }
for ($round = 0; $round -le $Rounds; $round++) {   # round 0 warms the disk cache and JIT caches of the OS, not recorded
    foreach ($k in $commands.Keys) {
        $w = [Diagnostics.Stopwatch]::StartNew()
        $out = & $pwshExe @pwshLead -NoProfile -NonInteractive -c $commands[$k] 2>&1
        $w.Stop()
        if ($LASTEXITCODE -ne 0) { throw "module start ($k) failed: $out" }
        if ($round -eq 0) { continue }
        $nums = [double[]]@("$out".Trim() -split '\s+' | Where-Object { $_ } | ForEach-Object { [double]$_ })
        # The runbook's wall leaves out the untimed warm call made after it.
        $extra = if ($k -like 'Runbook:*') { $nums[3] } else { 0 }
        $wall[$k].Add($w.Elapsed.TotalMilliseconds - $extra)
        $inner[$k].Add($nums)
    }
    if ($round -gt 0) { Write-Host ("    round {0,2}: {1}" -f $round, (($commands.Keys | ForEach-Object { '{0} {1:n0}' -f $_, $wall[$_][-1] }) -join ', ')) }
}

function Column([string] $Key, [int] $Index) { [double[]]@($inner[$Key] | ForEach-Object { $_[$Index] }) }
function Paired([string] $A, [string] $B) { [double[]]@(for ($i = 0; $i -lt $wall[$A].Count; $i++) { $wall[$A][$i] - $wall[$B][$i] }) }
$result = [ordered]@{
    Rounds  = $Rounds
    Modules = [ordered]@{}
    Bare    = Get-Summary $wall.Bare.ToArray()
    Empty   = Get-Summary $wall.Empty.ToArray()
    EmptyOverBare = Get-Summary (Paired 'Empty' 'Bare')
    EmptyInProcess = Get-Summary (Column 'Empty' 0)
}
for ($i = 0; $i -lt $modules.Count; $i++) {
    $l = $labels[$i]
    $firstCall = @(Column "Runbook:$l" 1); $warmCall = @(Column "Runbook:$l" 3)
    $result.Modules[$l] = [ordered]@{
        Path             = $modules[$i]
        Import           = Get-Summary $wall["Import:$l"].ToArray()
        ImportOverBare   = Get-Summary (Paired "Import:$l" 'Bare')
        ImportOverEmpty  = Get-Summary (Paired "Import:$l" 'Empty')     # KmsImport's own share (paired medians)
        ImportInProcess  = Get-Summary (Column "Import:$l" 0)
        Runbook          = Get-Summary $wall["Runbook:$l"].ToArray()
        RunbookImport    = Get-Summary (Column "Runbook:$l" 0)
        FirstCall        = Get-Summary $firstCall
        Rest             = Get-Summary (Column "Runbook:$l" 2)
        WarmCall         = Get-Summary $warmCall
        FirstOverWarm    = Get-Summary ([double[]]@(for ($j = 0; $j -lt $firstCall.Count; $j++) { $firstCall[$j] - $warmCall[$j] }))
        # What the runbook's wall holds besides import, first call and rest: process start and exit.
        RunbookOther     = Get-Summary ([double[]]@(for ($j = 0; $j -lt $firstCall.Count; $j++) {
                    $v = $inner["Runbook:$l"][$j]; $wall["Runbook:$l"][$j] - $v[0] - $v[1] - $v[2] }))
    }
}
$result | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile
