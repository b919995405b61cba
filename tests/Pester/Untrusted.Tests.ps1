# Untrusted input (issue 14, the file and material findings): bundles, escrow folders, material files,
# credentials files, provider paths and pipeline key ids are data from strangers. Each Describe is one
# finding: the repro from the issue and at least one variant, asserting the ErrorId, that no secret and
# no file content reaches any stream, error record or transcript, and what reached the endpoint (the
# LocalKms request log). Runs against the suite's shared endpoint; finding 3 starts a second one.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Quick = @{ WrappingKeySpec = 'RSA_2048' }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-untrusted-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $script:IsRoot = (-not $IsWindows) -and ((& id -u) -eq '0')

    function New-Folder([string] $Name) { (New-Item -ItemType Directory (Join-Path $script:Work ($Name + '-' + [guid]::NewGuid().ToString('n')))).FullName }
    function New-RandomBytes([int] $Length) { $b = [byte[]]::new($Length); [Security.Cryptography.RandomNumberGenerator]::Fill($b); , $b }
    function New-File([byte[]] $Bytes, [string] $Name = ([guid]::NewGuid().ToString('n') + '.bin')) {
        $path = Join-Path $script:Work $Name
        [IO.File]::WriteAllBytes($path, $Bytes)
        $path
    }
    function Set-Mode([string] $Path, [string] $Mode) { & chmod $Mode $Path; if ($LASTEXITCODE) { throw "chmod $Mode $Path failed" } }

    # Runs a scenario with every stream merged; returns what it output, its error records and warnings, and
    # all the text it left anywhere (objects, streams, error records with inner exceptions, $Error).
    function Invoke-Case([scriptblock] $Scenario) {
        $global:Error.Clear()
        $items = @(try { & $Scenario *>&1 } catch { $_ })
        $text = foreach ($i in $items) {
            $i | Format-List * -Force | Out-String -Width 500
            if ($i -is [Management.Automation.ErrorRecord]) { $i.Exception.ToString(); "$($i.TargetObject)"; "$($i.ErrorDetails)" }
            elseif ($i -isnot [string] -and $i.GetType().Namespace -like 'KmsImport*') { $i | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue }
            else { "$i" }
        }
        $text += foreach ($e in $global:Error) { $e | Format-List * -Force | Out-String -Width 500; if ($e -is [Management.Automation.ErrorRecord]) { $e.Exception.ToString() } }
        [pscustomobject]@{
            Output   = @($items | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] -and $_ -isnot [Management.Automation.WarningRecord] -and $_ -isnot [Management.Automation.VerboseRecord] -and $_ -isnot [Management.Automation.InformationRecord] -and $_ -isnot [Management.Automation.DebugRecord] })
            Errors   = @($items | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
            Warnings = @($items | Where-Object { $_ -is [Management.Automation.WarningRecord] })
            Text     = ($text -join "`n")
        }
    }

    # Every printable form a leak of these bytes (or this text) could take, as in Hygiene.Tests.ps1.
    function Assert-NoLeak([string] $Text, [hashtable] $Secrets) {
        $Text.Length | Should -BeGreaterThan 20 -Because 'the capture saw the run'
        $upper = $Text.ToUpperInvariant()
        foreach ($name in $Secrets.Keys) {
            $value = $Secrets[$name]
            if ($value -is [string]) { $Text.Contains($value) | Should -BeFalse -Because "the $name must not appear"; continue }
            $forms = [Collections.Generic.List[string]]::new()
            $forms.Add([Convert]::ToHexString($value)); $forms.Add([Convert]::ToBase64String($value))
            for ($i = 0; $i + 12 -le $value.Length; $i += 3) { $forms.Add([Convert]::ToHexString($value, $i, 12)); $forms.Add([Convert]::ToBase64String($value, $i, 12)) }
            $mid = [int]($value.Length / 2) - 3
            if ($mid -ge 0 -and $value.Length -ge 6) { $forms.Add(($value[$mid..($mid + 5)] | ForEach-Object { "$_" }) -join ', ') }
            foreach ($form in $forms) {
                $hit = if ($form -match '^[0-9A-F]+$') { $upper.Contains($form) } else { $Text.Contains($form) }
                $hit | Should -BeFalse -Because "no form of the $name may appear (found '$form')"
            }
        }
    }

    function Get-Operations { @(Get-LocalKmsRequest -Url $script:Url | ForEach-Object operation) }

    function Assert-Refused($Case, [string] $ErrorId) {
        $Case.Errors.Count | Should -BeGreaterThan 0 -Because 'the input must be refused'
        $Case.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,KmsImport.Cmdlets.*" -Because $Case.Errors[0].Exception.Message
        $Case.Errors[0].Exception.GetType().Name | Should -Be 'KmsImportException'
    }

    # Keys and parameter bundles shared by several findings.
    $script:SymKey = New-KmsExternalKey @Common -ErrorAction Stop
    $script:SymParams = $script:SymKey | Get-KmsImportParameters @Quick -ErrorAction Stop
    $script:Material = New-RandomBytes 32
    $script:MaterialPath = New-File $script:Material 'material.bin'
    $script:ParamsOut = New-Folder 'params'
    $null = $script:SymKey | Get-KmsImportParameters @Quick -OutDirectory $script:ParamsOut -ErrorAction Stop
    $script:ParamsBundle = Join-Path $script:ParamsOut $script:SymKey.KeyId

    # A copy of the good parameters bundle whose ImportParameters.json is replaced by $Json (string or bytes).
    function New-ParamsBundle([string] $Name, $Json) {
        $folder = New-Folder $Name
        foreach ($f in 'PublicKey.bin', 'ImportToken.bin') { Copy-Item (Join-Path $script:ParamsBundle $f) $folder }
        $bytes = if ($Json -is [string]) { [Text.Encoding]::UTF8.GetBytes($Json) } else { [byte[]]$Json }
        if ($null -ne $Json) { [IO.File]::WriteAllBytes((Join-Path $folder 'ImportParameters.json'), $bytes) }
        $folder
    }
    function Get-ParamsJson([hashtable] $Change = @{}) {
        $j = Get-Content -Raw (Join-Path $script:ParamsBundle 'ImportParameters.json') | ConvertFrom-Json -AsHashtable
        foreach ($k in $Change.Keys) { $j[$k] = $Change[$k] }
        $j | ConvertTo-Json
    }
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Finding 1: a key file given where a bundle is expected is never echoed' {
    It 'Get-KmsImportParameters -Path (a hex key starting with f) and Import-KmsKeyMaterial -Path (a base64 key starting with t): ImportBundleInvalid, no content' {
        $key = New-RandomBytes 32
        $hex = 'f' + [Convert]::ToHexString($key).ToLowerInvariant().Substring(1)
        $hexPath = New-File ([Text.Encoding]::ASCII.GetBytes($hex)) 'k.hex'
        $b64 = 't' + [Convert]::ToBase64String($key).Substring(1)
        $b64Path = New-File ([Text.Encoding]::ASCII.GetBytes($b64)) 'k.b64'
        Clear-LocalKmsRequest -Url $Url
        $c1 = Invoke-Case { Get-KmsImportParameters -Path $hexPath @Common }
        $c2 = Invoke-Case { Import-KmsKeyMaterial -Path $b64Path @Common }
        Get-Operations | Should -BeNullOrEmpty
        foreach ($c in $c1, $c2) {
            Assert-Refused $c 'ImportBundleInvalid'
            $c.Errors[0].Exception.Message | Should -Match 'is not valid JSON \(line 1, byte \d+\)'
            $c.Errors[0].Exception.InnerException | Should -BeNullOrEmpty -Because 'the parser''s exception quotes the text'
            Assert-NoLeak $c.Text @{ hex = $hex.Substring(0, 24); base64 = $b64.Substring(0, 24); key = [byte[]]$key[1..31] }
        }
    }

    It 'variant: the key text as ProtectedKeyMaterial.json of a bundle folder, and a hex key that parses as a JSON number' {
        $key = New-RandomBytes 32
        $folder = New-Folder 'keytext'
        $text = 'n' + [Convert]::ToHexString($key).ToLowerInvariant().Substring(1)
        [IO.File]::WriteAllText((Join-Path $folder 'ProtectedKeyMaterial.json'), $text)
        $digits = '1' + (-join ($key | ForEach-Object { $_ % 10 }))
        $digitsPath = New-File ([Text.Encoding]::ASCII.GetBytes($digits)) 'digits.txt'
        Clear-LocalKmsRequest -Url $Url
        $c1 = Invoke-Case { Import-KmsKeyMaterial -Path $folder @Common }
        $c2 = Invoke-Case { Get-KmsImportParameters -Path $digitsPath @Common }
        Get-Operations | Should -BeNullOrEmpty
        Assert-Refused $c1 'ImportBundleInvalid'
        Assert-Refused $c2 'ImportBundleInvalid'
        $c2.Errors[0].Exception.Message | Should -Match 'not a JSON object'
        Assert-NoLeak ($c1.Text + $c2.Text) @{ text = $text.Substring(0, 20); digits = $digits.Substring(0, 20); key = [byte[]]$key[1..31] }
    }
}

