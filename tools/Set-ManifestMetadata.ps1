#requires -Version 7.2
<#
.SYNOPSIS
    Stamps the Gallery metadata into a built module manifest (out/KmsImport/KmsImport.psd1).
.DESCRIPTION
    Called by build.ps1 (Build) on the copy of KmsImport.psd1 in out/, never on the source manifest:
    - ModuleVersion from Directory.Build.props' VersionPrefix (the one place the version lives);
    - Prerelease (e.g. preview1) unless empty: KmsImport stays a prerelease until the Windows checks
      (.github/workflows/windows.yml) have run green;
    - ProjectUri, LicenseUri, IconUri and HelpInfoURI only when given: no default claims a repository or
      a help server that does not exist;
    - ReleaseNotes inline: the latest section of CHANGELOG.md (the first '## ' section with content);
    - Tags: the source manifest's, then PSIncludes_Cmdlet and PSCommand_<name> / PSCmdlet_<name> for every
      cmdlet in CmdletsToExport. PSResourceGet 1.2.0's Publish-PSResource adds only PSModule itself, and
      Find-PSResource -CommandName searches the PSCommand_ tags, so the manifest must carry them.
    The text of the manifest is edited in place (comments and layout kept); the result must pass
    Test-ModuleManifest (checked by tools/Publish-LocalPackage.ps1).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $Version,
    [Parameter(Mandatory)] [string] $ChangelogPath,
    [AllowEmptyString()] [string] $Prerelease = '',
    [string] $ProjectUri,
    [string] $LicenseUri,
    [string] $IconUri,
    [string] $HelpInfoUri
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Quote([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

function Assert-Uri([string] $Name, [string] $Value) {
    $uri = $null
    if (-not [Uri]::TryCreate($Value, [UriKind]::Absolute, [ref]$uri) -or $uri.Scheme -notin 'https', 'http') {
        throw "-$Name must be an absolute http(s) URL (found '$Value')."
    }
}

# The latest CHANGELOG.md section: its heading and text up to the next '## ' heading or the link references.
function Get-LatestReleaseNotes([string] $File) {
    $lines = Get-Content -LiteralPath $File
    $sections = [Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($line in $lines) {
        if ($line -match '^## ') { $current = [Collections.Generic.List[string]]::new(); $current.Add($line); $sections.Add($current); continue }
        if ($line -match '^\[[^\]]+\]:\s') { $current = $null; continue }
        if ($null -ne $current) { $current.Add($line) }
    }
    foreach ($section in $sections) {
        $text = ($section -join "`n").Trim()
        if (@($section | Select-Object -Skip 1 | Where-Object { $_.Trim() }).Count -gt 0) { return $text }
    }
    throw "$File has no '## ' section with content for the release notes."
}

if ($Prerelease -and $Prerelease -notmatch '^[a-zA-Z][a-zA-Z0-9]*$') {
    throw "-Prerelease must be letters and digits, starting with a letter (SemVer 1.0 as the Gallery takes it), e.g. preview1 (found '$Prerelease')."
}
foreach ($pair in @(@('ProjectUri', $ProjectUri), @('LicenseUri', $LicenseUri), @('IconUri', $IconUri), @('HelpInfoUri', $HelpInfoUri))) {
    if ($pair[1]) { Assert-Uri $pair[0] $pair[1] }
}

$text = Get-Content -Raw -LiteralPath $Path
$data = Import-PowerShellDataFile -LiteralPath $Path
$sourceTags = @($data.PrivateData.PSData.Tags)
$cmdlets = @($data.CmdletsToExport)
$tags = [Collections.Generic.List[string]]::new()
foreach ($t in $sourceTags + @('PSIncludes_Cmdlet') + @($cmdlets | ForEach-Object { "PSCommand_$_"; "PSCmdlet_$_" })) {
    if (-not $tags.Contains($t)) { $tags.Add($t) }
}

$text = $text -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion          = '$Version'"
if ($HelpInfoUri) {
    # Top-level key: Update-Help reads <HelpInfoURI>/KmsImport_<GUID>_HelpInfo.xml.
    $text = $text -replace "(?m)^(\s*)(FormatsToProcess\s*=)", "`${1}HelpInfoURI            = $(Quote $HelpInfoUri)`n`${1}`${2}"
}

$psData = [Collections.Generic.List[string]]::new()
$psData.Add("Tags         = @($(($tags | ForEach-Object { Quote $_ }) -join ', '))")
if ($Prerelease) { $psData.Add("Prerelease   = $(Quote $Prerelease)") }
if ($ProjectUri) { $psData.Add("ProjectUri   = $(Quote $ProjectUri)") }
if ($LicenseUri) { $psData.Add("LicenseUri   = $(Quote $LicenseUri)") }
if ($IconUri) { $psData.Add("IconUri      = $(Quote $IconUri)") }
$psData.Add("ReleaseNotes = $(Quote (Get-LatestReleaseNotes $ChangelogPath))")

# The source manifest's PSData block is replaced whole: 'PSData = @{' up to its closing brace.
$match = [regex]::Match($text, '(?ms)^(?<indent>[ \t]*)PSData\s*=\s*@\{.*?^\k<indent>\}')
if (-not $match.Success) { throw "$Path has no PSData = @{ ... } block to fill." }
$indent = $match.Groups['indent'].Value
$block = "${indent}PSData = @{`n" + (($psData | ForEach-Object { "$indent    $_" }) -join "`n") + "`n$indent}"
$text = $text.Substring(0, $match.Index) + $block + $text.Substring($match.Index + $match.Length)
# With a BOM: Windows PowerShell 5.1 reads a manifest without one as ANSI, and a UTF-8 byte such as 0x92 (in "→")
# would read as a quote and break it.
Set-Content -LiteralPath $Path -Value $text -NoNewline -Encoding utf8BOM
