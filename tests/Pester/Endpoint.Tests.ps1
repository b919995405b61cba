# Endpoints are strangers too (issue 14, findings 10, 11, 12, 18, 19): answers that are empty, HTML,
# untyped, quirky or lost. Every case asserts the ErrorId (or the true outcome), that nothing of the
# answer's body, the material or the credentials reaches any stream, and what reached the endpoint
# (LocalKms's request log). After every lost answer the keys LocalKms holds are exactly the keys the
# module reported. Also Remove-KmsExternalKey, the cleanup those reports point to.
# This file runs its own endpoint, because it injects faults and resets state.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS
    $script:Url = $script:Server.Url
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-endpoint-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    # What must never appear: the answers' bodies (LocalKms's markers), the SDK's empty phrases, the secret.
    $script:Forbidden = @('proxy-page-marker', 'untyped-error-marker', 'Exception of type', 'NullReference', $env:AWS_SECRET_ACCESS_KEY)

    function Set-Faults([object[]] $Rules) { $null = Invoke-LocalKmsControl -Url $script:Url -Path 'faults' -Method POST -Body $Rules }
    function Clear-Faults { $null = Invoke-LocalKmsControl -Url $script:Url -Path 'faults' -Method DELETE }
    function Reset-Endpoint { $null = Invoke-LocalKmsControl -Url $script:Url -Path 'reset' -Method POST }
    function Get-Sent([string] $Operation) { @(Get-LocalKmsRequest -Url $script:Url | Where-Object operation -eq $Operation) }
    # Every key LocalKms holds, in every Region the tests use (faults off first: this is the truth).
    function Get-HeldKeyId {
        Clear-Faults
        foreach ($region in 'eu-west-2', 'eu-west-1') {
            $json = aws kms list-keys --endpoint-url $script:Url --region $region --output json 2>&1
            if ($LASTEXITCODE -ne 0) { throw "aws kms list-keys failed: $json" }
            ($json | ConvertFrom-Json).Keys | ForEach-Object { "$region/$($_.KeyId)" }
        }
    }
    function New-MaterialFile {
        $b = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($b)
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.bin')
        [IO.File]::WriteAllBytes($path, $b)
        [pscustomobject]@{ Path = $path; Hex = ConvertTo-HexString $b }
    }
    # Runs a command with every stream captured; returns its objects, its errors and all text it produced.
    function Invoke-Observed([scriptblock] $Command) {
        $VerbosePreference = 'Continue'
        $ErrorActionPreference = 'Continue'
        # A terminating error (ThrowTerminatingError) ends the command: it is captured like the others.
        $all = [Collections.Generic.List[object]]::new()
        try { foreach ($item in @(& $Command *>&1)) { $all.Add($item) } }
        catch { $all.Add($_) }
        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $objects = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.VerboseRecord] -and
            $_ -isnot [System.Management.Automation.WarningRecord] -and $_ -isnot [System.Management.Automation.InformationRecord] -and $_ -isnot [System.Management.Automation.DebugRecord] })
        $text = ($all | Out-String -Width 500) + ($errors | ForEach-Object { $_.Exception.ToString() + "`n" + $_.ErrorDetails }) +
            ($objects | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue)
        [pscustomobject]@{ Objects = $objects; Errors = $errors; Text = $text }
    }
    function Assert-Clean($Observed, [string[]] $Also = @()) {
        foreach ($f in $script:Forbidden + $Also) { if ($f) { $Observed.Text | Should -Not -Match ([regex]::Escape($f)) } }
    }
    function Assert-ErrorId($Observed, [string] $ErrorId) {
        $Observed.Errors.Count | Should -BeGreaterThan 0 -Because "an error $ErrorId is expected"
        $Observed.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $Observed.Errors[0].Exception.GetType().FullName | Should -Be 'KmsImport.KmsImportException'
    }
    function New-ImportedKey([string] $MaterialPath) {
        New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $MaterialPath | Import-KmsKeyMaterial
    }
}

