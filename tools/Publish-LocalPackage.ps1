#requires -Version 7.2
<#
.SYNOPSIS
    Validates the built module (out/KmsImport) for the PowerShell Gallery and publishes it to a
    local PSResourceGet folder repository.
.DESCRIPTION
    1. Test-ModuleManifest, then the Gallery's and this project's rules: Author, Description,
       ReleaseNotes, ProjectUri/LicenseUri/IconUri/HelpInfoURI https when given (a warning when one is not:
       build.ps1 -ProjectUri ... adds them), a Prerelease label of letters and digits when given, the Tags
       PSEdition_Desktop, PSEdition_Core, Windows, Linux, MacOS, PSIncludes_Cmdlet and PSCommand_<name>
       for every exported cmdlet (Find-PSResource -CommandName searches them; Publish-PSResource 1.2.0 does
       not add them), CompatiblePSEditions Desktop and Core, PowerShellVersion 5.1, an explicit
       CmdletsToExport that names exactly the cmdlets KmsImport.dll implements (checked in a child
       process that imports the module), every file the manifest names present, ModuleVersion equal
       to Directory.Build.props' VersionPrefix, and a CHANGELOG.md section for that version.
    2. Registers RepositoryDir as a folder repository under a name of its own (never PSGallery),
       runs Publish-PSResource, checks Find-PSResource sees the version by name and by command name
       (-CommandName New-KmsExternalKey), and unregisters the
       repository again, whatever happened. RepositoryDir keeps the .nupkg.
    Called by build.ps1 -Task Package (after Build) and by tests/Pester/Package.Tests.ps1.
.OUTPUTS
    One object: Name, Version (with the prerelease label, e.g. 0.1.0-preview1), Package (the .nupkg path).