Describe 'Finding 2: bundle files are regular files only, never followed through links' -Tag UnixOnly {
    It 'an offline bundle whose ImportToken.bin links to an escrow file: ImportBundleFileNotRegular, the secret is neither wrapped nor sent' {
        $secret = New-RandomBytes 32
        $escrow = New-File $secret 'other-key-escrow.bin'
        $folder = New-ParamsBundle 'linked-token' (Get-ParamsJson)
        Remove-Item (Join-Path $folder 'ImportToken.bin')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $folder 'ImportToken.bin') -Target $escrow
        $out = New-Folder 'linked-out'
        Clear-LocalKmsRequest -Url $Url
        $c = Invoke-Case { Get-KmsImportParameters -Path $folder @Common | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $out }
        Assert-Refused $c 'ImportBundleFileNotRegular'
        $c.Errors[0].Exception.Message | Should -Match 'symbolic link'
        $c.Output | Should -BeNullOrEmpty
        @(Get-ChildItem -Recurse -Force $out) | Should -BeNullOrEmpty -Because 'nothing is wrapped'
        Get-Operations | Should -BeNullOrEmpty
        Assert-NoLeak $c.Text @{ escrow = $secret; material = $Material }
    }

    It 'variants: a linked ImportParameters.json, a FIFO as PublicKey.bin (no hang), a linked EncryptedKeyMaterial.bin in a wrapped bundle' {
        $json = New-File ([Text.Encoding]::UTF8.GetBytes((Get-ParamsJson))) 'params.json'
        $linkedJson = New-ParamsBundle 'linked-json' $null
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $linkedJson 'ImportParameters.json') -Target $json
        $fifo = New-ParamsBundle 'fifo-key' (Get-ParamsJson)
        Remove-Item (Join-Path $fifo 'PublicKey.bin'); & mkfifo (Join-Path $fifo 'PublicKey.bin')
        $wrappedOut = New-Folder 'wrapped'
        $null = $SymParams | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $wrappedOut -ErrorAction Stop
        $wrapped = Join-Path $wrappedOut $SymKey.KeyId
        $secret = New-RandomBytes 300
        Remove-Item (Join-Path $wrapped 'EncryptedKeyMaterial.bin')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $wrapped 'EncryptedKeyMaterial.bin') -Target (New-File $secret)
        Clear-LocalKmsRequest -Url $Url
        $c1 = Invoke-Case { Get-KmsImportParameters -Path $linkedJson @Common }
        $c2 = Invoke-Case { Get-KmsImportParameters -Path $fifo @Common }
        $c3 = Invoke-Case { Import-KmsKeyMaterial -Path $wrapped @Common }
        foreach ($c in $c1, $c2, $c3) { Assert-Refused $c 'ImportBundleFileNotRegular' }
        $c2.Errors[0].Exception.Message | Should -Match 'not a regular file'
        Get-Operations | Should -BeNullOrEmpty -Because 'no ImportKeyMaterial with a linked file'
        Assert-NoLeak ($c1.Text + $c2.Text + $c3.Text) @{ secret = $secret }
    }
}

