# Secret hygiene through the built module: no form of the key material, of an RSA key's private
# numbers, of a password, or of the transient AES key of RSA_AES_KEY_WRAP appears in any output
# object, stream, transcript, error record (inner exceptions and TargetObject included) or bundle
# file; escrow files are owner-only and never overwritten; no temporary file is left behind. The
# forms searched are those of the shared leak detector (tests/TestSupport/LeakDetector.cs, the same
# one the xUnit tests use): raw bytes, hex either case, base64 at every alignment and base64url,
# decimal byte lists as PowerShell prints them with $FormatEnumerationLimit = -1, PEM/DER/PKCS#1/SEC1
# of private keys. The first Describe proves the detector catches each kind of planted leak. Zeroing
# of the plaintext buffers is proved by the xUnit tests (tests/KmsImport.Core.Tests/Crypto/HygieneTests.cs).
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'LeakDetector.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    # -Debug goes with -Verbose: -Debug alone makes PowerShell ask before every verbose message of a
    # compiled cmdlet (Inquire), which a non-interactive run cannot answer.
    $script:Loud = @{ Verbose = $true; Debug = $true; InformationAction = 'Continue' }
    # Wrapping keys of 2048 bits where the test does not care: the endpoint makes them ten times faster.
    $script:Quick = @{ WrappingKeySpec = 'RSA_2048' }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-hygiene-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $script:OwnerOnly = if ($IsWindows) { $null } else { [IO.UnixFileMode]'UserRead, UserWrite' }

    function New-Folder([string] $Name) { (New-Item -ItemType Directory (Join-Path $script:Work ($Name + '-' + [guid]::NewGuid().ToString('n')))).FullName }
    function New-Material([int] $Length = 32) {
        $bytes = [byte[]]::new($Length); [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        $path = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.bin')
        [IO.File]::WriteAllBytes($path, $bytes)
        [pscustomobject]@{ Path = $path; Bytes = $bytes }
    }

    # Runs a scenario with every stream on and a transcript; returns all the text it left anywhere.
    function Invoke-Captured([scriptblock] $Scenario) {
        $transcript = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.transcript.txt')
        $global:Error.Clear()
        # Whole byte arrays in every view ({1, 2, 3, ...} rather than {1, 2, 3, 4...}), so a leak shows in full.
        $savedLimit = $global:FormatEnumerationLimit
        $global:FormatEnumerationLimit = -1
        Start-Transcript -Path $transcript | Out-Null
        try {
            $streams = & $Scenario *>&1 | ForEach-Object {
                $_
                $type = $_.GetType()
                if ($_ -isnot [string] -and $type.Namespace -notlike 'Microsoft.PowerShell.Commands.Internal.Format*') {
                    $_ | Format-List * -Force | Out-String -Width 500
                    # The module's own objects also as JSON (how they are stored and logged).
                    if ($type.Namespace -like 'KmsImport*') { $_ | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue }
                }
            } | Out-String -Width 500
        } finally {
            Stop-Transcript | Out-Null
        }
        $errors = foreach ($e in $global:Error) {
            $e | Format-List * -Force | Out-String -Width 500
            if ($e -is [Management.Automation.ErrorRecord]) {
                $e.Exception.ToString(); "$($e.TargetObject)"; $e.TargetObject | Out-String -Width 500; "$($e.ErrorDetails)"; $e.ScriptStackTrace
            } else { "$e" }
        }
        $global:FormatEnumerationLimit = $savedLimit
        $streams + "`n" + (Get-Content -Raw $transcript) + "`n" + ($errors -join "`n")
    }

    # Secrets: name -> [byte[]] (material as stored; a private key by its private numbers) or [string] (a password).
    function Assert-NoSecret([string] $Text, [System.Collections.IDictionary] $Secrets) {
        $Text.Length | Should -BeGreaterThan 200 -Because 'the capture saw the run'
        Find-Leak -Secrets $Secrets -Text $Text | Should -BeNullOrEmpty -Because 'no secret may appear in any form'
    }
    function Assert-FilesHoldNoSecret([string] $Folder, [System.Collections.IDictionary] $Secrets) {
        $files = @(Get-ChildItem -Recurse -File $Folder)
        $files.Count | Should -BeGreaterThan 0 -Because 'there are files to search'
        foreach ($file in $files) {
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            $bytes.Length | Should -BeGreaterThan 0
            Find-Leak -Secrets $Secrets -Bytes $bytes | Should -BeNullOrEmpty -Because "$($file.Name) must not hold a secret"
        }
    }

    # The transient AES key of RSA_AES_KEY_WRAP, through the internal test hook. KmsImport.Core lives
    # in the module's private load context; the hook is [ThreadStatic]: set on this (the pipeline) thread.
    function Set-TransientKeyObserver($Sink) {
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KmsImport.Core' } | Select-Object -First 1
        $core | Should -Not -BeNullOrEmpty
        $field = $core.GetType('KmsImport.Core.Crypto.KeyWrapper', $true).GetField('TransientKeyObserver', [Reflection.BindingFlags]'NonPublic, Static')
        $field | Should -Not -BeNullOrEmpty
        $value = if ($null -eq $Sink) { $null } else { [Delegate]::CreateDelegate([Action[byte[]]], $Sink, 'Add') }
        $field.SetValue($null, $value)
    }
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'The leak detector catches each kind of planted leak (and nothing public)' {
    BeforeAll {
        $script:M = New-Material
        $script:Ec = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $script:Rsa = [Security.Cryptography.RSA]::Create(2048)
    }

    It 'catches <Kind>' -ForEach @(
        @{ Kind = 'an ErrorRecord whose TargetObject is the material bytes'; Plant = {
                Write-Error -ErrorRecord ([Management.Automation.ErrorRecord]::new([InvalidOperationException]::new('planted'), 'Planted', 'InvalidData', $M.Bytes)) -ErrorAction Continue } }
        @{ Kind = 'the material as a byte[] property of an output object'; Plant = { [pscustomobject]@{ KeyId = 'k'; Material = $M.Bytes } } }
        @{ Kind = 'the material in a string (space-separated decimal)'; Plant = { Write-Verbose "material: $($M.Bytes)" -Verbose } }
        @{ Kind = 'the material piped to Out-String (one number per line)'; Plant = { $M.Bytes | Out-String | Write-Information -InformationAction Continue } }
        @{ Kind = 'the material as lower-case hex in a warning'; Plant = { Write-Warning ([Convert]::ToHexString($M.Bytes).ToLowerInvariant()) } }
        @{ Kind = 'the material as BitConverter hex in debug output'; Plant = { Write-Debug ([BitConverter]::ToString($M.Bytes)) -Debug } }
        @{ Kind = 'the material as base64 at offset 1'; Plant = { [Convert]::ToBase64String([byte[]](@(7) + $M.Bytes)) } }
        @{ Kind = 'the material as base64 at offset 2'; Plant = { [Convert]::ToBase64String([byte[]](@(7, 7) + $M.Bytes)) } }
        @{ Kind = 'the material as base64url'; Plant = { [Convert]::ToBase64String($M.Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') } }
        @{ Kind = 'base64 of the SEC1 form of an escrowed P-256 key'; Secret = 'ec'; Plant = { [Convert]::ToBase64String($Ec.ExportECPrivateKey()) } }
        @{ Kind = 'the SEC1 PEM of an escrowed P-256 key'; Secret = 'ec'; Plant = { $Ec.ExportECPrivateKeyPem() } }
        @{ Kind = 'the private scalar of an escrowed P-256 key as a byte list'; Secret = 'ec'; Plant = { , $Ec.ExportParameters($true).D } }
        @{ Kind = 'the PKCS#1 PEM of an RSA key'; Secret = 'rsa'; Plant = { $Rsa.ExportRSAPrivateKeyPem() } }
        @{ Kind = 'the prime q of an RSA key as hex'; Secret = 'rsa'; Plant = { [Convert]::ToHexString($Rsa.ExportParameters($true).Q) } }
    ) {
        $secrets = switch ($Secret) {
            'ec' { @{ 'escrowed P-256 key' = $Ec.ExportPkcs8PrivateKey() } }   # what an escrow file holds: PKCS#8 DER
            'rsa' { @{ 'RSA key' = $Rsa.ExportPkcs8PrivateKey() } }
            default { @{ 'material' = $M.Bytes } }
        }
        $text = Invoke-Captured { 'some output before the leak: ' + ('x' * 200); & $Plant }
        Find-Leak -Secrets $secrets -Text $text | Should -Not -BeNullOrEmpty -Because "the planted leak ($Kind) must be caught"
    }

    It 'catches the material in a file, raw or as text' {
        $dir = New-Folder 'planted-files'
        [IO.File]::WriteAllBytes((Join-Path $dir 'raw.bin'), [byte[]](@(1, 2, 3) + $M.Bytes + @(4)))
        { Assert-FilesHoldNoSecret $dir @{ 'material' = $M.Bytes } } | Should -Throw
        Remove-Item (Join-Path $dir 'raw.bin')
        Set-Content (Join-Path $dir 'bundle.json') -Value (@{ Key = [Convert]::ToBase64String($M.Bytes) } | ConvertTo-Json)
        { Assert-FilesHoldNoSecret $dir @{ 'material' = $M.Bytes } } | Should -Throw
    }

    It 'does not flag public parts: the public key of the escrowed key and of the RSA key, in every view' {
        $text = Invoke-Captured {
            'some output: ' + ('x' * 200)
            [pscustomobject]@{ Ec = $Ec.ExportSubjectPublicKeyInfo(); Rsa = $Rsa.ExportSubjectPublicKeyInfo() }
            [Convert]::ToBase64String($Ec.ExportSubjectPublicKeyInfo()); $Rsa.ExportRSAPublicKeyPem()
            [Convert]::ToHexString($Rsa.ExportSubjectPublicKeyInfo())
        }
        Assert-NoSecret $text @{ 'escrowed P-256 key' = $Ec.ExportPkcs8PrivateKey(); 'RSA key' = $Rsa.ExportPkcs8PrivateKey(); 'material' = $M.Bytes }
    }
}

Describe 'No material in streams, transcripts, errors, objects or files' {
    It 'symmetric material from -Path and -KeyMaterial, both proofs, offline bundles, and error paths' {
        $m = New-Material
        $other = New-Material
        $short = New-Material 31
        $bundles = New-Folder 'bundles'
        $text = Invoke-Captured {
            $key = New-KmsExternalKey @Common @Loud
            $key | Get-KmsImportParameters @Quick @Loud | Protect-KeyMaterial -Path $m.Path @Loud | Import-KmsKeyMaterial @Loud -ValidTo (Get-Date).AddDays(30)
            Test-KmsKeyState @Common -KeyId $key.KeyId -Path $m.Path @Loud
            Test-KmsKeyState @Common -KeyId $key.KeyId -KeyMaterial $m.Bytes @Loud
            $key2 = New-KmsExternalKey @Common
            $key2 | Get-KmsImportParameters @Quick @Loud | Protect-KeyMaterial -KeyMaterial $m.Bytes @Loud | Import-KmsKeyMaterial @Loud
            # Offline: parameters to files, wrap from files, import from files.
            $key3 = New-KmsExternalKey @Common
            $p = $key3 | Get-KmsImportParameters -OutDirectory $bundles @Quick @Loud
            $null = New-Item -ItemType Directory (Join-Path $bundles 'wrapped')   # -OutDirectory must exist (issue 14, finding 13)
            $w = Get-KmsImportParameters -Path (Join-Path $bundles $key3.KeyId) @Common @Loud |
                Protect-KeyMaterial -Path $m.Path -OutDirectory (Join-Path $bundles 'wrapped') @Loud
            Import-KmsKeyMaterial -Path (Join-Path $bundles "wrapped/$($key3.KeyId)") @Common @Loud
            # Errors: wrong length, a different material (KMS refuses), the same from bytes.
            $p | Protect-KeyMaterial -Path $short.Path @Loud -ErrorAction Continue
            $key | Get-KmsImportParameters @Quick | Protect-KeyMaterial -Path $other.Path @Loud | Import-KmsKeyMaterial @Loud -ErrorAction Continue
            $key | Restore-KmsKeyMaterial -KeyMaterial $other.Bytes @Quick @Loud -ErrorAction Continue -Confirm:$false
            Test-KmsKeyState @Common -KeyId $key.KeyId -KeyMaterial $short.Bytes @Loud -ErrorAction Continue
        }
        $text | Should -Match 'Enabled'
        $text | Should -Match 'KmsIncorrectKeyMaterial'
        $text | Should -Match 'KeyMaterialWrongLength'
        Assert-NoSecret $text @{ 'material' = $m.Bytes; 'other material' = $other.Bytes; 'short material' = $short.Bytes }
        Assert-FilesHoldNoSecret $bundles @{ 'material' = $m.Bytes }
    }

    It 'generated material with an escrow file, Restore-KmsKeyMaterial and a proof from the escrow' {
        $escrowDir = New-Folder 'escrow'
        $text = Invoke-Captured {
            $key = New-KmsExternalKey @Common -KeySpec HMAC_384 @Loud
            $r = $key | Get-KmsImportParameters @Quick @Loud | Protect-KeyMaterial -Generate -EscrowPath $escrowDir @Loud | Import-KmsKeyMaterial @Loud
            $r
            $escrow = Join-Path $escrowDir "$($key.KeyId).bin"
            Test-KmsKeyState @Common -KeyId $key.KeyId -Path $escrow @Loud
            Restore-KmsKeyMaterial @Common -KeyId $key.KeyId -Path $escrow -ValidTo (Get-Date).AddDays(90) @Quick @Loud -Confirm:$false
            # Generating again into the same escrow file is refused: the file is never overwritten.
            $key | Get-KmsImportParameters @Quick | Protect-KeyMaterial -Generate -EscrowPath $escrow @Loud -ErrorAction Continue
        }
        $file = Get-ChildItem $escrowDir | Select-Object -First 1
        $secret = [IO.File]::ReadAllBytes($file.FullName)
        $secret.Length | Should -Be 48
        if ($OwnerOnly) { $file.UnixFileMode | Should -Be $OwnerOnly }
        $text | Should -Match 'SecretFileExists'
        $text | Should -Match 'GenerateMac'
        Assert-NoSecret $text @{ 'generated material' = $secret }
    }

    It 'escrow to certificates and key components: CMS files, proofs and restores from them, combining, and their error paths' {
        $escrowDir = New-Folder 'cms'
        $componentDir = New-Folder 'components'
        $otherDir = New-Folder 'other'
        $certs = @{}
        foreach ($n in 'rsa', 'ec') {
            $newKey = if ($n -eq 'rsa') { @('-newkey', 'rsa:2048', '-addext', 'keyUsage=critical,keyEncipherment') } else { @('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-addext', 'keyUsage=critical,keyAgreement') }
            $certs[$n] = @{ Cert = Join-Path $Work "$n-$([guid]::NewGuid().ToString('n')).pem" }
            $certs[$n].Key = [IO.Path]::ChangeExtension($certs[$n].Cert, '.key')
            $out = & openssl req -x509 @newKey -nodes -keyout $certs[$n].Key -out $certs[$n].Cert -days 30 -subj "/CN=Hygiene $n" 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$out"
        }
        $text = Invoke-Captured {
            $key = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC @Loud
            $w = $key | Get-KmsImportParameters @Quick @Loud | Protect-KeyMaterial -Generate -EscrowPath $escrowDir -EscrowRecipient $certs.rsa.Cert, $certs.ec.Cert @Loud
            $w | Import-KmsKeyMaterial @Loud
            Test-KmsKeyState @Common -KeyId $key.KeyId -Path $w.EscrowPath -EscrowKeyPath $certs.ec.Key @Loud
            Restore-KmsKeyMaterial @Common -KeyId $key.KeyId -Path $w.EscrowPath -EscrowKeyPath $certs.rsa.Key -Confirm:$false @Quick @Loud
            Test-KmsKeyState @Common -KeyId $key.KeyId -Path $w.EscrowPath @Loud -ErrorAction Continue           # EscrowKeyRequired

            $key2 = New-KmsExternalKey @Common @Loud
            $c = $key2 | Get-KmsImportParameters @Quick @Loud |
                Protect-KeyMaterial -Generate -EscrowPath $componentDir -EscrowRecipient $certs.rsa.Cert, $certs.ec.Cert -ComponentCount 2 @Loud
            $c | Import-KmsKeyMaterial @Loud
            $c | Format-List * | Out-String
            $parts = (Get-ChildItem $componentDir -Filter '*.cms').FullName
            $key2 | Get-KmsImportParameters @Quick @Loud | Protect-KeyMaterial -ComponentPath $parts -EscrowKeyPath $certs.rsa.Key, $certs.ec.Key @Loud | Import-KmsKeyMaterial @Loud
            $null = New-KmsExternalKey @Common | Get-KmsImportParameters @Quick |
                Protect-KeyMaterial -Generate -EscrowPath $otherDir -EscrowRecipient $certs.rsa.Cert, $certs.ec.Cert -ComponentCount 2
            $mixed = $parts[0], (Get-ChildItem $otherDir -Filter '*component-2-of-2.cms').FullName
            $key2 | Get-KmsImportParameters @Quick | Protect-KeyMaterial -ComponentPath $mixed -EscrowKeyPath $certs.rsa.Key, $certs.ec.Key @Loud -ErrorAction Continue
        }
        $text | Should -Match 'EscrowKeyRequired'
        $text | Should -Match 'ComponentCheckValueMismatch'
        $text | Should -Match 'GenerateMac'
        $cmsFile = (Get-ChildItem $escrowDir -Filter '*.cms').FullName
        $plain = Join-Path $Work ([guid]::NewGuid().ToString('n'))
        & openssl cms -decrypt -inform PEM -in $cmsFile -inkey $certs.ec.Key -recip $certs.ec.Cert -out $plain
        $material = [IO.File]::ReadAllBytes($plain); Remove-Item $plain
        $material.Length | Should -Be 32
        $secrets = @{ 'CMS-escrowed material' = $material }
        $i = 0
        foreach ($part in (Get-ChildItem $componentDir -Filter '*.cms' | Sort-Object Name)) {
            $n = if ($part.Name -like '*component-1-of-2.cms') { 'rsa' } else { 'ec' }
            & openssl cms -decrypt -inform PEM -in $part.FullName -inkey $certs[$n].Key -recip $certs[$n].Cert -out $plain
            $secrets["component $((++$i))"] = [IO.File]::ReadAllBytes($plain); Remove-Item $plain
        }
        $combined = [byte[]]::new(32)
        for ($k = 0; $k -lt 32; $k++) { $combined[$k] = $secrets['component 1'][$k] -bxor $secrets['component 2'][$k] }
        $secrets['combined material'] = $combined
        Assert-NoSecret $text $secrets
        Assert-FilesHoldNoSecret $escrowDir $secrets
        Assert-FilesHoldNoSecret $componentDir $secrets
        foreach ($f in Get-ChildItem $escrowDir, $componentDir) { if ($OwnerOnly) { $f.UnixFileMode | Should -Be $OwnerOnly } }
    }

    It 'HMAC material: import, GenerateMac proofs from a file and from bytes, and a wrong-length error' {
        $m = New-Material 64
        $long = New-Material 129   # one more than SHA-512's block size, the longest HMAC_512 key KMS takes
        $text = Invoke-Captured {
            $r = New-KmsExternalKey @Common -KeySpec HMAC_512 @Loud | Get-KmsImportParameters @Quick @Loud | Protect-KeyMaterial -Path $m.Path @Loud | Import-KmsKeyMaterial @Loud
            $r | Format-Table * | Out-String
            Test-KmsKeyState @Common -KeyId $r.KeyId -Path $m.Path @Loud
            Test-KmsKeyState @Common -KeyId $r.KeyId -KeyMaterial $m.Bytes @Loud | Format-List *
            Test-KmsKeyState @Common -KeyId $r.KeyId -KeyMaterial $long.Bytes @Loud -ErrorAction Continue
        }
        $text | Should -Match 'GenerateMac'
        $text | Should -Match 'KeyMaterialWrongLength'
        Assert-NoSecret $text @{ 'HMAC material' = $m.Bytes; 'long material' = $long.Bytes }
    }

    It 'RSA material wrapped with RSA_AES_KEY_WRAP: neither the key, its private numbers, its password nor the transient AES keys appear' {
        $rsa = [Security.Cryptography.RSA]::Create(2048)
        $password = 'hygiene-' + [guid]::NewGuid().ToString('n')
        $pbe = [Security.Cryptography.PbeParameters]::new('Aes256Cbc', 'SHA256', 2048)
        $pem = Join-Path $Work 'rsa-encrypted.pem'
        Set-Content -Path $pem -Value (-join [Security.Cryptography.PemEncoding]::Write('ENCRYPTED PRIVATE KEY', $rsa.ExportEncryptedPkcs8PrivateKey($password, $pbe))) -NoNewline
        $secure = ConvertTo-SecureString $password -AsPlainText -Force
        $wrong = ConvertTo-SecureString 'not-the-password' -AsPlainText -Force
        $numbers = $rsa.ExportParameters($true)
        $observed = [Collections.Generic.List[byte[]]]::new()
        Set-TransientKeyObserver $observed
        try {
            $text = Invoke-Captured {
                $p = New-KmsExternalKey @Common -KeySpec RSA_2048 -KeyUsage SIGN_VERIFY @Loud | Get-KmsImportParameters @Quick @Loud
                $p.WrappingAlgorithm
                $r = $p | Protect-KeyMaterial -Path $pem -Password $secure @Loud | Import-KmsKeyMaterial @Loud
                $r
                Test-KmsKeyState @Common -KeyId $r.KeyId -Path $pem -Password $secure @Loud
                Restore-KmsKeyMaterial @Common -KeyId $r.KeyId -Path $pem -Password $secure @Quick @Loud
                $p | Protect-KeyMaterial -Path $pem -Password $wrong @Loud -ErrorAction Continue
                $p | Protect-KeyMaterial -Path $pem @Loud -ErrorAction Continue
            }
        } finally {
            Set-TransientKeyObserver $null
        }
        $text | Should -Match 'RSA_AES_KEY_WRAP_SHA_256'
        $text | Should -Match 'GetPublicKey\+Sign'
        $text | Should -Match 'KeyMaterialWrongPassword'
        $text | Should -Match 'KeyMaterialPasswordRequired'
        # Protect-KeyMaterial and Restore-KmsKeyMaterial each wrapped once, each with a fresh AES key.
        $observed.Count | Should -BeGreaterOrEqual 2
        @($observed | ForEach-Object { [Convert]::ToHexString($_) } | Sort-Object -Unique).Count | Should -Be $observed.Count
        $secrets = @{
            'PKCS#8 private key' = $rsa.ExportPkcs8PrivateKey(); 'private exponent d' = $numbers.D; 'prime p' = $numbers.P; 'prime q' = $numbers.Q
            'CRT exponent dp' = $numbers.DP; 'password' = $password
        }
        $i = 0; foreach ($k in $observed) { $secrets["transient AES key $((++$i))"] = $k }
        Assert-NoSecret $text $secrets
    }

    It 'Invoke-KmsKeyImport: from a material folder and generated with escrow; a re-run verifies and rewrites no escrow file' {
        # (The batch wraps on worker threads, where the [ThreadStatic] transient-key hook is not set: the
        # transient keys of RSA_AES_KEY_WRAP are observed in the Protect/Restore test above, not here.)
        $materials = New-Folder 'batch-materials'
        $escrow = New-Folder 'batch-escrow'
        $keysA = 1..2 | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        $keysB = 1..2 | ForEach-Object { New-KmsExternalKey @Common -KeySpec ECC_NIST_P256 }
        $secrets = @{}
        foreach ($k in $keysA) {
            $b = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($b)
            [IO.File]::WriteAllBytes((Join-Path $materials "$($k.KeyId).bin"), $b)
            $secrets["material of $($k.KeyId)"] = $b
        }
        $text = Invoke-Captured {
            $keysA | Invoke-KmsKeyImport -MaterialDirectory $materials -NoPacing @Loud
            $keysB | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -NoPacing @Loud
        }
        $before = Get-ChildItem $escrow | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Hash = (Get-FileHash $_.FullName).Hash; Written = $_.LastWriteTimeUtc; Mode = $_.UnixFileMode } }
        @($before).Count | Should -Be 2
        if ($OwnerOnly) { $before.Mode | Sort-Object -Unique | Should -Be $OwnerOnly }
        $again = @($keysB | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -NoPacing)
        $again.Status | Sort-Object -Unique | Should -Be 'Verified'
        $after = Get-ChildItem $escrow | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Hash = (Get-FileHash $_.FullName).Hash; Written = $_.LastWriteTimeUtc } }
        ($after | ConvertTo-Json) | Should -Be ($before | Select-Object Name, Hash, Written | ConvertTo-Json)
        foreach ($f in Get-ChildItem $escrow) { $secrets["escrowed $($f.Name)"] = [IO.File]::ReadAllBytes($f.FullName) }
        $text | Should -Match 'Imported'
        Assert-NoSecret $text $secrets
    }
}