#>
[CmdletBinding()]
param(
    # The built module folder (out/KmsImport).
    [Parameter(Mandatory)] [string] $ModuleDir,
    # The folder repository to publish into (out/repo). Created when missing.
    [Parameter(Mandatory)] [string] $RepositoryDir,
    # The repository root, for Directory.Build.props and CHANGELOG.md.
    [string] $SourceRoot = (Split-Path -Parent $PSScriptRoot)
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModuleDir = (Resolve-Path -LiteralPath $ModuleDir).ProviderPath
$manifestPath = Join-Path $ModuleDir 'KmsImport.psd1'
$moduleName = 'KmsImport'
$problems = [Collections.Generic.List[string]]::new()

# --- 1. The manifest ---------------------------------------------------------------------------
Write-Host "==> Validate $manifestPath"
$manifest = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
$data = Import-PowerShellDataFile -LiteralPath $manifestPath
$psData = if ($data.ContainsKey('PrivateData') -and $data.PrivateData -and $data.PrivateData.ContainsKey('PSData')) { $data.PrivateData.PSData } else { @{} }

function Test-Uri([string] $Name, $Value) {
    $uri = $null
    if (-not $Value -or -not [Uri]::TryCreate([string]$Value, [UriKind]::Absolute, [ref]$uri) -or $uri.Scheme -ne 'https') {
        $problems.Add("$Name must be an absolute https URL (found '$Value').")
    }
}

if ([string]::IsNullOrWhiteSpace($manifest.Author)) { $problems.Add('Author is missing.') }
if ([string]::IsNullOrWhiteSpace($manifest.Description)) { $problems.Add('Description is missing.') }
foreach ($name in 'ProjectUri', 'LicenseUri', 'IconUri') {
    if ($psData.ContainsKey($name)) { Test-Uri $name $psData[$name] }
    else { Write-Warning "The manifest has no ${name}: the Gallery page will show no such link (build.ps1 -${name} <https URL> adds it)." }
}
if ($data.ContainsKey('HelpInfoURI')) { Test-Uri 'HelpInfoURI' $data.HelpInfoURI }
$prerelease = if ($psData.ContainsKey('Prerelease')) { "$($psData.Prerelease)" } else { '' }
if ($prerelease -and $prerelease -notmatch '^[a-zA-Z][a-zA-Z0-9]*$') { $problems.Add("Prerelease must be letters and digits (found '$prerelease').") }
if (-not $psData.ContainsKey('ReleaseNotes') -or [string]::IsNullOrWhiteSpace($psData.ReleaseNotes)) { $problems.Add('ReleaseNotes is missing.') }

$tags = @(if ($psData.ContainsKey('Tags')) { $psData.Tags })
foreach ($tag in 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS') {
    if ($tags -notcontains $tag) { $problems.Add("Tags must include $tag.") }
}
$exported = @(if ($data.ContainsKey('CmdletsToExport')) { $data.CmdletsToExport })
foreach ($tag in @('PSIncludes_Cmdlet') + @($exported | Where-Object { $_ -notmatch '[*?]' } | ForEach-Object { "PSCommand_$_" })) {
    if ($tags -notcontains $tag) { $problems.Add("Tags must include $tag (build.ps1 adds the command tags: rebuild).") }
}
foreach ($tag in $tags) {
    # The Gallery refuses tags with spaces.
    if ($tag -match '\s') { $problems.Add("Tag '$tag' contains white space.") }
}

$editions = @($manifest.CompatiblePSEditions)
if ($editions.Count -ne 2 -or $editions -notcontains 'Desktop' -or $editions -notcontains 'Core') {
    $problems.Add("CompatiblePSEditions must be Desktop and Core (found '$($editions -join ', ')').")
}
if ("$($manifest.PowerShellVersion)" -ne '5.1') { $problems.Add("PowerShellVersion must be 5.1 (found '$($manifest.PowerShellVersion)').") }

# Explicit exports: no wildcards, nothing left to discovery.
$declared = @(if ($data.ContainsKey('CmdletsToExport')) { $data.CmdletsToExport })
if ($declared.Count -eq 0) { $problems.Add('CmdletsToExport must list the cmdlets.') }
if ($declared | Where-Object { $_ -match '[*?]' }) { $problems.Add('CmdletsToExport must not use wildcards.') }
foreach ($key in 'FunctionsToExport', 'VariablesToExport', 'AliasesToExport') {
    if (-not $data.ContainsKey($key)) { $problems.Add("$key must be given (an empty list if none).") }
    elseif (@($data[$key]) | Where-Object { $_ -match '[*?]' }) { $problems.Add("$key must not use wildcards.") }
}

# Every file the manifest names is in the module folder.
$named = @($data.RootModule) + @(if ($data.ContainsKey('NestedModules')) { $data.NestedModules }) + @(if ($data.ContainsKey('FormatsToProcess')) { $data.FormatsToProcess })
foreach ($file in $named | Where-Object { $_ }) {
    if (-not (Test-Path -LiteralPath (Join-Path $ModuleDir $file))) { $problems.Add("The manifest names '$file', which is not in $ModuleDir.") }
}
if (-not (Test-Path -LiteralPath (Join-Path $ModuleDir 'LICENSE'))) { $problems.Add('LICENSE is not in the module folder.') }

# One version, from Directory.Build.props, with release notes in CHANGELOG.md.
$props = [xml](Get-Content -Raw (Join-Path $SourceRoot 'Directory.Build.props'))
$versionPrefix = "$($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1)".Trim()
$version = "$($manifest.Version)"
if ($version -ne $versionPrefix) { $problems.Add("ModuleVersion $version differs from VersionPrefix $versionPrefix in Directory.Build.props (the build stamps it: rebuild).") }
$changelog = Join-Path $SourceRoot 'CHANGELOG.md'
if (-not (Test-Path $changelog)) { $problems.Add('CHANGELOG.md is missing.') }
elseif (-not (Select-String -LiteralPath $changelog -Pattern "^## \[$([regex]::Escape($version))\]" -Quiet)) {
    $problems.Add("CHANGELOG.md has no '## [$version]' section.")
}

# CmdletsToExport names exactly the cmdlets the assembly implements: import the module in a child
# process (so nothing stays loaded here) and compare with the [Cmdlet] classes of KmsImport.dll.
if ($problems.Count -eq 0) {
    $probe = {
        param($ManifestPath)
        $module = Import-Module $ManifestPath -PassThru -ErrorAction Stop
        $implemented = $module.ImplementingAssembly.GetTypes() |
            Where-Object { -not $_.IsAbstract } |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" }
        [pscustomobject]@{ Implemented = @($implemented); Exported = @($module.ExportedCmdlets.Keys) }
    }
    $pwsh = [Environment]::ProcessPath
    $lead = @()
    if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $lead += Join-Path $PSHOME 'pwsh.dll' }
    $command = "& { $probe } -ManifestPath '$($manifestPath -replace "'", "''")' | ConvertTo-Json -Compress"
    $json = & $pwsh @lead -NoProfile -NonInteractive -EncodedCommand ([Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($command)))
    if ($LASTEXITCODE -ne 0) { throw "Importing $manifestPath in a child process failed: $json" }
    $found = $json | ConvertFrom-Json
    foreach ($name in $found.Implemented | Where-Object { $declared -notcontains $_ }) { $problems.Add("KmsImport.dll implements $name, which CmdletsToExport does not list.") }
    foreach ($name in $declared | Where-Object { $found.Implemented -notcontains $_ }) { $problems.Add("CmdletsToExport lists $name, which KmsImport.dll does not implement.") }
    foreach ($name in $declared | Where-Object { $found.Exported -notcontains $_ }) { $problems.Add("$name is listed but was not exported on import.") }
}