Describe 'Finding 3: a bundle''s EndpointUrl and Region are used only when the caller names the same ones' {
    BeforeAll {
        $script:Other = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS
        $out = New-Folder 'origin'
        $null = $SymParams | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $out -ErrorAction Stop
        $script:Genuine = Join-Path $out $SymKey.KeyId
        # The same bundle with its EndpointUrl edited to name another LocalKms instance.
        $script:Edited = New-Folder 'edited'
        Copy-Item (Join-Path $script:Genuine '*') $script:Edited
        $j = Get-Content -Raw (Join-Path $script:Edited 'ProtectedKeyMaterial.json') | ConvertFrom-Json -AsHashtable
        $j.EndpointUrl = $script:Other.Url
        $j | ConvertTo-Json | Set-Content -NoNewline (Join-Path $script:Edited 'ProtectedKeyMaterial.json')
        function Get-OtherOperations { @(Get-LocalKmsRequest -Url $script:Other.Url | ForEach-Object operation) }
    }
    AfterAll { if ($script:Other) { Stop-LocalKms -Server $script:Other } }

    It 'an edited ProtectedKeyMaterial.json naming another endpoint, no -EndpointUrl: ImportBundleEndpointUntrusted, no request reaches either endpoint' {
        Clear-LocalKmsRequest -Url $Url; Clear-LocalKmsRequest -Url $Other.Url
        $c = Invoke-Case { Import-KmsKeyMaterial -Path $Edited }
        Assert-Refused $c 'ImportBundleEndpointUntrusted'
        "$($c.Errors[0].CategoryInfo.Category)" | Should -Be 'SecurityError'
        $c.Errors[0].Exception.Message | Should -Match 'pass it .* with -EndpointUrl'
        $c.Errors[0].Exception.Message.Contains($Other.Url) | Should -BeFalse -Because 'file content is not quoted'
        Get-Operations | Should -BeNullOrEmpty
        Get-OtherOperations | Should -BeNullOrEmpty
    }

    It 'variants: -EndpointUrl naming the genuine endpoint while the bundle names another; -Region other than the bundle''s; the parameters reader too' {
        Clear-LocalKmsRequest -Url $Url; Clear-LocalKmsRequest -Url $Other.Url
        $c1 = Invoke-Case { Import-KmsKeyMaterial -Path $Edited -EndpointUrl $Url }
        $c2 = Invoke-Case { Import-KmsKeyMaterial -Path $Genuine -EndpointUrl $Url -Region 'us-east-1' }
        $editedParams = New-ParamsBundle 'edited-params' (Get-ParamsJson @{ EndpointUrl = $Other.Url })
        $c3 = Invoke-Case { Get-KmsImportParameters -Path $editedParams | Protect-KeyMaterial -Path $MaterialPath | Import-KmsKeyMaterial }
        Assert-Refused $c1 'ImportBundleEndpointUntrusted'
        Assert-Refused $c2 'ImportBundleRegionMismatch'
        Assert-Refused $c3 'ImportBundleEndpointUntrusted'
        Get-Operations | Should -BeNullOrEmpty
        Get-OtherOperations | Should -BeNullOrEmpty
        Assert-NoLeak ($c1.Text + $c2.Text + $c3.Text) @{ material = $Material }
    }

    It 'positive controls: the genuine bundle with the same -EndpointUrl imports there; AWS''s own endpoint for the Region is accepted offline' {
        Clear-LocalKmsRequest -Url $Url; Clear-LocalKmsRequest -Url $Other.Url
        $r = Import-KmsKeyMaterial -Path $Genuine -EndpointUrl $Url -ErrorAction Stop
        $r.Outcome | Should -Be 'Imported'
        (Test-KmsKeyState -KeyId $r.KeyId -Region $r.Region -EndpointUrl $Url).KeyState | Should -Be 'Enabled'
        Get-Operations | Should -Contain 'ImportKeyMaterial'
        Get-OtherOperations | Should -BeNullOrEmpty
        $aws = New-ParamsBundle 'aws-endpoint' (Get-ParamsJson @{ EndpointUrl = 'https://kms.eu-west-2.amazonaws.com' })
        $p = Get-KmsImportParameters -Path $aws -ErrorAction Stop
        $p.EndpointUrl | Should -Be 'https://kms.eu-west-2.amazonaws.com'
        $p.Region | Should -Be 'eu-west-2'
        $lookalike = New-ParamsBundle 'aws-lookalike' (Get-ParamsJson @{ EndpointUrl = 'https://kms.eu-west-2.amazonaws.com.evil.example' })
        Assert-Refused (Invoke-Case { Get-KmsImportParameters -Path $lookalike }) 'ImportBundleEndpointUntrusted'
        $otherRegion = New-ParamsBundle 'aws-other-region' (Get-ParamsJson @{ EndpointUrl = 'https://kms.us-east-1.amazonaws.com' })
        Assert-Refused (Invoke-Case { Get-KmsImportParameters -Path $otherRegion }) 'ImportBundleEndpointUntrusted'
    }
}

