# The module's types are nameable in scripts, and its objects name KMS values (never enum numbers)
# in JSON and CSV: audit logs and wrapper functions on PowerShell 7 (and 5.1, which has no
# ConvertTo-Json -EnumsAsStrings: the values are strings on the objects themselves).
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $env:KMSIMPORT_TEST_ENDPOINT }
    $script:OutputTypes = @(Get-Command -Module KmsImport | ForEach-Object OutputType | Where-Object { $_.Name -like 'KmsImport.*' } |
        Sort-Object Name -Unique)

    # The properties that carry a KMS value, and the names each may hold.
    $script:Vocabulary = @{
        KeySpec           = [Enum]::GetNames([KmsImport.KeySpec])
        KeyUsage          = [Enum]::GetNames([KmsImport.KeyUsage])
        WrappingAlgorithm = [Enum]::GetNames([KmsImport.WrappingAlgorithm])
        WrappingKeySpec   = [Enum]::GetNames([KmsImport.WrappingKeySpec])
        ExpirationModel   = [Enum]::GetNames([KmsImport.ExpirationModel])
        KeyState          = [KmsImport.KeyStates]::All
        ExpectedState     = [KmsImport.KeyStates]::All
        Origin            = @('AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE')
    }

    # One object of every output type, made by the cmdlets against the local endpoint.
    $material = [byte[]]::new(32)
    [Security.Cryptography.RandomNumberGenerator]::Fill($material)
    $hmac = [byte[]]::new(64)
    [Security.Cryptography.RandomNumberGenerator]::Fill($hmac)
    $evidence = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-types-" + [guid]::NewGuid().ToString('n') + '.jsonl')
    $key = New-KmsExternalKey @Common -EvidencePath $evidence
    $params = $key | Get-KmsImportParameters
    $wrapped = $params | Protect-KeyMaterial -KeyMaterial $material
    $imported = $wrapped | Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(30)
    $macKey = New-KmsExternalKey @Common -KeySpec HMAC_512
    $macParams = $macKey | Get-KmsImportParameters -WrappingKeySpec RSA_2048
    $macImported = $macParams | Protect-KeyMaterial -KeyMaterial $hmac | Import-KmsKeyMaterial
    # A fleet plan of one row (objects bound to -Plan), for KmsFleetImportResult.
    $planEscrow = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-types-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $planEscrow
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($planEscrow, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute') }
    $planRow = [pscustomobject]@{ Region = 'eu-west-2'; KeySpec = 'SYMMETRIC_DEFAULT'; Alias = 'alias/types-' + [guid]::NewGuid().ToString('n'); Generate = $true; EscrowPath = $planEscrow }
    $script:Samples = @(
        $key, $params, $wrapped, $imported, $macKey, $macParams, $macImported
        Test-KmsKeyState -KeyId $key.KeyId @Common
        Test-KmsKeyState -KeyId $macKey.KeyId @Common -KeyMaterial $hmac
        Get-KmsKeyMaterialExpiry -KeyId $key.KeyId, $macKey.KeyId @Common -WarningAction SilentlyContinue
        Get-KmsKeyRotation -KeyId $key.KeyId @Common
        Restore-KmsKeyMaterial -KeyId $key.KeyId -KeyMaterial $material @Common -Confirm:$false
        New-KmsExternalKey @Common | Invoke-KmsKeyImport -Generate -NoEscrow -NoPacing -Confirm:$false
        Remove-KmsImportedKeyMaterial -KeyId $macKey.KeyId @Common -PassThru -Confirm:$false
        Test-KmsCeremonyEvidence -Path $evidence
        $planRow | Invoke-KmsKeyImport -EndpointUrl $env:KMSIMPORT_TEST_ENDPOINT -Confirm:$false
    )
    Remove-Item $evidence
    Remove-Item -Recurse -Force $planEscrow
    [Array]::Clear($material, 0, $material.Length)
    [Array]::Clear($hmac, 0, $hmac.Length)
}