AfterAll {
    if ($script:Server) { Stop-LocalKms -Server $script:Server }
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Finding 10: an endpoint answering 200 {}' {
    BeforeEach { Reset-Endpoint }

    It 'New-KmsExternalKey: {} and no key made is KmsAnswerInvalid; the tag search finds nothing; CreateKey sent once' {
        Set-Faults @(@{ operation = 'CreateKey'; answer = 'emptyObject'; perform = $false })
        $o = Invoke-Observed { New-KmsExternalKey @Common }
        Assert-ErrorId $o 'KmsAnswerInvalid'
        $o.Errors[0].Exception.Message | Should -Match 'did not take effect'
        $o.Objects | Should -BeNullOrEmpty
        (Get-Sent 'CreateKey').Count | Should -Be 1
        (Get-Sent 'ListKeys').Count | Should -BeGreaterThan 0
        @(Get-HeldKeyId).Count | Should -Be 0
        Assert-Clean $o
    }

    It 'New-KmsExternalKey: {} after the key was made emits that key, found by its request tag (1 held, 1 reported)' {
        Set-Faults @(@{ operation = 'CreateKey'; answer = 'emptyObject' })
        $o = Invoke-Observed { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects.Count | Should -Be 1
        $o.Objects[0].KeySpec | Should -Be 'HMAC_256'
        @(Get-HeldKeyId) | Should -Be @("eu-west-2/$($o.Objects[0].KeyId)")
        (Get-Sent 'CreateKey').Count | Should -Be 1
        $o.Text | Should -Match 'reading the state back shows it took effect'
        Assert-Clean $o
    }

    It 'Get-KmsImportParameters: {} is KmsAnswerInvalid' {
        $key = New-KmsExternalKey @Common
        Set-Faults @(@{ operation = 'GetParametersForImport'; answer = 'emptyObject'; perform = $false })
        $o = Invoke-Observed { $key | Get-KmsImportParameters }
        Assert-ErrorId $o 'KmsAnswerInvalid'
        $o.Errors[0].Exception.Message | Should -Match 'PublicKey, ImportToken, ParametersValidTo'
        $o.Errors[0].TargetObject | Should -Be $key.KeyId
        Assert-Clean $o
    }

    It 'Test-KmsKeyState: DescribeKey {} is KmsAnswerInvalid' {
        $key = New-KmsExternalKey @Common
        Set-Faults @(@{ operation = 'DescribeKey'; answer = 'emptyObject'; perform = $false })
        $o = Invoke-Observed { Test-KmsKeyState @Common -KeyId $key.KeyId }
        Assert-ErrorId $o 'KmsAnswerInvalid'
        Assert-Clean $o
    }

    It 'Invoke-KmsKeyImport: DescribeKey {} fails the key with KmsAnswerInvalid, not an unexpected error' {
        $key = New-KmsExternalKey @Common
        Set-Faults @(@{ operation = 'DescribeKey'; answer = 'emptyObject'; perform = $false })
        $o = Invoke-Observed { $key | Invoke-KmsKeyImport -Generate -NoEscrow -NoPacing }
        $o.Objects[0].Status | Should -Be 'Failed'
        $o.Objects[0].ErrorId | Should -Be 'KmsAnswerInvalid'
        (Get-Sent 'ImportKeyMaterial').Count | Should -Be 0
        Assert-Clean $o
    }
}

Describe 'Finding 11: HTML and untyped HTTP errors' {
    BeforeEach { Reset-Endpoint }

    It 'a proxy''s HTML 502 is KmsHttpError naming the status, transient, body not quoted' {
        $key = New-KmsExternalKey @Common
        Set-Faults @(@{ operation = 'DescribeKey'; answer = 'html'; status = 502 })
        $o = Invoke-Observed { Test-KmsKeyState @Common -KeyId $key.KeyId -MaxErrorRetry 1 }
        Assert-ErrorId $o 'KmsHttpError'
        $o.Errors[0].Exception.Message | Should -Match 'HTTP 502 BadGateway'
        $o.Errors[0].Exception.IsTransient | Should -BeTrue
        $o.Errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $o.Errors[0].ErrorDetails.RecommendedAction | Should -Match 'transient'
        (Get-Sent 'DescribeKey').Count | Should -Be 2 -Because 'a read is retried (-MaxErrorRetry 1)'
        Assert-Clean $o
    }

    It 'HTML 403 is KmsHttpError, PermissionDenied, not transient' {
        Set-Faults @(@{ operation = 'DescribeKey'; answer = 'html'; status = 403 })
        $o = Invoke-Observed { Test-KmsKeyState @Common -KeyId 'alias/anything' }
        Assert-ErrorId $o 'KmsHttpError'
        $o.Errors[0].Exception.Message | Should -Match 'HTTP 403'
        $o.Errors[0].Exception.IsTransient | Should -BeFalse
        $o.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        (Get-Sent 'DescribeKey').Count | Should -Be 1
        Assert-Clean $o
    }

    It 'a 400 without __type is KmsHttpError and its message is not quoted' {
        Set-Faults @(@{ operation = 'DescribeKey'; answer = 'untypedError' })
        $o = Invoke-Observed { Test-KmsKeyState @Common -KeyId 'alias/anything' }
        Assert-ErrorId $o 'KmsHttpError'
        $o.Errors[0].Exception.Message | Should -Match 'HTTP 400'
        Assert-Clean $o
    }

    It 'an HTML 429 is KmsThrottled and transient' {
        Set-Faults @(@{ operation = 'DescribeKey'; answer = 'html'; status = 429 })
        $o = Invoke-Observed { Test-KmsKeyState @Common -KeyId 'alias/anything' -MaxErrorRetry 0 }
        Assert-ErrorId $o 'KmsThrottled'
        $o.Errors[0].Exception.IsTransient | Should -BeTrue
        Assert-Clean $o
    }

    It 'an HTML 502 on CreateKey (nothing made) is read back, reported as not done, and not resent' {
        Set-Faults @(@{ operation = 'CreateKey'; answer = 'html'; status = 502 })
        $o = Invoke-Observed { New-KmsExternalKey @Common }
        Assert-ErrorId $o 'KmsHttpError'
        $o.Errors[0].Exception.Message | Should -Match 'did not take effect'
        (Get-Sent 'CreateKey').Count | Should -Be 1
        @(Get-HeldKeyId).Count | Should -Be 0
        Assert-Clean $o
    }
}

Describe 'Finding 12: Regions and request rates are checked before any request' {
    BeforeEach { Reset-Endpoint }

    It '-Region ''<Region>'' is RegionInvalid, nothing sent' -TestCases @(
        @{ Region = 'eu west/2' }, @{ Region = 'EU-WEST-2' }, @{ Region = 'eu-west-2.evil.example' }, @{ Region = "eu-west-2`n" + 'x' }
    ) {
        param($Region)
        $o = Invoke-Observed { New-KmsExternalKey -Region $Region -EndpointUrl $Url }
        Assert-ErrorId $o 'RegionInvalid'
        $o.Errors[0].Exception.Message | Should -Not -CMatch ([regex]::Escape($Region))
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }

    # The bundle reader checks its Region field first (files are data from strangers): ImportBundleInvalid.
    It 'a bundle''s Region ''eu west/2'' is refused by the bundle reader (ImportBundleInvalid), nothing sent' {
        $material = New-MaterialFile
        $out = Join-Path $Work ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $out
        $null = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path -OutDirectory $out
        $bundle = Get-ChildItem -Recurse -File $out -Filter '*.json' | Select-Object -First 1
        $json = Get-Content -Raw $bundle.FullName | ConvertFrom-Json
        $json.Region = 'eu west/2'
        $json | ConvertTo-Json -Depth 5 | Set-Content -NoNewline -Encoding utf8NoBOM $bundle.FullName
        Clear-LocalKmsRequest -Url $Url
        $o = Invoke-Observed { Import-KmsKeyMaterial -Path $bundle.Directory.FullName -EndpointUrl $Url }
        Assert-ErrorId $o 'ImportBundleInvalid'
        $o.Errors[0].Exception.Message | Should -Match 'Region'
        $o.Errors[0].Exception.Message | Should -Not -Match 'eu west/2'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
        Assert-Clean $o @($material.Hex)
    }

    It '-RequestsPerSecond <Case> is RequestsPerSecondInvalid, nothing sent' -TestCases @(
        @{ Case = 'X = abc'; Rates = @{ X = 'abc' } },
        @{ Case = 'unknown operation'; Rates = @{ CreateKeyz = 1 } },
        @{ Case = 'text rate'; Rates = @{ GetParametersForImport = 'abc' } },
        @{ Case = 'negative rate'; Rates = @{ ImportKeyMaterial = -1 } },
        @{ Case = 'NaN'; Rates = @{ DescribeKey = [double]::NaN } }
    ) {
        param($Case, $Rates)
        $o = Invoke-Observed { Invoke-KmsKeyImport @Common -KeyId 'alias/anything' -Generate -NoEscrow -RequestsPerSecond $Rates }
        Assert-ErrorId $o 'RequestsPerSecondInvalid'
        $o.Errors[0].Exception.Message | Should -Not -Match 'abc'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }

    It 'a valid -RequestsPerSecond (any case, numbers as text) is accepted' {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256
        $r = $key | Invoke-KmsKeyImport -Generate -NoEscrow -RequestsPerSecond @{ getparametersforimport = '20'; ImportKeyMaterial = 0 }
        $r.Status | Should -Be 'Imported'
    }
}

Describe 'Finding 18: endpoint quirks are not believed' {
    BeforeEach { Reset-Endpoint }

    It 'an unknown KeySpec in the CreateKey answer is KmsKeyCreatedUnfinished with the key and its cleanup; never SYMMETRIC_DEFAULT' {
        Set-Faults @(@{ operation = 'CreateKey'; answer = 'patch'; patch = @{ KeyMetadata = @{ KeySpec = 'QUANTUM_9000' } } })
        $o = Invoke-Observed { New-KmsExternalKey @Common }
        Assert-ErrorId $o 'KmsKeyCreatedUnfinished'
        $o.Objects | Should -BeNullOrEmpty
        $held = @(Get-HeldKeyId)
        $held.Count | Should -Be 1
        $keyId = $held[0].Split('/')[1]
        $o.Errors[0].TargetObject | Should -Be $keyId
        $o.Errors[0].Exception.Message | Should -Match "'QUANTUM_9000'"
        $o.Errors[0].Exception.Message | Should -Match ([regex]::Escape("Remove-KmsExternalKey -KeyId '$keyId' -Region 'eu-west-2'"))
        $o.Text | Should -Not -Match 'SYMMETRIC_DEFAULT \('
        # The cleanup it names works.
        (Remove-KmsExternalKey @Common -KeyId $keyId -Confirm:$false).KeyState | Should -Be 'PendingDeletion'
    }

    It 'a KeySpec other than asked is refused the same way' {
        Set-Faults @(@{ operation = 'CreateKey'; answer = 'patch'; patch = @{ KeyMetadata = @{ KeySpec = 'HMAC_512'; KeyUsage = 'GENERATE_VERIFY_MAC' } } })
        $o = Invoke-Observed { New-KmsExternalKey @Common }
        Assert-ErrorId $o 'KmsKeyCreatedUnfinished'
        $o.Errors[0].Exception.Message | Should -Match "key spec 'HMAC_512'"
    }

    It 'ImportKeyMaterial answered {} while the key stays PendingImport is KmsImportNotApplied' {
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; answer = 'emptyObject'; perform = $false })
        $o = Invoke-Observed { $wrapped | Import-KmsKeyMaterial }
        Assert-ErrorId $o 'KmsImportNotApplied'
        $o.Objects | Should -BeNullOrEmpty
        (Get-Sent 'ImportKeyMaterial').Count | Should -Be 1
        (Test-KmsKeyState @Common -KeyId $wrapped.KeyId -ExpectedState PendingImport).Passed | Should -BeTrue
        Assert-Clean $o @($material.Hex)
    }

    It 'an empty 200 body for an import that did not happen is read back and sent again (not blindly): Enabled' {
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; answer = 'emptyBody'; perform = $false; count = 1 })
        $o = Invoke-Observed { $wrapped | Import-KmsKeyMaterial }
        $o.Errors | Should -BeNullOrEmpty
        # The second send was answered in full, so the result claims no state; KMS's own state says Enabled.
        $o.Objects[0].Outcome | Should -Be 'Imported'
        (Test-KmsKeyState -KeyId $o.Objects[0].KeyId @Common).KeyState | Should -Be 'Enabled'
        (Get-Sent 'ImportKeyMaterial').Count | Should -Be 2 -Because 'the state read back showed the first did not take effect'
        Assert-Clean $o @($material.Hex)
    }

    It 'an endpoint that always answers an import with an empty body and never imports ends in an error that says so' {
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-MaterialFile).Path
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; answer = 'emptyBody'; perform = $false })
        $o = Invoke-Observed { $wrapped | Import-KmsKeyMaterial -MaxErrorRetry 1 }
        Assert-ErrorId $o 'KmsAnswerInvalid'
        $o.Errors[0].Exception.Message | Should -Match 'did not take effect'
        (Get-Sent 'ImportKeyMaterial').Count | Should -Be 2
    }

    It 'a missing ParametersValidTo is KmsAnswerInvalid, not now + 24 h' {
        $key = New-KmsExternalKey @Common
        Set-Faults @(@{ operation = 'GetParametersForImport'; answer = 'patch'; patch = @{ ParametersValidTo = $null } })
        $o = Invoke-Observed { $key | Get-KmsImportParameters }
        Assert-ErrorId $o 'KmsAnswerInvalid'
        $o.Errors[0].Exception.Message | Should -Match 'without ParametersValidTo'
        $o.Objects | Should -BeNullOrEmpty
    }
}

