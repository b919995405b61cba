#requires -Version 7.2
<#
.SYNOPSIS
    Writes KmsImport's updatable help: KmsImport_<GUID>_HelpInfo.xml, KmsImport_<GUID>_en-US_HelpContent.cab
    and KmsImport_<GUID>_en-US_HelpContent.zip, from the help files of the built module (out/KmsImport/en-US).
.DESCRIPTION
    Update-Help reads <HelpInfoURI>/KmsImport_<GUID>_HelpInfo.xml, compares UICultureVersion with what is
    installed, then fetches the content from the same folder (HelpContentURI) or from -SourcePath:
    PowerShell 7 takes the .zip (and falls back to the .cab), Windows PowerShell 5.1 only the .cab. Upload
    the three files to the folder the module's HelpInfoURI names (build.ps1 -HelpInfoUri).
    The .cab is written here, without makecab.exe (Windows-only) or a native tool: one folder, no compression
    (typeCompress 0), blocks of at most 32 KiB with their MS-CAB checksums. Checked here with cabextract 1.9 and
    gcab 1.5 (Debian); Windows' own extraction (Update-Help on 5.1) is exercised by the Windows workflow only.
    The help version is the module version with a fourth part (0.1.0 -> 0.1.0.0): bump the module version
    (or the fourth part by -HelpVersion) to make Update-Help take new help.
.OUTPUTS
    The three files written.