Describe 'Finding 4: an escrow file found on resume is checked as strictly as it is written' -Tag UnixOnly {
    BeforeAll {
        function Invoke-Resume([string] $Setup) {
            $key = New-KmsExternalKey @Common -ErrorAction Stop
            $dir = New-Folder 'escrow'
            $file = Join-Path $dir "$($key.KeyId).bin"
            $secret = New-RandomBytes 32
            switch ($Setup) {
                'link' { $t = New-File $secret; Set-Mode $t 644; $null = New-Item -ItemType SymbolicLink -Path $file -Target $t }
                'dangling' { $null = New-Item -ItemType SymbolicLink -Path $file -Target (Join-Path $script:Work 'nothing-here.bin') }
                'world' { [IO.File]::WriteAllBytes($file, $secret); Set-Mode $file 644 }
                'group' { [IO.File]::WriteAllBytes($file, $secret); Set-Mode $file 640 }
                'other-owner' { [IO.File]::WriteAllBytes($file, $secret); Set-Mode $file 600; & chown 12345 $file }
                'large' { [IO.File]::WriteAllBytes($file, [byte[]]::new(70000)); Set-Mode $file 600 }
                'ok' { [IO.File]::WriteAllBytes($file, $secret); Set-Mode $file 600 }
            }
            Clear-LocalKmsRequest -Url $script:Url
            $c = Invoke-Case { $key | Invoke-KmsKeyImport -Generate -EscrowPath $dir }
            [pscustomobject]@{ Case = $c; Key = $key; Secret = $secret; Operations = (Get-Operations); Dir = $dir }
        }
    }

    It 'a symbolic link to a world-readable file as KeyId.bin in the escrow folder: EscrowFileUntrusted, not imported, no warning-free success' {
        $r = Invoke-Resume 'link'
        $r.Case.Output.Count | Should -Be 1
        $r.Case.Output[0].Status | Should -Be 'Failed'
        $r.Case.Output[0].ErrorId | Should -Be 'EscrowFileUntrusted'
        $r.Case.Output[0].Message | Should -Match 'symbolic link'
        $r.Operations | Should -Not -Contain 'ImportKeyMaterial'
        $r.Operations | Should -Not -Contain 'GetParametersForImport'
        Test-KmsKeyState -KeyId $r.Key.KeyId @Common -ExpectedState PendingImport -Quiet | Should -BeTrue
        Assert-NoLeak $r.Case.Text @{ escrow = $r.Secret }
    }

    It 'variants: a dangling link, mode 0644, mode 0640, another owner, an oversized file: all refused, none imported' {
        $setups = @('dangling', 'world', 'group', 'large')
        if ($IsRoot) { $setups += 'other-owner' }   # chown needs root; as another user the file cannot be given away
        foreach ($s in $setups) {
            $r = Invoke-Resume $s
            $r.Case.Output[0].Status | Should -Be 'Failed' -Because $s
            $r.Case.Output[0].ErrorId | Should -Be 'EscrowFileUntrusted' -Because $s
            $r.Operations | Should -Not -Contain 'ImportKeyMaterial' -Because $s
            Assert-NoLeak $r.Case.Text @{ escrow = $r.Secret }
        }
    }

    It 'positive control: an owner-only regular file is imported (the resume still works)' {
        $r = Invoke-Resume 'ok'
        $r.Case.Output[0].Status | Should -BeIn 'Imported', 'Verified'
        $r.Operations | Should -Contain 'ImportKeyMaterial'
        Test-KmsKeyState -KeyId $r.Key.KeyId @Common -KeyMaterial $r.Secret -Quiet | Should -BeTrue
    }
}

Describe 'Finding 5: a malformed credentials file ends in CredentialsFileInvalid without its content' {
    BeforeAll {
        $script:CredSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYUNTRUSTED' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $script:BadCreds = Join-Path $script:Work 'credentials'
        Set-Content -Path $script:BadCreds -Value "[bad]`naws_access_key_id = AKIDBADFILE`naws_secret_access_key: $script:CredSecret`n"
    }

    It 'the repro: -ProfileName with a file whose secret line has a colon' {
        Clear-LocalKmsRequest -Url $Url
        $c = Invoke-Case { Test-KmsKeyState -KeyId $SymKey.KeyId @Common -ProfileName bad -ProfileLocation $BadCreds }
        Assert-Refused $c 'CredentialsFileInvalid'
        $c.Errors[0].Exception.Message | Should -Match ([regex]::Escape($BadCreds))
        $c.Errors[0].Exception.Message | Should -Match 'line 3'
        $c.Errors[0].Exception.InnerException | Should -BeNullOrEmpty
        Assert-NoLeak $c.Text @{ secret = $CredSecret; secretStart = $CredSecret.Substring(0, 16) }
        Get-Operations | Should -BeNullOrEmpty
    }

    It 'variant: the same file as the default shared credentials file (AWS_SHARED_CREDENTIALS_FILE, no environment keys)' {
        $saved = @{ A = $env:AWS_ACCESS_KEY_ID; S = $env:AWS_SECRET_ACCESS_KEY; F = $env:AWS_SHARED_CREDENTIALS_FILE }
        try {
            Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
            $env:AWS_SHARED_CREDENTIALS_FILE = $BadCreds
            Clear-LocalKmsRequest -Url $Url
            $c = Invoke-Case { Test-KmsKeyState -KeyId $SymKey.KeyId @Common }
        } finally {
            $env:AWS_ACCESS_KEY_ID = $saved.A; $env:AWS_SECRET_ACCESS_KEY = $saved.S
            if ($saved.F) { $env:AWS_SHARED_CREDENTIALS_FILE = $saved.F } else { Remove-Item Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue }
        }
        Assert-Refused $c 'CredentialsFileInvalid'
        $c.Errors[0].Exception.Message | Should -Match 'line 3'
        Assert-NoLeak $c.Text @{ secret = $CredSecret; secretStart = $CredSecret.Substring(0, 16) }
        Get-Operations | Should -BeNullOrEmpty
    }
}

