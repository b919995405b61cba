# The bad-input corpus (tests/corpus/bad-inputs.json) through the built module: every case must be
# refused with its specific ErrorId, category, an instruction in the message and the right target;
# inputs that can be checked locally must not reach the endpoint (checked only where the cmdlet has a KMS
# client pointed at this endpoint, and backed by a positive control: the same cmdlet with good input does
# send requests); no case may hang or crash.
# Fixtures (keys, certificates, bundles, broken files) are generated here, not stored as blobs.
# Runs against the suite's shared endpoint: no faults, no clock moves.
BeforeDiscovery {
    $corpus = Get-Content -Raw (Join-Path $PSScriptRoot '../corpus/bad-inputs.json') | ConvertFrom-Json -AsHashtable
    # Every case runs. As root (CI) a case that "requires" non-root runs in a child pwsh without the
    # capabilities that let root read any file (Invoke-CaseWithoutDacOverride).
    $script:Cases = @($corpus.cases)
    $script:Controls = @($corpus.controls)
    # A case with "platform": "unix" needs POSIX file modes (chmod 000): tagged UnixOnly, left out on Windows.
    $unix = @($script:Cases | Where-Object { $_.Contains('platform') -and $_.platform -eq 'unix' })
    $script:CaseSets = @(
        @{ Cases = @($script:Cases | Where-Object { -not ($_.Contains('platform') -and $_.platform -eq 'unix') }); Tag = @() }
        if ($unix.Count) { @{ Cases = $unix; Tag = @('UnixOnly') } }
    )
}

BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-badinput-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $script:IsRoot = (-not $IsWindows) -and ((& id -u) -eq '0')
    $script:Corpus = Get-Content -Raw (Join-Path $PSScriptRoot '../corpus/bad-inputs.json') | ConvertFrom-Json -AsHashtable
    $script:CaseTimeoutSeconds = 60
    $script:Timings = [Collections.Generic.List[object]]::new()

    # ---- fixtures ------------------------------------------------------------------------------------
    $script:Fixtures = @{}
    function Add-Fixture([string] $Name, [byte[]] $Bytes, [string] $Extension = '.bin') {
        $path = Join-Path $script:Work ($Name + $Extension)
        [IO.File]::WriteAllBytes($path, $Bytes)
        $script:Fixtures[$Name] = @{ Path = $path; Bytes = $Bytes }
    }
    function Add-PathFixture([string] $Name, [string] $Path) { $script:Fixtures[$Name] = @{ Path = $Path; Bytes = $null } }
    function New-RandomBytes([int] $Length) { $b = [byte[]]::new($Length); [Security.Cryptography.RandomNumberGenerator]::Fill($b); $b }
    function ConvertTo-Pem([string] $Label, [byte[]] $Der) {
        [Text.Encoding]::ASCII.GetBytes((-join [Security.Cryptography.PemEncoding]::Write($Label, $Der)) + "`n")
    }
    function Invoke-OpenSsl([string[]] $Arguments) {
        $out = & openssl @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($Arguments -join ' ') failed: $out" }
    }
    function Get-Slice([byte[]] $Bytes, [int] $Start, [int] $Length) { [byte[]]$Bytes[$Start..($Start + $Length - 1)] }

    # Raw material of the wrong length for each spec, and text that is not random bytes.
    Add-Fixture 'sym-32' (New-RandomBytes 32)
    foreach ($n in 0, 16, 31, 33, 64) { if ($n -gt 0) { Add-Fixture "sym-$n" (New-RandomBytes $n) } }
    Add-Fixture 'sym-32-lf' ([byte[]]((New-RandomBytes 32) + [byte]10))
    Add-Fixture 'sym-32-crlf' ([byte[]]((New-RandomBytes 32) + [byte]13 + [byte]10))
    Add-Fixture 'sym-hex' ([Text.Encoding]::ASCII.GetBytes([Convert]::ToHexString((New-RandomBytes 32))))
    Add-Fixture 'sym-b64' ([Text.Encoding]::ASCII.GetBytes([Convert]::ToBase64String((New-RandomBytes 32))))
    Add-Fixture 'sym-passphrase' ([Text.Encoding]::ASCII.GetBytes('correct horse battery staple 123'))
    foreach ($n in 27, 29, 31, 47, 63, 65, 129) { Add-Fixture "raw-$n" (New-RandomBytes $n) }
    Add-Fixture 'empty' ([byte[]]@())
    Add-Fixture 'huge' ([byte[]]::new(1024 * 1024 + 1))
    Add-Fixture 'garbage-600' (New-RandomBytes 600)
    $dir = New-Item -ItemType Directory (Join-Path $script:Work 'a-directory'); Add-PathFixture 'directory' $dir.FullName
    Add-PathFixture 'missing' (Join-Path $script:Work 'no-such-file.bin')
    Add-PathFixture 'missing-dir' (Join-Path $script:Work 'no-such-folder')
    Add-PathFixture 'missing-escrow-dir' (Join-Path $script:Work 'no-such-folder/escrow.bin')
    Add-PathFixture 'nul-path' ((Join-Path $script:Work 'a') + [char]0 + 'b.bin')
    Add-PathFixture 'eio' '/proc/self/mem'   # exists, read fails with EIO: the "could not be read" path, even for root
    Add-Fixture 'unreadable' (New-RandomBytes 32)
    if (-not $IsWindows) { & chmod 000 $script:Fixtures['unreadable'].Path }
    Add-Fixture 'sym-zeros' ([byte[]]::new(32))
    Add-Fixture 'hmac-repeated' ([byte[]](@(0x5A, 0xC3) * 16))
    Add-PathFixture 'device' '/dev/zero'   # a character device: refused before it is read
    Add-Fixture 'existing-escrow' ([Text.Encoding]::ASCII.GetBytes('keep me'))

    # Private keys, public keys and certificates (.NET, plus openssl where .NET cannot write the format).
    $rsa2048 = [Security.Cryptography.RSA]::Create(2048)
    $p256 = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $p256b = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $p384 = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP384)
    $k1 = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve]::CreateFromFriendlyName('secP256k1'))
    Add-Fixture 'rsa2048-pkcs8-der' $rsa2048.ExportPkcs8PrivateKey()
    Add-Fixture 'rsa2048-pkcs1-pem' (ConvertTo-Pem 'RSA PRIVATE KEY' $rsa2048.ExportRSAPrivateKey()) '.pem'
    Add-Fixture 'rsa2048-spki-der' $rsa2048.ExportSubjectPublicKeyInfo()
    Add-Fixture 'p256-pkcs8-der' $p256.ExportPkcs8PrivateKey()
    Add-Fixture 'p256-pkcs8-pem' (ConvertTo-Pem 'PRIVATE KEY' $p256.ExportPkcs8PrivateKey()) '.pem'
    Add-Fixture 'p256-spki-pem' (ConvertTo-Pem 'PUBLIC KEY' $p256.ExportSubjectPublicKeyInfo()) '.pem'
    Add-Fixture 'p256-truncated-der' (Get-Slice $p256.ExportPkcs8PrivateKey() 0 60)
    Add-Fixture 'p384-sec1-pem' (ConvertTo-Pem 'EC PRIVATE KEY' $p384.ExportECPrivateKey()) '.pem'
    Add-Fixture 'k1-pkcs8-pem' (ConvertTo-Pem 'PRIVATE KEY' $k1.ExportPkcs8PrivateKey()) '.pem'
    $pbe = [Security.Cryptography.PbeParameters]::new('Aes256Cbc', 'SHA256', 2048)
    Add-Fixture 'p256-encrypted-pem' (ConvertTo-Pem 'ENCRYPTED PRIVATE KEY' $p256.ExportEncryptedPkcs8PrivateKey('right password', $pbe)) '.pem'
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=kmsimport bad input', $p256, 'SHA256')
    $cert = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
    Add-Fixture 'p256-cert-pem' (ConvertTo-Pem 'CERTIFICATE' $cert.RawData) '.pem'
    # SEC1 with the public point of another key: the numbers do not belong together.
    $sec1 = $p256.ExportECPrivateKey(); $other = $p256b.ExportECPrivateKey()
    $spliced = [byte[]]($sec1[0..($sec1.Length - 66)] + $other[($other.Length - 65)..($other.Length - 1)])
    Add-Fixture 'p256-inconsistent-der' $spliced
    $pem = $script:Fixtures['p256-pkcs8-pem'].Path
    foreach ($f in @(
            @{ Name = 'p256-legacy-encrypted-pem'; Args = @('ec', '-in', $pem, '-aes-128-cbc', '-passout', 'pass:right password') }
            @{ Name = 'p256-explicit-pem'; Args = @('ec', '-in', $pem, '-param_enc', 'explicit') }
            @{ Name = 'ed25519-pem'; Args = @('genpkey', '-algorithm', 'ed25519') })) {
        $path = Join-Path $script:Work ($f.Name + '.pem')
        Invoke-OpenSsl ($f.Args + @('-out', $path))
        $script:Fixtures[$f.Name] = @{ Path = $path; Bytes = [IO.File]::ReadAllBytes($path) }
    }
    # Wrapping public keys that are not a KMS RSA wrapping key.
    Add-Fixture 'spki-ec-p256' $p256.ExportSubjectPublicKeyInfo()
    Add-Fixture 'spki-rsa-1024' ([Security.Cryptography.RSA]::Create(1024).ExportSubjectPublicKeyInfo())
    Add-Fixture 'spki-garbage' (New-RandomBytes 550)
    Add-Fixture 'spki-single-byte' ([byte[]]@(0x30))
    Add-Fixture 'token-garbage' (New-RandomBytes 1000)

    # ---- keys and parameter sets ---------------------------------------------------------------------
    $script:Keys = @{}
    foreach ($k in @(
            @{ Name = 'sym'; Spec = 'SYMMETRIC_DEFAULT' }, @{ Name = 'sym2'; Spec = 'SYMMETRIC_DEFAULT' }, @{ Name = 'pd'; Spec = 'SYMMETRIC_DEFAULT' }
            @{ Name = 'hmac224'; Spec = 'HMAC_224' }, @{ Name = 'hmac256'; Spec = 'HMAC_256' }, @{ Name = 'hmac384'; Spec = 'HMAC_384' }, @{ Name = 'hmac512'; Spec = 'HMAC_512' }
            @{ Name = 'rsa2048'; Spec = 'RSA_2048' }, @{ Name = 'rsa3072'; Spec = 'RSA_3072' }
            @{ Name = 'p256'; Spec = 'ECC_NIST_P256' }, @{ Name = 'p384'; Spec = 'ECC_NIST_P384' }, @{ Name = 'p521'; Spec = 'ECC_NIST_P521' }, @{ Name = 'k1'; Spec = 'ECC_SECG_P256K1' }
            # Keys of the positive controls: each control changes its own key only.
            @{ Name = 'ctrl-get'; Spec = 'SYMMETRIC_DEFAULT' }, @{ Name = 'ctrl-import'; Spec = 'SYMMETRIC_DEFAULT' }, @{ Name = 'ctrl-bundle'; Spec = 'SYMMETRIC_DEFAULT' }
            @{ Name = 'ctrl-invoke'; Spec = 'SYMMETRIC_DEFAULT' }, @{ Name = 'ctrl-invoke-gen'; Spec = 'SYMMETRIC_DEFAULT' }, @{ Name = 'ctrl-restore'; Spec = 'SYMMETRIC_DEFAULT' })) {
        $usage = if ($k.Spec -like 'HMAC*') { 'GENERATE_VERIFY_MAC' } elseif ($k.Spec -eq 'SYMMETRIC_DEFAULT') { 'ENCRYPT_DECRYPT' } else { 'SIGN_VERIFY' }
        $script:Keys[$k.Name] = New-KmsExternalKey @Common -KeySpec $k.Spec -KeyUsage $usage -ErrorAction Stop
    }
    $script:Keys['missing'] = [pscustomobject]@{ KeyId = '1234abcd-12ab-34cd-56ef-1234567890ab'; Region = 'eu-west-2'; EndpointUrl = $Url }
    # Parameter sets: RSA_2048 wrapping keys are the quickest for the endpoint to make.
    $script:Params = @{}
    foreach ($p in @(
            @{ Name = 'SYM'; Key = 'sym'; Spec = 'RSA_2048' }, @{ Name = 'SYM2'; Key = 'sym2'; Spec = 'RSA_2048' }, @{ Name = 'PD'; Key = 'pd'; Spec = 'RSA_2048' }
            @{ Name = 'SYM-3072'; Key = 'sym'; Spec = 'RSA_3072' }
            @{ Name = 'HMAC_224'; Key = 'hmac224'; Spec = 'RSA_2048' }, @{ Name = 'HMAC_256'; Key = 'hmac256'; Spec = 'RSA_2048' }
            @{ Name = 'HMAC_384'; Key = 'hmac384'; Spec = 'RSA_2048' }, @{ Name = 'HMAC_512'; Key = 'hmac512'; Spec = 'RSA_2048' }
            @{ Name = 'RSA_2048'; Key = 'rsa2048'; Spec = 'RSA_2048' }, @{ Name = 'RSA_3072'; Key = 'rsa3072'; Spec = 'RSA_2048' }
            @{ Name = 'P256'; Key = 'p256'; Spec = 'RSA_2048' }, @{ Name = 'P384'; Key = 'p384'; Spec = 'RSA_2048' }
            @{ Name = 'P521'; Key = 'p521'; Spec = 'RSA_2048' }, @{ Name = 'K1'; Key = 'k1'; Spec = 'RSA_2048' }
            @{ Name = 'CTRL'; Key = 'ctrl-import'; Spec = 'RSA_2048' }, @{ Name = 'CTRL-BUNDLE'; Key = 'ctrl-bundle'; Spec = 'RSA_2048' })) {
        $script:Params[$p.Name] = $script:Keys[$p.Key] | Get-KmsImportParameters -WrappingKeySpec $p.Spec -ErrorAction Stop
    }
    $script:Wrapped = @{}
    $material = $script:Fixtures['sym-32'].Path
    foreach ($n in 'SYM', 'SYM2', 'PD', 'CTRL') { $script:Wrapped[$n] = $script:Params[$n] | Protect-KeyMaterial -Path $material -ErrorAction Stop }
    $script:Wrapped['HMAC_256'] = $script:Params['HMAC_256'] | Protect-KeyMaterial -Path $material -ErrorAction Stop
    $spki = $script:Params['SYM'].PublicKey
    Add-Fixture 'spki-truncated' (Get-Slice $spki 0 100)
    Add-Fixture 'spki-trailing' ([byte[]]($spki + [byte[]](0, 0, 0, 0)))
    Add-Fixture 'spki-pem-text' (ConvertTo-Pem 'PUBLIC KEY' $spki)
    Add-Fixture 'spki-rsa-3072' $script:Params['SYM-3072'].PublicKey
    $token = $script:Wrapped['SYM'].ImportToken
    Add-Fixture 'token-truncated' (Get-Slice $token 0 ([int]($token.Length / 2)))
    Add-Fixture 'token-other-key' $script:Wrapped['SYM2'].ImportToken

    # A key KMS made the material for (origin AWS_KMS), and an EXTERNAL key pending deletion (its
    # parameters were fetched above, before the deletion was scheduled), both with the aws CLI.
    $env:AWS_DEFAULT_REGION = 'eu-west-2'
    try {
        $json = aws kms create-key --endpoint-url $Url --origin AWS_KMS --description 'bad input: not EXTERNAL' --output json 2>&1
        if ($LASTEXITCODE -ne 0) { throw "aws kms create-key failed: $json" }
        $id = ($json | Out-String | ConvertFrom-Json).KeyMetadata.KeyId
        $script:Keys['awskms'] = [pscustomobject]@{ KeyId = $id; Region = 'eu-west-2'; EndpointUrl = $Url }
        $out = aws kms schedule-key-deletion --endpoint-url $Url --key-id $script:Keys['pd'].KeyId --pending-window-in-days 7 --output json 2>&1
        if ($LASTEXITCODE -ne 0) { throw "aws kms schedule-key-deletion failed: $out" }
    } finally { Remove-Item Env:AWS_DEFAULT_REGION }

    # ---- bundles (offline ceremony files), broken in every way the readers must notice -------------
    function New-Bundle([string] $Name, [hashtable] $Files) {
        $folder = New-Item -ItemType Directory (Join-Path $script:Work "bundle-$Name")
        foreach ($f in $Files.Keys) {
            $v = $Files[$f]
            [byte[]] $bytes = if ($v -is [string]) { [Text.Encoding]::UTF8.GetBytes($v) } elseif ($v.Length -eq 0) { , [byte[]]::new(0) } else { $v }
            [IO.File]::WriteAllBytes((Join-Path $folder.FullName $f), $bytes)
        }
        Add-PathFixture "bundle-$Name" $folder.FullName
    }
    $sym = $script:Params['SYM']
    $good = [ordered]@{ Format = 'KmsImport.ImportParameters/1'; KeyId = $sym.KeyId; KeySpec = 'SYMMETRIC_DEFAULT'; WrappingAlgorithm = "$($sym.WrappingAlgorithm)"
        WrappingKeySpec = "$($sym.WrappingKeySpec)"; ParametersValidTo = $sym.ParametersValidTo.ToString('o'); Region = 'eu-west-2'; EndpointUrl = $Url
        PublicKeyFile = 'PublicKey.bin'; ImportTokenFile = 'ImportToken.bin' }
    function Get-BundleJson([hashtable] $Change) {
        $j = [ordered]@{}; foreach ($k in $good.Keys) { $j[$k] = $good[$k] }
        foreach ($k in $Change.Keys) { if ($null -eq $Change[$k]) { $j.Remove($k) } else { $j[$k] = $Change[$k] } }
        $j | ConvertTo-Json
    }
    $bins = @{ 'PublicKey.bin' = $sym.PublicKey; 'ImportToken.bin' = $sym.ImportToken }
    New-Bundle 'invalid-json' (@{ 'ImportParameters.json' = '{ "KeyId": "x", ' } + $bins)
    New-Bundle 'json-array' (@{ 'ImportParameters.json' = '[1, 2, 3]' } + $bins)
    New-Bundle 'bad-enum' (@{ 'ImportParameters.json' = (Get-BundleJson @{ KeySpec = 'AES_256' }) } + $bins)
    New-Bundle 'missing-public-key' @{ 'ImportParameters.json' = (Get-BundleJson @{}); 'ImportToken.bin' = $sym.ImportToken }
    New-Bundle 'traversal' (@{ 'ImportParameters.json' = (Get-BundleJson @{ PublicKeyFile = '../../etc/passwd' }) } + $bins)
    New-Bundle 'empty-token' @{ 'ImportParameters.json' = (Get-BundleJson @{}); 'PublicKey.bin' = $sym.PublicKey; 'ImportToken.bin' = [byte[]]@() }
    New-Bundle 'bins-only' $bins
    New-Bundle 'bad-date' (@{ 'ImportParameters.json' = (Get-BundleJson @{ ParametersValidTo = 'next tuesday' }) } + $bins)
    New-Bundle 'bad-base64' @{ 'ImportParameters.json' = (Get-BundleJson @{ PublicKey = '***not base64***'; ImportToken = 'AAAA' }) }
    New-Bundle 'big-json' (@{ 'ImportParameters.json' = (Get-BundleJson @{ Padding = ('x' * 70000) }) } + $bins)
    New-Bundle 'big-token' @{ 'ImportParameters.json' = (Get-BundleJson @{}); 'PublicKey.bin' = $sym.PublicKey; 'ImportToken.bin' = [byte[]]::new(8000) }
    # Issue 14: bundles are data from strangers.
    New-Bundle 'keyspec-digit' (@{ 'ImportParameters.json' = (Get-BundleJson @{ KeySpec = '1' }) } + $bins)
    New-Bundle 'validto-huge' (@{ 'ImportParameters.json' = ((Get-BundleJson @{}) -replace '"ParametersValidTo":\s*"[^"]*"', '"ParametersValidTo": 1e300') } + $bins)
    New-Bundle 'utf16' (@{ 'ImportParameters.json' = [byte[]]([Text.Encoding]::Unicode.GetPreamble() + [Text.Encoding]::Unicode.GetBytes((Get-BundleJson @{}))) } + $bins)
    New-Bundle 'keyid-dotdot' (@{ 'ImportParameters.json' = (Get-BundleJson @{ KeyId = '..' }) } + $bins)
    New-Bundle 'foreign-endpoint' (@{ 'ImportParameters.json' = (Get-BundleJson @{ EndpointUrl = 'http://127.0.0.1:9' }) } + $bins)
    New-Bundle 'garbage-public-key' @{ 'ImportParameters.json' = (Get-BundleJson @{ WrappingKeySpec = $null }); 'PublicKey.bin' = (New-RandomBytes 300); 'ImportToken.bin' = $sym.ImportToken }
    # Wrapped-material bundles, from a real Protect-KeyMaterial -OutDirectory, then damaged.
    $out = New-Item -ItemType Directory (Join-Path $script:Work 'protected-out')
    $null = $script:Params['SYM2'] | Protect-KeyMaterial -Path $material -OutDirectory $out.FullName -ErrorAction Stop
    $protected = Join-Path $out.FullName $script:Params['SYM2'].KeyId
    $pj = Get-Content -Raw (Join-Path $protected 'ProtectedKeyMaterial.json') | ConvertFrom-Json -AsHashtable
    $pj.ParametersValidTo = [DateTime]::UtcNow.AddHours(-1).ToString('o')
    New-Bundle 'protected-expired' @{ 'ProtectedKeyMaterial.json' = ($pj | ConvertTo-Json); 'EncryptedKeyMaterial.bin' = [IO.File]::ReadAllBytes((Join-Path $protected 'EncryptedKeyMaterial.bin')); 'ImportToken.bin' = [IO.File]::ReadAllBytes((Join-Path $protected 'ImportToken.bin')) }
    New-Bundle 'protected-no-material' @{ 'ProtectedKeyMaterial.json' = (Get-Content -Raw (Join-Path $protected 'ProtectedKeyMaterial.json')); 'ImportToken.bin' = [IO.File]::ReadAllBytes((Join-Path $protected 'ImportToken.bin')) }
    Add-PathFixture 'protected-out' $out.FullName
    # What the positive controls read: a good wrapped-material bundle and an empty escrow folder.
    $ctrlOut = New-Item -ItemType Directory (Join-Path $script:Work 'protected-control')
    $null = $script:Params['CTRL-BUNDLE'] | Protect-KeyMaterial -Path $material -OutDirectory $ctrlOut.FullName -ErrorAction Stop
    Add-PathFixture 'bundle-protected-control' (Join-Path $ctrlOut.FullName $script:Params['CTRL-BUNDLE'].KeyId)
    Add-PathFixture 'escrow-control' (New-Item -ItemType Directory (Join-Path $script:Work 'escrow-control')).FullName
    # Fleet plans (Invoke-KmsKeyImport -PlanPath): each bad one next to material that is fine.
    function Add-PlanFixture([string] $Name, [string[]] $Lines, [string] $Extension = '.csv') {
        Add-Fixture $Name ([Text.Encoding]::UTF8.GetBytes(($Lines -join "`n") + "`n")) $Extension
    }
    $m = $script:Fixtures['sym-32'].Path
    Add-PlanFixture 'plan-good' @('Region,Alias,Path', "eu-west-2,badinput-plan-control-$([guid]::NewGuid().ToString('n').Substring(0, 8)),$m")
    Add-PlanFixture 'plan-dup-alias' @('Region,Alias,Path', "eu-west-2,dup,$m", "eu-west-2,alias/dup,$m")
    Add-PlanFixture 'plan-path-and-generate' @('Region,Alias,Path,Generate', "eu-west-2,a,$m,true")
    Add-PlanFixture 'plan-validto-no-expiry' @('Region,Alias,Path,ValidTo', "eu-west-2,a,$m,2030-01-01T00:00:00Z")
    Add-PlanFixture 'plan-replica-no-multiregion' @('Region,Alias,Path,ReplicaRegion', "eu-west-2,a,$m,eu-west-1")
    Add-PlanFixture 'plan-bad-region' @('Region,Alias,Path', "Europe,a,$m")
    Add-PlanFixture 'plan-usage-not-allowed' @('Region,Alias,Path,KeySpec,KeyUsage', "eu-west-2,a,$m,HMAC_256,SIGN_VERIFY")
    Add-PlanFixture 'plan-material-wrong-spec' @('Region,Alias,KeySpec,Path', "eu-west-2,a,HMAC_512,$m")
    Add-PlanFixture 'plan-unknown-column' @('Region,Alias,Secret', 'eu-west-2,a,b')
    Add-PlanFixture 'plan-json-object' @('{"Region": "eu-west-2"}') '.json'
    Add-Fixture 'plan-huge' ([byte[]]::new(4MB + 1)) '.csv'

    # ---- resolving the corpus's references -----------------------------------------------------------
    function Resolve-CaseValue($Value) {
        if ($Value -is [System.Collections.IDictionary]) {
            $h = @{}; foreach ($k in $Value.Keys) { $h[$k] = Resolve-CaseValue $Value[$k] }; return , $h
        }
        if ($Value -isnot [string] -or -not $Value.StartsWith('@')) { return $Value }
        switch -Regex ($Value) {
            '^@fixture:(.+)$' { if (-not $script:Fixtures.ContainsKey($Matches[1])) { throw "no fixture $($Matches[1])" }; return $script:Fixtures[$Matches[1]].Path }
            '^@bytes:(.+)$' { if (-not $script:Fixtures.ContainsKey($Matches[1])) { throw "no fixture $($Matches[1])" }; return , [byte[]]$script:Fixtures[$Matches[1]].Bytes }
            '^@time:([+-]\d+)$' { return [DateTime]::UtcNow.AddSeconds([double]$Matches[1]) }
            '^@secure:(.*)$' { return ConvertTo-SecureString $Matches[1] -AsPlainText -Force }
            '^@key:(.+)$' { return $script:Keys[$Matches[1]].KeyId }
            '^@endpoint$' { return $script:Url }
            default { throw "unknown reference $Value" }
        }
    }
    function Resolve-Pipe($Pipe) {
        if ($null -eq $Pipe) { return $null }
        $from = $Pipe.from
        $object = switch -Regex ($from) {
            '^params:(.+)$' { $script:Params[$Matches[1]] }
            '^wrapped:(.+)$' { $script:Wrapped[$Matches[1]] }
            '^key:(.+)$' { $script:Keys[$Matches[1]] }
            default { throw "unknown pipe source $from" }
        }
        if ($null -eq $object) { throw "pipe source $from was not prepared" }
        if ($Pipe.Contains('set')) {
            $object = $object | Select-Object *   # a copy: the prepared object stays intact for the next case
            foreach ($k in $Pipe.set.Keys) { $object.$k = Resolve-CaseValue $Pipe.set[$k] }
        }
        , $object
    }

    # ---- running one case in a runspace of its own, with a timeout -----------------------------------
    $script:Runner = @'
