#requires -Version 7.2
<#
.SYNOPSIS
    The one entry point for building, testing, demonstrating, packaging and benchmarking KmsImport.
.DESCRIPTION
    Build   : compiles the solution (including the net472 compile check of every shipped assembly),
              lays the module out in out/KmsImport and the local KMS endpoint in out/LocalKms.
    Test    : Build, then the xUnit suites and the Pester suite; ends with one line
              "N passed, N failed" that sums them all. Exit code 1 when anything failed.
    Demo    : Build, start the local endpoint, run the seed pipeline showing each step's object, stop it.
              (tools/Invoke-Demo.ps1)
    Package : Build, validate the manifest and publish to a local PSResourceGet repository (out/repo).
              (tools/Publish-LocalPackage.ps1)
    Bench   : Build, run bench/ and write bench/RESULTS.md.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Run only the Pester files whose name matches (for quick iterations).
    [string] $PesterFilter = '*'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
# Never let the SDK probe instance metadata from a developer or CI machine.
$env:AWS_EC2_METADATA_DISABLED = 'true'
# aws CLI v2 (Debian's awscli package) pipes output through a pager; the tests read it.
$env:AWS_PAGER = 'cat'

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'KmsImport'
$LocalKmsOut = Join-Path $Out 'LocalKms'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    $version = $props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
    if (-not $version) { throw 'VersionPrefix missing from Directory.Build.props' }
    "$version".Trim()
}

