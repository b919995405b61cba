# Objects of AWS Tools for PowerShell enter the pipeline: KeyMetadata (New-KMSKey, Get-KMSKey),
# KeyListEntry (Get-KMSKeyList) and AliasListEntry (Get-KMSAliasList) bind by property name, and
# the SDK's enum-like values (ConstantClass) are read by name. The objects are made by another copy
# of the AWS SDK loaded into the default context first, as AWS Tools does; each scenario runs in a
# fresh pwsh process (assemblies cannot be unloaded).
BeforeDiscovery {
    $proj = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../tools/AwsSdkCore.proj'))
    $g = $proj.Project.PropertyGroup
    $script:Copies = @(
        @{ Label = 'AWS Tools 5 (AWSSDK.Core 4.0, KMS 4.0)'; Core = "$($g.AwsSdkCoreForKmsV4Version)".Trim(); Kms = "$($g.AwsSdkKmsV4Version)".Trim(); Lib = 'net8.0'; KmsLib = 'net8.0' }
        @{ Label = 'AWS Tools 4 (AWSSDK.Core 3.7, KMS 3.3)'; Core = "$($g.AwsSdkCoreV3Version)".Trim(); Kms = "$($g.AwsSdkKmsV3Version)".Trim(); Lib = 'netstandard2.0'; KmsLib = 'netstandard2.0' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $toolProj = Join-Path $PSScriptRoot '../tools/AwsSdkCore.proj'
    & dotnet restore $toolProj --nologo -v q
    if ($LASTEXITCODE -ne 0) { throw "dotnet restore $toolProj failed" }
    $script:NugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }

    $script:Scenario = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$otherCore = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_CORE)
$otherKms = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_KMS)
Import-Module $env:KMSIMPORT_TEST_MODULE
$ep = $env:KMSIMPORT_TEST_ENDPOINT
$c = @{ Region = 'eu-west-2'; EndpointUrl = $ep }
function Get-Requests { @(Invoke-RestMethod -Uri "$ep/_localkms/requests" | ForEach-Object { $_ }) }
function Clear-Requests { $null = Invoke-RestMethod -Method Delete -Uri "$ep/_localkms/requests" }
# The SDK's key spec class: KeySpec in KMS 4.0, CustomerMasterKeySpec in the older KMS 3.3 build.
$specType = if ('Amazon.KeyManagementService.KeySpec' -as [type]) { [Amazon.KeyManagementService.KeySpec] } else { [Amazon.KeyManagementService.CustomerMasterKeySpec] }
$bytes = [byte[]]::new(32)
[Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
$file = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString('n') + '.bin')
[IO.File]::WriteAllBytes($file, $bytes)
try {
    # Keys made here, then described the way AWS Tools' cmdlets hand them out.
    $k1 = New-KmsExternalKey @c
    $k2 = New-KmsExternalKey @c
    $k3 = New-KmsExternalKey @c -Alias ('alias/awstools-' + [guid]::NewGuid().ToString('n'))

    $meta = [Amazon.KeyManagementService.Model.KeyMetadata]::new()
    $meta.KeyId = $k1.KeyId
    $meta.Arn = $k1.Arn
    $meta.KeyState = [Amazon.KeyManagementService.KeyState]::PendingImport
    $meta.Origin = [Amazon.KeyManagementService.OriginType]::EXTERNAL
    $meta.KeyUsage = [Amazon.KeyManagementService.KeyUsageType]::ENCRYPT_DECRYPT
    if ($meta.PSObject.Properties['KeySpec']) { $meta.KeySpec = $specType::SYMMETRIC_DEFAULT }
    $entry = [Amazon.KeyManagementService.Model.KeyListEntry]::new()
    $entry.KeyId = $k2.KeyId
    $entry.KeyArn = $k2.Arn
    $alias = [Amazon.KeyManagementService.Model.AliasListEntry]::new()
    $alias.AliasName = $k3.Alias
    $alias.AliasArn = 'arn:aws:kms:eu-west-2:111122223333:' + $k3.Alias
    $alias.TargetKeyId = $k3.KeyId

    # KeyMetadata: the seed pipeline, a restore and a check.
    $metaImported = $meta | Get-KmsImportParameters @c | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial
    $metaRestored = $meta | Restore-KmsKeyMaterial -Path $file @c -Confirm:$false
    $metaReport = $meta | Test-KmsKeyState @c -Path $file
    # KeyListEntry: a batch and a check.
    $entryBatch = $entry | Invoke-KmsKeyImport -Path $file @c -NoPacing -Confirm:$false
    $entryReport = $entry | Test-KmsKeyState @c
    # AliasListEntry: TargetKeyId is the key.
    $aliasParams = $alias | Get-KmsImportParameters @c -WrappingKeySpec RSA_2048
    $aliasImported = $aliasParams | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial
    $aliasRestored = $alias | Restore-KmsKeyMaterial -Path $file @c -Confirm:$false
    $aliasReport = $alias | Test-KmsKeyState @c
    $aliasBatch = $alias | Invoke-KmsKeyImport -Path $file @c -NoPacing -Confirm:$false

    # ConstantClass values bound by property name, read by name (fresh parameters: the batch asked for new ones).
    $fresh = $alias | Get-KmsImportParameters @c -WrappingKeySpec RSA_2048
    $foreign = [pscustomobject]@{
        KeyId = $fresh.KeyId; PublicKey = $fresh.PublicKey; ImportToken = $fresh.ImportToken
        ParametersValidTo = $fresh.ParametersValidTo; Region = 'eu-west-2'; EndpointUrl = $ep
        KeySpec = $specType::SYMMETRIC_DEFAULT
        WrappingAlgorithm = [Amazon.KeyManagementService.AlgorithmSpec]::RSAES_OAEP_SHA_256
        WrappingKeySpec = [Amazon.KeyManagementService.WrappingKeySpec]::RSA_2048
    }
    $fromForeign = $foreign | Protect-KeyMaterial -Path $file

    # A key spec this module does not know, on a stranger's object: our ErrorId for that record, no request.
    $unknownSpec = $specType::FindValue('ML_DSA_99')
    $unknownProtect = [pscustomobject]@{
        KeyId = $foreign.KeyId; PublicKey = $foreign.PublicKey; ImportToken = $foreign.ImportToken
        ParametersValidTo = $foreign.ParametersValidTo; KeySpec = $unknownSpec
        WrappingAlgorithm = $foreign.WrappingAlgorithm; WrappingKeySpec = $foreign.WrappingKeySpec
    }
    $protectErrors = $null
    $protectOut = @($unknownProtect, $foreign) | Protect-KeyMaterial -Path $file -ErrorVariable protectErrors -ErrorAction SilentlyContinue
    $wrapped = $fromForeign
    $unknownImport = [pscustomobject]@{
        KeyId = $wrapped.KeyId; EncryptedKeyMaterial = $wrapped.EncryptedKeyMaterial; ImportToken = $wrapped.ImportToken
        ParametersValidTo = $wrapped.ParametersValidTo; Region = 'eu-west-2'; EndpointUrl = $ep; KeySpec = $unknownSpec
    }
    Clear-Requests
    $importErrors = $null
    $importOut = $unknownImport | Import-KmsKeyMaterial -ErrorVariable importErrors -ErrorAction SilentlyContinue
    $requestsAfterUnknown = @(Get-Requests).Count
    # Positive control: the same object with a spec KMS imports does send the import.
    $unknownImport.KeySpec = $specType::SYMMETRIC_DEFAULT
    $knownOut = $unknownImport | Import-KmsKeyMaterial
    $importRequestsAfterKnown = @(Get-Requests | Where-Object operation -eq 'ImportKeyMaterial').Count

    'FACTS:' + (ConvertTo-Json -Depth 4 -Compress -InputObject ([ordered]@{
        OtherCore = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($otherCore).Name
        MetaType = $meta.GetType().Assembly.Location
        MetaImported = [ordered]@{ KeyId = $metaImported.KeyId; KeyState = $metaImported.KeyState }
        MetaRestored = [ordered]@{ KeyId = $metaRestored.KeyId; KeyState = $metaRestored.KeyState }
        MetaReport = [ordered]@{ KeyId = $metaReport.KeyId; Passed = $metaReport.Passed; MaterialProved = $metaReport.MaterialProved }
        EntryBatch = [ordered]@{ KeyId = $entryBatch.KeyId; Status = $entryBatch.Status }
        EntryReport = [ordered]@{ KeyId = $entryReport.KeyId; Passed = $entryReport.Passed }
        AliasParamsKeyId = $aliasParams.KeyId
        AliasImported = [ordered]@{ KeyId = $aliasImported.KeyId; KeyState = $aliasImported.KeyState }
        AliasRestored = $aliasRestored.KeyId
        AliasReport = [ordered]@{ KeyId = $aliasReport.KeyId; Passed = $aliasReport.Passed }
        AliasBatch = [ordered]@{ KeyId = $aliasBatch.KeyId; Status = $aliasBatch.Status }
        Foreign = [ordered]@{ KeySpec = $fromForeign.KeySpec; WrappingAlgorithm = $fromForeign.WrappingAlgorithm; WrappingKeySpec = $fromForeign.WrappingKeySpec }
        ProtectOut = @($protectOut).Count
        ProtectErrors = @($protectErrors | ForEach-Object FullyQualifiedErrorId)
        ProtectMessage = @($protectErrors | ForEach-Object { $_.Exception.Message }) -join ' '
        ImportOut = @($importOut).Count
        ImportErrors = @($importErrors | ForEach-Object FullyQualifiedErrorId)
        RequestsAfterUnknown = $requestsAfterUnknown
        KnownState = $knownOut.KeyState
        ImportRequestsAfterKnown = $importRequestsAfterKnown
        Keys = @($k1.KeyId, $k2.KeyId, $k3.KeyId)
    }))
} finally {
    Remove-Item -LiteralPath $file -Force
}
'@
}

