# Gallery packaging: tools/Publish-LocalPackage.ps1 validates the manifest and publishes the built module to a
# local PSResourceGet folder repository; a user's install from there (Save-PSResource into a clean
# module path, Import-Module by name) gives a module that runs the pipeline.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:PackageScript = Join-Path $PSScriptRoot '../../tools/Publish-LocalPackage.ps1'
    $script:SourceRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:ModuleDir = Split-Path -Parent $env:KMSIMPORT_TEST_MODULE
    $props = [xml](Get-Content -Raw (Join-Path $script:SourceRoot 'Directory.Build.props'))
    $script:Version = "$($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1)".Trim()
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
    $script:Nupkg = Join-Path $script:RepoDir "KmsImport.$($script:Version).nupkg"
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'tools/Publish-LocalPackage.ps1' {
    It 'publishes KmsImport <Version> into the folder repository and leaves no repository registered' {
        ($PackageOutput -join "`n") | Should -Match "manifest ok: KmsImport $([regex]::Escape($Version))"
        @(Get-ChildItem $RepoDir -Filter *.nupkg).Name | Should -Be @("KmsImport.$Version.nupkg")
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
            'dependencies/KmsImport.Core.dll', 'dependencies/AWSSDK.Core.dll', 'dependencies/AWSSDK.KeyManagementService.dll') {
            $entries | Should -Contain $file
        }
        # The module root holds only the module's own assemblies; third-party ones are in dependencies/.
        @($entries | Where-Object { $_ -like '*.dll' -and $_ -notlike 'dependencies/*' } | Sort-Object) | Should -Be @('KmsImport.dll', 'KmsImport.Model.dll')
        $entries | Where-Object { $_ -match '\.(pdb|deps\.json)$' } | Should -BeNullOrEmpty

        $nuspec.package.metadata.version | Should -Be $Version
        $nuspec.package.metadata.tags -split ' ' | Should -Contain 'PSEdition_Core'
        $nuspec.package.metadata.projectUrl | Should -Match '^https://'
        $nuspec.package.metadata.releaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'refuses a manifest whose <Case>, and publishes nothing' -ForEach @(
        @{ Case = 'tags lack PSEdition_Core'; Replace = "'PSEdition_Core', "; With = ''; Message = '*Tags must include PSEdition_Core*' }
        @{ Case = 'CmdletsToExport has a wildcard'; Replace = "CmdletsToExport        = @("; With = "CmdletsToExport        = @('*Kms*'"; Message = '*CmdletsToExport must not use wildcards*' }
        @{ Case = 'CmdletsToExport leaves a cmdlet out'; Replace = "'Test-KmsKeyState'"; With = ''; Message = '*implements Test-KmsKeyState, which CmdletsToExport does not list*' }
        @{ Case = 'LicenseUri is missing'; Replace = 'LicenseUri '; With = 'NoLicenseUri '; Message = '*LicenseUri must be an absolute https URL*' }
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
    Save-PSResource -Name KmsImport -Repository `$repository -Path $(Quote $modules) -TrustRepository
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