Describe 'Nameable types' {
    It 'resolves every [OutputType] of every cmdlet by name, to the type the cmdlets emit' {
        $OutputTypes.Count | Should -BeGreaterOrEqual 9
        foreach ($t in $OutputTypes) {
            $named = $t.Name -as [type]
            $named | Should -Not -BeNullOrEmpty -Because "[$($t.Name)] should resolve in a script"
            $named | Should -Be $t.Type
            $named.Assembly.GetName().Name | Should -Be 'KmsImport.Model'
        }
        foreach ($o in $Samples) { $o.GetType().FullName -as [type] | Should -Be $o.GetType() }
    }

    It 'lets a fresh session name the types in param blocks, -is and casts' {
        $lines = Invoke-FreshPwsh -Script @'
$ErrorActionPreference = 'Stop'
Import-Module $env:KMSIMPORT_TEST_MODULE
function Get-Id { param([Parameter(Mandatory)] [KmsImport.KmsExternalKey] $Key) $Key.KeyId }
$key = New-KmsExternalKey -Region eu-west-2 -EndpointUrl $env:KMSIMPORT_TEST_ENDPOINT
$outputTypes = @(Get-Command -Module KmsImport | ForEach-Object OutputType | Where-Object Name -like 'KmsImport.*')
'FACTS:' + (ConvertTo-Json -Compress -InputObject ([ordered]@{
    Id         = Get-Id -Key $key
    KeyId      = $key.KeyId
    Is         = $key -is [KmsImport.KmsExternalKey]
    Unresolved = @($outputTypes | Where-Object { -not ($_.Name -as [type]) } | ForEach-Object Name)
    Resolved   = $outputTypes.Count
    Spec       = [KmsImport.KeySpec]'HMAC_256' -eq [KmsImport.KeySpec]::HMAC_256
    ErrorId    = [KmsImport.ErrorIds]::MaterialDirectoryNotFound
}))
'@
        $facts = ((@($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('FACTS:') }) | Select-Object -Last 1).Substring(6)) | ConvertFrom-Json
        $facts.Id | Should -Be $facts.KeyId
        $facts.Is | Should -BeTrue
        @($facts.Unresolved) | Should -BeNullOrEmpty
        $facts.Resolved | Should -BeGreaterOrEqual 9
        $facts.Spec | Should -BeTrue
        $facts.ErrorId | Should -Be 'MaterialDirectoryNotFound'
    }

    It 'refuses an object of another type for a typed parameter (the type is really checked)' {
        function Get-Id { param([Parameter(Mandatory)] [KmsImport.KmsExternalKey] $Key) $Key.KeyId }
        { Get-Id -Key (Get-Date) } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,Get-Id'
    }
}

Describe 'KMS values as names in JSON and CSV' {
    It 'has samples of every output type' {
        @($Samples | ForEach-Object { $_.GetType().FullName } | Sort-Object -Unique) | Should -Be @($OutputTypes.Name | Sort-Object)
    }

    It 'carries every KMS value as a string on the objects' {
        foreach ($o in $Samples) {
            foreach ($name in $Vocabulary.Keys) {
                $p = $o.PSObject.Properties[$name]
                if (-not $p) { continue }
                $p.TypeNameOfValue | Should -Be 'System.String' -Because "$($o.GetType().Name).$name"
            }
        }
    }

    It 'writes KMS names, never numbers, with ConvertTo-Json' {
        $checked = 0
        foreach ($o in $Samples) {
            $json = ConvertTo-Json -InputObject $o -Depth 3
            $back = $json | ConvertFrom-Json
            foreach ($name in $Vocabulary.Keys) {
                if (-not $o.PSObject.Properties[$name] -or $null -eq $o.$name) { continue }
                $json | Should -Not -Match ('"' + $name + '":\s*-?\d') -Because "$($o.GetType().Name).$name"
                $back.$name | Should -BeOfType [string]
                $back.$name | Should -BeIn $Vocabulary[$name] -Because "$($o.GetType().Name).$name"
                $back.$name | Should -Be $o.$name
                $checked++
            }
        }
        $checked | Should -BeGreaterOrEqual 30
        # The values the pipeline chose, by name.
        ($params | ConvertTo-Json | ConvertFrom-Json).WrappingAlgorithm | Should -Be 'RSAES_OAEP_SHA_256'
        ($imported | ConvertTo-Json | ConvertFrom-Json).ExpirationModel | Should -Be 'KEY_MATERIAL_EXPIRES'
        ($macImported | ConvertTo-Json | ConvertFrom-Json).ExpirationModel | Should -Be 'KEY_MATERIAL_DOES_NOT_EXPIRE'
        ($macKey | ConvertTo-Json | ConvertFrom-Json).KeyUsage | Should -Be 'GENERATE_VERIFY_MAC'
    }

    It 'writes KMS names, never numbers, with Export-Csv' {
        $csv = Join-Path $TestDrive 'audit.csv'
        $checked = 0
        foreach ($o in $Samples) {
            $o | Export-Csv -LiteralPath $csv -NoTypeInformation
            $row = Import-Csv -LiteralPath $csv
            foreach ($name in $Vocabulary.Keys) {
                if (-not $o.PSObject.Properties[$name] -or $null -eq $o.$name) { continue }
                $row.$name | Should -Not -Match '^-?\d+$' -Because "$($o.GetType().Name).$name"
                $row.$name | Should -BeIn $Vocabulary[$name]
                $row.$name | Should -Be $o.$name
                $checked++
            }
        }
        $checked | Should -BeGreaterOrEqual 30
    }
}