Describe 'AWS Tools objects piped in: <Label>' -ForEach $Copies {
    BeforeAll {
        $core = Join-Path $NugetRoot "awssdk.core/$Core/lib/$Lib/AWSSDK.Core.dll"
        $kms = Join-Path $NugetRoot "awssdk.keymanagementservice/$Kms/lib/$KmsLib/AWSSDK.KeyManagementService.dll"
        foreach ($f in $core, $kms) { if (-not (Test-Path $f)) { throw "$f was not restored" } }
        $lines = Invoke-FreshPwsh -Script $Scenario -Environment @{ KMSIMPORT_OTHER_CORE = $core; KMSIMPORT_OTHER_KMS = $kms }
        $factsLine = @($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('FACTS:') }) | Select-Object -Last 1
        if (-not $factsLine) { throw "the scenario reported no facts:`n$($lines -join "`n")" }
        $script:Facts = $factsLine.Substring(6) | ConvertFrom-Json
        $script:KmsPath = $kms
    }

    It 'made the objects with the other SDK copy, in the default context' {
        $Facts.OtherCore | Should -Be 'Default'
        $Facts.MetaType | Should -Be $KmsPath
    }

    It 'imports, restores and checks a key handed in as KeyMetadata' {
        $Facts.MetaImported.KeyId | Should -Be $Facts.Keys[0]
        $Facts.MetaImported.KeyState | Should -Be 'Enabled'
        $Facts.MetaRestored.KeyId | Should -Be $Facts.Keys[0]
        $Facts.MetaReport.KeyId | Should -Be $Facts.Keys[0]
        $Facts.MetaReport.Passed | Should -BeTrue
        $Facts.MetaReport.MaterialProved | Should -BeTrue
    }

    It 'imports and checks a key handed in as KeyListEntry' {
        $Facts.EntryBatch.KeyId | Should -Be $Facts.Keys[1]
        $Facts.EntryBatch.Status | Should -Be 'Imported'
        $Facts.EntryReport.KeyId | Should -Be $Facts.Keys[1]
        $Facts.EntryReport.Passed | Should -BeTrue
    }

    It 'takes the key of an AliasListEntry from TargetKeyId' {
        $Facts.AliasParamsKeyId | Should -Be $Facts.Keys[2]
        $Facts.AliasImported.KeyId | Should -Be $Facts.Keys[2]
        $Facts.AliasImported.KeyState | Should -Be 'Enabled'
        $Facts.AliasRestored | Should -Be $Facts.Keys[2]
        $Facts.AliasReport.Passed | Should -BeTrue
        $Facts.AliasBatch.KeyId | Should -Be $Facts.Keys[2]
        # Already holds this material: a batch verifies by re-import.
        $Facts.AliasBatch.Status | Should -Be 'Verified'
    }

    It 'reads ConstantClass values bound by property name by their names' {
        $Facts.Foreign.KeySpec | Should -Be 'SYMMETRIC_DEFAULT'
        $Facts.Foreign.WrappingAlgorithm | Should -Be 'RSAES_OAEP_SHA_256'
        $Facts.Foreign.WrappingKeySpec | Should -Be 'RSA_2048'
    }

    It 'refuses a key spec it does not know with KeySpecNotImportable for that record only, before any request' {
        $Facts.ProtectOut | Should -Be 1
        @($Facts.ProtectErrors) | Should -Be @('KeySpecNotImportable,KmsImport.Cmdlets.ProtectKeyMaterialCommand')
        $Facts.ProtectMessage | Should -Match 'ML_DSA_99'
        $Facts.ProtectMessage | Should -Match 'SYMMETRIC_DEFAULT, HMAC_224'
        $Facts.ImportOut | Should -Be 0
        @($Facts.ImportErrors) | Should -Be @('KeySpecNotImportable,KmsImport.Cmdlets.ImportKmsKeyMaterialCommand')
        $Facts.RequestsAfterUnknown | Should -Be 0
        # The positive control: with a known spec the same object is imported.
        $Facts.KnownState | Should -Be 'Enabled'
        $Facts.ImportRequestsAfterKnown | Should -Be 1
    }
}