#>
[CmdletBinding()]
param(
    # The built module folder (out/KmsImport), with KmsImport.psd1 and en-US/.
    [Parameter(Mandatory)] [string] $ModuleDir,
    # Where the three files go (out/help). Created when missing.
    [Parameter(Mandatory)] [string] $OutputDir,
    # HelpContentURI in the HelpInfo XML: where Update-Help downloads the .cab/.zip. Defaults to the module's
    # HelpInfoURI; without either the HelpInfo XML still serves Update-Help -SourcePath.
    [string] $HelpContentUri,
    [version] $HelpVersion,
    [string] $UICulture = 'en-US'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModuleDir = (Resolve-Path -LiteralPath $ModuleDir).ProviderPath
$data = Import-PowerShellDataFile -LiteralPath (Join-Path $ModuleDir 'KmsImport.psd1')
$guid = $data.GUID
if (-not $HelpContentUri) { $HelpContentUri = if ($data.ContainsKey('HelpInfoURI')) { $data.HelpInfoURI } else { '' } }
if (-not $HelpVersion) {
    $v = [version]$data.ModuleVersion
    $HelpVersion = [version]::new($v.Major, $v.Minor, [Math]::Max(0, $v.Build), 0)
}
$cultureDir = Join-Path $ModuleDir $UICulture
# Only the file types Update-Help installs from a help package: MAML (*-Help.xml) and about topics (*.help.txt).
$files = @(Get-ChildItem -LiteralPath $cultureDir -File | Where-Object { $_.Name -like '*-Help.xml' -or $_.Name -like 'about_*.help.txt' } | Sort-Object Name)
if ($files.Count -eq 0) { throw "$cultureDir holds no help file (*-Help.xml, about_*.help.txt): build the module first." }

$null = New-Item -ItemType Directory -Force $OutputDir
$OutputDir = (Resolve-Path -LiteralPath $OutputDir).ProviderPath
$base = "KmsImport_$guid"

# --- HelpInfo XML ---------------------------------------------------------------------------------
$helpInfo = Join-Path $OutputDir "${base}_HelpInfo.xml"
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
$w = [Xml.XmlWriter]::Create($helpInfo, $settings)
try {
    $ns = 'http://schemas.microsoft.com/powershell/help/2010/05'
    $w.WriteStartElement('HelpInfo', $ns)
    $w.WriteElementString('HelpContentURI', $ns, $HelpContentUri)
    $w.WriteStartElement('SupportedUICultures', $ns)
    $w.WriteStartElement('UICulture', $ns)
    $w.WriteElementString('UICultureName', $ns, $UICulture)
    $w.WriteElementString('UICultureVersion', $ns, $HelpVersion.ToString())
    $w.WriteEndElement(); $w.WriteEndElement(); $w.WriteEndElement()
} finally { $w.Dispose() }

# --- ZIP (PowerShell 6+) ---------------------------------------------------------------------------
$zip = Join-Path $OutputDir "${base}_${UICulture}_HelpContent.zip"
Remove-Item -LiteralPath $zip -Force -ErrorAction SilentlyContinue
Compress-Archive -LiteralPath $files.FullName -DestinationPath $zip

# --- CAB (Windows PowerShell 5.1) ------------------------------------------------------------------
# The MS-CAB CFDATA checksum (CSUMCompute): XOR of the little-endian 32-bit words, the 1-3 trailing bytes taken
# most significant first; for a block, over its bytes and then (seeded with that) over cbData and cbUncomp.
function Get-CabChecksum([byte[]] $Bytes, [int] $Offset, [int] $Count, [uint32] $Seed) {
    [uint32] $sum = $Seed
    $words = [Math]::Floor($Count / 4)
    $p = $Offset
    for ($i = 0; $i -lt $words; $i++) { $sum = $sum -bxor [BitConverter]::ToUInt32($Bytes, $p); $p += 4 }
    [uint32] $tail = 0
    switch ($Count % 4) {
        3 { $tail = ([uint32]$Bytes[$p] -shl 16) -bor ([uint32]$Bytes[$p + 1] -shl 8) -bor $Bytes[$p + 2] }
        2 { $tail = ([uint32]$Bytes[$p] -shl 8) -bor $Bytes[$p + 1] }
        1 { $tail = $Bytes[$p] }
    }
    [uint32]($sum -bxor $tail)
}

function Write-Cabinet([string] $Path, [IO.FileInfo[]] $Files) {
    $block = 32768
    $names = @($Files | ForEach-Object { , [Text.Encoding]::ASCII.GetBytes($_.Name) })
    $contents = @($Files | ForEach-Object { , [IO.File]::ReadAllBytes($_.FullName) })
    $total = 0L; foreach ($c in $contents) { $total += $c.Length }
    if ($total -gt [int]::MaxValue) { throw 'help content too large for one cabinet folder' }
    $stream = [IO.MemoryStream]::new()
    foreach ($c in $contents) { $stream.Write($c, 0, $c.Length) }
    $all = $stream.ToArray()
    $blocks = [Math]::Max(1, [int][Math]::Ceiling($all.Length / $block))
    if ($blocks -gt 65535) { throw 'too many data blocks for one cabinet folder' }

    $headerSize = 36; $folderSize = 8
    $filesSize = 0; foreach ($n in $names) { $filesSize += 16 + $n.Length + 1 }
    $dataStart = $headerSize + $folderSize + $filesSize
    $cabSize = $dataStart + 8 * $blocks + $all.Length
    # MS-DOS date and time of the build (the files' own times would make the cabinet differ per checkout).
    $now = [DateTime]::UtcNow
    [uint16] $dosDate = (($now.Year - 1980) -shl 9) -bor ($now.Month -shl 5) -bor $now.Day
    [uint16] $dosTime = ($now.Hour -shl 11) -bor ($now.Minute -shl 5) -bor [int][Math]::Floor($now.Second / 2)

    $out = [IO.File]::Create($Path)
    $bw = [IO.BinaryWriter]::new($out)
    try {
        # CFHEADER
        $bw.Write([byte[]][char[]]'MSCF'); $bw.Write([uint32]0); $bw.Write([uint32]$cabSize); $bw.Write([uint32]0)
        $bw.Write([uint32]($headerSize + $folderSize)); $bw.Write([uint32]0)
        $bw.Write([byte]3); $bw.Write([byte]1)                          # version 1.3
        $bw.Write([uint16]1); $bw.Write([uint16]$Files.Count)           # folders, files
        $bw.Write([uint16]0); $bw.Write([uint16]0x4B49); $bw.Write([uint16]0)  # flags, set id, cabinet index
        # CFFOLDER: first data block, block count, no compression
        $bw.Write([uint32]$dataStart); $bw.Write([uint16]$blocks); $bw.Write([uint16]0)
        # CFFILE per file: size, offset in the folder's stream, folder 0, date, time, archive attribute, name
        $offset = 0
        for ($i = 0; $i -lt $Files.Count; $i++) {
            $bw.Write([uint32]$contents[$i].Length); $bw.Write([uint32]$offset); $bw.Write([uint16]0)
            $bw.Write($dosDate); $bw.Write($dosTime); $bw.Write([uint16]0x20)
            $bw.Write($names[$i]); $bw.Write([byte]0)
            $offset += $contents[$i].Length
        }
        # CFDATA blocks: checksum, stored size, uncompressed size, bytes
        for ($b = 0; $b -lt $blocks; $b++) {
            $start = $b * $block
            $len = [Math]::Min($block, $all.Length - $start)
            $sizes = [byte[]]::new(4)
            [BitConverter]::GetBytes([uint16]$len).CopyTo($sizes, 0); [BitConverter]::GetBytes([uint16]$len).CopyTo($sizes, 2)
            $bw.Write((Get-CabChecksum $sizes 0 4 (Get-CabChecksum $all $start $len 0)))
            $bw.Write([uint16]$len); $bw.Write([uint16]$len)
            if ($len -gt 0) { $bw.Write($all, $start, $len) }
        }
    } finally { $bw.Dispose(); $out.Dispose() }
}

$cab = Join-Path $OutputDir "${base}_${UICulture}_HelpContent.cab"
Write-Cabinet -Path $cab -Files $files

Get-Item -LiteralPath $helpInfo, $cab, $zip