function Invoke-Build {
    Write-Host "==> Build ($Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $Root 'KmsImport.slnx'), '-c', $Configuration, '--nologo', '-v', 'q', '-clp:ErrorsOnly')

    # The module: KmsImport.dll and KmsImport.Model.dll (the types scripts name, default context) at the
    # root, everything else in dependencies/ (loaded privately).
    $publish = Join-Path $Out 'obj/publish-module'
    Remove-Item -Recurse -Force $publish, $ModuleOut -ErrorAction SilentlyContinue
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/KmsImport/KmsImport.csproj'), '-c', $Configuration, '-f', 'netstandard2.0',
        '--no-build', '-o', $publish, '--nologo', '-v', 'q')
    $deps = New-Item -ItemType Directory -Force (Join-Path $ModuleOut 'dependencies')
    Get-ChildItem $publish -Filter *.dll | ForEach-Object {
        $dest = if ($_.Name -in 'KmsImport.dll', 'KmsImport.Model.dll') { $ModuleOut } else { $deps.FullName }
        Copy-Item $_.FullName $dest
    }
    Copy-Item (Join-Path $Root 'src/KmsImport/KmsImport.Format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $Root 'LICENSE') $ModuleOut
    $helpDir = Join-Path $Root 'en-US'
    if (Test-Path $helpDir) { Copy-Item -Recurse $helpDir $ModuleOut }
    # Cmdlet help: MAML made from the PlatyPS-format Markdown in docs/cmdlets (the script stands in for
    # PlatyPS's New-ExternalHelp until PlatyPS can be installed); about_KmsImport came with en-US above.
    & (Join-Path $Root 'tools/Convert-HelpMarkdownToMaml.ps1') -Path (Join-Path $Root 'docs/cmdlets') `
        -OutputPath (Join-Path $ModuleOut 'en-US/KmsImport.dll-Help.xml')

    # The manifest's version comes from Directory.Build.props, the one place it lives.
    $version = Get-ModuleVersion
    $manifest = Get-Content -Raw (Join-Path $Root 'KmsImport.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion          = '$version'"
    Set-Content -Path (Join-Path $ModuleOut 'KmsImport.psd1') -Value $manifest -NoNewline

    # The local KMS endpoint, for tests, the demo and rehearsals.
    Remove-Item -Recurse -Force $LocalKmsOut -ErrorAction SilentlyContinue
    Invoke-Native dotnet @('publish', (Join-Path $Root 'LocalKms/LocalKms.csproj'), '-c', $Configuration, '--no-build', '-o', $LocalKmsOut, '--nologo', '-v', 'q')
    Write-Host "    module   -> $ModuleOut"
    Write-Host "    endpoint -> $LocalKmsOut"
}

function Get-TrxCounts([string] $Path) {
    $trx = [xml](Get-Content -Raw $Path)
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = [int]$c.notExecuted }
}

function Get-PesterModulePath {
    $proj = Join-Path $Root 'tests/tools/Pester.proj'
    Invoke-Native dotnet @('restore', $proj, '--nologo', '-v', 'q')
    $version = ([xml](Get-Content -Raw $proj)).Project.PropertyGroup.PesterVersion
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $nugetRoot "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) { throw "Pester $version was not restored to $psd1" }
    $psd1
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue
    $null = New-Item -ItemType Directory -Force $results
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $suites = @()

    foreach ($project in 'KmsImport.Core.Tests', 'LocalKms.Tests') {
        Write-Host "==> xUnit: $project"
        $trx = Join-Path $results "$project.trx"
        & dotnet test (Join-Path $Root "tests/$project/$project.csproj") -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $results
        if (-not (Test-Path $trx)) {
            Write-Host "    $project produced no results: counted as one failure"
            $counts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
        } else { $counts = Get-TrxCounts $trx }
        $suites += [pscustomobject]@{ Suite = $project; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped }
    }

    Write-Host '==> Pester'
    $pester = Get-PesterModulePath
    $pesterResult = Join-Path $results 'pester.xml'
    $runner = Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'
    $pwsh = [Environment]::ProcessPath
    $pwshArgs = @()
    if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $pwshArgs += Join-Path $PSHOME 'pwsh.dll' }
    # A child process, so the module DLLs are not locked in this session and every run starts clean.
    # PowerShell expands wildcards in arguments to native commands on Unix: pass the filter only when set.
    $filterArgs = if ($PesterFilter -ne '*') { @('-Filter', $PesterFilter) } else { @() }
    & $pwsh @pwshArgs -NoProfile -NonInteractive -File $runner -PesterPath $pester -ModulePath (Join-Path $ModuleOut 'KmsImport.psd1') `
        -LocalKmsPath (Join-Path $LocalKmsOut 'LocalKms.dll') -ResultPath $pesterResult @filterArgs
    if (Test-Path $pesterResult) {
        $p = Get-Content -Raw $pesterResult | ConvertFrom-Json
        $suites += [pscustomobject]@{ Suite = 'Pester'; Passed = [int]$p.Passed; Failed = [int]$p.Failed; Skipped = [int]$p.Skipped }
    } else {
        Write-Host '    Pester produced no results: counted as one failure'
        $suites += [pscustomobject]@{ Suite = 'Pester'; Passed = 0; Failed = 1; Skipped = 0 }
    }

    $suites | Format-Table -AutoSize | Out-String | Write-Host
    foreach ($s in $suites) { $totals.Passed += $s.Passed; $totals.Failed += $s.Failed; $totals.Skipped += $s.Skipped }
    # The one summary line CI reads. Skipped tests count against us: nothing here may skip.
    $failed = $totals.Failed + $totals.Skipped
    Write-Host "$($totals.Passed) passed, $failed failed"
    if ($failed -gt 0 -or $totals.Passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    & (Join-Path $Root 'tools/Invoke-Demo.ps1') -ModulePath (Join-Path $ModuleOut 'KmsImport.psd1') -LocalKmsPath (Join-Path $LocalKmsOut 'LocalKms.dll')
    if (-not $?) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    & (Join-Path $Root 'tools/Publish-LocalPackage.ps1') -ModuleDir $ModuleOut -RepositoryDir (Join-Path $Out 'repo')
    if (-not $?) { exit 1 }
}

function Invoke-Bench {
    Invoke-Build
    & (Join-Path $Root 'bench/Invoke-Bench.ps1') -Root $Root -ModulePath (Join-Path $ModuleOut 'KmsImport.psd1') -LocalKmsPath (Join-Path $LocalKmsOut 'LocalKms.dll')
    if (-not $?) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Package' { Invoke-Package }
    'Bench' { Invoke-Bench }
    'Clean' { Remove-Item -Recurse -Force $Out -ErrorAction SilentlyContinue }
}
