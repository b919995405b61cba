# The seed workflow end to end through the built module against the local KMS endpoint.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'LeakDetector.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-pipeline-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work

    function New-MaterialFile([int] $Length = 32) {
        $bytes = [byte[]]::new($Length)
        [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.bin')
        [IO.File]::WriteAllBytes($path, $bytes)
        [pscustomobject]@{ Path = $path; Bytes = $bytes }
    }
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'The seed pipeline' {
    It 'imports 32-byte material with <Algorithm> under <WrappingKeySpec> (<Model>)' -ForEach @(
        foreach ($alg in 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256') {
            foreach ($spec in 'RSA_2048', 'RSA_3072', 'RSA_4096') {
                foreach ($model in 'DoesNotExpire', 'Expires') { @{ Algorithm = $alg; WrappingKeySpec = $spec; Model = $model } }
            }
        }
    ) {
        $material = New-MaterialFile
        $importArgs = if ($Model -eq 'Expires') { @{ ValidTo = (Get-Date).AddDays(30) } } else { @{} }
        $result = New-KmsExternalKey @Common -Description "seed $Algorithm $WrappingKeySpec" |
            Get-KmsImportParameters -WrappingAlgorithm $Algorithm -WrappingKeySpec $WrappingKeySpec |
            Protect-KeyMaterial -Path $material.Path |
            Import-KmsKeyMaterial @importArgs |
            Test-KmsKeyState

        $result.PSObject.TypeNames[0] | Should -Be 'KmsImport.KmsKeyStateReport'
        $result.Passed | Should -BeTrue
        $result.KeyState | Should -Be 'Enabled'
        $result.Origin | Should -Be 'EXTERNAL'
        if ($Model -eq 'Expires') {
            $result.ExpirationModel | Should -Be 'KEY_MATERIAL_EXPIRES'
            $result.ValidTo | Should -BeGreaterThan (Get-Date).ToUniversalTime().AddDays(29)
        } else {
            $result.ExpirationModel | Should -Be 'KEY_MATERIAL_DOES_NOT_EXPIRE'
            $result.ValidTo | Should -BeNullOrEmpty
        }
    }

    It 'uses RSA_4096 with RSAES_OAEP_SHA_256 when nothing is said' {
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        $params.WrappingAlgorithm | Should -Be 'RSAES_OAEP_SHA_256'
        $params.WrappingKeySpec | Should -Be 'RSA_4096'
        $params.ParametersValidTo | Should -BeGreaterThan (Get-Date).ToUniversalTime().AddHours(23)
    }

    It 'imports the same material again into the same key (the restore path)' {
        $material = New-MaterialFile
        $key = New-KmsExternalKey @Common
        $first = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path | Import-KmsKeyMaterial
        $second = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path | Import-KmsKeyMaterial
        $first.Outcome | Should -Be 'Imported'
        $second.Outcome | Should -Be 'Imported'
        ($second | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        $second.Fingerprint | Should -Be $first.Fingerprint
    }

    It 'accepts material as bytes with -KeyMaterial' {
        $material = New-MaterialFile
        $result = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -KeyMaterial $material.Bytes | Import-KmsKeyMaterial
        $result.Outcome | Should -Be 'Imported'
        ($result | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
    }

    It 'refuses a string for -KeyMaterial instead of guessing an encoding' {
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        { $params | Protect-KeyMaterial -KeyMaterial 'AAAA' -ErrorAction Stop } | Should -Throw -ExpectedMessage '*takes bytes*'
    }
}

Describe 'Requests per key (LocalKms request log)' {
    It 'the seed pipeline spends exactly CreateKey, GetParametersForImport, ImportKeyMaterial and one DescribeKey per key' {
        $material = New-MaterialFile
        Clear-LocalKmsRequest -Url $Url
        $reports = @(1..3 | ForEach-Object { New-KmsExternalKey @Common } |
                Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path | Import-KmsKeyMaterial | Test-KmsKeyState)
        $reports.Count | Should -Be 3
        $reports.Passed | Should -Not -Contain $false
        $requests = @(Get-LocalKmsRequest -Url $Url)
        $requests.Count | Should -Be 12
        foreach ($r in $reports) {
            $mine = @($requests | Where-Object keyId -eq $r.KeyId)
            # In this order: the key is made, parameters fetched (no DescribeKey: the piped key said
            # its spec, origin and state), the import sent (no DescribeKey after it), and the state observed once.
            $mine.operation | Should -Be @('CreateKey', 'GetParametersForImport', 'ImportKeyMaterial', 'DescribeKey')
            $mine.status | Sort-Object -Unique | Should -Be 200
        }
    }

    It 'a bare key id is still described before its parameters are fetched' {
        $key = New-KmsExternalKey @Common
        Clear-LocalKmsRequest -Url $Url
        $null = Get-KmsImportParameters @Common -KeyId $key.KeyId
        @(Get-LocalKmsRequest -Url $Url).operation | Should -Be @('DescribeKey', 'GetParametersForImport')
    }

    It 'a batch spends DescribeKey, GetParametersForImport, ImportKeyMaterial and DescribeKey per key' {
        $keys = @(1..3 | ForEach-Object { New-KmsExternalKey @Common })
        $folder = Join-Path $Work ('batch-' + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $folder
        foreach ($k in $keys) { Copy-Item (New-MaterialFile).Path (Join-Path $folder "$($k.KeyId).bin") }
        Clear-LocalKmsRequest -Url $Url
        $results = @($keys | Invoke-KmsKeyImport -MaterialDirectory $folder -NoPacing)
        $results.Status | Sort-Object -Unique | Should -Be 'Imported'
        $requests = @(Get-LocalKmsRequest -Url $Url)
        $requests.Count | Should -Be 12
        foreach ($k in $keys) {
            @($requests | Where-Object keyId -eq $k.KeyId).operation | Should -Be @('DescribeKey', 'GetParametersForImport', 'ImportKeyMaterial', 'DescribeKey')
        }
    }
}

Describe 'Batch results in input order' {
    # A replica still to be created is always worked on after every other key (its primary needs material
    # first), so put first in the input it finishes last: a deterministic overtaking, no timing involved.
    It '-AsCompleted:<AsCompleted>: the results in input order although the first key finishes last, or that key last in completion order' -ForEach @(
        @{ AsCompleted = $false }, @{ AsCompleted = $true }
    ) {
        $primary, $replica = New-KmsExternalKey @Common -ReplicaRegion 'eu-west-1'
        $other = New-KmsExternalKey @Common
        $keys = @($replica, $primary, $other)
        $results = @($keys | Invoke-KmsKeyImport -Path (New-MaterialFile).Path -NoPacing -ThrottleLimit 3 -AsCompleted:$AsCompleted)

        $results.Status | Should -Be @('Imported', 'Imported', 'Imported')
        if ($AsCompleted) {
            $results[-1].Region | Should -Be 'eu-west-1'
            @($results[0..1].KeyId | Sort-Object) | Should -Be @($primary.KeyId, $other.KeyId | Sort-Object)
        } else {
            $results.KeyId | Should -Be $keys.KeyId
            $results.Region | Should -Be @('eu-west-1', 'eu-west-2', 'eu-west-2')
        }
    }
}

Describe 'Pipeline binding by property name' {
    BeforeAll {
        $script:Material = New-MaterialFile
    }

    It 'New-KmsExternalKey -> Get-KmsImportParameters binds KeyId, Region and EndpointUrl' {
        $key = New-KmsExternalKey -Region 'us-east-1' -EndpointUrl $Url
        $params = $key | Get-KmsImportParameters
        $params.KeyId | Should -Be $key.KeyId
        $params.Region | Should -Be 'us-east-1'
        $params.EndpointUrl | Should -Be $Url
    }

    It 'Region and EndpointUrl flow through every cmdlet and every call goes to that Region' {
        Clear-LocalKmsRequest -Url $Url
        $result = New-KmsExternalKey -Region 'ap-southeast-2' -EndpointUrl $Url |
            Get-KmsImportParameters | Protect-KeyMaterial -Path $Material.Path | Import-KmsKeyMaterial
        $result.Region | Should -Be 'ap-southeast-2'
        $result.EndpointUrl | Should -Be $Url
        $requests = Get-LocalKmsRequest -Url $Url
        # The piped key says its spec, origin and state; the import does not describe afterwards.
        $requests.operation | Should -Be @('CreateKey', 'GetParametersForImport', 'ImportKeyMaterial')
        $requests.region | Sort-Object -Unique | Should -Be 'ap-southeast-2'
        $requests.accessKeyId | Sort-Object -Unique | Should -Be 'AKIDLOCALTEST'
        @($requests.operation) | Should -Contain 'ImportKeyMaterial'
    }

    It 'an object rebuilt from JSON flows from Get-KmsImportParameters into Protect-KeyMaterial' {
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        $copy = $params | ConvertTo-Json | ConvertFrom-Json
        $copy.PublicKey = [byte[]]$copy.PublicKey
        $copy.ImportToken = [byte[]]$copy.ImportToken
        $wrapped = $copy | Protect-KeyMaterial -Path $Material.Path
        $wrapped.KeyId | Should -Be $params.KeyId
        ($wrapped | Import-KmsKeyMaterial | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
    }

    It 'a plain object with KeyId (as AWS Tools key objects have) flows into Get-KmsImportParameters and Test-KmsKeyState' {
        $key = New-KmsExternalKey @Common
        $plain = [pscustomobject]@{ KeyId = $key.KeyId }
        ($plain | Get-KmsImportParameters @Common).KeyId | Should -Be $key.KeyId
        $report = $plain | Test-KmsKeyState @Common -ExpectedState PendingImport
        $report.Passed | Should -BeTrue
    }

    It 'Get-KmsImportParameters takes an alias, and hands on the key id' {
        $alias = 'alias/pipeline-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $key = New-KmsExternalKey @Common -Alias $alias
        $key.Alias | Should -Be $alias
        $params = Get-KmsImportParameters -KeyId $alias @Common
        $params.KeyId | Should -Be $key.KeyId
    }

    It 'Test-KmsKeyState reports a key that has no material yet, with the reason' {
        $report = New-KmsExternalKey @Common | Test-KmsKeyState
        $report.Passed | Should -BeFalse
        $report.KeyState | Should -Be 'PendingImport'
        $report.Reasons -join ' ' | Should -Match 'PendingImport, expected Enabled'
    }

    It 'Test-KmsKeyState -Quiet returns one boolean for all keys' {
        $enabled = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $Material.Path | Import-KmsKeyMaterial
        $pending = New-KmsExternalKey @Common
        ($enabled | Test-KmsKeyState -Quiet) | Should -BeExactly $true
        $both = @($enabled.KeyId, $pending.KeyId) | Test-KmsKeyState @Common -Quiet
        $both | Should -BeExactly $false
    }
}

Describe 'Edges of the pipeline contract' {
    It 'an empty Region on a piped object means "not given": -Region or the environment decides' {
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        $wrapped.Region = ''
        ($wrapped | Import-KmsKeyMaterial -Region 'eu-west-2' -EndpointUrl $Url | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
    }

    It 'Test-KmsKeyState -Quiet on no keys at all is $false, not a vacuous pass' {
        (@() | Test-KmsKeyState @Common -Quiet) | Should -BeExactly $false
    }

    It 'a failed alias does not hide the key that was created' {
        $alias = 'alias/taken-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $null = New-KmsExternalKey @Common -Alias $alias
        $second = New-KmsExternalKey @Common -Alias $alias -ErrorVariable err -ErrorAction SilentlyContinue
        $second | Should -Not -BeNullOrEmpty
        $second.Alias | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KmsAliasExists,*'
        $err[0].Exception.Message | Should -Match $second.KeyId
        (Test-KmsKeyState @Common -KeyId $second.KeyId -ExpectedState PendingImport).Passed | Should -BeTrue
    }

    It 'Protect-KeyMaterial -OutDirectory -WhatIf writes no files and emits nothing' {
        $material = New-MaterialFile
        $out = Join-Path $Work ('whatif-' + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $out
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        $params | Protect-KeyMaterial -Path $material.Path -OutDirectory $out -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem -Recurse $out) | Should -BeNullOrEmpty
    }
}

Describe '-WhatIf' {
    It 'New-KmsExternalKey -WhatIf creates no key and makes no CreateKey call' {
        Clear-LocalKmsRequest -Url $Url
        $out = New-KmsExternalKey @Common -WhatIf
        $out | Should -BeNullOrEmpty
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'CreateKey').Count | Should -Be 0
    }

    It 'Import-KmsKeyMaterial -WhatIf leaves the key PendingImport and makes no ImportKeyMaterial call' {
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        Clear-LocalKmsRequest -Url $Url
        $wrapped | Import-KmsKeyMaterial -WhatIf | Should -BeNullOrEmpty
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'ImportKeyMaterial').Count | Should -Be 0
        (Test-KmsKeyState -KeyId $wrapped.KeyId @Common).KeyState | Should -Be 'PendingImport'
    }
}

Describe 'Local refusals, before any AWS call' {
    It 'refuses a 16-byte material file for a SYMMETRIC_DEFAULT key' {
        $short = New-MaterialFile -Length 16
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        Clear-LocalKmsRequest -Url $Url
        $out = $params | Protect-KeyMaterial -Path $short.Path -ErrorVariable err -ErrorAction SilentlyContinue | Import-KmsKeyMaterial
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KeyMaterialWrongLength,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match '32'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }

    It 'refuses parameters whose ParametersValidTo has passed, in Protect-KeyMaterial' {
        $material = New-MaterialFile
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        $params.ParametersValidTo = (Get-Date).ToUniversalTime().AddMinutes(-5)
        $params | Protect-KeyMaterial -Path $material.Path -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportParametersExpired,*'
        $err[0].Exception.Message | Should -Match 'Get-KmsImportParameters'
    }

    It 'refuses stale wrapped material in Import-KmsKeyMaterial without calling KMS' {
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        $wrapped.ParametersValidTo = (Get-Date).ToUniversalTime().AddHours(-1)
        Clear-LocalKmsRequest -Url $Url
        $wrapped | Import-KmsKeyMaterial -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportParametersExpired,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].TargetObject | Should -Be $wrapped.KeyId
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }

    It 'refuses -ValidTo more than 365 days ahead, and in the past, before any call' -ForEach @(
        @{ Days = 400; Id = 'ValidToTooFar' }, @{ Days = -1; Id = 'ValidToInPast' }
    ) {
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        Clear-LocalKmsRequest -Url $Url
        { $wrapped | Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays($Days) } | Should -Throw -ErrorId "$Id,*"
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }

    It 'refuses KEY_MATERIAL_EXPIRES without -ValidTo, and -ValidTo with DOES_NOT_EXPIRE' {
        $wrapped = [pscustomobject]@{ KeyId = 'k'; EncryptedKeyMaterial = [byte[]](1..8); ImportToken = [byte[]](1..8); ParametersValidTo = (Get-Date).AddHours(1) }
        { $wrapped | Import-KmsKeyMaterial @Common -ExpirationModel KEY_MATERIAL_EXPIRES } | Should -Throw -ErrorId 'ValidToRequired,*'
        { $wrapped | Import-KmsKeyMaterial @Common -ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE -ValidTo (Get-Date).AddDays(2) } | Should -Throw -ErrorId 'ValidToNotAllowed,*'
    }

    It 'refuses RSAES_PKCS1_V1_5, which AWS retired, before any call' {
        $key = New-KmsExternalKey @Common
        Clear-LocalKmsRequest -Url $Url
        $key | Get-KmsImportParameters -WrappingAlgorithm RSAES_PKCS1_V1_5 -WrappingKeySpec RSA_2048 -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WrappingAlgorithmRetired,*'
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'GetParametersForImport').Count | Should -Be 0
    }

    It 'refuses an invalid alias name before creating a key' {
        Clear-LocalKmsRequest -Url $Url
        New-KmsExternalKey @Common -Alias 'alias/aws/mine' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AliasNameInvalid,*'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }
}

Describe 'KMS errors become actionable ErrorRecords' {
    It 'a token from another key gives ImportTokenInvalid' {
        $material = New-MaterialFile
        $a = New-KmsExternalKey @Common | Get-KmsImportParameters -WrappingKeySpec RSA_2048
        $b = New-KmsExternalKey @Common | Get-KmsImportParameters -WrappingKeySpec RSA_2048
        $wrapped = $a | Protect-KeyMaterial -Path $material.Path
        $wrapped.ImportToken = $b.ImportToken
        $wrapped | Import-KmsKeyMaterial -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportTokenInvalid,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $a.KeyId
        $err[0].Exception.Message | Should -Match 'Get-KmsImportParameters'
    }

    It 'a key that does not exist gives KmsKeyNotFound, and the next key in the pipeline goes on' {
        $good = New-KmsExternalKey @Common
        $ids = @('1234abcd-12ab-34cd-56ef-1234567890ab', $good.KeyId)
        $out = $ids | Get-KmsImportParameters @Common -ErrorVariable err -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.KeyId | Should -Be $good.KeyId
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KmsKeyNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'material wrapped for one parameter set and imported with another set''s token is refused by KMS' {
        $material = New-MaterialFile
        $key = New-KmsExternalKey @Common
        $first = $key | Get-KmsImportParameters -WrappingKeySpec RSA_2048
        $second = $key | Get-KmsImportParameters -WrappingKeySpec RSA_2048
        $wrapped = $first | Protect-KeyMaterial -Path $material.Path
        $wrapped.ImportToken = $second.ImportToken
        $wrapped | Import-KmsKeyMaterial -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeIn @('KmsInvalidCiphertext,KmsImport.Cmdlets.ImportKmsKeyMaterialCommand', 'ImportTokenInvalid,KmsImport.Cmdlets.ImportKmsKeyMaterialCommand')
    }
}

Describe 'Secret hygiene' {
    It 'no output object, stream, transcript or error contains the material' {
        $material = New-MaterialFile
        $transcript = Join-Path $Work 'transcript.txt'
        $short = New-MaterialFile -Length 31
        $savedLimit = $global:FormatEnumerationLimit
        $global:FormatEnumerationLimit = -1   # whole byte arrays in every view
        Start-Transcript -Path $transcript | Out-Null
        try {
            $everything = & {
                $p = New-KmsExternalKey @Common -Verbose -Debug -InformationAction Continue |
                    Get-KmsImportParameters -Verbose -Debug -InformationAction Continue
                $w = $p | Protect-KeyMaterial -Path $material.Path -Verbose -Debug -InformationAction Continue
                $w
                $w | Format-List * | Out-String
                $w | ConvertTo-Json -Depth 4
                $r = $w | Import-KmsKeyMaterial -Verbose -Debug -InformationAction Continue
                $r | Format-List * | Out-String
                $r | Test-KmsKeyState -Verbose
                # An error path too: the same key with wrong-length material, and a re-import of different material.
                $p | Protect-KeyMaterial -Path $short.Path -ErrorAction Continue
                $p2 = $r | Get-KmsImportParameters
                $p2 | Protect-KeyMaterial -KeyMaterial ([byte[]]($material.Bytes | ForEach-Object { $_ -bxor 1 })) | Import-KmsKeyMaterial -ErrorAction Continue
            } *>&1 | Out-String -Width 500
        } finally {
            Stop-Transcript | Out-Null
            $errors = $Error | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 500; if ($_ -is [Management.Automation.ErrorRecord]) { "$($_.TargetObject)" } }
            $global:FormatEnumerationLimit = $savedLimit
        }
        $text = $everything + (Get-Content -Raw $transcript) + ($errors -join "`n")
        $text | Should -Match 'Enabled'   # the scan did see the run
        # The shared leak detector (tests/TestSupport/LeakDetector.cs): every form, the short material too.
        Find-Leak -Secrets @{ 'material' = $material.Bytes; 'short material' = $short.Bytes } -Text $text | Should -BeNullOrEmpty
    }

    It 'leaves no files behind in the temp folder' {
        # A fresh process with a temp folder of its own, so other processes' files do not count.
        $tmp = New-Item -ItemType Directory (Join-Path $Work ('tmp-' + [guid]::NewGuid().ToString('n')))
        $material = New-MaterialFile
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:KMSIMPORT_TEST_MODULE'
`$r = New-KmsExternalKey -Region eu-west-2 -EndpointUrl '$Url' | Get-KmsImportParameters | Protect-KeyMaterial -Path '$($material.Path)' | Import-KmsKeyMaterial
if (`$r.Outcome -ne 'Imported') { throw 'not imported' }
[IO.Path]::GetTempPath()
"@
        $out = Invoke-FreshPwsh -Script $script -Environment @{ TMPDIR = $tmp.FullName; DOTNET_EnableDiagnostics = '0' }
        ($out | Select-Object -Last 1).TrimEnd('/') | Should -Be $tmp.FullName.TrimEnd('/')
        @(Get-ChildItem -Force -Recurse $tmp.FullName) | Should -BeNullOrEmpty
    }
}

Describe 'Generated material and escrow' {
    It 'refuses -Generate without -EscrowPath or -NoEscrow' {
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        { $params | Protect-KeyMaterial -Generate } | Should -Throw -ErrorId 'EscrowPathRequired,*'
    }

    It 'writes an owner-only escrow file that re-imports into the same key' {
        $escrow = Join-Path $Work ('escrow-' + [guid]::NewGuid().ToString('n') + '.bin')
        $key = New-KmsExternalKey @Common
        $result = $key | Get-KmsImportParameters | Protect-KeyMaterial -Generate -EscrowPath $escrow | Import-KmsKeyMaterial
        $result.Outcome | Should -Be 'Imported'
        ($result | Test-KmsKeyState).KeyState | Should -Be 'Enabled'
        (Get-Item $escrow).Length | Should -Be 32
        if (-not $IsWindows) { (Get-Item $escrow).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        # The escrowed copy is the same material: KMS accepts it again.
        ($key | Get-KmsImportParameters | Protect-KeyMaterial -Path $escrow | Import-KmsKeyMaterial).Fingerprint | Should -Be $result.Fingerprint
    }

    It 'never overwrites an existing escrow file' {
        $escrow = Join-Path $Work ('exists-' + [guid]::NewGuid().ToString('n') + '.bin')
        Set-Content -Path $escrow -Value 'keep me'
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        $params | Protect-KeyMaterial -Generate -EscrowPath $escrow -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SecretFileExists,*'
        Get-Content -Raw $escrow | Should -Match 'keep me'
    }

    It 'escrows one file per key into a directory' {
        $dir = New-Item -ItemType Directory (Join-Path $Work ('escrow-dir-' + [guid]::NewGuid().ToString('n')))
        $keys = 1..2 | ForEach-Object { New-KmsExternalKey @Common }
        $out = $keys | Get-KmsImportParameters | Protect-KeyMaterial -Generate -EscrowPath $dir.FullName
        @($out).Count | Should -Be 2
        @(Get-ChildItem $dir.FullName).Count | Should -Be 2
        $out.EscrowPath | ForEach-Object { Test-Path $_ } | Should -Not -Contain $false
    }
}