Describe 'Finding 6: material that is plainly not random is refused (KeyMaterialLowEntropy), -Force overrides with a warning' {
    BeforeAll {
        $script:HmacKey = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC -ErrorAction Stop
        $script:HmacParams = $script:HmacKey | Get-KmsImportParameters @Quick -ErrorAction Stop
        $b16 = New-RandomBytes 16
        $script:Weak = [ordered]@{
            zeros = [byte[]]::new(32)
            ff = [byte[]](@(0xFF) * 32)
            two = [byte[]](@(0x5A, 0xC3) * 16)
            sixteen = [byte[]]($b16 + $b16)
            fewValues = [byte[]](1..32 | ForEach-Object { @(7, 9, 11, 13, 15, 17, 19)[$_ % 7] })
        }
    }

    It 'the repro: 32 zero bytes, 32 x 0xFF, a repeated 2-byte and 16-byte pattern, few distinct values, a zero HMAC key' {
        foreach ($name in $Weak.Keys) {
            $path = New-File $Weak[$name] "weak-$name.bin"
            foreach ($params in $SymParams, $HmacParams) {
                $c = Invoke-Case { $params | Protect-KeyMaterial -Path $path }
                Assert-Refused $c 'KeyMaterialLowEntropy'
                $c.Output | Should -BeNullOrEmpty
                $c.Errors[0].Exception.Message | Should -Match 'pass -Force'
                Assert-NoLeak $c.Text @{ material = [byte[]]$Weak[$name] }
            }
        }
    }

    It 'variants: Invoke-KmsKeyImport -Path and Restore-KmsKeyMaterial -KeyMaterial refuse before any quota call' {
        $key = New-KmsExternalKey @Common -ErrorAction Stop
        $zeros = New-File ([byte[]]::new(32)) 'zeros.bin'
        Clear-LocalKmsRequest -Url $Url
        $c1 = Invoke-Case { $key | Invoke-KmsKeyImport -Path $zeros }
        $c1.Output[0].Status | Should -Be 'Failed'
        $c1.Output[0].ErrorId | Should -Be 'KeyMaterialLowEntropy'
        $c2 = Invoke-Case { Restore-KmsKeyMaterial -KeyId $key.KeyId @Common -KeyMaterial ([byte[]](@(0x5A, 0xC3) * 16)) }
        Assert-Refused $c2 'KeyMaterialLowEntropy'
        Get-Operations | Should -Not -Contain 'GetParametersForImport'
        Get-Operations | Should -Not -Contain 'ImportKeyMaterial'
        Test-KmsKeyState -KeyId $key.KeyId @Common -ExpectedState PendingImport -Quiet | Should -BeTrue
    }

    It '-Force: wrapped and imported with a warning that names no byte; Test-KmsKeyState proves such material without -Force' {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC -ErrorAction Stop
        $weak = [byte[]](@(0x5A, 0xC3) * 16)
        $path = New-File $weak 'forced.bin'
        $c = Invoke-Case { $key | Invoke-KmsKeyImport -Path $path -Force }
        $c.Output[0].Status | Should -BeIn 'Imported', 'Verified'
        $c.Warnings.Count | Should -BeGreaterThan 0
        "$($c.Warnings[0])" | Should -Match '-Force: importing material that is plainly not random'
        $p = Invoke-Case { $SymParams | Protect-KeyMaterial -KeyMaterial ([byte[]]::new(32)) -Force }
        $p.Errors | Should -BeNullOrEmpty
        $p.Output.Count | Should -Be 1
        $p.Warnings.Count | Should -Be 1
        Assert-NoLeak ($c.Text + $p.Text) @{ material = $weak }
        Test-KmsKeyState -KeyId $key.KeyId @Common -Path $path -Quiet | Should -BeTrue
    }
}

Describe 'Finding 7: HMAC material from the digest length up to the hash block size' {
    It 'a 64-byte HMAC_256 key and a 128-byte HMAC_512 key: imported, proved, removed and restored' {
        foreach ($case in @(@{ Spec = 'HMAC_256'; Length = 64 }, @{ Spec = 'HMAC_512'; Length = 128 }, @{ Spec = 'HMAC_224'; Length = 64 }, @{ Spec = 'HMAC_384'; Length = 49 })) {
            $key = New-KmsExternalKey @Common -KeySpec $case.Spec -KeyUsage GENERATE_VERIFY_MAC -ErrorAction Stop
            $bytes = New-RandomBytes $case.Length
            $path = New-File $bytes "$($case.Spec)-$($case.Length).bin"
            $c = Invoke-Case { $key | Invoke-KmsKeyImport -Path $path }
            $c.Output[0].Status | Should -BeIn 'Imported', 'Verified' -Because "$($case.Spec) with $($case.Length) bytes: $($c.Output[0].Message)"
            $report = Test-KmsKeyState -KeyId $key.KeyId @Common -Path $path -ErrorAction Stop
            $report.Passed | Should -BeTrue
            $report.MaterialProved | Should -BeTrue
            $null = Remove-KmsImportedKeyMaterial -KeyId $key.KeyId @Common -Confirm:$false -ErrorAction Stop
            Test-KmsKeyState -KeyId $key.KeyId @Common -ExpectedState PendingImport -Quiet | Should -BeTrue
            $restored = Restore-KmsKeyMaterial -KeyId $key.KeyId @Common -Path $path @Quick -ErrorAction Stop
            $restored.KeyState | Should -Be 'Enabled'
            Test-KmsKeyState -KeyId $key.KeyId @Common -KeyMaterial $bytes -Quiet | Should -BeTrue
            Assert-NoLeak $c.Text @{ material = $bytes }
        }
    }

    It 'one byte outside the range either way is refused before any call (KeyMaterialWrongLength)' {
        foreach ($case in @(@{ Spec = 'HMAC_224'; Length = 27 }, @{ Spec = 'HMAC_256'; Length = 65 }, @{ Spec = 'HMAC_384'; Length = 129 }, @{ Spec = 'HMAC_512'; Length = 63 }, @{ Spec = 'HMAC_512'; Length = 129 })) {
            $key = New-KmsExternalKey @Common -KeySpec $case.Spec -KeyUsage GENERATE_VERIFY_MAC -ErrorAction Stop
            $p = $key | Get-KmsImportParameters @Quick -ErrorAction Stop
            $c = Invoke-Case { $p | Protect-KeyMaterial -KeyMaterial (New-RandomBytes $case.Length) }
            Assert-Refused $c 'KeyMaterialWrongLength'
            $c.Errors[0].Exception.Message | Should -Match '\d+ to \d+ random bytes'
        }
    }
}

