# Gallery packaging: tools/Set-ManifestMetadata.ps1 (run by the build) writes the Gallery metadata into the
# manifest; tools/Publish-LocalPackage.ps1 validates it and publishes the built module to a local PSResourceGet
# folder repository; a user's install from there (Save-PSResource into a clean module path, Install-PSResource,
# Find-PSResource -CommandName, Import-Module by name) gives a module that runs the pipeline; and
# tools/New-UpdatableHelp.ps1 writes the help Update-Help installs.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:PackageScript = Join-Path $PSScriptRoot '../../tools/Publish-LocalPackage.ps1'
    $script:SourceRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:ModuleDir = Split-Path -Parent $env:KMSIMPORT_TEST_MODULE
    $props = [xml](Get-Content -Raw (Join-Path $script:SourceRoot 'Directory.Build.props'))
    $script:Version = "$($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1)".Trim()
    $script:BuiltManifest = Import-PowerShellDataFile (Join-Path $script:ModuleDir 'KmsImport.psd1')
    # The build's default label (build.ps1 -Prerelease): the package version carries it.
    $script:Prerelease = "$($script:BuiltManifest.PrivateData.PSData['Prerelease'])"
    $script:FullVersion = if ($script:Prerelease) { "$($script:Version)-$($script:Prerelease)" } else { $script:Version }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-package-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work

    function script:Quote([string] $Text) { "'" + ($Text -replace "'", "''") + "'" }

    # Runs tools/Publish-LocalPackage.ps1 in a fresh process (PSResourceGet and the module probe stay out of
    # this one); returns its output lines, or the failure text when it throws.
    function script:Invoke-Package([string] $ModuleDir, [string] $RepositoryDir) {
        # A failure's message on one line: the error view would wrap it at the console width.
        $script = "try { & $(Quote $script:PackageScript) -ModuleDir $(Quote $ModuleDir) -RepositoryDir $(Quote $RepositoryDir) -SourceRoot $(Quote $script:SourceRoot) | Format-List | Out-String -Width 300 } " +
            "catch { 'PACKAGE FAILED: ' + (`$_.Exception.Message -replace '\s*\r?\n\s*', ' '); exit 1 }"
        Invoke-FreshPwsh -Script $script
    }

    # A copy of the built module whose manifest has one change, for the refusal cases.
    function script:New-ModuleCopy([string] $Replace, [string] $With) {
        $dir = Join-Path $script:Work ([guid]::NewGuid().ToString('n'))
        $copy = Join-Path $dir 'KmsImport'
        $null = New-Item -ItemType Directory $dir
        Copy-Item -Recurse $script:ModuleDir $copy
        $psd1 = Join-Path $copy 'KmsImport.psd1'
        $text = Get-Content -Raw $psd1
        if (-not $text.Contains($Replace)) { throw "the manifest has no '$Replace' to change" }
        Set-Content -Path $psd1 -Value $text.Replace($Replace, $With) -NoNewline
        $copy
    }

    function script:Get-RepositoryUris {
        # Read in a fresh process: which repositories PSResourceGet has registered.
        @(Invoke-FreshPwsh -Script 'Get-PSResourceRepository | ForEach-Object { "REPO:" + $_.Uri.LocalPath }' |
            ForEach-Object { "$_" } | Where-Object { $_.StartsWith('REPO:') } | ForEach-Object { $_.Substring(5).TrimEnd('/', '\') })
    }

    $script:RepoDir = Join-Path $script:Work 'repo'
    $script:PackageOutput = Invoke-Package -ModuleDir $script:ModuleDir -RepositoryDir $script:RepoDir
    $script:Nupkg = Join-Path $script:RepoDir "KmsImport.$($script:FullVersion).nupkg"
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'tools/Publish-LocalPackage.ps1' {
    It 'publishes KmsImport <FullVersion> into the folder repository and leaves no repository registered' {
        ($PackageOutput -join "`n") | Should -Match "manifest ok: KmsImport $([regex]::Escape($Version))"
        @(Get-ChildItem $RepoDir -Filter *.nupkg).Name | Should -Be @("KmsImport.$FullVersion.nupkg")
        Get-RepositoryUris | Should -Not -Contain $RepoDir.TrimEnd('/', '\')
    }

    It 'puts the module layout in the package, and nothing else' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $entries = @($zip.Entries.FullName | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|KmsImport\.nuspec$)' })
            $nuspec = [xml]([IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'KmsImport.nuspec').Open()).ReadToEnd())
        } finally { $zip.Dispose() }

        $expected = @(Get-ChildItem -Recurse -File $ModuleDir | ForEach-Object { [IO.Path]::GetRelativePath($ModuleDir, $_.FullName).Replace('\', '/') })
        @($entries | Sort-Object) | Should -Be @($expected | Sort-Object)
        foreach ($file in 'KmsImport.psd1', 'KmsImport.dll', 'KmsImport.Model.dll', 'KmsImport.Format.ps1xml', 'LICENSE',
            'dependencies/KmsImport.Core.dll', 'dependencies/AWSSDK.Core.dll', 'dependencies/AWSSDK.KeyManagementService.dll',
            'dependencies/AWSSDK.SecurityToken.dll') {
            $entries | Should -Contain $file
        }
        # The module root holds only the module's own assemblies; third-party ones are in dependencies/.
        @($entries | Where-Object { $_ -like '*.dll' -and $_ -notlike 'dependencies/*' } | Sort-Object) | Should -Be @('KmsImport.dll', 'KmsImport.Model.dll')
        $entries | Where-Object { $_ -match '\.(pdb|deps\.json)$' } | Should -BeNullOrEmpty

        $nuspec.package.metadata.version | Should -Be $FullVersion
        $tags = $nuspec.package.metadata.tags -split ' '
        $tags | Should -Contain 'PSEdition_Core'
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        foreach ($name in $BuiltManifest.CmdletsToExport) { $tags | Should -Contain "PSCommand_$name" }
        # The default build names no project, license or icon address: none exists yet.
        $nuspec.package.metadata.SelectSingleNode('*[local-name()="projectUrl"]') | Should -BeNullOrEmpty
        $nuspec.package.metadata.SelectSingleNode('*[local-name()="licenseUrl"]') | Should -BeNullOrEmpty
        $nuspec.package.metadata.SelectSingleNode('*[local-name()="iconUrl"]') | Should -BeNullOrEmpty
        # The release notes are the text of CHANGELOG.md's latest section, not a link.
        $nuspec.package.metadata.releaseNotes | Should -BeLike '## `[*'
        $nuspec.package.metadata.releaseNotes | Should -Not -Match 'github\.com'
    }

    It 'is a prerelease (preview1) until the Windows checks have run green' {
        $Prerelease | Should -Be 'preview1'
        $FullVersion | Should -Be "$Version-preview1"
    }

    It 'refuses a manifest whose <Case>, and publishes nothing' -ForEach @(
        @{ Case = 'tags lack PSEdition_Core'; Replace = "'PSEdition_Core', "; With = ''; Message = '*Tags must include PSEdition_Core*' }
        @{ Case = 'CmdletsToExport has a wildcard'; Replace = "CmdletsToExport        = @("; With = "CmdletsToExport        = @('*Kms*'"; Message = '*CmdletsToExport must not use wildcards*' }
        @{ Case = 'CmdletsToExport leaves a cmdlet out'; Replace = "'Test-KmsKeyState'"; With = ''; Message = '*implements Test-KmsKeyState, which CmdletsToExport does not list*' }
        @{ Case = 'LicenseUri is not https'; Replace = "ReleaseNotes = "; With = "LicenseUri = 'http://example.invalid/LICENSE'`n            ReleaseNotes = "; Message = '*LicenseUri must be an absolute https URL*' }
        @{ Case = 'tags lack PSCommand_Test-KmsKeyState'; Replace = "'PSCommand_Test-KmsKeyState', "; With = ''; Message = '*Tags must include PSCommand_Test-KmsKeyState*' }
        @{ Case = 'tags lack PSIncludes_Cmdlet'; Replace = "'PSIncludes_Cmdlet', "; With = ''; Message = '*Tags must include PSIncludes_Cmdlet*' }
        @{ Case = 'PowerShellVersion is not 5.1'; Replace = "PowerShellVersion      = '5.1'"; With = "PowerShellVersion      = '7.2'"; Message = '*PowerShellVersion must be 5.1*' }
        @{ Case = 'version differs from Directory.Build.props'; Replace = "ModuleVersion          = '"; With = "ModuleVersion          = '9"; Message = '*differs from VersionPrefix*' }
    ) {
        $copy = New-ModuleCopy -Replace $Replace -With $With
        $repo = Join-Path $Work ([guid]::NewGuid().ToString('n'))
        { Invoke-Package -ModuleDir $copy -RepositoryDir $repo } | Should -Throw -ExpectedMessage $Message
        @(Get-ChildItem $repo -Filter *.nupkg -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
}

Describe 'Installing from the repository' {
    It 'saves KmsImport with Save-PSResource into a clean module path, imports it by name and runs the pipeline' {
        $modules = Join-Path $Work 'Modules'
        $null = New-Item -ItemType Directory -Force $modules
        $script = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = $(Quote $modules) + [IO.Path]::PathSeparator + (Join-Path `$PSHOME 'Modules')
`$repository = 'KmsImportTest-' + [guid]::NewGuid().ToString('n').Substring(0, 12)
Register-PSResourceRepository -Name `$repository -Uri $(Quote $RepoDir) -Trusted
try {
    Save-PSResource -Name KmsImport -Repository `$repository -Path $(Quote $modules) -TrustRepository -Prerelease
} finally {
    Unregister-PSResourceRepository -Name `$repository
}
`$available = @(Get-Module -ListAvailable -Name KmsImport)
Import-Module KmsImport
`$module = Get-Module KmsImport
`$material = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString('n') + '.bin')
`$bytes = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill(`$bytes); [IO.File]::WriteAllBytes(`$material, `$bytes)
try {
    `$report = New-KmsExternalKey -Region eu-west-2 -EndpointUrl `$env:KMSIMPORT_TEST_ENDPOINT |
        Get-KmsImportParameters | Protect-KeyMaterial -Path `$material | Import-KmsKeyMaterial | Test-KmsKeyState
} finally { Remove-Item -LiteralPath `$material -Force }
'FACTS:' + (ConvertTo-Json -Compress -InputObject ([ordered]@{
    Available = `$available.Count
    ModuleBase = `$module.ModuleBase
    Version = `$module.Version.ToString()
    Cmdlets = @(`$module.ExportedCmdlets.Keys | Sort-Object)
    Passed = `$report.Passed
    KeyState = `$report.KeyState
}))
"@
        $lines = Invoke-FreshPwsh -Script $script
        $facts = (@($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('FACTS:') })[-1]).Substring(6) | ConvertFrom-Json

        $facts.Available | Should -Be 1
        $facts.ModuleBase | Should -BeLike (Join-Path $modules 'KmsImport*')
        $facts.Version | Should -Be $Version
        $declared = (Import-PowerShellDataFile (Join-Path $ModuleDir 'KmsImport.psd1')).CmdletsToExport
        $facts.Cmdlets | Should -Be @($declared | Sort-Object)
        $facts.Passed | Should -BeTrue
        $facts.KeyState | Should -Be 'Enabled'
        # The install left no repository behind either.
        Get-RepositoryUris | Should -Not -Contain $RepoDir.TrimEnd('/', '\')
    }
}

Describe 'The manifest the build writes (tools/Set-ManifestMetadata.ps1)' {
    BeforeAll {
        $script:StampScript = Join-Path $PSScriptRoot '../../tools/Set-ManifestMetadata.ps1'
        $script:Changelog = Join-Path $SourceRoot 'CHANGELOG.md'
        # A copy of the built module with the source manifest, stamped with the given parameters.
        function script:New-StampedManifest([hashtable] $Parameters) {
            $dir = Join-Path $script:Work ([guid]::NewGuid().ToString('n'))
            $copy = Join-Path $dir 'KmsImport'
            $null = New-Item -ItemType Directory $dir
            Copy-Item -Recurse $script:ModuleDir $copy
            $psd1 = Join-Path $copy 'KmsImport.psd1'
            Copy-Item (Join-Path $script:SourceRoot 'KmsImport.psd1') $psd1 -Force
            & $script:StampScript -Path $psd1 -Version $script:Version -ChangelogPath $script:Changelog @Parameters
            $psd1
        }
    }

    It 'passes Test-ModuleManifest with the label, links and HelpInfoURI given' {
        $psd1 = New-StampedManifest @{
            Prerelease = 'preview7'; ProjectUri = 'https://example.invalid/kmsimport'; LicenseUri = 'https://example.invalid/kmsimport/LICENSE'
            IconUri = 'https://example.invalid/kmsimport/icon.png'; HelpInfoUri = 'https://example.invalid/kmsimport/help/'
        }
        $manifest = Test-ModuleManifest -Path $psd1 -ErrorAction Stop
        "$($manifest.Version)" | Should -Be $Version
        $manifest.PrivateData.PSData.Prerelease | Should -Be 'preview7'
        "$($manifest.ProjectUri)" | Should -Be 'https://example.invalid/kmsimport'
        "$($manifest.LicenseUri)" | Should -Be 'https://example.invalid/kmsimport/LICENSE'
        "$($manifest.IconUri)" | Should -Be 'https://example.invalid/kmsimport/icon.png'
        $manifest.HelpInfoUri | Should -Be 'https://example.invalid/kmsimport/help/'
    }

    It 'writes no link, no HelpInfoURI and no label that were not given' {
        $psd1 = New-StampedManifest @{ Prerelease = '' }
        $data = Import-PowerShellDataFile $psd1
        $data.ContainsKey('HelpInfoURI') | Should -BeFalse
        @($data.PrivateData.PSData.Keys | Sort-Object) | Should -Be @('ReleaseNotes', 'Tags')
        (Test-ModuleManifest -Path $psd1 -ErrorAction Stop).PrivateData.PSData.Prerelease | Should -BeNullOrEmpty
    }

    It 'takes the release notes from the latest CHANGELOG.md section and tags every cmdlet' {
        $psd1 = New-StampedManifest @{}
        $data = Import-PowerShellDataFile $psd1
        $first = (Select-String -LiteralPath $Changelog -Pattern '^## ' | Select-Object -First 1).Line
        $data.PrivateData.PSData.ReleaseNotes | Should -BeLike "$([WildcardPattern]::Escape($first))*"
        $data.PrivateData.PSData.ReleaseNotes | Should -Not -Match '(?m)^## .*(?s).*^## '
        $tags = $data.PrivateData.PSData.Tags
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        foreach ($name in $data.CmdletsToExport) {
            $tags | Should -Contain "PSCommand_$name"
            $tags | Should -Contain "PSCmdlet_$name"
        }
        @($tags | Group-Object | Where-Object Count -gt 1).Count | Should -Be 0
        # UTF-8 with a BOM, so Windows PowerShell 5.1 does not read release notes' non-ASCII bytes as ANSI quotes.
        @([IO.File]::ReadAllBytes($psd1)[0..2]) | Should -Be @(0xEF, 0xBB, 0xBF)
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'a label with a dash'; Parameters = @{ Prerelease = 'preview-1' }; Message = '*-Prerelease must be letters and digits*' }
        @{ Case = 'a relative ProjectUri'; Parameters = @{ ProjectUri = 'kmsimport' }; Message = '*-ProjectUri must be an absolute http(s) URL*' }
        @{ Case = 'a HelpInfoUri that is no URL'; Parameters = @{ HelpInfoUri = 'ftp://example.invalid/help' }; Message = '*-HelpInfoUri must be an absolute http(s) URL*' }
    ) {
        { New-StampedManifest $Parameters } | Should -Throw -ExpectedMessage $Message
    }
}

Describe 'Install-PSResource and Find-PSResource -CommandName from the repository' {
    It 'finds KmsImport by the command name New-KmsExternalKey, installs it and imports it by name' {
        # A private user data folder (XDG_DATA_HOME on Linux and macOS): the install and the repository list stay out of
        # the user's; on Windows the install is removed again at the end.
        $data = Join-Path $Work 'xdg'
        $script = @"
`$ErrorActionPreference = 'Stop'
`$repository = 'KmsImportTest-' + [guid]::NewGuid().ToString('n').Substring(0, 12)
Register-PSResourceRepository -Name `$repository -Uri $(Quote $RepoDir) -Trusted
try {
    `$found = @(Find-PSResource -CommandName New-KmsExternalKey -Repository `$repository -Prerelease)
    Install-PSResource -Name KmsImport -Repository `$repository -Prerelease -Scope CurrentUser -TrustRepository
    `$installed = @(Get-InstalledPSResource -Name KmsImport -Scope CurrentUser)
    Import-Module KmsImport
    `$module = Get-Module KmsImport
    'FACTS:' + (ConvertTo-Json -Compress -InputObject ([ordered]@{
        Found = @(`$found | ForEach-Object { `$_.ParentResource.Name + ' ' + `$_.ParentResource.Version + '-' + `$_.ParentResource.Prerelease })
        FoundNames = @(`$found | ForEach-Object { `$_.Names })
        Installed = @(`$installed | ForEach-Object { `$_.Name + ' ' + `$_.Version + '-' + `$_.Prerelease })
        InstalledLocation = `$installed[0].InstalledLocation
        ModuleBase = `$module.ModuleBase
        Cmdlet = [bool](Get-Command New-KmsExternalKey -Module KmsImport)
    }))
} finally {
    Remove-Module KmsImport -ErrorAction SilentlyContinue
    Uninstall-PSResource -Name KmsImport -Scope CurrentUser -Prerelease -ErrorAction SilentlyContinue
    Unregister-PSResourceRepository -Name `$repository
}
"@
        $lines = Invoke-FreshPwsh -Script $script -Environment @{ XDG_DATA_HOME = $data }
        $facts = (@($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('FACTS:') })[-1]).Substring(6) | ConvertFrom-Json

        $facts.Found | Should -Be @("KmsImport $Version-$Prerelease")
        $facts.FoundNames | Should -Contain 'New-KmsExternalKey'
        $facts.Installed | Should -Be @("KmsImport $Version-$Prerelease")
        $facts.ModuleBase | Should -BeLike "$($facts.InstalledLocation.TrimEnd('/', '\'))*KmsImport*"
        $facts.Cmdlet | Should -BeTrue
        Get-RepositoryUris | Should -Not -Contain $RepoDir.TrimEnd('/', '\')
    }
}

Describe 'Updatable help (tools/New-UpdatableHelp.ps1, run by build.ps1 -Task Package)' {
    BeforeAll {
        $script:HelpScript = Join-Path $PSScriptRoot '../../tools/New-UpdatableHelp.ps1'
        $script:Guid = $BuiltManifest.GUID
        $script:HelpUri = 'https://help.example.invalid/kmsimport/'
        # A module copy whose manifest names a HelpInfoURI (Update-Help ignores a module without one).
        $script:HelpModuleRoot = Join-Path $Work 'help-modules'
        $copy = Join-Path $script:HelpModuleRoot 'KmsImport'
        Copy-Item -Recurse $ModuleDir $copy
        Copy-Item (Join-Path $SourceRoot 'KmsImport.psd1') (Join-Path $copy 'KmsImport.psd1') -Force
        & (Join-Path $PSScriptRoot '../../tools/Set-ManifestMetadata.ps1') -Path (Join-Path $copy 'KmsImport.psd1') -Version $Version `
            -ChangelogPath (Join-Path $SourceRoot 'CHANGELOG.md') -HelpInfoUri $script:HelpUri
        $script:HelpOut = Join-Path $Work 'help'
        $script:HelpFiles = @(& $script:HelpScript -ModuleDir $copy -OutputDir $script:HelpOut)
        # The installed help must come from Update-Help: the copy keeps no help of its own.
        Remove-Item -Recurse -Force (Join-Path $copy 'en-US')
        $script:Sources = @(Get-ChildItem (Join-Path $ModuleDir 'en-US') -File | Sort-Object Name)

        # Reads an MS-CAB: header, the one folder, the file entries, the uncompressed data blocks. Returns name -> bytes.
        function script:Read-Cabinet([string] $Path) {
            $bytes = [IO.File]::ReadAllBytes($Path)
            [Text.Encoding]::ASCII.GetString($bytes, 0, 4) | Should -Be 'MSCF'
            [BitConverter]::ToUInt32($bytes, 8) | Should -Be $bytes.Length
            $filesAt = [BitConverter]::ToUInt32($bytes, 16)
            $folders = [BitConverter]::ToUInt16($bytes, 26); $count = [BitConverter]::ToUInt16($bytes, 28)
            $folders | Should -Be 1
            $dataAt = [BitConverter]::ToUInt32($bytes, 36); $blocks = [BitConverter]::ToUInt16($bytes, 40)
            [BitConverter]::ToUInt16($bytes, 42) | Should -Be 0 -Because 'the folder is stored uncompressed'
            $stream = [IO.MemoryStream]::new()
            $p = $dataAt
            for ($b = 0; $b -lt $blocks; $b++) {
                $cb = [BitConverter]::ToUInt16($bytes, $p + 4)
                [BitConverter]::ToUInt16($bytes, $p + 6) | Should -Be $cb
                $stream.Write($bytes, $p + 8, $cb); $p += 8 + $cb
            }
            $p | Should -Be $bytes.Length
            $all = $stream.ToArray()
            $result = [ordered]@{}
            $p = $filesAt
            for ($i = 0; $i -lt $count; $i++) {
                $size = [BitConverter]::ToUInt32($bytes, $p); $offset = [BitConverter]::ToUInt32($bytes, $p + 4)
                $end = [Array]::IndexOf($bytes, [byte]0, $p + 16)
                $name = [Text.Encoding]::ASCII.GetString($bytes, $p + 16, $end - $p - 16)
                $result[$name] = [byte[]]$all[$offset..($offset + $size - 1)]
                $p = $end + 1
            }
            $result
        }
    }

    It 'writes KmsImport_<GUID>_HelpInfo.xml, the en-US .cab and .zip' {
        @($HelpFiles.Name | Sort-Object) | Should -Be @(
            "KmsImport_$($Guid)_en-US_HelpContent.cab", "KmsImport_$($Guid)_en-US_HelpContent.zip", "KmsImport_$($Guid)_HelpInfo.xml")
        $info = [xml](Get-Content -Raw (Join-Path $HelpOut "KmsImport_$($Guid)_HelpInfo.xml"))
        $info.HelpInfo.NamespaceURI | Should -Be 'http://schemas.microsoft.com/powershell/help/2010/05'
        $info.HelpInfo.HelpContentURI | Should -Be $HelpUri
        $info.HelpInfo.SupportedUICultures.UICulture.UICultureName | Should -Be 'en-US'
        $info.HelpInfo.SupportedUICultures.UICulture.UICultureVersion | Should -Be "$Version.0"
    }

    It 'puts exactly the module''s help files in the .cab (byte for byte) and the .zip' {
        $cab = Join-Path $HelpOut "KmsImport_$($Guid)_en-US_HelpContent.cab"
        $inCab = Read-Cabinet $cab
        @($inCab.Keys) | Should -Be @($Sources.Name)
        foreach ($f in $Sources) { [Convert]::ToBase64String($inCab[$f.Name]) | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes($f.FullName))) }
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead((Join-Path $HelpOut "KmsImport_$($Guid)_en-US_HelpContent.zip"))
        try { @($zip.Entries.FullName | Sort-Object) | Should -Be @($Sources.Name) } finally { $zip.Dispose() }
        # An independent CAB reader checks the block checksums too: expand.exe on Windows, cabextract elsewhere.
        if ($IsWindows) {
            (& expand.exe -D $cab | Out-String) | Should -Match 'KmsImport\.dll-Help\.xml'
        } else {
            $cabextract = Get-Command cabextract -CommandType Application -ErrorAction Ignore | Select-Object -First 1
            if (-not $cabextract) { throw 'cabextract is not on PATH (.ci/run installs it): it is the independent reader of the help .cab' }
            (& $cabextract.Source -t $cab | Out-String) | Should -Match 'All done, no errors'
        }
    }

    It 'installs with Update-Help -SourcePath, and Get-Help reads it' {
        $data = Join-Path $Work 'xdg-help'
        $script = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = $(Quote $HelpModuleRoot) + [IO.Path]::PathSeparator + `$env:PSModulePath
Update-Help -Module KmsImport -SourcePath $(Quote $HelpOut) -UICulture en-US -Force
Import-Module KmsImport
'SYNOPSIS:' + (Get-Help New-KmsExternalKey).Synopsis
"@
        $lines = @(Invoke-FreshPwsh -Script $script -Environment @{ XDG_DATA_HOME = $data } | ForEach-Object { "$_" })
        $synopsis = ($lines | Where-Object { $_.StartsWith('SYNOPSIS:') }).Substring(9)
        $synopsis | Should -BeLike 'Creates an AWS KMS key*'
        if (-not $IsWindows) {
            # PowerShell 7 installs CurrentUser help under the user data folder.
            $installed = @(Get-ChildItem -Recurse -File (Join-Path $data 'powershell/Help/KmsImport') | ForEach-Object Name)
            $installed | Should -Contain 'KmsImport.dll-Help.xml'
            $installed | Should -Contain 'about_KmsImport.help.txt'
            $installed | Should -Contain "KmsImport_$($Guid)_HelpInfo.xml"
        }
    }
}