if ($problems.Count -gt 0) {
    throw "The module is not ready to publish:`n - $($problems -join "`n - ")"
}
Write-Host "    manifest ok: $moduleName $version, $($declared.Count) cmdlets"

# --- 2. Publish to a local folder repository ----------------------------------------------------
$null = New-Item -ItemType Directory -Force $RepositoryDir
$RepositoryDir = (Resolve-Path -LiteralPath $RepositoryDir).ProviderPath
$fullVersion = if ($prerelease) { "$version-$prerelease" } else { $version }
$package = Join-Path $RepositoryDir "$moduleName.$fullVersion.nupkg"
# A folder repository refuses a version it already holds: this run's package replaces the last one.
Remove-Item -LiteralPath $package -Force -ErrorAction SilentlyContinue

Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
$repositoryName = "KmsImportLocal-$([guid]::NewGuid().ToString('n').Substring(0, 12))"
Write-Host "==> Publish to $RepositoryDir (repository $repositoryName)"
Register-PSResourceRepository -Name $repositoryName -Uri $RepositoryDir -Trusted
try {
    Publish-PSResource -Path $ModuleDir -Repository $repositoryName
    $published = Find-PSResource -Name $moduleName -Repository $repositoryName -Version $fullVersion -Prerelease:([bool]$prerelease)
    if (-not $published -or "$($published.Version)" -ne $version -or "$($published.Prerelease)" -ne $prerelease) {
        throw "Find-PSResource does not see $moduleName $fullVersion in $RepositoryDir after publishing."
    }
    $byCommand = @(Find-PSResource -CommandName New-KmsExternalKey -Repository $repositoryName -Prerelease:([bool]$prerelease) -ErrorAction SilentlyContinue)
    if (-not ($byCommand | Where-Object { $_.ParentResource.Name -eq $moduleName -or $_.Name -eq $moduleName })) {
        throw "Find-PSResource -CommandName New-KmsExternalKey does not find $moduleName in $RepositoryDir after publishing (the PSCommand_ tags)."
    }
} finally {
    Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue
}
if (-not (Test-Path -LiteralPath $package)) { throw "Publish-PSResource did not write $package." }
Write-Host "    published: $package"
[pscustomobject]@{ Name = $moduleName; Version = $fullVersion; Package = $package }