Describe 'Finding 13: a failed -OutDirectory write leaves nothing behind, so the retry works' {
    BeforeAll {
        # A full disk, simulated through the internal test hook ImportBundle.AfterCreate (thread-static, set on
        # this pipeline thread): it runs after a bundle file is created and before its content is written, and
        # throws what a full disk throws there. A real small tmpfs is not used: mounting needs privileges the
        # test runner may not have, and the hook hits the same code path at a chosen file.
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KmsImport.Core' } | Select-Object -First 1
        $script:Hook = $core.GetType('KmsImport.Core.Import.ImportBundle', $true).GetField('AfterCreate', [Reflection.BindingFlags]'NonPublic, Static')
        function Set-DiskFullAt([string] $FileName) {
            $value = if ($FileName) { [Action[string]] { param($p) if ((Split-Path -Leaf $p) -eq $FileName) { throw [IO.IOException]::new('No space left on device') } }.GetNewClosure() } else { $null }
            $script:Hook.SetValue($null, $value)
        }
    }
    AfterEach { Set-DiskFullAt $null }

    It 'the repro: Get-KmsImportParameters -OutDirectory fails on the second file: ImportBundleIOError, no folder, no 0-byte file; the retry succeeds' {
        $script:Hook | Should -Not -BeNullOrEmpty
        $key = New-KmsExternalKey @Common -ErrorAction Stop
        $out = New-Folder 'full'
        Set-DiskFullAt 'ImportToken.bin'
        $c = Invoke-Case { $key | Get-KmsImportParameters @Quick -OutDirectory $out }
        Set-DiskFullAt $null
        Assert-Refused $c 'ImportBundleIOError'
        $c.Errors[0].Exception.Message | Should -Match 'everything written was removed'
        @(Get-ChildItem -Force -Recurse $out) | Should -BeNullOrEmpty
        $null = $key | Get-KmsImportParameters @Quick -OutDirectory $out -ErrorAction Stop
        @(Get-ChildItem -File (Join-Path $out $key.KeyId)).Name | Sort-Object | Should -Be @('ImportParameters.json', 'ImportToken.bin', 'PublicKey.bin')
    }

    It 'variant: Protect-KeyMaterial -OutDirectory fails on the JSON description (the last file); an existing empty folder is kept, emptied' {
        $out = New-Folder 'full-protect'
        $null = New-Item -ItemType Directory (Join-Path $out $SymKey.KeyId)
        Set-DiskFullAt 'ProtectedKeyMaterial.json'
        $c = Invoke-Case { $SymParams | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $out }
        Set-DiskFullAt $null
        Assert-Refused $c 'ImportBundleIOError'
        @(Get-ChildItem -Force -File -Recurse $out) | Should -BeNullOrEmpty
        Assert-NoLeak $c.Text @{ material = $Material }
        $null = $SymParams | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $out -ErrorAction Stop
        @(Get-ChildItem -File (Join-Path $out $SymKey.KeyId)).Count | Should -Be 3
    }
}

Describe 'Finding 14: material files are read once; pipes, FIFOs and devices are refused up front' -Tag UnixOnly {
    BeforeAll {
        # Each case runs in a runspace of its own with a timeout: a FIFO that is opened would block for ever.
        function Invoke-Bounded([scriptblock] $Script, [object[]] $Arguments) {
            $iss = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
            $iss.ImportPSModule([string[]]@($env:KMSIMPORT_TEST_MODULE))
            $rs = [Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($iss); $rs.Open()
            $ps = [PowerShell]::Create(); $ps.Runspace = $rs
            $null = $ps.AddScript('param($s, $a) try { & ([scriptblock]::Create($s)) @a } catch { $_ }').AddArgument($Script.ToString()).AddArgument($Arguments)
            $async = $ps.BeginInvoke()
            $finished = $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60))
            if (-not $finished) { $null = $ps.BeginStop($null, $null); throw 'the command hung on the FIFO' }
            $all = @($ps.EndInvoke($async))
            $errors = @($all | Where-Object { $_ -is [Management.Automation.ErrorRecord] }) + @($ps.Streams.Error)
            $ps.Dispose(); $rs.Dispose()
            [pscustomobject]@{ Output = @($all | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] }); Errors = $errors }
        }
        $script:Fifo = Join-Path $script:Work 'material.fifo'
        & mkfifo $script:Fifo
        $script:FifoLink = Join-Path $script:Work 'dev-fd-63'   # what bash's <(…) hands over: a link to a pipe
        $null = New-Item -ItemType SymbolicLink -Path $script:FifoLink -Target $script:Fifo
    }

    It 'the repro: Test-KmsKeyState -Path (a FIFO) and Invoke-KmsKeyImport -Path (a link to a pipe): KeyMaterialFileNotRegular, no hang, no request' {
        Clear-LocalKmsRequest -Url $Url
        $t = Invoke-Bounded { param($k, $p, $u) Test-KmsKeyState -KeyId $k -Path $p -Region eu-west-2 -EndpointUrl $u } @($SymKey.KeyId, $Fifo, $Url)
        $i = Invoke-Bounded { param($k, $p, $u) Invoke-KmsKeyImport -KeyId $k -Path $p -Region eu-west-2 -EndpointUrl $u } @($SymKey.KeyId, $FifoLink, $Url)
        foreach ($r in $t, $i) {
            $r.Errors.Count | Should -BeGreaterThan 0
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'KeyMaterialFileNotRegular,*'
            $r.Errors[0].Exception.Message | Should -Match 'regular files only'
        }
        Get-Operations | Should -BeNullOrEmpty
    }

    It 'variants: a character device (/dev/zero) and Protect-KeyMaterial on a FIFO are refused the same way' {
        $d = Invoke-Case { $SymParams | Protect-KeyMaterial -Path '/dev/zero' }
        Assert-Refused $d 'KeyMaterialFileNotRegular'
        $f = Invoke-Bounded { param($p, $m) $p | Protect-KeyMaterial -Path $m } @($SymParams, $Fifo)
        $f.Errors[0].FullyQualifiedErrorId | Should -BeLike 'KeyMaterialFileNotRegular,*'
    }

    It 'positive control: the one read serves every key of Invoke-KmsKeyImport -Path and both steps of Test-KmsKeyState -Path' {
        $keys = 1..2 | ForEach-Object { New-KmsExternalKey @Common -ErrorAction Stop }
        $bytes = New-RandomBytes 32
        $path = New-File $bytes 'shared.bin'
        $results = @($keys | Invoke-KmsKeyImport -Path $path -ErrorAction Stop)
        @($results.Status | Where-Object { $_ -in 'Imported', 'Verified' }).Count | Should -Be 2
        foreach ($k in $keys) { (Test-KmsKeyState -KeyId $k.KeyId @Common -Path $path -ErrorAction Stop).MaterialProved | Should -BeTrue }
    }
}