Describe 'Finding 19: lost, empty and unreadable answers of every state-changing call' {
    BeforeEach { Reset-Endpoint }

    It 'CreateKey <Answer>: exactly one key, reported; CreateKey sent once' -TestCases @(
        @{ Answer = 'dropAfter' }, @{ Answer = 'emptyBody' }
    ) {
        param($Answer)
        Set-Faults @(@{ operation = 'CreateKey'; answer = $Answer })
        $o = Invoke-Observed { New-KmsExternalKey @Common }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects.Count | Should -Be 1
        @(Get-HeldKeyId) | Should -Be @("eu-west-2/$($o.Objects[0].KeyId)") -Because '0 unreported keys'
        (Get-Sent 'CreateKey').Count | Should -Be 1
        $o.Text | Should -Not -Match 'nothing was changed'
        Assert-Clean $o
    }

    It 'CreateAlias dropAfter: the alias is read back and set' {
        Set-Faults @(@{ operation = 'CreateAlias'; answer = 'dropAfter' })
        $alias = 'alias/lost-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $o = Invoke-Observed { New-KmsExternalKey @Common -Alias $alias }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects[0].Alias | Should -Be $alias
        (Get-Sent 'CreateAlias').Count | Should -Be 1
        @(Get-HeldKeyId).Count | Should -Be 1
        (Test-KmsKeyState @Common -KeyId $alias -ExpectedState PendingImport).KeyId | Should -Be $o.Objects[0].KeyId
    }

    It 'ReplicateKey dropAfter: the replica is read back from the primary, imported, and every key is reported' {
        $material = New-MaterialFile
        Set-Faults @(@{ operation = 'ReplicateKey'; answer = 'dropAfter' })
        $o = Invoke-Observed { New-KmsExternalKey @Common -ReplicaRegion 'eu-west-1' | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path | Import-KmsKeyMaterial }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects.Region | Should -Be @('eu-west-2', 'eu-west-1')
        $o.Objects.Outcome | Should -Be @('Imported', 'Imported')
        (Get-Sent 'ReplicateKey').Count | Should -Be 1
        @(Get-HeldKeyId).Count | Should -Be 2
        Assert-Clean $o @($material.Hex)
    }

    It 'ImportKeyMaterial <Answer>: Enabled, read back, sent once' -TestCases @(
        @{ Answer = 'dropAfter' }, @{ Answer = 'emptyBody' }, @{ Answer = 'emptyObject' }
    ) {
        param($Answer)
        $material = New-MaterialFile
        $wrapped = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $material.Path
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; answer = $Answer })
        $o = Invoke-Observed { $wrapped | Import-KmsKeyMaterial }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects[0].KeyState | Should -Be 'Enabled'
        (Get-Sent 'ImportKeyMaterial').Count | Should -Be 1
        Clear-Faults
        (Test-KmsKeyState @Common -KeyId $wrapped.KeyId -Path $material.Path).MaterialProved | Should -Not -BeFalse
        Assert-Clean $o @($material.Hex)
    }

    It 'a batch with an empty 200 body on every ImportKeyMaterial: every key Imported, one ImportKeyMaterial each' {
        $keys = 1..3 | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; answer = 'emptyBody' })
        $o = Invoke-Observed { $keys | Invoke-KmsKeyImport -Generate -NoEscrow -NoPacing }
        @($o.Objects | Where-Object Status -eq 'Imported').Count | Should -Be 3
        (Get-Sent 'ImportKeyMaterial').Count | Should -Be 3
        @(Get-HeldKeyId).Count | Should -Be 3
    }

    It 'DeleteImportedKeyMaterial <Answer>: PendingImport, read back, sent once' -TestCases @(
        @{ Answer = 'dropAfter' }, @{ Answer = 'emptyBody' }
    ) {
        param($Answer)
        $key = New-ImportedKey (New-MaterialFile).Path
        Set-Faults @(@{ operation = 'DeleteImportedKeyMaterial'; answer = $Answer })
        $o = Invoke-Observed { Remove-KmsImportedKeyMaterial @Common -KeyId $key.KeyId -Confirm:$false -PassThru }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects[0].KeyState | Should -Be 'PendingImport'
        (Get-Sent 'DeleteImportedKeyMaterial').Count | Should -Be 1
    }

    It 'RotateKeyOnDemand dropAfter: the rotation is read back as done, sent once' {
        $key = New-ImportedKey (New-MaterialFile).Path
        $null = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-MaterialFile).Path | Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL
        Set-Faults @(@{ operation = 'RotateKeyOnDemand'; answer = 'dropAfter' })
        $o = Invoke-Observed { Invoke-KmsKeyRotation @Common -KeyId $key.KeyId -Confirm:$false }
        $o.Errors | Should -BeNullOrEmpty
        (Get-Sent 'RotateKeyOnDemand').Count | Should -Be 1
        Clear-Faults
        @(Get-KmsKeyRotation @Common -KeyId $key.KeyId | Where-Object KeyMaterialState -eq 'CURRENT').Count | Should -Be 1
        @(Get-KmsKeyRotation @Common -KeyId $key.KeyId | Where-Object KeyMaterialState -like 'PENDING*').Count | Should -Be 0
    }

    It 'ScheduleKeyDeletion emptyBody: PendingDeletion, read back, sent once' {
        $key = New-KmsExternalKey @Common
        Set-Faults @(@{ operation = 'ScheduleKeyDeletion'; answer = 'emptyBody' })
        $o = Invoke-Observed { Remove-KmsExternalKey @Common -KeyId $key.KeyId -Confirm:$false }
        $o.Errors | Should -BeNullOrEmpty
        $o.Objects[0].KeyState | Should -Be 'PendingDeletion'
        (Get-Sent 'ScheduleKeyDeletion').Count | Should -Be 1
    }

    It 'an answer lost while the endpoint is down for the read-back too is KmsOutcomeUnknown with what to check' {
        $key = New-ImportedKey (New-MaterialFile).Path
        Set-Faults @(@{ operation = 'DeleteImportedKeyMaterial'; answer = 'dropAfter' }, @{ operation = 'DescribeKey'; answer = 'html'; status = 503 })
        $o = Invoke-Observed { Remove-KmsImportedKeyMaterial @Common -KeyId $key.KeyId -Confirm:$false -MaxErrorRetry 0 }
        Assert-ErrorId $o 'KmsOutcomeUnknown'
        $o.Errors[0].Exception.Message | Should -Match 'Test-KmsKeyState'
        (Get-Sent 'DeleteImportedKeyMaterial').Count | Should -Be 1
        Assert-Clean $o
    }

    It 'ValidTo goes out in whole seconds, rounded down: the endpoint keeps exactly that second' {
        $validTo = [datetime]::new(([datetime]::UtcNow.AddDays(30).Ticks), [DateTimeKind]::Utc).AddTicks(9876543)
        $result = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path (New-MaterialFile).Path |
            Import-KmsKeyMaterial -ValidTo $validTo
        $floor = [datetime]::new($validTo.Ticks - $validTo.Ticks % [timespan]::TicksPerSecond, [DateTimeKind]::Utc)
        $result.ValidTo | Should -Be $floor
        $described = aws kms describe-key --endpoint-url $Url --region eu-west-2 --key-id $result.KeyId --output json | ConvertFrom-Json
        # aws CLI v1 prints the wire value (epoch seconds), v2 an ISO 8601 time.
        $v = "$($described.KeyMetadata.ValidTo)"
        $epoch = 0.0
        $kept = if ([double]::TryParse($v, [Globalization.NumberStyles]::Float, [Globalization.CultureInfo]::InvariantCulture, [ref] $epoch)) {
            $epoch | Should -Be ([math]::Floor($epoch)) -Because 'whole seconds'
            [DateTimeOffset]::FromUnixTimeSeconds([long]$epoch).UtcDateTime
        } else { [DateTimeOffset]::Parse($v, [Globalization.CultureInfo]::InvariantCulture).UtcDateTime }
        $kept | Should -Be $floor
    }
}

