# The evidence trail through the built module: -EvidencePath and $KmsImportEvidencePath on the seed pipeline, the
# offline ceremony flow (online -> offline in a process with no credentials -> online), batches and restores. Each
# line is checked against the real objects and files (key id, Region, account from the key ARN, SHA-256 of the bundle's
# token and public key files, fingerprint), the chain is recomputed here, no secret is in the file (shared leak
# detector), and Test-KmsCeremonyEvidence passes on the file and fails once a line is edited.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'LeakDetector.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Quick = @{ WrappingKeySpec = 'RSA_2048' }
    $script:Genesis = '0' * 64
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-evidence-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work

    function New-Folder([string] $Name) { (New-Item -ItemType Directory (Join-Path $script:Work ($Name + '-' + [guid]::NewGuid().ToString('n')))).FullName }
    function New-EvidencePath { Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.evidence.jsonl') }
    function New-Material([int] $Length = 32) {
        $bytes = [byte[]]::new($Length); [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.bin')
        [IO.File]::WriteAllBytes($path, $bytes)
        [pscustomobject]@{ Path = $path; Bytes = $bytes }
    }
    function Get-Sha256([byte[]] $Bytes) { ConvertTo-HexString ([Security.Cryptography.SHA256]::HashData($Bytes)) }

    # The file's lines as bytes (split here at the line feeds) and as parsed records; every line must end with a line feed.
    function Read-Evidence([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $bytes[-1] | Should -Be 10
        $lines = [Collections.Generic.List[byte[]]]::new()
        $start = 0
        for ($i = 0; $i -lt $bytes.Length; $i++) {
            if ($bytes[$i] -eq 10) { $lines.Add($bytes[$start..($i - 1)]); $start = $i + 1 }
        }
        foreach ($line in $lines) {
            [pscustomobject]@{ Bytes = $line; Record = ([Text.Encoding]::UTF8.GetString($line) | ConvertFrom-Json) }
        }
    }

    # The chain, recomputed independently of the module: line 1 from the genesis value, each next from the SHA-256 of the line before.
    function Assert-Chain($Lines) {
        $expected = $script:Genesis
        foreach ($l in $Lines) {
            $l.Record.prev | Should -Be $expected
            $expected = Get-Sha256 $l.Bytes
        }
    }

    function Edit-Line([string] $Path, [int] $Index) {
        $text = [IO.File]::ReadAllLines($Path)
        $text[$Index] = $text[$Index] -replace '"outcome":"Succeeded"', '"outcome":"Failed"'
        [IO.File]::WriteAllText($Path, (($text -join "`n") + "`n"))
    }
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Evidence of the seed pipeline (-EvidencePath)' {
    BeforeAll {
        $script:Ev = New-EvidencePath
        $script:Bundle = New-Folder 'bundle'
        $script:Material = New-Material
        $script:Key = New-KmsExternalKey @Common -EvidencePath $Ev
        $script:Params = $Key | Get-KmsImportParameters @Quick -OutDirectory $Bundle -EvidencePath $Ev
        $script:Wrapped = $Params | Protect-KeyMaterial -Path $Material.Path -EvidencePath $Ev
        $script:Result = $Wrapped | Import-KmsKeyMaterial -EvidencePath $Ev
        $script:Report = $Result | Test-KmsKeyState -EvidencePath $Ev
        $script:Lines = @(Read-Evidence $Ev)
        $script:Account = $Key.Arn.Split(':')[4]
        $script:TokenFileHash = Get-Sha256 ([IO.File]::ReadAllBytes((Join-Path $Bundle $Key.KeyId 'ImportToken.bin')))
        $script:PublicKeyFileHash = Get-Sha256 ([IO.File]::ReadAllBytes((Join-Path $Bundle $Key.KeyId 'PublicKey.bin')))
    }

    It 'writes one line per step, in order, chained from the genesis value' {
        $Report.Passed | Should -BeTrue
        $Lines.Record.cmdlet | Should -Be @('New-KmsExternalKey', 'Get-KmsImportParameters', 'Protect-KeyMaterial', 'Import-KmsKeyMaterial', 'Test-KmsKeyState')
        Assert-Chain $Lines
        $Lines.Record.outcome | Should -Be (@('Succeeded') * 5)
        $Lines.Record.kmsImportEvidence | Should -Be (@(1) * 5)
    }

    It 'names the key, Region and account (from the key ARN) on every line that knows them' {
        $Lines.Record.keyId | Should -Be (@($Key.KeyId) * 5)
        $Lines.Record.region | Should -Be (@('eu-west-2') * 5)
        $Account | Should -Match '^\d{12}$'
        # Protect-KeyMaterial calls no AWS and sees no ARN: no account there.
        $Lines.Record.account | Should -Be @($Account, $Account, $null, $Account, $Account)
        $Lines.Record.endpointUrl | Should -Be (@($Url) * 5)
    }

    It 'names the credential source and access key id on the AWS steps, never a secret' {
        foreach ($i in 0, 1, 3, 4) {
            $Lines[$i].Record.credentialSource | Should -Be 'environment variables'
            $Lines[$i].Record.accessKeyId | Should -Be $env:AWS_ACCESS_KEY_ID
        }
        $Lines[2].Record.credentialSource | Should -BeNullOrEmpty
        $Lines[2].Record.accessKeyId | Should -BeNullOrEmpty
    }

    It 'records the SHA-256 of the token and public key files, the wrapping and the fingerprint' {
        $TokenFileHash | Should -Be (Get-Sha256 $Params.ImportToken)
        $Lines.Record.importTokenSha256 | Should -Be @($null, $TokenFileHash, $TokenFileHash, $TokenFileHash, $null)
        $Lines.Record.publicKeySha256 | Should -Be @($null, $PublicKeyFileHash, $PublicKeyFileHash, $null, $null)
        $Lines.Record.wrappingAlgorithm | Should -Be @($null, $Params.WrappingAlgorithm, $Params.WrappingAlgorithm, $null, $null)
        $Lines.Record.wrappingKeySpec | Should -Be @($null, 'RSA_2048', 'RSA_2048', $null, $null)
        $Lines.Record.fingerprint | Should -Be @($null, $null, $Wrapped.Fingerprint, $Wrapped.Fingerprint, $null)
        $Lines[2].Record.fingerprintAlgorithm | Should -Be $Wrapped.FingerprintAlgorithm
        $Lines.Record.keySpec | Should -Be (@('SYMMETRIC_DEFAULT') * 5)
        $Lines.Record.keyState | Should -Be @('PendingImport', 'PendingImport', $null, $null, 'Enabled')
        $Lines[4].Record.status | Should -Be 'Passed'
        $Lines[2].Record.componentCheckValues | Should -BeNullOrEmpty
    }

    It 'holds no secret: not the material, not the token, not the secret access key' {
        $secrets = @{ material = $Material.Bytes; token = $Params.ImportToken; secretKey = $env:AWS_SECRET_ACCESS_KEY }
        Find-Leak -Secrets $secrets -Bytes ([IO.File]::ReadAllBytes($Ev)) | Should -BeNullOrEmpty
    }

    It 'creates the file owner-only' {
        if ($IsWindows) {
            # Owner-only ACL: a protected DACL (no inherited entries) granting the current user alone.
            $acl = Get-Acl $Ev
            $acl.AreAccessRulesProtected | Should -BeTrue
            @($acl.Access.IdentityReference.Value | Sort-Object -Unique) | Should -Be @([Security.Principal.WindowsIdentity]::GetCurrent().Name)
        } else {
            (Get-Item $Ev).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'verifies with Test-KmsCeremonyEvidence, which reports the steps of the key' {
        Test-KmsCeremonyEvidence -Path $Ev -Quiet | Should -BeTrue
        $evidence = @(Test-KmsCeremonyEvidence -Path $Ev)
        $evidence.Count | Should -Be 1
        $evidence[0].KeyId | Should -Be $Key.KeyId
        $evidence[0].Account | Should -Be $Account
        $evidence[0].StepCount | Should -Be 5
        $evidence[0].FailedCount | Should -Be 0
        $evidence[0].Fingerprint | Should -Be $Wrapped.Fingerprint
        $evidence[0].ChainHead | Should -Be (Get-Sha256 $Lines[4].Bytes)
        $evidence[0].Steps.Line | Should -Be 1, 2, 3, 4, 5
        Test-KmsCeremonyEvidence -Path $Ev -ExpectedChainHead $evidence[0].ChainHead -Quiet | Should -BeTrue
    }

    It 'shows the key in a table of at most 80 columns and the steps in a list' {
        $evidence = Test-KmsCeremonyEvidence -Path $Ev
        $table = ($evidence | Format-Table | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }
        $table | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $table[-1] | Should -Match ([regex]::Escape($Key.KeyId) + '\s+eu-west-2\s+5\s+0\s+Succeeded')
        ($evidence | Format-List | Out-String -Width 80) | Should -Match '3 Protect-KeyMaterial Succeeded'
        ($evidence.Steps[1] | Format-List | Out-String -Width 80) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        ($evidence.Steps | Format-Table | Out-String -Width 80) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'fails verification once one line is edited, naming the line and quoting nothing of it' {
        $copy = New-EvidencePath
        Copy-Item $Ev $copy
        Edit-Line $copy 1
        Test-KmsCeremonyEvidence -Path $copy -Quiet -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceChainBroken*'
        $err[0].Exception.Message | Should -Match 'Line 3 does not chain to line 2'
        $err[0].Exception.Message | Should -Not -Match 'Get-KmsImportParameters|Failed'
        Test-KmsCeremonyEvidence -Path $copy -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'fails verification against the recorded chain head once the last line is edited' {
        $copy = New-EvidencePath
        Copy-Item $Ev $copy
        $head = (Test-KmsCeremonyEvidence -Path $copy).ChainHead
        Edit-Line $copy 4
        Test-KmsCeremonyEvidence -Path $copy -ExpectedChainHead $head -Quiet -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceChainBroken*'
        $err[0].Exception.Message | Should -Match 'line 5'
    }
}

Describe 'Evidence of the offline ceremony ($KmsImportEvidencePath)' {
    It 'records online, offline (no credentials) and online steps in one verified chain' {
        $ev = New-EvidencePath
        $bundle = New-Folder 'params'
        $wrapped = New-Folder 'wrapped'
        $material = New-Material
        $KmsImportEvidencePath = $ev
        # Online.
        $key = New-KmsExternalKey @Common
        $params = $key | Get-KmsImportParameters @Quick -OutDirectory $bundle
        $folder = Join-Path $bundle $key.KeyId
        # Offline: a separate process, no credentials, no endpoint; the preference variable set there too.
        Clear-LocalKmsRequest -Url $Url
        $offline = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:KMSIMPORT_TEST_MODULE'
`$KmsImportEvidencePath = '$ev'
`$w = Get-KmsImportParameters -Path '$folder' -EndpointUrl '$Url' | Protect-KeyMaterial -Path '$($material.Path)' -OutDirectory '$wrapped'
`$w.Fingerprint
"@
        $out = Invoke-FreshPwsh -Script $offline -Environment @{
            AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null; AWS_REGION = $null; AWS_PROFILE = $null
            AWS_SHARED_CREDENTIALS_FILE = (Join-Path $Work 'none'); AWS_CONFIG_FILE = (Join-Path $Work 'none')
        }
        $fingerprint = $out | Select-Object -Last 1
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
        # Online again.
        $report = Import-KmsKeyMaterial -Path (Join-Path $wrapped $key.KeyId) -EndpointUrl $Url | Test-KmsKeyState
        $report.Passed | Should -BeTrue

        $lines = @(Read-Evidence $ev)
        $lines.Record.cmdlet | Should -Be @('New-KmsExternalKey', 'Get-KmsImportParameters', 'Get-KmsImportParameters', 'Protect-KeyMaterial', 'Import-KmsKeyMaterial', 'Test-KmsKeyState')
        Assert-Chain $lines
        $lines.Record.keyId | Should -Be (@($key.KeyId) * 6)
        $lines.Record.region | Should -Be (@('eu-west-2') * 6)
        $account = $key.Arn.Split(':')[4]
        $lines.Record.account | Should -Be @($account, $account, $null, $null, $account, $account)
        $lines.Record.credentialSource | Should -Be @('environment variables', 'environment variables', $null, $null, 'environment variables', 'environment variables')
        $lines[2].Record.status | Should -Be 'ReadFromPath'
        $tokenHash = Get-Sha256 ([IO.File]::ReadAllBytes((Join-Path $folder 'ImportToken.bin')))
        $publicKeyHash = Get-Sha256 ([IO.File]::ReadAllBytes((Join-Path $folder 'PublicKey.bin')))
        $lines.Record.importTokenSha256 | Should -Be @($null, $tokenHash, $tokenHash, $tokenHash, $tokenHash, $null)
        $lines.Record.publicKeySha256 | Should -Be @($null, $publicKeyHash, $publicKeyHash, $publicKeyHash, $null, $null)
        $lines.Record.fingerprint | Should -Be @($null, $null, $null, $fingerprint, $fingerprint, $null)
        $lines[4].Record.fingerprintAlgorithm | Should -Be 'AES-KCV'
        $lines[4].Record.wrappingAlgorithm | Should -Be $params.WrappingAlgorithm

        $secrets = @{ material = $material.Bytes; token = $params.ImportToken; secretKey = $env:AWS_SECRET_ACCESS_KEY }
        Find-Leak -Secrets $secrets -Bytes ([IO.File]::ReadAllBytes($ev)) | Should -BeNullOrEmpty

        Test-KmsCeremonyEvidence -Path $ev -Quiet | Should -BeTrue
        (Test-KmsCeremonyEvidence -Path $ev).StepCount | Should -Be 6
        Edit-Line $ev 3
        Test-KmsCeremonyEvidence -Path $ev -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'lets -EvidencePath win over the preference variable' {
        $preferred = New-EvidencePath
        $given = New-EvidencePath
        $KmsImportEvidencePath = $preferred
        $null = New-KmsExternalKey @Common -EvidencePath $given
        Test-Path $preferred | Should -BeFalse
        @(Read-Evidence $given).Count | Should -Be 1
        $null = New-KmsExternalKey @Common
        @(Read-Evidence $preferred).Count | Should -Be 1
    }

    It 'refuses a preference variable that is not a path' {
        $KmsImportEvidencePath = 42
        { New-KmsExternalKey @Common -ErrorAction Stop } | Should -Throw -ErrorId 'EvidencePathInvalid*'
    }
}

Describe 'Evidence of failures, batches and restores' {
    It 'refuses a truncated evidence file before any call, and leaves it as it was' {
        $ev = New-EvidencePath
        $null = New-KmsExternalKey @Common -EvidencePath $ev
        $bytes = [IO.File]::ReadAllBytes($ev)
        [IO.File]::WriteAllBytes($ev, $bytes[0..($bytes.Length - 10)])
        Clear-LocalKmsRequest -Url $Url
        { New-KmsExternalKey @Common -EvidencePath $ev -ErrorAction Stop } | Should -Throw -ErrorId 'EvidenceFileTampered*'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
        [IO.File]::ReadAllBytes($ev).Length | Should -Be ($bytes.Length - 9)
    }

    It 'records a failed step with its ErrorId' {
        $ev = New-EvidencePath
        Test-KmsKeyState @Common -KeyId ([guid]::NewGuid()) -EvidencePath $ev -ErrorAction SilentlyContinue
        $line = @(Read-Evidence $ev)[0].Record
        $line.cmdlet | Should -Be 'Test-KmsKeyState'
        $line.outcome | Should -Be 'Failed'
        $line.errorId | Should -Be 'KmsKeyNotFound'
        $line.accessKeyId | Should -Be $env:AWS_ACCESS_KEY_ID
        (Test-KmsCeremonyEvidence -Path $ev).FailedCount | Should -Be 1
    }

    It 'records a rotation, a deletion of material and a scheduled key deletion' {
        $ev = New-EvidencePath
        $first = New-Material
        $next = New-Material
        $key = New-KmsExternalKey @Common
        $null = $key | Get-KmsImportParameters @Quick | Protect-KeyMaterial -Path $first.Path | Import-KmsKeyMaterial
        $null = $key | Get-KmsImportParameters @Quick | Protect-KeyMaterial -Path $next.Path | Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL
        Invoke-KmsKeyRotation @Common -KeyId $key.KeyId -EvidencePath $ev -Confirm:$false
        $null = Remove-KmsImportedKeyMaterial @Common -KeyId $key.KeyId -PassThru -EvidencePath $ev -Confirm:$false
        $null = Remove-KmsExternalKey @Common -KeyId $key.KeyId -PendingWindowInDays 7 -EvidencePath $ev -Confirm:$false
        $lines = @(Read-Evidence $ev)
        Assert-Chain $lines
        $lines.Record.cmdlet | Should -Be @('Invoke-KmsKeyRotation', 'Remove-KmsImportedKeyMaterial', 'Remove-KmsExternalKey')
        $lines.Record.status | Should -Be @('Rotated', 'MaterialDeleted', 'DeletionScheduled')
        $lines.Record.keyState | Should -Be @($null, 'PendingImport', 'PendingDeletion')
        $lines.Record.keyId | Should -Be (@($key.KeyId) * 3)
        # RotateKeyOnDemand answers with no ARN and costs no DescribeKey: no account there; the other two saw the key's ARN.
        $account = $key.Arn.Split(':')[4]
        $lines.Record.account | Should -Be @($null, $account, $account)
        Test-KmsCeremonyEvidence -Path $ev -Quiet | Should -BeTrue
    }

    It 'records one line per key of a batch and one per restore, with the parameters they used' {
        $ev = New-EvidencePath
        $escrow = New-Folder 'escrow'
        $keys = 1..2 | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        $results = $keys | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -EvidencePath $ev
        $restored = Restore-KmsKeyMaterial @Common -KeyId $keys[0].KeyId -Path (Join-Path $escrow "$($keys[0].KeyId).bin") -EvidencePath $ev -Confirm:$false
        $lines = @(Read-Evidence $ev)
        $lines.Count | Should -Be 3
        Assert-Chain $lines
        foreach ($i in 0, 1) {
            $r = $results | Where-Object KeyId -eq $lines[$i].Record.keyId
            $lines[$i].Record.cmdlet | Should -Be 'Invoke-KmsKeyImport'
            $lines[$i].Record.status | Should -Be $r.Status
            $lines[$i].Record.fingerprint | Should -Be $r.Fingerprint
            $lines[$i].Record.fingerprintAlgorithm | Should -Be 'HMAC-SHA256-KCV'
            $lines[$i].Record.importTokenSha256 | Should -Match '^[0-9a-f]{64}$'
            $lines[$i].Record.publicKeySha256 | Should -Match '^[0-9a-f]{64}$'
            $lines[$i].Record.account | Should -Be $keys[0].Arn.Split(':')[4]
        }
        $lines[2].Record.cmdlet | Should -Be 'Restore-KmsKeyMaterial'
        $lines[2].Record.fingerprint | Should -Be $restored.Fingerprint
        $lines[2].Record.keyState | Should -Be 'Enabled'
        $escrowed = @(Get-ChildItem $escrow -Filter *.bin)
        $escrowed.Count | Should -Be 2
        foreach ($file in $escrowed) {
            Find-Leak -Secrets @{ material = [IO.File]::ReadAllBytes($file.FullName) } -Bytes ([IO.File]::ReadAllBytes($ev)) | Should -BeNullOrEmpty
        }
        @(Test-KmsCeremonyEvidence -Path $ev).Count | Should -Be 2
    }
}