Describe 'Findings 15 and 12 (paths): provider paths that are not the file system are refused before anything is written' {
    BeforeAll {
        $script:Cwd = New-Folder 'cwd'
        function Invoke-InCwd([scriptblock] $Scenario) {
            $savedLocation = Get-Location; $savedCwd = [Environment]::CurrentDirectory
            Set-Location $script:Cwd; [Environment]::CurrentDirectory = $script:Cwd
            try { Invoke-Case $Scenario } finally { Set-Location $savedLocation; [Environment]::CurrentDirectory = $savedCwd }
        }
    }

    It 'the repro: -EscrowPath Variable:x (Protect-KeyMaterial -Generate, Invoke-KmsKeyImport -Generate) and -OutDirectory Function:' {
        Clear-LocalKmsRequest -Url $Url
        $c1 = Invoke-InCwd { $SymParams | Protect-KeyMaterial -Generate -EscrowPath 'Variable:x' }
        $c2 = Invoke-InCwd { $SymKey | Invoke-KmsKeyImport -Generate -EscrowPath 'Variable:x' }
        $c3 = Invoke-InCwd { $SymKey | Get-KmsImportParameters @Quick -OutDirectory 'Function:' }
        $c4 = Invoke-InCwd { $SymParams | Protect-KeyMaterial -Path $MaterialPath -OutDirectory 'Function:' }
        foreach ($c in $c1, $c2, $c3, $c4) {
            Assert-Refused $c 'PathNotFileSystem'
            $c.Errors[0].Exception.Message | Should -Match 'file-system path'
        }
        $c1.Errors[0].Exception.Message | Should -Match 'Variable provider'
        @(Get-ChildItem -Force -Recurse $Cwd) | Should -BeNullOrEmpty -Because 'no escrow or bundle lands in the working directory'
        Get-Variable -Name x -Scope Global -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Operations | Should -BeNullOrEmpty -Because 'the paths are refused before any call'
    }

    It 'variants: -Path Q:\x (a drive that does not exist) on Test-KmsKeyState and Import-KmsKeyMaterial; a relative escrow path is reported absolute' {
        Clear-LocalKmsRequest -Url $Url
        $c1 = Invoke-InCwd { Test-KmsKeyState -KeyId $SymKey.KeyId @Common -Path 'Q:\x' }
        $c2 = Invoke-InCwd { Import-KmsKeyMaterial -Path 'Q:\x' @Common }
        foreach ($c in $c1, $c2) { Assert-Refused $c 'PathNotFileSystem'; $c.Errors[0].Exception.Message | Should -Match 'drive that does not exist' }
        Get-Operations | Should -BeNullOrEmpty
        $c3 = Invoke-InCwd { $SymParams | Protect-KeyMaterial -Generate -EscrowPath 'relative-escrow.bin' }
        $c3.Errors | Should -BeNullOrEmpty
        [IO.Path]::IsPathRooted($c3.Output[0].EscrowPath) | Should -BeTrue
        $c3.Output[0].EscrowPath | Should -Be (Join-Path $Cwd 'relative-escrow.bin')
    }
}

