#requires -Version 7.2
<#
.SYNOPSIS
    The one entry point for building, testing, demonstrating, packaging and benchmarking KmsImport.
.DESCRIPTION
    Build   : compiles the solution (including the net472 compile check of every shipped assembly),
              lays the module out in out/KmsImport and the local KMS endpoint in out/LocalKms.
    Test    : Build, then the xUnit suites (tests/*/*.Tests.csproj) and the Pester files; ends with one line
              "N passed, N failed" that sums them all. Exit code 1 when anything failed, when a runner exited
              non-zero or a test host crashed, when a test was skipped, not run or inconclusive, or when a suite
              ran fewer tests than its minimum in tests/test-minimums.json (see tools/TestRun.psm1).
    Demo    : Build, start the local endpoint, run the seed pipeline showing each step's object, stop it.
              (tools/Invoke-Demo.ps1)
    Package : Build, write the updatable help to out/help (tools/New-UpdatableHelp.ps1: HelpInfo XML, .cab, .zip),
              validate the manifest and publish to a local PSResourceGet repository (out/repo).
              (tools/Publish-LocalPackage.ps1)
    The manifest in out/KmsImport gets its version, -Prerelease label (preview1 until the Windows workflow has run
    green), the Gallery links given (-ProjectUri, -LicenseUri, -IconUri, -HelpInfoUri; none by default), release
    notes from CHANGELOG.md and the command tags (tools/Set-ManifestMetadata.ps1).
    Bench   : Build, run bench/ and write bench/RESULTS.md; with -BaselinePath (a staged KmsImport folder, e.g. an
              older release's out/KmsImport) every section runs that module too, side by side: before/after columns.
    LiveTest: the release check against a real AWS account (tools/Invoke-LiveTest.ps1): refused unless -Region and
              -Confirm are given; then Build, the seed pipeline, HMAC and RSA imports with proofs and a restore,
              every key tagged, material deleted and key deletion scheduled (7 days) at the end. Never run by Test.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'LiveTest', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Run only the Pester files whose name matches (for quick iterations).
    [string] $PesterFilter = '*',
    # Test: run only these xUnit projects (each built on its own) and no Pester file. For checking the test task
    # itself (tests/Pester/TestTask.Tests.ps1 runs a project whose test host crashes).
    [string[]] $TestProject = @(),
    # Test: the PowerShell that runs the Pester files: pwsh (PowerShell 7, the one running build.ps1) or, on
    # Windows, powershell (Windows PowerShell 5.1, powershell.exe). .github/workflows/windows.yml runs both.
    [ValidateSet('pwsh', 'powershell')]
    [string] $PesterHost = 'pwsh',
    # Test: the per-suite minimum test counts.
    [string] $MinimumsPath = (Join-Path $PSScriptRoot 'tests/test-minimums.json'),
    # Test: where the TRX and Pester results go.
    [string] $ResultsDirectory = (Join-Path $PSScriptRoot 'out/test-results'),
    # Build/Package: the manifest's Prerelease label. KmsImport stays a prerelease until the Windows workflow
    # (.github/workflows/windows.yml) has run green; then build with -Prerelease '' to drop it.
    [AllowEmptyString()] [string] $Prerelease = 'preview1',
    # Build/Package: Gallery links, written into the manifest only when given (no default names a repository
    # or help server that does not exist). HelpInfoUri is where Update-Help finds the files Package writes to out/help.
    [string] $ProjectUri,
    [string] $LicenseUri,
    [string] $IconUri,
    [string] $HelpInfoUri,
    # LiveTest: the Region of the real AWS account to test in (never defaulted) ...
    [string] $Region,
    # ... and the explicit acknowledgement that LiveTest creates, imports into and deletes KMS keys there.
    [switch] $Confirm,
    # LiveTest: a KMS-compatible endpoint instead of AWS's (a dry run against LocalKms), and a named profile.
    [string] $EndpointUrl,
    [string] $ProfileName,
    # Bench: the "before" module (a staged KmsImport folder) run side by side with the one built; none = no before columns.
    [string] $BaselinePath
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

    # The manifest: version from Directory.Build.props (the one place it lives), Prerelease, the Gallery links
    # given to the build, release notes from CHANGELOG.md and the command tags.
    $manifestOut = Join-Path $ModuleOut 'KmsImport.psd1'
    Copy-Item (Join-Path $Root 'KmsImport.psd1') $manifestOut
    $links = @{}
    foreach ($name in 'ProjectUri', 'LicenseUri', 'IconUri', 'HelpInfoUri') {
        $value = Get-Variable -Name $name -ValueOnly
        if ($value) { $links[$name] = $value }
    }
    & (Join-Path $Root 'tools/Set-ManifestMetadata.ps1') -Path $manifestOut -Version (Get-ModuleVersion) -Prerelease $Prerelease `
        -ChangelogPath (Join-Path $Root 'CHANGELOG.md') @links

    # The local KMS endpoint, for tests, the demo and rehearsals.
    Remove-Item -Recurse -Force $LocalKmsOut -ErrorAction SilentlyContinue
    Invoke-Native dotnet @('publish', (Join-Path $Root 'LocalKms/LocalKms.csproj'), '-c', $Configuration, '--no-build', '-o', $LocalKmsOut, '--nologo', '-v', 'q')
    Write-Host "    module   -> $ModuleOut"
    Write-Host "    endpoint -> $LocalKmsOut"
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
    Import-Module (Join-Path $Root 'tools/TestRun.psm1') -Force
    $minimums = Read-TestMinimum $MinimumsPath
    if ($TestProject) {
        $projects = foreach ($p in $TestProject) {
            $p = (Resolve-Path $p).Path
            Invoke-Native dotnet @('build', $p, '-c', $Configuration, '--nologo', '-v', 'q', '-clp:ErrorsOnly') | Out-Host
            $p
        }
    } else {
        Invoke-Build
        $projects = Get-ChildItem (Join-Path $Root 'tests') -Directory | ForEach-Object { Join-Path $_.FullName "$($_.Name).csproj" } |
            Where-Object { (Test-Path $_) -and $_ -like '*.Tests.csproj' }
    }
    $results = $ResultsDirectory
    Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue
    $null = New-Item -ItemType Directory -Force $results
    $suites = @()
    $expected = @()

    foreach ($path in @($projects)) {
        if (-not $path) { throw 'an empty xUnit project path' }
        $project = [IO.Path]::GetFileNameWithoutExtension($path)
        $expected += $project
        Write-Host "==> xUnit: $project"
        $trx = Join-Path $results "$project.trx"
        & dotnet test $path -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $results
        $suites += Read-TrxSuite -Suite $project -Path $trx -ExitCode $LASTEXITCODE
    }

    if (-not $TestProject) {
        Write-Host '==> Pester'
        $pester = Get-PesterModulePath
        $pesterResult = Join-Path $results 'pester.json'
        $runner = Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'
        $expected += Get-ChildItem (Join-Path $Root 'tests/Pester') -Filter "$PesterFilter.Tests.ps1" | ForEach-Object Name
        $pwsh = [Environment]::ProcessPath
        $pwshArgs = @()
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $pwshArgs += Join-Path $PSHOME 'pwsh.dll' }
        if ($PesterHost -eq 'powershell') {
            if (-not $IsWindows) { throw '-PesterHost powershell runs the Pester files under Windows PowerShell 5.1: Windows only.' }
            $pwsh = (Get-Command powershell.exe -CommandType Application | Select-Object -First 1).Source
            $pwshArgs = @('-ExecutionPolicy', 'Bypass')
        }
        # A child process, so the module DLLs are not locked in this session and every run starts clean.
        # PowerShell expands wildcards in arguments to native commands on Unix: pass the filter only when set.
        $filterArgs = if ($PesterFilter -ne '*') { @('-Filter', $PesterFilter) } else { @() }
        & $pwsh @pwshArgs -NoProfile -NonInteractive -File $runner -PesterPath $pester -ModulePath (Join-Path $ModuleOut 'KmsImport.psd1') `
            -LocalKmsPath (Join-Path $LocalKmsOut 'LocalKms.dll') -ResultPath $pesterResult @filterArgs
        $suites += Read-PesterSuite -Path $pesterResult -ExitCode $LASTEXITCODE
    }

    $run = Measure-TestRun -Suites $suites -Minimums $minimums -Expected $expected -MinimumsFile $MinimumsPath
    $run.Suites | Format-Table -AutoSize -Wrap | Out-String -Width 200 | Write-Host
    # The one summary line CI reads.
    Write-Host $run.Line
    exit $run.ExitCode
}

function Invoke-Demo {
    Invoke-Build
    & (Join-Path $Root 'tools/Invoke-Demo.ps1') -ModulePath (Join-Path $ModuleOut 'KmsImport.psd1') -LocalKmsPath (Join-Path $LocalKmsOut 'LocalKms.dll')
    if (-not $?) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    # Updatable help: HelpInfo XML, .cab (Windows PowerShell) and .zip (PowerShell 7) for the HelpInfoUri folder.
    $helpOut = Join-Path $Out 'help'
    Remove-Item -Recurse -Force $helpOut -ErrorAction SilentlyContinue
    & (Join-Path $Root 'tools/New-UpdatableHelp.ps1') -ModuleDir $ModuleOut -OutputDir $helpOut | ForEach-Object { Write-Host "    help     -> $($_.FullName)" }
    & (Join-Path $Root 'tools/Publish-LocalPackage.ps1') -ModuleDir $ModuleOut -RepositoryDir (Join-Path $Out 'repo')
    if (-not $?) { exit 1 }
}

function Invoke-LiveTest {
    $script = Join-Path $Root 'tools/Invoke-LiveTest.ps1'
    $live = @{ ModulePath = (Join-Path $ModuleOut 'KmsImport.psd1'); Region = $Region; Confirm = $Confirm }
    if ($EndpointUrl) { $live.EndpointUrl = $EndpointUrl }
    if ($ProfileName) { $live.ProfileName = $ProfileName }
    # Refused before the build as well as before any call: the script throws on its first lines.
    if (-not $Region -or -not $Confirm) { & $script @live }
    Invoke-Build
    $global:LASTEXITCODE = 0
    $rows = & $script @live
    $code = $LASTEXITCODE
    $rows | Format-Table -Wrap | Out-Host
    if ($code -ne 0) { exit 1 }
}

function Invoke-Bench {
    Invoke-Build
    $baseline = if ($BaselinePath) { @{ BaselinePath = (Resolve-Path $BaselinePath).Path } } else { @{} }
    & (Join-Path $Root 'bench/Invoke-Bench.ps1') -Root $Root -ModulePath (Join-Path $ModuleOut 'KmsImport.psd1') -LocalKmsPath (Join-Path $LocalKmsOut 'LocalKms.dll') @baseline
    if (-not $?) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Package' { Invoke-Package }
    'Bench' { Invoke-Bench }
    'LiveTest' { Invoke-LiveTest }
    'Clean' { Remove-Item -Recurse -Force $Out -ErrorAction SilentlyContinue }
}