Describe 'Remove-KmsExternalKey' {
    BeforeEach { Reset-Endpoint }

    It 'asks (ConfirmImpact High) and -WhatIf sends no ScheduleKeyDeletion' {
        $attr = (Get-Command Remove-KmsExternalKey).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
        $attr.ConfirmImpact | Should -Be 'High'
        $attr.SupportsShouldProcess | Should -BeTrue
        $key = New-KmsExternalKey @Common
        Remove-KmsExternalKey @Common -KeyId $key.KeyId -WhatIf | Should -BeNullOrEmpty
        (Get-Sent 'ScheduleKeyDeletion').Count | Should -Be 0
        (Test-KmsKeyState @Common -KeyId $key.KeyId -ExpectedState PendingImport).Passed | Should -BeTrue
    }

    It 'schedules a PendingImport key after <Days> days and outputs KMS''s deletion date' -TestCases @(
        @{ Days = $null }, @{ Days = 7 }
    ) {
        param($Days)
        $key = New-KmsExternalKey @Common
        $extra = if ($Days) { @{ PendingWindowInDays = $Days } } else { @{} }
        $before = [datetime]::UtcNow
        $r = $key | Remove-KmsExternalKey -Confirm:$false @extra
        $r.KeyState | Should -Be 'PendingDeletion'
        $expected = if ($Days) { $Days } else { 30 }
        ($r.DeletionDate - $before).TotalDays | Should -BeGreaterOrEqual ($expected - 0.01)
        ($r.DeletionDate - $before).TotalDays | Should -BeLessThan ($expected + 1.01)
        # A second run reports the state and sends nothing.
        Clear-LocalKmsRequest -Url $Url
        ($key | Remove-KmsExternalKey -Confirm:$false).KeyState | Should -Be 'PendingDeletion'
        (Get-Sent 'ScheduleKeyDeletion').Count | Should -Be 0
    }

    It 'refuses a key that holds material unless -Force' {
        $key = New-ImportedKey (New-MaterialFile).Path
        Clear-LocalKmsRequest -Url $Url
        $o = Invoke-Observed { Remove-KmsExternalKey @Common -KeyId $key.KeyId -Confirm:$false }
        Assert-ErrorId $o 'KmsKeyHoldsMaterial'
        $o.Errors[0].Exception.Message | Should -Match '-Force'
        (Get-Sent 'ScheduleKeyDeletion').Count | Should -Be 0
        (Remove-KmsExternalKey @Common -KeyId $key.KeyId -Confirm:$false -Force).KeyState | Should -Be 'PendingDeletion'
    }

    It 'refuses a key that is not EXTERNAL, even with -Force' {
        $json = aws kms create-key --endpoint-url $Url --region eu-west-2 --origin AWS_KMS --output json 2>&1
        if ($LASTEXITCODE -ne 0) { throw "aws kms create-key failed: $json" }
        $keyId = ($json | ConvertFrom-Json).KeyMetadata.KeyId
        $o = Invoke-Observed { Remove-KmsExternalKey @Common -KeyId $keyId -Confirm:$false -Force }
        Assert-ErrorId $o 'KmsKeyNotExternal'
        (Get-Sent 'ScheduleKeyDeletion').Count | Should -Be 0
    }

    It 'refuses a waiting period outside 7-30 days before any request' {
        Clear-LocalKmsRequest -Url $Url
        { Remove-KmsExternalKey @Common -KeyId 'alias/x' -PendingWindowInDays 6 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }
}