Describe 'Temporary files and file modes' {
    It 'a fresh pwsh with its own TMPDIR and umask 000 leaves no temporary file, and still writes escrow files 0600' -Tag UnixOnly {
        $tmp = New-Folder 'tmp'
        $escrow = New-Folder 'fresh-escrow'
        $bundles = New-Folder 'fresh-bundles'
        $m = New-Material
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:KMSIMPORT_TEST_MODULE'
`$c = @{ Region = 'eu-west-2'; EndpointUrl = '$Url' }
`$r = New-KmsExternalKey @c | Get-KmsImportParameters -WrappingKeySpec RSA_2048 | Protect-KeyMaterial -Generate -EscrowPath '$escrow' | Import-KmsKeyMaterial
if (`$r.Outcome -ne 'Imported') { throw 'generated: not imported' }
`$r = New-KmsExternalKey @c -KeySpec RSA_2048 -KeyUsage SIGN_VERIFY | Get-KmsImportParameters -WrappingKeySpec RSA_2048 | Protect-KeyMaterial -Generate -EscrowPath '$escrow' | Import-KmsKeyMaterial
if (`$r.Outcome -ne 'Imported') { throw 'rsa: not imported' }
`$k = New-KmsExternalKey @c
`$null = `$k | Get-KmsImportParameters -OutDirectory '$bundles' -WrappingKeySpec RSA_2048
`$null = New-Item -ItemType Directory (Join-Path '$bundles' 'w')
`$null = Get-KmsImportParameters -Path (Join-Path '$bundles' `$k.KeyId) @c | Protect-KeyMaterial -Path '$($m.Path)' -OutDirectory (Join-Path '$bundles' 'w')
`$null = Import-KmsKeyMaterial -Path (Join-Path '$bundles' "w/`$(`$k.KeyId)") @c
`$b = 1..2 | ForEach-Object { New-KmsExternalKey @c -KeySpec HMAC_256 } | Invoke-KmsKeyImport -Generate -EscrowPath '$escrow' -NoPacing
if (@(`$b | Where-Object Status -ne 'Imported').Count) { throw 'batch failed' }
`$null = Test-KmsKeyState @c -KeyId `$k.KeyId -Path '$($m.Path)'
[IO.Path]::GetTempPath()
"@
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $pwsh = Get-PwshCommand
        $command = 'umask 000; exec "$0" "$@"'
        $saved = $env:TMPDIR
        $env:TMPDIR = $tmp
        try {
            $out = & /bin/sh -c $command $pwsh.Executable @($pwsh.Arguments) -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1
            $code = $LASTEXITCODE
        } finally {
            $env:TMPDIR = $saved
        }
        $code | Should -Be 0 -Because ($out -join "`n")
        ($out | Select-Object -Last 1).TrimEnd('/') | Should -Be $tmp.TrimEnd('/')
        @(Get-ChildItem -Force -Recurse $tmp) | Should -BeNullOrEmpty
        $files = @(Get-ChildItem $escrow)
        $files.Count | Should -Be 4
        $files.UnixFileMode | Sort-Object -Unique | Should -Be $OwnerOnly
    }
}