Describe 'Finding 16: unsafe key ids from pipeline objects and bundles never become names or raw output' {
    BeforeAll {
        $script:Esc = [char]27
        $script:BadIds = @('.', '..', "a$([char]27)[31mred$([char]27)[0m", "x`r`ny", '../../etc', 'a\b')
    }

    It 'the repro: Protect-KeyMaterial -OutDirectory and Invoke-KmsKeyImport -Generate -EscrowPath with KeyId . .. ESC CR/LF: KeyIdUnsafe, nothing written' {
        $out = New-Folder 'unsafe-out'; $escrow = New-Folder 'unsafe-escrow'
        Clear-LocalKmsRequest -Url $Url
        foreach ($id in $BadIds) {
            $p = $SymParams | Select-Object *; $p.KeyId = $id
            $c1 = Invoke-Case { $p | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $out }
            $c2 = Invoke-Case { [pscustomobject]@{ KeyId = $id; Region = 'eu-west-2'; EndpointUrl = $Url } | Invoke-KmsKeyImport -Generate -EscrowPath $escrow }
            foreach ($c in $c1, $c2) {
                Assert-Refused $c 'KeyIdUnsafe'
                $c.Text.Contains($Esc) | Should -BeFalse -Because 'control characters never reach output raw'
                $c.Text.Contains("x`r`ny") | Should -BeFalse
            }
        }
        @(Get-ChildItem -Force -Recurse $out) | Should -BeNullOrEmpty
        @(Get-ChildItem -Force -Recurse $escrow) | Should -BeNullOrEmpty
        Get-Operations | Should -BeNullOrEmpty
    }

    It 'variant: a bundle whose KeyId is .. or holds ESC: refused by Get-KmsImportParameters -Path and Import-KmsKeyMaterial -Path' {
        foreach ($id in '..', "k$([char]27)]0;title$([char]7)") {
            $folder = New-ParamsBundle 'unsafe-bundle' (Get-ParamsJson @{ KeyId = $id })
            Clear-LocalKmsRequest -Url $Url
            $c = Invoke-Case { Get-KmsImportParameters -Path $folder @Common }
            Assert-Refused $c 'KeyIdUnsafe'
            $c.Text.Contains($Esc) | Should -BeFalse
            $c.Text.Contains([string][char]7) | Should -BeFalse
            Get-Operations | Should -BeNullOrEmpty
        }
        $wrappedOut = New-Folder 'unsafe-wrapped'
        $null = $SymParams | Protect-KeyMaterial -Path $MaterialPath -OutDirectory $wrappedOut -ErrorAction Stop
        $json = Join-Path $wrappedOut "$($SymKey.KeyId)/ProtectedKeyMaterial.json"
        $j = Get-Content -Raw $json | ConvertFrom-Json -AsHashtable; $j.KeyId = '.'; $j | ConvertTo-Json | Set-Content -NoNewline $json
        Clear-LocalKmsRequest -Url $Url
        Assert-Refused (Invoke-Case { Import-KmsKeyMaterial -Path (Split-Path $json) @Common }) 'KeyIdUnsafe'
        Get-Operations | Should -BeNullOrEmpty
    }
}

Describe 'Finding 17: bundle JSON is strict UTF-8 with typed fields' {
    It 'the repro: a UTF-8 BOM is accepted; UTF-16 is refused with a hint; "KeySpec":"1" is not HMAC_224; "ParametersValidTo":1e300 is a clear error' {
        $bom = New-ParamsBundle 'bom' ([byte[]](@(0xEF, 0xBB, 0xBF) + [Text.Encoding]::UTF8.GetBytes((Get-ParamsJson))))
        $p = Get-KmsImportParameters -Path $bom @Common -ErrorAction Stop
        $p.KeyId | Should -Be $SymKey.KeyId
        $utf16 = New-ParamsBundle 'utf16' ([byte[]]([Text.Encoding]::Unicode.GetPreamble() + [Text.Encoding]::Unicode.GetBytes((Get-ParamsJson))))
        $c1 = Invoke-Case { Get-KmsImportParameters -Path $utf16 @Common }
        Assert-Refused $c1 'ImportBundleEncodingUnsupported'
        $c1.Errors[0].Exception.Message | Should -Match 'Re-save it as UTF-8'
        $digit = New-ParamsBundle 'keyspec-digit' (Get-ParamsJson @{ KeySpec = '1' })
        $c2 = Invoke-Case { Get-KmsImportParameters -Path $digit @Common }
        Assert-Refused $c2 'ImportBundleInvalid'
        $c2.Errors[0].Exception.Message | Should -Match 'KeySpec that is not one of'
        $huge = New-ParamsBundle 'validto-huge' ((Get-ParamsJson) -replace '"ParametersValidTo":\s*"[^"]*"', '"ParametersValidTo": 1e300')
        $c3 = Invoke-Case { Get-KmsImportParameters -Path $huge @Common }
        Assert-Refused $c3 'ImportBundleInvalid'
        $c3.Errors[0].Exception.Message | Should -Match 'ParametersValidTo out of range'
        $c3.Errors[0].Exception.Message | Should -Not -Match 'permissions'
    }

    It 'variants: UTF-16 without a BOM, a misspelt name, a number where a name belongs, a duplicated field, -1e300 and NaN-like text' {
        $cases = [ordered]@{
            'utf16-nobom' = [byte[]][Text.Encoding]::Unicode.GetBytes((Get-ParamsJson))
            'not-a-name' = (Get-ParamsJson @{ WrappingAlgorithm = 'RSAES-OAEP-SHA-256' })
            'number' = ((Get-ParamsJson) -replace '"KeySpec":\s*"[^"]*"', '"KeySpec": 1')
            'duplicate' = ((Get-ParamsJson) -replace '"KeySpec":', '"KeySpec": "HMAC_224", "KeySpec":')
            'negative' = ((Get-ParamsJson) -replace '"ParametersValidTo":\s*"[^"]*"', '"ParametersValidTo": -1e300')
            'year-9999' = (Get-ParamsJson @{ ParametersValidTo = '9999-12-31T00:00:00Z' })
        }
        Clear-LocalKmsRequest -Url $Url
        foreach ($name in $cases.Keys) {
            $folder = New-ParamsBundle $name $cases[$name]
            $c = Invoke-Case { Get-KmsImportParameters -Path $folder @Common }
            $want = if ($name -like 'utf16*') { 'ImportBundleEncodingUnsupported' } else { 'ImportBundleInvalid' }
            Assert-Refused $c $want
            $c.Errors[0].Exception.InnerException | Should -BeNullOrEmpty -Because $name
        }
        Get-Operations | Should -BeNullOrEmpty
    }
}
