# Dependency isolation: KmsImport keeps its own AWSSDK.Core (4.1.0, assembly version 4.0.0.0) in a
# private AssemblyLoadContext, so another copy of the AWS SDK in the same session (AWS Tools,
# AWSPowerShell, a script's Add-Type) neither breaks it nor is broken by it, in either import order.
# Every scenario runs in a fresh pwsh process: assemblies cannot be unloaded from a session.
BeforeDiscovery {
    # The other SDK builds, from tests/tools/AwsSdkCore.proj (restored in BeforeAll).
    $proj = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../tools/AwsSdkCore.proj'))
    $script:OtherCores = @(
        @{ Label = 'AWSSDK.Core 3.7 (as AWS Tools 4 ships)'; Version = "$($proj.Project.PropertyGroup.AwsSdkCoreV3Version)".Trim(); AssemblyVersion = '3.3.0.0' }
        @{ Label = 'another AWSSDK.Core 4.0 build (same assembly version as ours)'; Version = "$($proj.Project.PropertyGroup.AwsSdkCoreV4Version)".Trim(); AssemblyVersion = '4.0.0.0' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleDir = Split-Path -Parent $env:KMSIMPORT_TEST_MODULE
    $script:Deps = Join-Path $script:ModuleDir 'dependencies'
    $script:OurCoreFileVersion = [Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path $script:Deps 'AWSSDK.Core.dll')).FileVersion

    $toolProj = Join-Path $PSScriptRoot '../tools/AwsSdkCore.proj'
    & dotnet restore $toolProj --nologo -v q
    if ($LASTEXITCODE -ne 0) { throw "dotnet restore $toolProj failed" }
    $proj = [xml](Get-Content -Raw $toolProj)
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    function script:Get-OtherCorePath([string] $Version) {
        # The net8.0 build: what AWS Tools loads in PowerShell 7.
        $path = Join-Path $nugetRoot "awssdk.core/$Version/lib/net8.0/AWSSDK.Core.dll"
        if (-not (Test-Path $path)) { throw "AWSSDK.Core $Version was not restored to $path" }
        $path
    }
    $kmsVersion = "$($proj.Project.PropertyGroup.AwsSdkKmsV3Version)".Trim()
    $script:OtherKmsPath = Join-Path $nugetRoot "awssdk.keymanagementservice/$kmsVersion/lib/netstandard2.0/AWSSDK.KeyManagementService.dll"
    $script:OtherCoreForKms = Join-Path $nugetRoot "awssdk.core/$("$($proj.Project.PropertyGroup.AwsSdkCoreV3Version)".Trim())/lib/netstandard2.0/AWSSDK.Core.dll"

    # Helpers every fresh process starts with. The last output line is the scenario's facts as JSON.
    $script:Prologue = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
function Get-AssemblyFacts([Reflection.Assembly] $Assembly) {
    [ordered]@{
        Name        = $Assembly.GetName().Name
        Version     = $Assembly.GetName().Version.ToString()
        FileVersion = [Diagnostics.FileVersionInfo]::GetVersionInfo($Assembly.Location).FileVersion
        Context     = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($Assembly).Name
        Location    = $Assembly.Location
    }
}
function Get-LoadedAssembly([string] $Name) {
    @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $Name })
}
function Invoke-SeedPipeline {
    $material = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString('n') + '.bin')
    $bytes = [byte[]]::new(32)
    [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    [IO.File]::WriteAllBytes($material, $bytes)
    try {
        $report = New-KmsExternalKey -Region eu-west-2 -EndpointUrl $env:KMSIMPORT_TEST_ENDPOINT |
            Get-KmsImportParameters | Protect-KeyMaterial -Path $material | Import-KmsKeyMaterial | Test-KmsKeyState
        [ordered]@{ KeyId = $report.KeyId; Passed = $report.Passed; KeyState = $report.KeyState }
    } finally { Remove-Item -LiteralPath $material -Force }
}
# Which AWSSDK.Core the module's own assemblies bind to: KmsImport.Core's reference resolved the way
# the runtime resolves it (through KmsImport.Core's load context), and the base type of the KMS client.
function Get-ModuleBinding {
    $core = Get-LoadedAssembly 'KmsImport.Core' | Select-Object -First 1
    $context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core)
    $reference = $core.GetReferencedAssemblies() | Where-Object Name -eq 'AWSSDK.Core'
    $kms = Get-LoadedAssembly 'AWSSDK.KeyManagementService' | Where-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_) -eq $context }
    [ordered]@{
        KmsImportCore  = Get-AssemblyFacts $core
        CoreReference  = Get-AssemblyFacts $context.LoadFromAssemblyName($reference)
        KmsClientBase  = Get-AssemblyFacts $kms.GetType('Amazon.KeyManagementService.AmazonKeyManagementServiceClient', $true).BaseType.Assembly
    }
}
function Out-Facts($Facts) { 'FACTS:' + (ConvertTo-Json -InputObject $Facts -Depth 6 -Compress) }
'@

    function script:Invoke-Scenario([string] $Body, [hashtable] $Environment = @{}) {
        $lines = Invoke-FreshPwsh -Script ($script:Prologue + "`n" + $Body) -Environment $Environment
        $factsLine = @($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('FACTS:') }) | Select-Object -Last 1
        if (-not $factsLine) { throw "the scenario reported no facts:`n$($lines -join "`n")" }
        $factsLine.Substring('FACTS:'.Length) | ConvertFrom-Json
    }

    function script:Assert-PrivateBinding($Binding) {
        foreach ($facts in $Binding.CoreReference, $Binding.KmsClientBase) {
            $facts.Context | Should -Be 'KmsImport.Private'
            $facts.Version | Should -Be '4.0.0.0'
            $facts.FileVersion | Should -Be $script:OurCoreFileVersion
            $facts.Location | Should -Be (Join-Path $script:Deps 'AWSSDK.Core.dll')
        }
        $Binding.KmsImportCore.Context | Should -Be 'KmsImport.Private'
    }
}

Describe 'KmsImport alone' {
    It 'loads its AWS SDK into the private context and hides it from the session' {
        $facts = Invoke-Scenario @'
Import-Module $env:KMSIMPORT_TEST_MODULE
$seed = Invoke-SeedPipeline
$key = New-KmsExternalKey -Region eu-west-2 -EndpointUrl $env:KMSIMPORT_TEST_ENDPOINT
Out-Facts ([ordered]@{
    Seed = $seed
    Binding = Get-ModuleBinding
    Cmdlets = Get-AssemblyFacts (Get-LoadedAssembly 'KmsImport' | Select-Object -First 1)
    Model = Get-AssemblyFacts (Get-LoadedAssembly 'KmsImport.Model' | Select-Object -First 1)
    ModelCopies = @(Get-LoadedAssembly 'KmsImport.Model').Count
    # Made by KmsImport.Core in the private context, yet of the type a script names.
    KeyIsNamedType = $key -is [KmsImport.KmsExternalKey]
    KeyTypeSame = $key.GetType() -eq ('KmsImport.KmsExternalKey' -as [type])
    ErrorIdsNamed = [KmsImport.ErrorIds]::KeySpecNotImportable
    SdkTypeVisible = $null -ne ('Amazon.Runtime.BasicAWSCredentials' -as [type])
    AwsSdkCoreCopies = @(Get-LoadedAssembly 'AWSSDK.Core').Count
})
'@
        $facts.Seed.Passed | Should -BeTrue
        $facts.Seed.KeyState | Should -Be 'Enabled'
        Assert-PrivateBinding $facts.Binding
        # The cmdlet assembly is in the default context: PowerShell must see the cmdlets and their types.
        $facts.Cmdlets.Context | Should -Be 'Default'
        # So is the model, once, and Core's objects are of its types: scripts can name them.
        $facts.Model.Context | Should -Be 'Default'
        $facts.Model.Location | Should -Be (Join-Path $script:ModuleDir 'KmsImport.Model.dll')
        $facts.ModelCopies | Should -Be 1
        $facts.KeyIsNamedType | Should -BeTrue
        $facts.KeyTypeSame | Should -BeTrue
        $facts.ErrorIdsNamed | Should -Be 'KeySpecNotImportable'
        # The private SDK is not what a script gets for [Amazon.Runtime.BasicAWSCredentials].
        $facts.SdkTypeVisible | Should -BeFalse
        $facts.AwsSdkCoreCopies | Should -Be 1
    }

    It 'works again after Remove-Module and Import-Module, and after Import-Module -Force' {
        # The resolver is unhooked by Remove-Module; a second import must hook it again.
        $facts = Invoke-Scenario @'
Import-Module $env:KMSIMPORT_TEST_MODULE
Remove-Module KmsImport
Import-Module $env:KMSIMPORT_TEST_MODULE
$afterReimport = Invoke-SeedPipeline
Import-Module $env:KMSIMPORT_TEST_MODULE -Force
$afterForce = Invoke-SeedPipeline
Out-Facts ([ordered]@{ AfterReimport = $afterReimport; AfterForce = $afterForce; AwsSdkCoreCopies = @(Get-LoadedAssembly 'AWSSDK.Core').Count })
'@
        $facts.AfterReimport.Passed | Should -BeTrue
        $facts.AfterForce.Passed | Should -BeTrue
        $facts.AwsSdkCoreCopies | Should -Be 1
    }
}

Describe 'Another AWSSDK.Core loaded before KmsImport: <Label>' -ForEach $OtherCores {
    It 'runs the seed pipeline on its own AWSSDK.Core while the other copy stays in the default context' {
        $facts = Invoke-Scenario -Environment @{ KMSIMPORT_OTHER_CORE = (Get-OtherCorePath $Version) } -Body @'
$other = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_CORE)
Import-Module $env:KMSIMPORT_TEST_MODULE
$seed = Invoke-SeedPipeline
$seed.Named = (New-KmsExternalKey -Region eu-west-2 -EndpointUrl $env:KMSIMPORT_TEST_ENDPOINT) -is [KmsImport.KmsExternalKey]
# The session's own copy still answers: AWS Tools would go on working.
$credentials = [Amazon.Runtime.BasicAWSCredentials]::new('AKIDOTHERCOPY', 'other-secret')
Out-Facts ([ordered]@{
    Seed = $seed
    Other = Get-AssemblyFacts $other
    Binding = Get-ModuleBinding
    SessionType = Get-AssemblyFacts $credentials.GetType().Assembly
    OtherAccessKey = $credentials.GetCredentials().AccessKey
    AwsSdkCoreCopies = @(Get-LoadedAssembly 'AWSSDK.Core').Count
})
'@
        $facts.Seed.Passed | Should -BeTrue
        $facts.Seed.KeyState | Should -Be 'Enabled'
        $facts.Seed.Named | Should -BeTrue
        $facts.Other.Version | Should -Be $AssemblyVersion
        $facts.Other.FileVersion | Should -Not -Be $script:OurCoreFileVersion
        $facts.Other.Context | Should -Be 'Default'
        # The heart of it: KmsImport.Core binds to its private copy even with an AWSSDK.Core of the
        # same assembly version (4.0.0.0) already in the default context.
        Assert-PrivateBinding $facts.Binding
        $facts.SessionType.FileVersion | Should -Be $facts.Other.FileVersion
        $facts.SessionType.Context | Should -Be 'Default'
        $facts.OtherAccessKey | Should -Be 'AKIDOTHERCOPY'
        $facts.AwsSdkCoreCopies | Should -Be 2
    }
}

Describe 'Another AWSSDK.Core loaded after KmsImport: <Label>' -ForEach $OtherCores {
    It 'keeps both copies working side by side' {
        $facts = Invoke-Scenario -Environment @{ KMSIMPORT_OTHER_CORE = (Get-OtherCorePath $Version) } -Body @'
Import-Module $env:KMSIMPORT_TEST_MODULE
$before = Invoke-SeedPipeline
$other = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_CORE)
$credentials = [Amazon.Runtime.BasicAWSCredentials]::new('AKIDOTHERCOPY', 'other-secret')
$region = [Amazon.RegionEndpoint]::GetBySystemName('ap-northeast-1')
$after = Invoke-SeedPipeline
Out-Facts ([ordered]@{
    Before = $before
    After = $after
    Other = Get-AssemblyFacts $other
    Binding = Get-ModuleBinding
    CredentialsType = Get-AssemblyFacts $credentials.GetType().Assembly
    RegionType = Get-AssemblyFacts $region.GetType().Assembly
    OtherAccessKey = $credentials.GetCredentials().AccessKey
    OtherRegionName = $region.DisplayName
})
'@
        $facts.Before.Passed | Should -BeTrue
        $facts.After.Passed | Should -BeTrue
        $facts.Other.Version | Should -Be $AssemblyVersion
        $facts.Other.Context | Should -Be 'Default'
        foreach ($t in $facts.CredentialsType, $facts.RegionType) {
            $t.Location | Should -Be $facts.Other.Location
            $t.Context | Should -Be 'Default'
        }
        $facts.OtherAccessKey | Should -Be 'AKIDOTHERCOPY'
        $facts.OtherRegionName | Should -Be 'Asia Pacific (Tokyo)'
        Assert-PrivateBinding $facts.Binding
    }
}

Describe 'Another module''s AWS SDK resolving its AWSSDK.Core after KmsImport' {
    It 'is not handed KmsImport''s private AWSSDK.Core, and works against the same endpoint' {
        # A module whose AWSSDK.KeyManagementService (3.3.0.0) finds AWSSDK.Core through its own
        # AssemblyResolve handler, registered after KmsImport's. KmsImport's handler must decline
        # (the requester is not KmsImport's), or the other SDK gets AWSSDK.Core 4.0.0.0 and fails
        # with "Could not load type ... from assembly 'AWSSDK.Core, Version=4.0.0.0'".
        $facts = Invoke-Scenario -Environment @{ KMSIMPORT_OTHER_CORE = $script:OtherCoreForKms; KMSIMPORT_OTHER_KMS = $script:OtherKmsPath } -Body @'
Import-Module $env:KMSIMPORT_TEST_MODULE
$seed = Invoke-SeedPipeline
$handler = [ResolveEventHandler] {
    param($sender, $e)
    if (([Reflection.AssemblyName] $e.Name).Name -eq 'AWSSDK.Core') { [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_CORE) } else { $null }
}
[AppDomain]::CurrentDomain.add_AssemblyResolve($handler)
$otherKms = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_KMS)
$config = [Amazon.KeyManagementService.AmazonKeyManagementServiceConfig]::new()
$config.ServiceURL = $env:KMSIMPORT_TEST_ENDPOINT
$config.AuthenticationRegion = 'eu-west-2'
$client = [Amazon.KeyManagementService.AmazonKeyManagementServiceClient]::new(
    [Amazon.Runtime.BasicAWSCredentials]::new($env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY), $config)
$described = $client.DescribeKeyAsync([Amazon.KeyManagementService.Model.DescribeKeyRequest]@{ KeyId = $seed.KeyId }).GetAwaiter().GetResult()
$again = Invoke-SeedPipeline
Out-Facts ([ordered]@{
    Seed = $seed
    Again = $again
    OtherKms = Get-AssemblyFacts $otherKms
    OtherClientBase = Get-AssemblyFacts $client.GetType().BaseType.Assembly
    OtherSawKeyState = $described.KeyMetadata.KeyState.Value
    OtherSawOrigin = $described.KeyMetadata.Origin.Value
    Binding = Get-ModuleBinding
})
'@
        $facts.Seed.Passed | Should -BeTrue
        $facts.Again.Passed | Should -BeTrue
        $facts.OtherKms.Version | Should -Be '3.3.0.0'
        $facts.OtherClientBase.Version | Should -Be '3.3.0.0'
        $facts.OtherClientBase.Location | Should -Be $script:OtherCoreForKms
        $facts.OtherClientBase.Context | Should -Be 'Default'
        # The other SDK read the key KmsImport imported into, through the same local endpoint.
        $facts.OtherSawKeyState | Should -Be 'Enabled'
        $facts.OtherSawOrigin | Should -Be 'EXTERNAL'
        Assert-PrivateBinding $facts.Binding
    }
}