param($Pipe, $Command, $Splat)
$errors = [System.Collections.Generic.List[object]]::new()
$output = [System.Collections.Generic.List[object]]::new()
$ev = $null
try {
    if ($null -ne $Pipe) {
        $Pipe | & $Command @Splat -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | ForEach-Object { $output.Add($_) }
    } else {
        & $Command @Splat -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | ForEach-Object { $output.Add($_) }
    }
} catch {
    $errors.Add($_)
}
$all = [System.Collections.Generic.List[object]]::new()
foreach ($e in @($ev)) {
    if ($null -eq $e) { continue }
    # A terminating error lands in -ErrorVariable as the exception that carries its record.
    if ($e -isnot [System.Management.Automation.ErrorRecord] -and $e.PSObject.Properties['ErrorRecord']) { $e = $e.ErrorRecord }
    $all.Add($e)
}
foreach ($e in $errors) {
    if (-not @($all | Where-Object { $_.FullyQualifiedErrorId -eq $e.FullyQualifiedErrorId -and $_.Exception.Message -eq $e.Exception.Message })) { $all.Add($e) }
}
[pscustomobject]@{ Output = $output.ToArray(); Errors = $all.ToArray() }
'@
    function New-CaseRunspace {
        $iss = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $iss.ImportPSModule([string[]]@($env:KMSIMPORT_TEST_MODULE))
        $rs = [Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($iss)
        $rs.Open()
        $rs
    }
    $script:CaseRunspace = New-CaseRunspace

    # As root a mode-000 file is readable (CAP_DAC_OVERRIDE): the case runs in a child pwsh whose capability
    # bounding set lacks dac_override and dac_read_search, so the kernel refuses the read as it would for a
    # user. Its errors come back as plain objects with the properties the assertions read.
    function Invoke-CaseWithoutDacOverride($Pipe, [string] $Command, [hashtable] $Splat) {
        $setpriv = Get-Command setpriv -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $setpriv) { throw 'running as root, and setpriv (util-linux) is missing: the case cannot be staged' }
        $dir = (New-Item -ItemType Directory (Join-Path $script:Work ('unprivileged-' + [guid]::NewGuid().ToString('n')))).FullName
        Export-Clixml -InputObject $Pipe -Path (Join-Path $dir 'pipe.xml') -Depth 4
        Export-Clixml -InputObject $Splat -Path (Join-Path $dir 'splat.xml') -Depth 4
        Set-Content -Path (Join-Path $dir 'runner.ps1') -Value $script:Runner
        $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:KMSIMPORT_TEST_MODULE'
`$pipe = Import-Clixml '$dir/pipe.xml'
`$splat = Import-Clixml '$dir/splat.xml'
`$r = & '$dir/runner.ps1' `$pipe '$Command' `$splat
[pscustomobject]@{
    Output = @(`$r.Output).Count
    Errors = @(`$r.Errors | ForEach-Object { [pscustomobject]@{ FullyQualifiedErrorId = `$_.FullyQualifiedErrorId; ExceptionType = `$_.Exception.GetType().Name
        Message = `$_.Exception.Message; Category = "`$(`$_.CategoryInfo.Category)"; Target = "`$(`$_.TargetObject)" } })
} | ConvertTo-Json -Depth 4 | Set-Content '$dir/result.json'
"@
        $pwsh = Get-PwshCommand
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($child))
        $out = & $setpriv.Source --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search -- `
            $pwsh.Executable @($pwsh.Arguments) -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1
        if ($LASTEXITCODE -ne 0) { throw "the unprivileged child failed ($LASTEXITCODE): $out" }
        $j = Get-Content -Raw (Join-Path $dir 'result.json') | ConvertFrom-Json
        [pscustomobject]@{
            Output = @(if ($j.Output -gt 0) { 1..$j.Output | ForEach-Object { "output $_" } })
            Errors = @($j.Errors | ForEach-Object {
                    [pscustomobject]@{ FullyQualifiedErrorId = $_.FullyQualifiedErrorId; ExceptionType = $_.ExceptionType; Exception = [pscustomobject]@{ Message = $_.Message }
                        CategoryInfo = [pscustomobject]@{ Category = $_.Category }; TargetObject = $_.Target }
                })
        }
    }

    # The requests a case may send: [] allows none; entries are counted, so a logged request without an
    # operation name (or with one not allowed) fails the check.
    function Assert-OnlyCalls([object[]] $Calls, [string[]] $Allowed, [string] $Because) {
        $Calls = @($Calls | Where-Object { $null -ne $_ })
        $bad = @($Calls | Where-Object { [string]::IsNullOrEmpty($_.operation) -or $_.operation -notin $Allowed })
        $seen = ($Calls | ForEach-Object { if ($_.operation) { $_.operation } else { '<no operation>' } }) -join ', '
        $bad.Count | Should -Be 0 -Because "$Because; it may call only [$($Allowed -join ', ')], it sent [$seen]"
    }
    # Which endpoint a case's requests would go to, as far as the corpus says: only one the local log sees counts.
    function Test-SeenByLog([System.Collections.IDictionary] $Case) {
        $p = if ($Case.Contains('parameters') -and $Case.parameters) { $Case.parameters } else { @{} }
        if ($p.Contains('EndpointUrl')) { return $p.EndpointUrl -eq '@endpoint' }
        if ($Case.Contains('withEndpoint') -and $Case.withEndpoint) { return $true }
        # A prepared object carries this endpoint (unless the case changes it).
        if ($Case.Contains('pipe') -and $Case.pipe) {
            return -not ($Case.pipe.Contains('set') -and ($Case.pipe.set.Contains('EndpointUrl') -or $Case.pipe.set.Contains('Region')))
        }
        $false
    }
    # Commands (or parameter sets) that never build a KMS client: a "no request" check on them cannot fail.
    function Test-Offline([System.Collections.IDictionary] $Case) {
        $Case.command -eq 'Protect-KeyMaterial' -or ($Case.command -eq 'Get-KmsImportParameters' -and $Case.Contains('parameters') -and $Case.parameters -and $Case.parameters.Contains('Path'))
    }

    function Invoke-BadInputCase($Pipe, [string] $Command, [hashtable] $Splat) {
        $ps = [PowerShell]::Create()
        $ps.Runspace = $script:CaseRunspace
        $null = $ps.AddScript($script:Runner).AddArgument($Pipe).AddArgument($Command).AddArgument($Splat)
        $async = $ps.BeginInvoke()
        if (-not $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($script:CaseTimeoutSeconds))) {
            $null = $ps.BeginStop($null, $null)
            $script:CaseRunspace = New-CaseRunspace   # the hung one is abandoned
            throw "the case did not finish within $script:CaseTimeoutSeconds s"
        }
        try { $r = $ps.EndInvoke($async) } finally { $ps.Dispose() }
        if ($script:CaseRunspace.RunspaceStateInfo.State -ne 'Opened') { throw "the case broke its runspace: $($script:CaseRunspace.RunspaceStateInfo.State)" }
        $r[0]
    }
}

AfterAll {
    if ($script:CaseRunspace) { $script:CaseRunspace.Dispose() }
    if (-not $IsWindows -and $script:Fixtures -and $script:Fixtures['unreadable']) { & chmod 600 $script:Fixtures['unreadable'].Path }
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
    if ($script:Timings.Count) {
        $slow = $script:Timings | Sort-Object Seconds -Descending | Select-Object -First 3
        Write-Host ("bad-input corpus: {0} cases run in {1:N1} s; slowest: {2}" -f $script:Timings.Count, ($script:Timings | Measure-Object Seconds -Sum).Sum,
            (($slow | ForEach-Object { '{0} {1:N2}s' -f $_.Id, $_.Seconds }) -join ', '))
        # KMSIMPORT_BADINPUT_REPORT=<file>: what each case was told, for reviewing the messages.
        if ($env:KMSIMPORT_BADINPUT_REPORT) { $script:Timings | ConvertTo-Json | Set-Content $env:KMSIMPORT_BADINPUT_REPORT }
    }
}

Describe 'Bad input corpus (tests/corpus/bad-inputs.json)' {
    It 'has at least 60 cases, each with a unique id and an expectation' {
        $Cases.Count | Should -BeGreaterOrEqual 60
        @($Cases.id | Sort-Object -Unique).Count | Should -Be $Cases.Count
        foreach ($c in $Cases) { ($c.expect.errorId -or $c.expect.result) | Should -BeTrue -Because $c.id }
    }

    It 'checks "no request reached KMS" only where a request could be seen: a command with a KMS client, aimed at this endpoint' {
        $checked = @($Corpus.cases | Where-Object { $_.expect.Contains('calls') })
        $checked.Count | Should -BeGreaterThan 30
        foreach ($c in $checked) {
            Test-Offline $c | Should -BeFalse -Because "$($c.id): $($c.command) has no KMS client here, so its call check could never fail"
            Test-SeenByLog $c | Should -BeTrue -Because "$($c.id): its requests would go to an endpoint the local log never sees"
        }
    }

    It 'backs every (command, group) with a "no request" check by a positive control of the same command' {
        $none = @($Corpus.cases | Where-Object { $_.expect.Contains('calls') -and @($_.expect.calls).Count -eq 0 })
        $none.Count | Should -BeGreaterThan 30
        foreach ($c in $none) {
            $control = @($Corpus.controls | Where-Object { $_.command -eq $c.command -and $c.group -in @($_.groups) })
            $control.Count | Should -BeGreaterThan 0 -Because "$($c.id) ($($c.command), group $($c.group)) needs a positive control"
        }
    }

    It 'the call check fails on a logged request without an operation, on any request where none is allowed, and on an unlisted one' {
        { Assert-OnlyCalls @([pscustomobject]@{ operation = $null }) @() 'x' } | Should -Throw
        { Assert-OnlyCalls @([pscustomobject]@{ operation = $null }) @('DescribeKey') 'x' } | Should -Throw
        { Assert-OnlyCalls @([pscustomobject]@{ operation = 'DescribeKey' }) @() 'x' } | Should -Throw
        { Assert-OnlyCalls @([pscustomobject]@{ operation = 'DescribeKey' }, [pscustomobject]@{ operation = 'CreateKey' }) @('DescribeKey') 'x' } | Should -Throw
        { Assert-OnlyCalls @([pscustomobject]@{ operation = 'DescribeKey' }) @('DescribeKey') 'x' } | Should -Not -Throw
        { Assert-OnlyCalls @() @() 'x' } | Should -Not -Throw
    }

    foreach ($set in $CaseSets) {
    It '<id>: <description>' -ForEach $set.Cases -Tag $set.Tag {
        $case = $_
        $expect = $case.expect
        $pipe = Resolve-Pipe $(if ($case.Contains('pipe')) { $case.pipe } else { $null })
        $splat = @{}
        if ($case.Contains('parameters')) { foreach ($k in $case.parameters.Keys) { $splat[$k] = Resolve-CaseValue $case.parameters[$k] } }
        if ($case.Contains('withEndpoint') -and $case.withEndpoint) { foreach ($k in $Common.Keys) { $splat[$k] = $Common[$k] } }

        Clear-LocalKmsRequest -Url $Url
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $unprivileged = $IsRoot -and $case.Contains('requires') -and $case.requires -eq 'non-root'
        $r = if ($unprivileged) { Invoke-CaseWithoutDacOverride $pipe $case.command $splat } else { Invoke-BadInputCase $pipe $case.command $splat }
        $calls = @(Get-LocalKmsRequest -Url $Url)
        $errors = @($r.Errors)
        $said = if ($errors.Count) { "$($errors[0].FullyQualifiedErrorId): $($errors[0].Exception.Message)" } elseif (@($r.Output).Count) { "$($r.Output[0].ErrorId): $($r.Output[0].Message)" } else { '' }
        $script:Timings.Add([pscustomobject]@{ Id = $case.id; Seconds = $watch.Elapsed.TotalSeconds; Calls = $calls.Count; Said = $said })

        if ($expect.Contains('result')) {
            # Invoke-KmsKeyImport reports a key's failure in its result, not as an error record.
            $errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" } | Should -BeNullOrEmpty
            @($r.Output).Count | Should -Be 1
            $result = $r.Output[0]
            $result.Status | Should -Be $expect.result.Status
            $result.ErrorId | Should -Be $expect.result.ErrorId
            # The key's state as last seen; a key that does not exist has none.
            if ($result.ErrorId -ne 'KmsKeyNotFound') { $result.KeyState | Should -Not -BeNullOrEmpty }
            $result.ResumeCommand | Should -Match '^Invoke-KmsKeyImport -KeyId '
            $result.Message | Should -Match $expect.advice
        } else {
            $errors.Count | Should -BeGreaterThan 0 -Because "case $($case.id) must be refused (output: $(@($r.Output) -join ', '))"
            $e = $errors[0]
            $e.FullyQualifiedErrorId | Should -BeLike "$($expect.errorId),KmsImport.Cmdlets.*" -Because $e.Exception.Message
            # The module's own exception, or PowerShell's parameter binder: never a stray .NET exception.
            $type = if ($e.PSObject.Properties['ExceptionType']) { $e.ExceptionType } else { $e.Exception.GetType().Name }
            $type | Should -BeIn @('KmsImportException', 'ParameterBindingValidationException', 'ParameterBindingArgumentTransformationException', 'ParameterBindingException')
            "$($e.CategoryInfo.Category)" | Should -Be $expect.category
            $e.Exception.Message | Should -Not -BeNullOrEmpty
            $e.Exception.Message | Should -Match $expect.advice
            if ($expect.Contains('target')) {
                $want = switch -Regex ($expect.target) {
                    '^@pipe\.(.+)$' { $pipe.($Matches[1]) }
                    '^@fixture:(.+)$' { [IO.Path]::GetFullPath($Fixtures[$Matches[1]].Path) }
                    '^@key:(.+)$' { $Keys[$Matches[1]].KeyId }
                    '^@pipe$' { $pipe }
                    default { $expect.target }
                }
                "$($e.TargetObject)" | Should -Be "$want"
            }
            @($r.Output) | Should -BeNullOrEmpty -Because 'a refused input produces no object'
        }
        if ($expect.Contains('calls')) {
            Assert-OnlyCalls $calls @($expect.calls) "case $($case.id): locally checkable input never reaches KMS"
        }
    }
    }

    It '<id> (positive control for <groups>): <description>' -ForEach $Controls {
        $case = $_
        $pipe = Resolve-Pipe $(if ($case.Contains('pipe')) { $case.pipe } else { $null })
        $splat = @{}
        if ($case.Contains('parameters')) { foreach ($k in $case.parameters.Keys) { $splat[$k] = Resolve-CaseValue $case.parameters[$k] } }
        if ($case.Contains('withEndpoint') -and $case.withEndpoint) { foreach ($k in $Common.Keys) { if (-not $splat.ContainsKey($k)) { $splat[$k] = $Common[$k] } } }
        Clear-LocalKmsRequest -Url $Url
        $r = Invoke-BadInputCase $pipe $case.command $splat
        $calls = @(Get-LocalKmsRequest -Url $Url)
        @($r.Errors) | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" } | Should -BeNullOrEmpty
        @($r.Output).Count | Should -BeGreaterThan 0
        if ($case.expect.Contains('status')) { @($r.Output).Status | Should -Be $case.expect.status -Because "$(@($r.Output).ErrorId) $(@($r.Output).Message)" }
        # The same command with good input does reach the endpoint, and the log sees it.
        $calls.Count | Should -BeGreaterThan 0
        Assert-OnlyCalls $calls @($case.expect.calls) "control $($case.id)"
        foreach ($op in $case.expect.calls) { @($calls.operation) | Should -Contain $op }
    }
}
