# Beyond the seed: every key spec with proof, expiry and restore, deletion, rotation, multi-Region,
# offline ceremonies and batches. This file runs its own endpoint, because it moves the clock
# and injects faults.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS
    $script:Url = $script:Server.Url
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-lifecycle-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work

    function New-RandomFile([int] $Length) {
        $bytes = [byte[]]::new($Length)
        [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.bin')
        [IO.File]::WriteAllBytes($path, $bytes)
        $path
    }
    function New-Folder([string] $Name) {
        (New-Item -ItemType Directory (Join-Path $script:Work ($Name + '-' + [guid]::NewGuid().ToString('n')))).FullName
    }
    function Invoke-OpenSsl([string[]] $Arguments) {
        $out = & openssl @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($Arguments -join ' ') failed: $out" }
    }
}

AfterAll {
    Stop-LocalKms -Server $script:Server
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Every importable key spec, generated, imported and proved' {
    It '<KeySpec> (<KeyUsage>) is imported with <Expected> and proved by <Proof>' -ForEach @(
        @{ KeySpec = 'HMAC_224'; KeyUsage = 'GENERATE_VERIFY_MAC'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GenerateMac' }
        @{ KeySpec = 'HMAC_256'; KeyUsage = 'GENERATE_VERIFY_MAC'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GenerateMac' }
        @{ KeySpec = 'HMAC_384'; KeyUsage = 'GENERATE_VERIFY_MAC'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GenerateMac' }
        @{ KeySpec = 'HMAC_512'; KeyUsage = 'GENERATE_VERIFY_MAC'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GenerateMac' }
        @{ KeySpec = 'RSA_2048'; KeyUsage = 'ENCRYPT_DECRYPT'; Expected = 'RSA_AES_KEY_WRAP_SHA_256'; Proof = 'GetPublicKey+Decrypt' }
        @{ KeySpec = 'RSA_3072'; KeyUsage = 'SIGN_VERIFY'; Expected = 'RSA_AES_KEY_WRAP_SHA_256'; Proof = 'GetPublicKey+Sign' }
        @{ KeySpec = 'RSA_4096'; KeyUsage = 'SIGN_VERIFY'; Expected = 'RSA_AES_KEY_WRAP_SHA_256'; Proof = 'GetPublicKey+Sign' }
        @{ KeySpec = 'RSA_4096'; KeyUsage = 'ENCRYPT_DECRYPT'; Expected = 'RSA_AES_KEY_WRAP_SHA_256'; Proof = 'GetPublicKey+Decrypt' }
        @{ KeySpec = 'ECC_NIST_P256'; KeyUsage = 'SIGN_VERIFY'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GetPublicKey+Sign' }
        @{ KeySpec = 'ECC_NIST_P384'; KeyUsage = 'SIGN_VERIFY'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GetPublicKey+Sign' }
        @{ KeySpec = 'ECC_NIST_P521'; KeyUsage = 'SIGN_VERIFY'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GetPublicKey+Sign' }
        @{ KeySpec = 'ECC_SECG_P256K1'; KeyUsage = 'SIGN_VERIFY'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GetPublicKey+Sign' }
        @{ KeySpec = 'ECC_NIST_P256'; KeyUsage = 'KEY_AGREEMENT'; Expected = 'RSAES_OAEP_SHA_256'; Proof = 'GetPublicKey' }
    ) {
        $escrow = New-Folder 'escrow'
        $params = New-KmsExternalKey @Common -KeySpec $KeySpec -KeyUsage $KeyUsage | Get-KmsImportParameters
        $params.WrappingAlgorithm | Should -Be $Expected
        $result = $params | Protect-KeyMaterial -Generate -EscrowPath $escrow | Import-KmsKeyMaterial
        $result.Outcome | Should -Be 'Imported'
        ($result | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        $file = Get-ChildItem $escrow | Select-Object -First 1
        $report = Test-KmsKeyState @Common -KeyId $result.KeyId -Path $file.FullName
        $report.Passed | Should -BeTrue
        $report.MaterialProved | Should -BeTrue
        $report.ProofMethod | Should -Be $Proof
    }

    It 'imports private keys made by openssl in <Format> for <KeySpec>' -ForEach @(
        @{ KeySpec = 'RSA_2048'; Format = 'PKCS#1 PEM'; Gen = { param($f) Invoke-OpenSsl @('genrsa', '-traditional', '-out', $f, '2048') } }
        @{ KeySpec = 'RSA_3072'; Format = 'PKCS#8 PEM'; Gen = { param($f) Invoke-OpenSsl @('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-out', $f) } }
        @{ KeySpec = 'ECC_NIST_P256'; Format = 'SEC1 PEM'; Gen = { param($f) Invoke-OpenSsl @('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', $f) } }
        @{ KeySpec = 'ECC_NIST_P384'; Format = 'PKCS#8 DER'; Gen = { param($f) Invoke-OpenSsl @('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-outform', 'DER', '-out', $f) } }
        @{ KeySpec = 'ECC_SECG_P256K1'; Format = 'SEC1 PEM'; Gen = { param($f) Invoke-OpenSsl @('ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', $f) } }
    ) {
        $file = Join-Path $Work ([guid]::NewGuid().ToString('n') + '.key')
        & $Gen $file
        $result = New-KmsExternalKey @Common -KeySpec $KeySpec -KeyUsage SIGN_VERIFY | Get-KmsImportParameters |
            Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial
        $result.Outcome | Should -Be 'Imported'
        ($result | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        (Test-KmsKeyState @Common -KeyId $result.KeyId -Path $file).MaterialProved | Should -BeTrue
    }

    It 'imports an encrypted PKCS#8 key with -Password' {
        $file = Join-Path $Work 'encrypted.pem'
        Invoke-OpenSsl @('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-256-cbc', '-pass', 'pass:correct horse', '-out', $file)
        $password = ConvertTo-SecureString 'correct horse' -AsPlainText -Force
        $result = New-KmsExternalKey @Common -KeySpec ECC_NIST_P256 | Get-KmsImportParameters | Protect-KeyMaterial -Path $file -Password $password | Import-KmsKeyMaterial
        $result.Outcome | Should -Be 'Imported'
        ($result | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        $wrong = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        New-KmsExternalKey @Common -KeySpec ECC_NIST_P256 | Get-KmsImportParameters | Protect-KeyMaterial -Path $file -Password $wrong -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KeyMaterialWrongPassword,*'
    }

    It 'reports material that is not the one KMS holds' {
        $result = New-KmsExternalKey @Common -KeySpec HMAC_256 | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial
        $report = Test-KmsKeyState @Common -KeyId $result.KeyId -Path (New-RandomFile 32)
        $report.Passed | Should -BeFalse
        $report.MaterialProved | Should -BeFalse
        $report.Reasons -join ' ' | Should -Match 'other material'
    }

    It 'proves symmetric material only as far as KMS allows, and says so' {
        $file = New-RandomFile 32
        $result = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial
        $report = Test-KmsKeyState @Common -KeyId $result.KeyId -Path $file
        $report.ProofMethod | Should -Be 'Encrypt+Decrypt'
        $report.ProofDetail | Should -Match 'no check that identifies symmetric material'
    }
}

Describe 'Expiry, restore and deletion' {
    AfterEach { $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method DELETE }

    It 'warns before expiry, reports Expired after it, and restores the escrowed material' {
        $region = 'ca-central-1'
        $file = New-RandomFile 32
        $soon = New-KmsExternalKey -Region $region -EndpointUrl $Url | Get-KmsImportParameters | Protect-KeyMaterial -Path $file |
            Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(10)
        $later = New-KmsExternalKey -Region $region -EndpointUrl $Url | Get-KmsImportParameters | Protect-KeyMaterial -Path $file |
            Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(200)
        $never = New-KmsExternalKey -Region $region -EndpointUrl $Url | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial

        $report = Get-KmsKeyMaterialExpiry -Region $region -EndpointUrl $Url -WarningDays 30 -WarningVariable warnings -WarningAction SilentlyContinue
        ($report | Where-Object KeyId -eq $soon.KeyId).Status | Should -Be 'Warning'
        ($report | Where-Object KeyId -eq $later.KeyId).Status | Should -Be 'OK'
        ($report | Where-Object KeyId -eq $never.KeyId).Status | Should -Be 'DoesNotExpire'
        ($warnings -join ' ') | Should -Match $soon.KeyId

        $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method POST -Body @{ advanceSeconds = 11 * 86400 }
        $after = Get-KmsKeyMaterialExpiry -KeyId $soon.KeyId -Region $region -EndpointUrl $Url
        $after.Status | Should -Be 'Expired'
        $after.KeyState | Should -Be 'PendingImport'

        $restored = Restore-KmsKeyMaterial -KeyId $soon.KeyId -Region $region -EndpointUrl $Url -Path $file -ValidTo (Get-Date).AddDays(60)
        $restored.KeyState | Should -Be 'Enabled'
        $restored.ExpirationModel | Should -Be 'KEY_MATERIAL_EXPIRES'
    }

    It 'an empty piped collection reports no keys, not the whole Region' {
        @(@() | Get-KmsKeyMaterialExpiry @Common) | Should -BeNullOrEmpty
    }

    It 'Restore-KmsKeyMaterial changes the expiration model of the material a key holds (-Confirm:$false: no question)' {
        $file = New-RandomFile 32
        $key = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(5)
        $changed = $key | Restore-KmsKeyMaterial -Path $file -Confirm:$false
        $changed.ExpirationModel | Should -Be 'KEY_MATERIAL_DOES_NOT_EXPIRE'
        (Test-KmsKeyState @Common -KeyId $key.KeyId).ExpirationModel | Should -Be 'KEY_MATERIAL_DOES_NOT_EXPIRE'
        $back = $key | Restore-KmsKeyMaterial -Path $file -ValidTo (Get-Date).AddDays(30) -Confirm:$false
        $back.ExpirationModel | Should -Be 'KEY_MATERIAL_EXPIRES'
    }

    It 'Restore-KmsKeyMaterial asks before changing the expiration model, in both directions; -WhatIf says so' {
        $file = New-RandomFile 32
        $never = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial
        $expiring = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(20)
        Clear-LocalKmsRequest -Url $Url
        # A fresh -NonInteractive pwsh: a prompt cannot be answered there, so an attempt to ask shows as an error.
        $probe = @'
Import-Module $env:KMSIMPORT_TEST_MODULE
$c = @{ Region = 'eu-west-2'; EndpointUrl = $env:T_URL; Path = $env:T_FILE }
function Try-Restore([scriptblock] $Run) {
    try { $r = & $Run; "DONE:$($r.ExpirationModel)" } catch { "FAILED:$($_.Exception.Message)" }
}
Restore-KmsKeyMaterial @c -KeyId $env:T_NEVER -ValidTo (Get-Date).AddDays(30) -WhatIf
Try-Restore { Restore-KmsKeyMaterial @c -KeyId $env:T_NEVER -ValidTo (Get-Date).AddDays(30) -ErrorAction Stop }
"MODEL-NEVER:$((Test-KmsKeyState @c -KeyId $env:T_NEVER).ExpirationModel)"
Restore-KmsKeyMaterial @c -KeyId $env:T_EXPIRING -WhatIf
Try-Restore { Restore-KmsKeyMaterial @c -KeyId $env:T_EXPIRING -ErrorAction Stop }
"MODEL-EXPIRING:$((Test-KmsKeyState @c -KeyId $env:T_EXPIRING).ExpirationModel)"
# Same model: no question even here.
Try-Restore { Restore-KmsKeyMaterial @c -KeyId $env:T_EXPIRING -ValidTo (Get-Date).AddDays(40) -ErrorAction Stop }
# $ConfirmPreference None answers as -Confirm:$false does.
$ConfirmPreference = 'None'
Try-Restore { Restore-KmsKeyMaterial @c -KeyId $env:T_EXPIRING -ErrorAction Stop }
'@
        $out = (Invoke-FreshPwsh -Script $probe -Environment @{ T_URL = $Url; T_FILE = $file; T_NEVER = $never.KeyId; T_EXPIRING = $expiring.KeyId }) -join "`n"
        $out | Should -Match 'What if: .*changes the expiration model from KEY_MATERIAL_DOES_NOT_EXPIRE to KEY_MATERIAL_EXPIRES'
        $out | Should -Match 'What if: .*changes the expiration model from KEY_MATERIAL_EXPIRES to KEY_MATERIAL_DOES_NOT_EXPIRE'
        @([regex]::Matches($out, 'FAILED:[^\n]*NonInteractive')).Count | Should -Be 2 -Because "both changes should ask: $out"
        $out | Should -Match 'MODEL-NEVER:KEY_MATERIAL_DOES_NOT_EXPIRE'
        $out | Should -Match 'MODEL-EXPIRING:KEY_MATERIAL_EXPIRES'
        @([regex]::Matches($out, 'DONE:KEY_MATERIAL_EXPIRES')).Count | Should -Be 1
        $out | Should -Match 'DONE:KEY_MATERIAL_DOES_NOT_EXPIRE'
        # Only the two restores that were not asked about reached ImportKeyMaterial.
        @(Get-LocalKmsRequest -Url $Url | Where-Object Operation -eq 'ImportKeyMaterial').Count | Should -Be 2
    }

    It 'Get-KmsKeyMaterialExpiry tells keys that never had material (NoMaterial) from keys whose material is gone (Expired)' {
        $region = 'sa-east-1'
        $c = @{ Region = $region; EndpointUrl = $Url }
        $file = New-RandomFile 32
        $hmacFile = New-RandomFile 32
        $emptySym = New-KmsExternalKey @c
        $emptyHmac = New-KmsExternalKey @c -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC
        $deletedSym = New-KmsExternalKey @c | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial
        $deletedHmac = New-KmsExternalKey @c -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC | Get-KmsImportParameters |
            Protect-KeyMaterial -Path $hmacFile | Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(30)
        foreach ($k in $deletedSym, $deletedHmac) { $null = Remove-KmsImportedKeyMaterial @c -KeyId $k.KeyId -Confirm:$false }

        $report = Get-KmsKeyMaterialExpiry @c
        $status = @{}; foreach ($r in $report) { $status[$r.KeyId] = $r.Status }
        $status[$emptySym.KeyId] | Should -Be 'NoMaterial'
        $status[$emptyHmac.KeyId] | Should -Be 'NoMaterial'
        $status[$deletedSym.KeyId] | Should -Be 'Expired'
        $status[$deletedHmac.KeyId] | Should -Be 'Expired'
        # The restore recipe of the docs picks exactly the keys whose material is gone.
        @($report | Where-Object Status -eq 'Expired').KeyId | Sort-Object | Should -Be (@($deletedSym.KeyId, $deletedHmac.KeyId) | Sort-Object)
        (Get-KmsKeyMaterialExpiry @c -KeyId $emptySym.KeyId).KeyState | Should -Be 'PendingImport'
    }

    It 'Restore-KmsKeyMaterial refuses different material (KMS takes only identical bytes)' {
        $key = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial
        $key | Restore-KmsKeyMaterial -Path (New-RandomFile 32) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KmsIncorrectKeyMaterial,*'
    }

    It 'Remove-KmsImportedKeyMaterial asks (ConfirmImpact High), honours -WhatIf, and deletes' {
        $key = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial
        (Get-Command Remove-KmsImportedKeyMaterial).ImplementingType.GetCustomAttributes($true) |
            Where-Object { $_ -is [System.Management.Automation.CmdletAttribute] } | ForEach-Object ConfirmImpact | Should -Be 'High'
        $key | Remove-KmsImportedKeyMaterial -WhatIf
        (Test-KmsKeyState @Common -KeyId $key.KeyId).KeyState | Should -Be 'Enabled'
        $after = $key | Remove-KmsImportedKeyMaterial -Confirm:$false -PassThru
        $after.KeyState | Should -Be 'PendingImport'
    }
}

Describe 'On-demand rotation of imported symmetric material' {
    It 'imports NEW material, rotates, and lists CURRENT and NON_CURRENT material' {
        $key = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial
        $first = $key.KeyMaterialId
        $new = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) |
            Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL -KeyMaterialDescription 'rotation 2026-11'
        $pending = Get-KmsKeyRotation @Common -KeyId $key.KeyId
        ($pending | Where-Object KeyMaterialState -eq 'PENDING_ROTATION').KeyMaterialDescription | Should -Be 'rotation 2026-11'

        Invoke-KmsKeyRotation @Common -KeyId $key.KeyId -Confirm:$false
        $after = Get-KmsKeyRotation @Common -KeyId $key.KeyId
        ($after | Where-Object KeyMaterialState -eq 'CURRENT').KeyMaterialId | Should -Not -Be $first
        ($after | Where-Object KeyMaterialState -eq 'NON_CURRENT').KeyMaterialId | Should -Be $first
    }

    It 'takes an alias for rotation, listing and deletion (resolved to the key id first)' {
        $alias = 'alias/rotate-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $key = New-KmsExternalKey @Common -Alias $alias | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial
        $null = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL
        Invoke-KmsKeyRotation @Common -KeyId $alias -Confirm:$false
        @(Get-KmsKeyRotation @Common -KeyId $alias).Count | Should -Be 2
        (Remove-KmsImportedKeyMaterial @Common -KeyId $alias -Confirm:$false -PassThru).KeyId | Should -Be $key.KeyId
    }

    It 'Restore-KmsKeyMaterial -KeyMaterialId restores one named material of a rotated key' {
        $old = New-RandomFile 32
        $key = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $old | Import-KmsKeyMaterial
        $null = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32) | Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL
        Invoke-KmsKeyRotation @Common -KeyId $key.KeyId -Confirm:$false
        $restored = Restore-KmsKeyMaterial @Common -KeyId $key.KeyId -Path $old -KeyMaterialId $key.KeyMaterialId
        $restored.KeyMaterialId | Should -Be $key.KeyMaterialId
    }

    It 'refuses rotation fields on an HMAC key before calling KMS' {
        $wrapped = New-KmsExternalKey @Common -KeySpec HMAC_256 | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-RandomFile 32)
        Clear-LocalKmsRequest -Url $Url
        $wrapped | Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportOptionsInvalid,*'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }

    It 'rotates a multi-Region key: NEW into the primary, the same bytes as EXISTING into the replica, rotate the primary' {
        $initial = New-RandomFile 32
        $keys = New-KmsExternalKey @Common -ReplicaRegion 'eu-central-1' | Get-KmsImportParameters | Protect-KeyMaterial -Path $initial | Import-KmsKeyMaterial
        $primary = $keys | Where-Object Region -eq 'eu-west-2'
        $replica = $keys | Where-Object Region -eq 'eu-central-1'

        $next = New-RandomFile 32
        $newOnPrimary = $primary | Get-KmsImportParameters | Protect-KeyMaterial -Path $next | Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL
        $newOnPrimary.KeyMaterialId | Should -Not -BeNullOrEmpty
        $onReplica = $replica | Get-KmsImportParameters | Protect-KeyMaterial -Path $next |
            Import-KmsKeyMaterial -ImportType EXISTING_KEY_MATERIAL -KeyMaterialId $newOnPrimary.KeyMaterialId
        $onReplica.Outcome | Should -Be 'Imported'
        ($onReplica | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        Invoke-KmsKeyRotation -KeyId $primary.KeyId -Region 'eu-west-2' -EndpointUrl $Url -Confirm:$false
        (Get-KmsKeyRotation -KeyId $primary.KeyId -Region 'eu-west-2' -EndpointUrl $Url | Where-Object KeyMaterialState -eq 'CURRENT').KeyMaterialId |
            Should -Be $newOnPrimary.KeyMaterialId
    }
}

Describe 'Multi-Region keys' {
    It 'creates the primary and replicas, and one pipeline imports the same material into each Region' {
        $file = New-RandomFile 32
        Clear-LocalKmsRequest -Url $Url
        $reports = New-KmsExternalKey @Common -MultiRegion -ReplicaRegion 'eu-west-1', 'us-east-1' |
            Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial | Test-KmsKeyState
        @($reports).Count | Should -Be 3
        $reports.Region | Should -Be @('eu-west-2', 'eu-west-1', 'us-east-1')
        $reports.Passed | Should -Not -Contain $false
        @($reports.KeyId | Sort-Object -Unique).Count | Should -Be 1
        $reports[0].KeyId | Should -BeLike 'mrk-*'
        $gets = Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'GetParametersForImport'
        @($gets.region | Sort-Object -Unique) | Should -Be @('eu-west-1', 'eu-west-2', 'us-east-1')
    }

    It 'emits the primary and one object per replica, and creates no replica before the primary holds material' {
        Clear-LocalKmsRequest -Url $Url
        $out = @(New-KmsExternalKey @Common -ReplicaRegion 'ap-northeast-1', 'ca-central-1')
        $out.Count | Should -Be 3
        $out[0].MultiRegionKeyType | Should -Be 'PRIMARY'
        $out[0].ReplicationPending | Should -BeFalse
        $out[0].KeyState | Should -Be 'PendingImport'
        foreach ($replica in $out[1..2]) {
            $replica.KeyId | Should -Be $out[0].KeyId
            $replica.MultiRegionKeyType | Should -Be 'REPLICA'
            $replica.ReplicationPending | Should -BeTrue
            $replica.PrimaryRegion | Should -Be 'eu-west-2'
            $replica.KeyState | Should -BeNullOrEmpty -Because 'KMS has no state for a replica it has not created'
            $replica.Arn | Should -Be ($out[0].Arn -replace ':eu-west-2:', ":$($replica.Region):")
        }
        $out[1..2].Region | Should -Be @('ap-northeast-1', 'ca-central-1')
        @(Get-LocalKmsRequest -Url $Url).operation | Should -Be @('CreateKey')
    }

    It 'imports all three when the objects were kept in a variable first' {
        $file = New-RandomFile 32
        $keys = New-KmsExternalKey @Common -MultiRegion -ReplicaRegion 'eu-west-1', 'us-east-1'
        $results = @($keys | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial)
        $results.Count | Should -Be 3
        $results.Outcome | Sort-Object -Unique | Should -Be 'Imported'
        $results.Region | Should -Be @('eu-west-2', 'eu-west-1', 'us-east-1')
        $reports = @($results | Test-KmsKeyState -Path $file)
        $reports.Passed | Should -Not -Contain $false
        $reports.MaterialProved | Should -Not -Contain $false
    }

    It 'imports all three when Sort-Object buffers them (a replica before its primary waits for the primary''s import)' {
        $file = New-RandomFile 32
        $keys = New-KmsExternalKey @Common -MultiRegion -ReplicaRegion 'eu-west-1', 'us-east-1'
        # eu-west-1 (a replica) sorts before eu-west-2 (the primary).
        $results = @($keys | Sort-Object Region | Get-KmsImportParameters | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial)
        $results.Count | Should -Be 3
        @($results.Region | Sort-Object) | Should -Be @('eu-west-1', 'eu-west-2', 'us-east-1')
        ($results | Test-KmsKeyState).KeyState | Sort-Object -Unique | Should -Be 'Enabled'
    }

    It 'fails a replica whose primary is never imported with ReplicaNeedsPrimaryMaterial and the command to resume' {
        $keys = New-KmsExternalKey @Common -ReplicaRegion 'sa-east-1'
        Clear-LocalKmsRequest -Url $Url
        $params = @($keys | Get-KmsImportParameters -ErrorVariable err -ErrorAction SilentlyContinue)
        $params.Count | Should -Be 1 -Because 'the primary''s parameters are emitted; it was never imported'
        $params[0].Region | Should -Be 'eu-west-2'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ReplicaNeedsPrimaryMaterial,*'
        $err[0].TargetObject | Should -Be $keys[0].KeyId
        $err[0].Exception.Message | Should -Match "Get-KmsImportParameters -KeyId '$([regex]::Escape($keys[0].KeyId))' -Region 'sa-east-1' -PrimaryRegion 'eu-west-2'"
        # Tried when it arrived and once more at the end of the input; never created.
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'ReplicateKey').Count | Should -Be 2
        # The resume, once the primary holds material, creates and imports the replica.
        $file = New-RandomFile 32
        $params[0] | Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial | Out-Null
        $resumed = Get-KmsImportParameters -KeyId $keys[0].KeyId -Region 'sa-east-1' -PrimaryRegion 'eu-west-2' -EndpointUrl $Url |
            Protect-KeyMaterial -Path $file | Import-KmsKeyMaterial | Test-KmsKeyState
        $resumed.KeyState | Should -Be 'Enabled'
        $resumed.Region | Should -Be 'sa-east-1'
    }

    It '-Generate -EscrowPath: the replicas take the primary''s escrow file, and one file is written' {
        $escrow = New-Folder 'mrk-escrow'
        $results = @(New-KmsExternalKey @Common -ReplicaRegion 'eu-west-1', 'us-east-1' | Get-KmsImportParameters |
                Protect-KeyMaterial -Generate -EscrowPath $escrow | Import-KmsKeyMaterial)
        $results.Count | Should -Be 3
        $files = @(Get-ChildItem $escrow)
        $files.Count | Should -Be 1
        $files[0].Name | Should -Be "$($results[0].KeyId).bin"
        @($results.Fingerprint | Sort-Object -Unique).Count | Should -Be 1
        ($results | Test-KmsKeyState -Path $files[0].FullName).MaterialProved | Sort-Object -Unique | Should -BeTrue
    }

    It 'Invoke-KmsKeyImport -Generate -EscrowPath creates the replicas after the primary and imports the primary''s escrowed material' {
        $escrow = New-Folder 'mrk-batch'
        $results = @(New-KmsExternalKey @Common -ReplicaRegion 'eu-west-1', 'us-east-1' | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -NoPacing)
        $results.Count | Should -Be 3
        $results.Status | Sort-Object -Unique | Should -Be 'Imported'
        $results.KeyState | Sort-Object -Unique | Should -Be 'Enabled'
        $results[0].Region | Should -Be 'eu-west-2'
        @(Get-ChildItem $escrow).Count | Should -Be 1
        @($results.Fingerprint | Sort-Object -Unique).Count | Should -Be 1
    }

    It 'refuses a replica Region equal to the primary''s before creating anything' {
        Clear-LocalKmsRequest -Url $Url
        New-KmsExternalKey @Common -ReplicaRegion 'eu-west-2' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ReplicaRegionInvalid,*'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }
}

Describe 'Offline key ceremony' {
    It 'writes parameters, wraps in a separate process with no credentials and no endpoint, and imports the files online' {
        $params = New-Folder 'params'
        $wrapped = New-Folder 'wrapped'
        $material = New-RandomFile 32
        $key = New-KmsExternalKey @Common
        $online = $key | Get-KmsImportParameters -OutDirectory $params
        $folder = Join-Path $params $key.KeyId
        Test-Path (Join-Path $folder 'PublicKey.bin') | Should -BeTrue
        Test-Path (Join-Path $folder 'ImportToken.bin') | Should -BeTrue
        [IO.File]::ReadAllBytes((Join-Path $folder 'PublicKey.bin')) | Should -Be $online.PublicKey

        Clear-LocalKmsRequest -Url $Url
        $offline = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:KMSIMPORT_TEST_MODULE'
`$p = Get-KmsImportParameters -Path '$folder' -EndpointUrl '$Url'   # a bundle made against LocalKms names it: say it again
`$w = `$p | Protect-KeyMaterial -Path '$material' -OutDirectory '$wrapped'
`$w.KeyId
"@
        $out = Invoke-FreshPwsh -Script $offline -Environment @{
            AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null; AWS_REGION = $null; AWS_PROFILE = $null
            KMSIMPORT_TEST_ENDPOINT = $null; AWS_SHARED_CREDENTIALS_FILE = (Join-Path $Work 'none'); AWS_CONFIG_FILE = (Join-Path $Work 'none')
        }
        ($out | Select-Object -Last 1) | Should -Be $key.KeyId
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0   # the offline side made no call

        $result = Import-KmsKeyMaterial -Path (Join-Path $wrapped $key.KeyId) -EndpointUrl $Url
        $result.Outcome | Should -Be 'Imported'
        ($result | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        $result.Region | Should -Be 'eu-west-2'
    }

    It 'accepts what the aws CLI procedure leaves: get-parameters-for-import JSON, and decoded .bin files' {
        $material = New-RandomFile 32
        $key = New-KmsExternalKey @Common
        $env:AWS_DEFAULT_REGION = 'eu-west-2'
        try {
            $json = Join-Path $Work ([guid]::NewGuid().ToString('n') + '.json')
            $cliOutput = aws kms get-parameters-for-import --endpoint-url $Url --key-id $key.KeyId --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_2048 --output json 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($cliOutput -join "`n")
            $cliOutput | Set-Content -Path $json
        } finally { Remove-Item Env:AWS_DEFAULT_REGION }
        $fromJson = Get-KmsImportParameters -Path $json -KeySpec SYMMETRIC_DEFAULT -WrappingAlgorithm RSAES_OAEP_SHA_256
        $fromJson.WrappingKeySpec | Should -Be 'RSA_2048'
        ($fromJson | Protect-KeyMaterial -Path $material | Import-KmsKeyMaterial @Common | Test-KmsKeyState).KeyState | Should -Be 'Enabled'

        # The decoded files of the manual procedure (openssl enc -d -base64 ... > PublicKey.bin).
        $bins = New-Folder 'cli-bins'
        $fresh = Get-Content -Raw $json | ConvertFrom-Json
        $key2 = New-KmsExternalKey @Common
        $p2 = $key2 | Get-KmsImportParameters -WrappingAlgorithm RSAES_OAEP_SHA_256 -WrappingKeySpec RSA_3072
        [IO.File]::WriteAllBytes((Join-Path $bins 'PublicKey.bin'), $p2.PublicKey)
        [IO.File]::WriteAllBytes((Join-Path $bins 'ImportToken.bin'), $p2.ImportToken)
        $fromBins = Get-KmsImportParameters -Path $bins -KeyId $key2.KeyId -KeySpec SYMMETRIC_DEFAULT -WrappingAlgorithm RSAES_OAEP_SHA_256
        $fromBins.ParametersValidTo | Should -BeGreaterThan (Get-Date).ToUniversalTime().AddHours(23)
        ($fromBins | Protect-KeyMaterial -Path $material | Import-KmsKeyMaterial @Common | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        $fresh.KeyId | Should -Not -BeNullOrEmpty
    }

    It 'never overwrites a bundle, and names what is missing from CLI files' {
        $params = New-Folder 'params-twice'
        $key = New-KmsExternalKey @Common
        $null = $key | Get-KmsImportParameters -OutDirectory $params
        $key | Get-KmsImportParameters -OutDirectory $params -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportBundleExists,*'
        $bins = New-Folder 'bins-only'
        [IO.File]::WriteAllBytes((Join-Path $bins 'PublicKey.bin'), (Get-KmsImportParameters -Path (Join-Path $params $key.KeyId) -EndpointUrl $Url).PublicKey)
        [IO.File]::WriteAllBytes((Join-Path $bins 'ImportToken.bin'), [byte[]](1..32))
        Get-KmsImportParameters -Path $bins -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'ImportBundleInvalid,*'
        $err2[0].Exception.Message | Should -Match '-KeyId'
    }
}

Describe 'Batches' {
    AfterEach { $null = Invoke-LocalKmsControl -Url $Url -Path 'faults' -Method DELETE }

    It 'imports many keys with generated, escrowed material, and a re-run verifies them without breaking anything' {
        $escrow = New-Folder 'batch-escrow'
        $keys = 1..6 | ForEach-Object { New-KmsExternalKey @Common }
        $results = $keys | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -ThrottleLimit 3
        @($results).Count | Should -Be 6
        $results.Status | Sort-Object -Unique | Should -Be 'Imported'
        @(Get-ChildItem $escrow).Count | Should -Be 6

        $again = $keys | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -ThrottleLimit 3
        $again.Status | Sort-Object -Unique | Should -Be 'Verified'
        $again.ProofMethod | Sort-Object -Unique | Should -Be 'ReImport'
        ($keys | Test-KmsKeyState -Quiet) | Should -BeTrue
    }

    It 'reports a failed key with its ErrorId, state and resume command, and finishes the others' {
        $escrow = New-Folder 'batch-fail'
        $good = 1..2 | ForEach-Object { New-KmsExternalKey @Common }
        $ids = @($good[0].KeyId, '1234abcd-12ab-34cd-56ef-1234567890ab', $good[1].KeyId)
        $results = $ids | Invoke-KmsKeyImport @Common -Generate -EscrowPath $escrow -WarningAction SilentlyContinue
        @($results).Count | Should -Be 3
        $failed = $results | Where-Object Status -eq 'Failed'
        $failed.KeyId | Should -Be '1234abcd-12ab-34cd-56ef-1234567890ab'
        $failed.ErrorId | Should -Be 'KmsKeyNotFound'
        $failed.ResumeCommand | Should -Match '^Invoke-KmsKeyImport -KeyId'
        @($results | Where-Object Status -eq 'Imported').Count | Should -Be 2
    }

    It 'HMAC keys already holding the material are proved and skipped; other material is reported, not overwritten' {
        $dir = New-Folder 'batch-hmac'
        $keys = 1..2 | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        foreach ($k in $keys) { Copy-Item (New-RandomFile 32) (Join-Path $dir "$($k.KeyId).bin") }
        ($keys | Invoke-KmsKeyImport -MaterialDirectory $dir).Status | Sort-Object -Unique | Should -Be 'Imported'
        $second = $keys | Invoke-KmsKeyImport -MaterialDirectory $dir
        $second.Status | Sort-Object -Unique | Should -Be 'Verified'
        $second.ProofMethod | Sort-Object -Unique | Should -Be 'GenerateMac'
        Copy-Item (New-RandomFile 32) (Join-Path $dir "$($keys[0].KeyId).bin") -Force
        $third = $keys[0] | Invoke-KmsKeyImport -MaterialDirectory $dir -WarningAction SilentlyContinue
        $third.Status | Should -Be 'Failed'
        $third.ErrorId | Should -Be 'KeyMaterialProofFailed'
        $third.KeyState | Should -Be 'Enabled'
    }

    It 'survives throttling and internal errors on GetParametersForImport: every key ends Imported' {
        $null = Invoke-LocalKmsControl -Url $Url -Path 'faults' -Method POST -Body @(
            @{ operation = 'GetParametersForImport'; throttleRate = 0.5; seed = 7 },
            @{ operation = 'ImportKeyMaterial'; internalErrorRate = 0.3; seed = 11 })
        $keys = 1..5 | ForEach-Object { New-KmsExternalKey @Common }
        $results = $keys | Invoke-KmsKeyImport -Generate -EscrowPath (New-Folder 'batch-faults') -NoPacing -MaxErrorRetry 2
        $results.Status | Sort-Object -Unique | Should -Be 'Imported'
        ($keys | Test-KmsKeyState -Quiet) | Should -BeTrue
    }

    It 'paces itself under AWS''s default quotas: no request is throttled' {
        $null = Invoke-LocalKmsControl -Url $Url -Path 'faults' -Method POST -Body @{ preset = 'aws-default-quotas' }
        $keys = 1..3 | ForEach-Object { New-KmsExternalKey @Common }
        Clear-LocalKmsRequest -Url $Url
        $results = $keys | Invoke-KmsKeyImport -Generate -NoEscrow -ThrottleLimit 3
        $results.Status | Sort-Object -Unique | Should -Be 'Imported'
        @(Get-LocalKmsRequest -Url $Url | Where-Object errorType -eq 'ThrottlingException').Count | Should -Be 0
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'GetParametersForImport').Count | Should -Be 3
    }
}

Describe 'Test-KmsKeyState -Quiet answers with one boolean only' {
    BeforeAll {
        $script:Unknown = '1234abcd-12ab-34cd-56ef-1234567890ab'
        $script:GoodFile = New-RandomFile 32
        $script:Good = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $script:GoodFile | Import-KmsKeyMaterial
    }

    It '<Case>: $false and no error record, even with -ErrorAction Stop' -ForEach @(
        @{ Case = 'an unknown key'; Run = { Test-KmsKeyState @Common -KeyId $Unknown -Quiet -ErrorAction Stop -ErrorVariable ev } }
        @{ Case = 'an unknown key among good ones'; Run = { $Good.KeyId, $Unknown, $Good.KeyId | Test-KmsKeyState @Common -Quiet -ErrorAction Stop -ErrorVariable ev } }
        @{ Case = 'a material file that does not exist'; Run = { Test-KmsKeyState @Common -KeyId $Good.KeyId -Path (Join-Path $Work 'none.bin') -Quiet -ErrorAction Stop -ErrorVariable ev } }
        @{ Case = 'an endpoint URL that is no URL'; Run = { Test-KmsKeyState -Region 'eu-west-2' -EndpointUrl 'not a url' -KeyId $Good.KeyId -Quiet -ErrorAction Stop -ErrorVariable ev } }
    ) {
        $ev = $null
        $out = @(. $Run)
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType [bool]
        $out[0] | Should -BeFalse
        @($ev).Count | Should -Be 0
    }

    It 'true for keys that pass, and -Verbose tells the ErrorId of a failure' {
        Test-KmsKeyState @Common -KeyId $Good.KeyId -Path $GoodFile -Quiet | Should -BeTrue
        $verbose = Test-KmsKeyState @Common -KeyId $Unknown -Quiet -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "$Unknown`: KmsKeyNotFound"
    }

    It 'without -Quiet an unknown key is still an error record' {
        $r = Test-KmsKeyState @Common -KeyId $Unknown -ErrorVariable ev -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'KmsKeyNotFound,*'
    }
}
