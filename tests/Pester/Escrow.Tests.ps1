# Escrow encrypted to certificates (CMS) and key components: generated, imported, proved and restored against
# LocalKms; OpenSSL and PowerShell's own CMS cmdlets open what the module writes, and the module opens theirs.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'LeakDetector.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-escrow-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $X = 'System.Security.Cryptography.X509Certificates'

    function New-Folder([string] $Name) {
        (New-Item -ItemType Directory (Join-Path $script:Work ($Name + '-' + [guid]::NewGuid().ToString('n')))).FullName
    }
    function Invoke-OpenSsl([string[]] $Arguments) {
        $out = & openssl @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($Arguments -join ' ') failed: $out" }
    }
    # A custodian's certificate and key (PEM files and the X509Certificate2 with its private key), made with .NET.
    function New-Custodian([string] $Name, [string] $Kind = 'RSA', [string] $Usage, [string[]] $Eku,
                           [datetime] $NotBefore = (Get-Date).AddDays(-1), [datetime] $NotAfter = (Get-Date).AddDays(30)) {
        if ($Kind -eq 'RSA') {
            $key = [Security.Cryptography.RSA]::Create(2048)
            $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", [Security.Cryptography.RSA] $key, [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
            if (-not $Usage) { $Usage = 'KeyEncipherment' }
        } else {
            $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", [Security.Cryptography.ECDsa] $key, [Security.Cryptography.HashAlgorithmName]::SHA256)
            if (-not $Usage) { $Usage = 'KeyAgreement' }
        }
        if ($Usage -ne 'None') {
            $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new([Security.Cryptography.X509Certificates.X509KeyUsageFlags]$Usage, $true))
        }
        if ($Eku) {
            $oids = [Security.Cryptography.OidCollection]::new()
            foreach ($o in $Eku) { $null = $oids.Add([Security.Cryptography.Oid]::new($o)) }
            $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($oids, $false))
        }
        # Signed through a generator: CreateSelfSigned refuses an EC key whose usage is keyAgreement only.
        $serial = [byte[]]::new(8); [Security.Cryptography.RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7F
        if ($Kind -eq 'RSA') {
            $signer = [Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForRSA($key, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
            $cert = [Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey(
                $request.Create($request.SubjectName, $signer, $NotBefore, $NotAfter, $serial), $key)
        } else {
            $signer = [Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($key)
            $unsigned = $request.Create($request.SubjectName, $signer, $NotBefore, $NotAfter, $serial)
            if ($Usage -match 'KeyAgreement') {
                # .NET pairs a keyAgreement-only EC certificate with an ECDH key, not an ECDsa one.
                $ecdh = [Security.Cryptography.ECDiffieHellman]::Create($key.ExportParameters($true))
                $cert = $unsigned.CopyWithPrivateKey($ecdh)
            } else {
                $cert = [Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($unsigned, $key)
            }
        }
        $certPath = Join-Path $script:Work "$Name-$([guid]::NewGuid().ToString('n')).pem"
        $keyPath = [IO.Path]::ChangeExtension($certPath, '.key')
        [IO.File]::WriteAllText($certPath, $cert.ExportCertificatePem())
        [IO.File]::WriteAllText($keyPath, $key.ExportPkcs8PrivateKeyPem())
        [pscustomobject]@{ Name = $Name; Certificate = $cert; CertPath = $certPath; KeyPath = $keyPath }
    }
    function Get-OpenSslContent([string] $CmsPath, $Custodian) {
        $out = Join-Path $script:Work ([guid]::NewGuid().ToString('n') + '.out')
        Invoke-OpenSsl @('cms', '-decrypt', '-inform', 'PEM', '-in', $CmsPath, '-inkey', $Custodian.KeyPath, '-recip', $Custodian.CertPath, '-out', $out)
        try { , [IO.File]::ReadAllBytes($out) } finally { Remove-Item $out }
    }
    function Get-Xor([byte[][]] $Parts) {
        $result = [byte[]]::new($Parts[0].Length)
        foreach ($p in $Parts) { for ($i = 0; $i -lt $result.Length; $i++) { $result[$i] = $result[$i] -bxor $p[$i] } }
        , $result
    }

    $script:Docs = '1.3.6.1.4.1.311.80.1'
    $script:Alice = New-Custodian 'Alice' RSA -Eku $Docs
    $script:Bob = New-Custodian 'Bob' EC
    $script:Carol = New-Custodian 'Carol' RSA
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Done when: symmetric and HMAC keys with escrow only to certificates and with 3 components' {
    It '<KeySpec>: generated with CMS escrow, imported, proved from the CMS file, opened by OpenSSL' -ForEach @(
        @{ KeySpec = 'SYMMETRIC_DEFAULT'; KeyUsage = 'ENCRYPT_DECRYPT'; Proof = 'Encrypt+Decrypt' }
        @{ KeySpec = 'HMAC_256'; KeyUsage = 'GENERATE_VERIFY_MAC'; Proof = 'GenerateMac' }
    ) {
        $escrow = New-Folder 'cms'
        $wrapped = New-KmsExternalKey @Common -KeySpec $KeySpec -KeyUsage $KeyUsage | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath, $Bob.Certificate
        $wrapped.EscrowPath | Should -Be (Join-Path $escrow "$($wrapped.KeyId).cms")
        $wrapped.EscrowRecipients | Should -Be @((Get-PfxCertificate $Alice.CertPath).Thumbprint, $Bob.Certificate.Thumbprint)
        @(Get-ChildItem $escrow).Name | Should -Be "$($wrapped.KeyId).cms"     # no plaintext copy beside it
        if (-not $IsWindows) { (Get-Item $wrapped.EscrowPath).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        (Get-Content -Raw $wrapped.EscrowPath) | Should -Match '^-----BEGIN CMS-----\r?\n'

        $result = $wrapped | Import-KmsKeyMaterial
        $result.Outcome | Should -Be 'Imported'

        # Proved from the CMS escrow with either custodian's key: the EC one as a key file, the RSA one as a certificate object.
        $report = Test-KmsKeyState @Common -KeyId $result.KeyId -Path $wrapped.EscrowPath -EscrowKeyPath $Bob.KeyPath
        $report.Passed | Should -BeTrue
        $report.ProofMethod | Should -Be $Proof
        (Test-KmsKeyState @Common -KeyId $result.KeyId -Path $wrapped.EscrowPath -EscrowCertificate $Alice.Certificate).Passed | Should -BeTrue

        # OpenSSL recovers the same bytes for each recipient; they are the imported material.
        $viaAlice = Get-OpenSslContent $wrapped.EscrowPath $Alice
        $viaBob = Get-OpenSslContent $wrapped.EscrowPath $Bob
        $viaAlice | Should -Be $viaBob
        $proof = Test-KmsKeyState @Common -KeyId $result.KeyId -KeyMaterial $viaAlice
        $proof.Passed | Should -BeTrue
        if ($KeySpec -eq 'HMAC_256') { $proof.MaterialProved | Should -BeTrue }
    }

    It '<KeySpec>: 3 components to 3 custodians, imported, deleted, restored from the components' -ForEach @(
        @{ KeySpec = 'SYMMETRIC_DEFAULT'; KeyUsage = 'ENCRYPT_DECRYPT'; Kcv = 'AES-KCV' }
        @{ KeySpec = 'HMAC_256'; KeyUsage = 'GENERATE_VERIFY_MAC'; Kcv = 'AES-KCV' }
        @{ KeySpec = 'HMAC_384'; KeyUsage = 'GENERATE_VERIFY_MAC'; Kcv = 'SHA256-KCV' }
    ) {
        $escrow = New-Folder 'components'
        # The whole run records evidence (the preference variable, as a ceremony script sets it once).
        $KmsImportEvidencePath = Join-Path (New-Folder 'evidence') 'ceremony.jsonl'
        $key = New-KmsExternalKey @Common -KeySpec $KeySpec -KeyUsage $KeyUsage
        $wrapped = $key | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath, $Bob.CertPath, $Carol.Certificate -ComponentCount 3
        $wrapped.ComponentCheckValues.Count | Should -Be 3
        $wrapped.ComponentCheckValues | ForEach-Object { $_ | Should -Match '^[0-9A-F]{6}$' }
        $wrapped.ComponentCheckValueAlgorithm | Should -Be $Kcv
        $names = 1..3 | ForEach-Object { "$($key.KeyId).component-$_-of-3.cms" }
        @(Get-ChildItem $escrow | Sort-Object Name).Name | Should -Be (@($names) + "$($key.KeyId).components.json" | Sort-Object)
        $manifest = Get-Content -Raw $wrapped.EscrowPath | ConvertFrom-Json
        $manifest.fingerprint | Should -Be $wrapped.Fingerprint
        $manifest.components.checkValue | Should -Be $wrapped.ComponentCheckValues
        ($wrapped | Import-KmsKeyMaterial).Outcome | Should -Be 'Imported'

        # Each custodian opens only their own component with OpenSSL; the XOR of the three is the material.
        $custodians = $Alice, $Bob, $Carol
        $parts = for ($i = 0; $i -lt 3; $i++) { , (Get-OpenSslContent (Join-Path $escrow $names[$i]) $custodians[$i]) }
        { Get-OpenSslContent (Join-Path $escrow $names[0]) $Bob } | Should -Throw
        $material = Get-Xor $parts
        (Test-KmsKeyState @Common -KeyId $key.KeyId -KeyMaterial $material).Passed | Should -BeTrue

        $null = $key | Remove-KmsImportedKeyMaterial -Confirm:$false
        (Test-KmsKeyState @Common -KeyId $key.KeyId -ExpectedState PendingImport).Passed | Should -BeTrue
        $restored = Get-KmsImportParameters @Common -KeyId $key.KeyId |
            Protect-KeyMaterial -ComponentPath (Get-ChildItem $escrow -Filter '*.cms').FullName -EscrowKeyPath $Alice.KeyPath, $Bob.KeyPath, $Carol.KeyPath
        $restored.Fingerprint | Should -Be $wrapped.Fingerprint
        $restored.ComponentCheckValues | Should -Be $wrapped.ComponentCheckValues
        ($restored | Import-KmsKeyMaterial).Outcome | Should -Be 'Imported'
        (Test-KmsKeyState @Common -KeyId $key.KeyId -KeyMaterial $material).Passed | Should -BeTrue

        # The evidence of the run verifies; the split and the combination both record the components' check
        # values and the material's fingerprint, and no component or material is in the file.
        $ceremony = Test-KmsCeremonyEvidence -Path $KmsImportEvidencePath
        @($ceremony).Count | Should -Be 1
        $ceremony.KeyId | Should -Be $key.KeyId
        $ceremony.FailedCount | Should -Be 0
        $ceremony.Steps.Cmdlet | Should -Be @('New-KmsExternalKey', 'Get-KmsImportParameters', 'Protect-KeyMaterial', 'Import-KmsKeyMaterial',
            'Test-KmsKeyState', 'Remove-KmsImportedKeyMaterial', 'Test-KmsKeyState', 'Get-KmsImportParameters', 'Protect-KeyMaterial',
            'Import-KmsKeyMaterial', 'Test-KmsKeyState')
        $protectLines = @(Get-Content $KmsImportEvidencePath | ConvertFrom-Json | Where-Object cmdlet -EQ 'Protect-KeyMaterial')
        $protectLines.Count | Should -Be 2
        foreach ($line in $protectLines) {
            $line.componentCheckValues | Should -Be $wrapped.ComponentCheckValues
            $line.fingerprint | Should -Be $wrapped.Fingerprint
        }
        $secrets = @{ material = $material }
        for ($i = 0; $i -lt 3; $i++) { $secrets["component$i"] = $parts[$i] }
        Find-Leak -Secrets $secrets -Bytes ([IO.File]::ReadAllBytes($KmsImportEvidencePath)) | Should -BeNullOrEmpty
    }
}

Describe 'Reading CMS escrow back' {
    It 'Restore-KmsKeyMaterial takes the CMS escrow with a PFX and its password' {
        $escrow = New-Folder 'restore'
        $pfx = Join-Path $Work 'alice.pfx'
        Invoke-OpenSsl @('pkcs12', '-export', '-in', $Alice.CertPath, '-inkey', $Alice.KeyPath, '-passout', 'pass:pfx-pw', '-out', $pfx)
        $wrapped = New-KmsExternalKey @Common -KeySpec HMAC_512 -KeyUsage GENERATE_VERIFY_MAC | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath
        $null = $wrapped | Import-KmsKeyMaterial
        $null = Remove-KmsImportedKeyMaterial @Common -KeyId $wrapped.KeyId -Confirm:$false
        $password = ConvertTo-SecureString 'pfx-pw' -AsPlainText -Force
        $result = Restore-KmsKeyMaterial @Common -KeyId $wrapped.KeyId -Path $wrapped.EscrowPath -EscrowCertificate $pfx -Password $password -Confirm:$false
        $result.Fingerprint | Should -Be $wrapped.Fingerprint
        $result.KeyState | Should -Be 'Enabled'
    }

    It 'Invoke-KmsKeyImport writes <KeyId>.cms per key and a re-run with -MaterialDirectory and the key verifies them' {
        $escrow = New-Folder 'batch'
        $keys = 1..2 | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC }
        $first = $keys | Invoke-KmsKeyImport @Common -Generate -EscrowPath $escrow -EscrowRecipient $Bob.CertPath -Confirm:$false | Sort-Object KeyId
        $first.Status | Should -Be @('Imported', 'Imported')
        $first | ForEach-Object { $_.EscrowPath | Should -Be (Join-Path $escrow "$($_.KeyId).cms") }
        @(Get-ChildItem $escrow -Filter '*.bin').Count | Should -Be 0
        $again = $keys | Invoke-KmsKeyImport @Common -MaterialDirectory $escrow -EscrowKeyPath $Bob.KeyPath -Confirm:$false | Sort-Object KeyId
        $again.Status | Should -Be @('Verified', 'Verified')
        $again.Fingerprint | Should -Be $first.Fingerprint

        # A -Generate re-run resumes from the <KeyId>.cms it finds: it needs the key, and never writes new material beside it.
        $null = Remove-KmsImportedKeyMaterial @Common -KeyId $first[0].KeyId -Confirm:$false
        $noKey = Invoke-KmsKeyImport @Common -KeyId $first[0].KeyId -Generate -EscrowPath $escrow -Confirm:$false
        $noKey.Status | Should -Be 'Failed'
        $noKey.ErrorId | Should -Be 'EscrowKeyRequired'
        $noKey.ResumeCommand | Should -Not -Match 'EscrowKeyPath'
        $resumed = Invoke-KmsKeyImport @Common -KeyId $first[0].KeyId -Generate -EscrowPath $escrow -EscrowKeyPath $Bob.KeyPath -Confirm:$false
        $resumed.Status | Should -Be 'Imported'
        $resumed.Fingerprint | Should -Be $first[0].Fingerprint
        @(Get-ChildItem $escrow -Filter '*.bin').Count | Should -Be 0
    }

    It 'the ceremony flow combines components offline from a parameters bundle' {
        $escrow = New-Folder 'ceremony'
        $params = New-Folder 'params'
        $wrappedDir = New-Folder 'wrapped'
        $key = New-KmsExternalKey @Common -KeySpec SYMMETRIC_DEFAULT
        $generated = $key | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath, $Bob.CertPath -ComponentCount 2
        $null = $generated | Import-KmsKeyMaterial
        $null = $key | Remove-KmsImportedKeyMaterial -Confirm:$false
        $null = $key | Get-KmsImportParameters -OutDirectory $params
        $offline = Get-KmsImportParameters -Path (Join-Path $params $key.KeyId) -EndpointUrl $Url |
            Protect-KeyMaterial -ComponentPath (Get-ChildItem $escrow -Filter '*.cms').FullName -EscrowKeyPath $Alice.KeyPath, $Bob.KeyPath -OutDirectory $wrappedDir
        $offline.Fingerprint | Should -Be $generated.Fingerprint
        (Import-KmsKeyMaterial -Path (Join-Path $wrappedDir $key.KeyId) -EndpointUrl $Url).Outcome | Should -Be 'Imported'
    }

    It 'a CMS escrow file without a key, or with the wrong key, is refused before any call' {
        $escrow = New-Folder 'refuse'
        $wrapped = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath
        $null = $wrapped | Import-KmsKeyMaterial
        Test-KmsKeyState @Common -KeyId $wrapped.KeyId -Path $wrapped.EscrowPath -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'EscrowKeyRequired,*'
        Test-KmsKeyState @Common -KeyId $wrapped.KeyId -Path $wrapped.EscrowPath -EscrowKeyPath $Carol.KeyPath -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'EscrowKeyNoMatch,*'
    }
}

Describe 'Components typed at the host' {
    BeforeAll {
        # A host whose custodians "type" from a queue: ReadLineAsSecureString is what -ComponentFromHost calls.
        if (-not ('KmsImportTests.ScriptedHost' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
namespace KmsImportTests {
    public sealed class ScriptedUI : PSHostUserInterface {
        public readonly Queue<string> Lines = new Queue<string>();
        public readonly List<string> Shown = new List<string>();
        public int Asked;
        public override PSHostRawUserInterface RawUI => null;
        public override string ReadLine() { throw new InvalidOperationException("ReadLine would echo"); }
        public override SecureString ReadLineAsSecureString() {
            Asked++;
            var s = new SecureString();
            foreach (var c in Lines.Dequeue()) s.AppendChar(c);
            return s;
        }
        public override void Write(string value) => Shown.Add(value);
        public override void Write(ConsoleColor f, ConsoleColor b, string value) => Shown.Add(value);
        public override void WriteLine(string value) => Shown.Add(value);
        public override void WriteErrorLine(string value) => Shown.Add(value);
        public override void WriteDebugLine(string message) => Shown.Add(message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) => Shown.Add(message);
        public override void WriteWarningLine(string message) => Shown.Add(message);
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(); }
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) { throw new NotSupportedException(); }
    }
    public sealed class ScriptedHost : PSHost {
        private readonly ScriptedUI _ui = new ScriptedUI();
        private readonly Guid _id = Guid.NewGuid();
        public ScriptedUI Scripted => _ui;
        public override string Name => "ScriptedHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId => _id;
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }
}
'@
        }
        function Invoke-WithCustodians([string[]] $Typed, [scriptblock] $Script, [hashtable] $Arguments) {
            $hostObject = [KmsImportTests.ScriptedHost]::new()
            foreach ($line in $Typed) { $hostObject.Scripted.Lines.Enqueue($line) }
            $runspace = [runspacefactory]::CreateRunspace($hostObject)
            $runspace.Open()
            try {
                $ps = [powershell]::Create($runspace)
                $null = $ps.AddScript("Import-Module '$env:KMSIMPORT_TEST_MODULE'").AddStatement().AddScript($Script.ToString())
                foreach ($k in $Arguments.Keys) { $null = $ps.AddParameter($k, $Arguments[$k]) }
                $output = $ps.Invoke()
                [pscustomobject]@{ Output = $output; Errors = @($ps.Streams.Error); Shown = $hostObject.Scripted.Shown; Asked = $hostObject.Scripted.Asked }
            } finally { $runspace.Dispose() }
        }
    }

    It 'each custodian types a component in hex, sees its check value, and the combined material is imported' {
        $escrow = New-Folder 'paper'
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC
        $generated = $key | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath, $Bob.CertPath, $Carol.CertPath -ComponentCount 3
        $custodians = $Alice, $Bob, $Carol
        $hex = for ($i = 0; $i -lt 3; $i++) {
            $bytes = Get-OpenSslContent (Join-Path $escrow "$($key.KeyId).component-$($i + 1)-of-3.cms") $custodians[$i]
            # As written on a paper form: groups of four digits.
            ([Convert]::ToHexString($bytes) -split '(.{4})' | Where-Object { $_ }) -join ' '
        }
        $null = $key | Remove-KmsImportedKeyMaterial -Confirm:$false
        $manifest = Join-Path $escrow "$($key.KeyId).components.json"
        $run = Invoke-WithCustodians $hex {
            param($KeyId, $Region, $EndpointUrl, $Manifest)
            Get-KmsImportParameters -KeyId $KeyId -Region $Region -EndpointUrl $EndpointUrl |
                Protect-KeyMaterial -ComponentFromHost 3 -ComponentManifest $Manifest | Import-KmsKeyMaterial
        } @{ KeyId = $key.KeyId; Region = 'eu-west-2'; EndpointUrl = $Url; Manifest = $manifest }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0].Outcome | Should -Be 'Imported'
        $run.Asked | Should -Be 3
        for ($i = 0; $i -lt 3; $i++) {
            ($run.Shown -join "`n") | Should -Match "Component $($i + 1): check value $($generated.ComponentCheckValues[$i]) \(AES-KCV\), as recorded"
        }
        ($run.Shown -join "`n") | Should -Not -Match (($hex[0] -split ' ')[0..3] -join ' ')
        (Test-KmsKeyState @Common -KeyId $key.KeyId).KeyState | Should -Be 'Enabled'
    }

    It 'a component typed by the wrong custodian is refused before the next one is asked' {
        $escrow = New-Folder 'paper-wrong'
        $key = New-KmsExternalKey @Common
        $null = $key | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath, $Bob.CertPath -ComponentCount 2
        $second = [Convert]::ToHexString((Get-OpenSslContent (Join-Path $escrow "$($key.KeyId).component-2-of-2.cms") $Bob))
        $run = Invoke-WithCustodians @($second, $second) {
            param($KeyId, $Region, $EndpointUrl, $Manifest)
            Get-KmsImportParameters -KeyId $KeyId -Region $Region -EndpointUrl $EndpointUrl |
                Protect-KeyMaterial -ComponentFromHost 2 -ComponentManifest $Manifest
        } @{ KeyId = $key.KeyId; Region = 'eu-west-2'; EndpointUrl = $Url; Manifest = (Join-Path $escrow "$($key.KeyId).components.json") }
        $run.Output | Should -BeNullOrEmpty
        $run.Asked | Should -Be 1
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ComponentCheckValueMismatch,*'
        $run.Errors[0].Exception.Message | Should -Not -Match $second
    }
}

Describe 'PowerShell''s own CMS cmdlets' {
    It 'Unprotect-CmsMessage opens the module''s escrow, and .NET''s EnvelopedCms gives the exact bytes' {
        $escrow = New-Folder 'pscms'
        $wrapped = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath
        $bytes = Get-OpenSslContent $wrapped.EscrowPath $Alice
        # Unprotect-CmsMessage returns text (it decodes the bytes as UTF-8), so it is compared with the same decoding.
        $text = Unprotect-CmsMessage -Path $wrapped.EscrowPath -To $Alice.Certificate
        $text | Should -BeExactly ([Text.Encoding]::UTF8.GetString($bytes))
        $cms = [Security.Cryptography.Pkcs.EnvelopedCms]::new()
        $pem = Get-Content -Raw $wrapped.EscrowPath
        $cms.Decode([Convert]::FromBase64String(($pem -replace '-----[A-Z ]+-----', '' -replace '\s', '')))
        $cms.Decrypt([Security.Cryptography.X509Certificates.X509Certificate2Collection]::new($Alice.Certificate))
        $cms.ContentInfo.Content | Should -Be $bytes
    }

    It 'material that Protect-CmsMessage encrypted is imported and proved from its CMS file' {
        $material = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($material)
        $plain = Join-Path $Work ([guid]::NewGuid().ToString('n') + '.bin')
        [IO.File]::WriteAllBytes($plain, $material)
        $cmsPath = Join-Path $Work ([guid]::NewGuid().ToString('n') + '.cms')
        Protect-CmsMessage -To $Alice.CertPath -Path $plain -OutFile $cmsPath
        Remove-Item $plain
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC
        ($key | Get-KmsImportParameters | Protect-KeyMaterial -Path $cmsPath -EscrowCertificate $Alice.Certificate | Import-KmsKeyMaterial).Outcome | Should -Be 'Imported'
        $report = Test-KmsKeyState @Common -KeyId $key.KeyId -KeyMaterial $material
        $report.MaterialProved | Should -BeTrue
    }
}

Describe 'Certificates that may not receive escrow are refused before anything is written' {
    It '<Case> is refused with <ErrorId>' -ForEach @(
        @{ Case = 'an expired certificate'; Kind = 'RSA'; Options = @{ NotBefore = (Get-Date).AddDays(-60); NotAfter = (Get-Date).AddDays(-1) }; ErrorId = 'EscrowCertificateExpired' }
        @{ Case = 'a certificate not yet valid'; Kind = 'RSA'; Options = @{ NotBefore = (Get-Date).AddDays(2); NotAfter = (Get-Date).AddDays(60) }; ErrorId = 'EscrowCertificateNotYetValid' }
        @{ Case = 'an RSA certificate without keyEncipherment'; Kind = 'RSA'; Options = @{ Usage = 'DigitalSignature' }; ErrorId = 'EscrowCertificateKeyUsage' }
        @{ Case = 'a certificate without key usage'; Kind = 'RSA'; Options = @{ Usage = 'None' }; ErrorId = 'EscrowCertificateKeyUsage' }
        @{ Case = 'an EC certificate without keyAgreement'; Kind = 'EC'; Options = @{ Usage = 'DigitalSignature' }; ErrorId = 'EscrowCertificateKeyUsage' }
        @{ Case = 'an EKU list without Document Encryption'; Kind = 'RSA'; Options = @{ Eku = @('1.3.6.1.5.5.7.3.1') }; ErrorId = 'EscrowCertificateExtendedKeyUsage' }
    ) {
        $custodian = New-Custodian -Name 'Refused' -Kind $Kind @Options
        $escrow = New-Folder 'refused'
        $params = New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage GENERATE_VERIFY_MAC | Get-KmsImportParameters
        foreach ($recipient in $custodian.CertPath, $custodian.Certificate) {
            { $params | Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $recipient -ErrorAction Stop } |
                Should -Throw -ErrorId "$ErrorId,KmsImport.Cmdlets.ProtectKeyMaterialCommand"
        }
        @(Get-ChildItem $escrow).Count | Should -Be 0
    }

    It 'a recipient that is no certificate, and -ComponentCount without one recipient per component, are refused' {
        $escrow = New-Folder 'bad'
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters
        { $params | Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient 42 -ErrorAction Stop } |
            Should -Throw -ErrorId 'EscrowRecipientInvalid,KmsImport.Cmdlets.ProtectKeyMaterialCommand'
        { $params | Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.KeyPath -ErrorAction Stop } |
            Should -Throw -ErrorId 'EscrowCertificateInvalid,KmsImport.Cmdlets.ProtectKeyMaterialCommand'
        { $params | Protect-KeyMaterial -Generate -EscrowPath $escrow -EscrowRecipient $Alice.CertPath, $Bob.CertPath -ComponentCount 3 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ComponentRecipientsMismatch,KmsImport.Cmdlets.ProtectKeyMaterialCommand'
        @(Get-ChildItem $escrow).Count | Should -Be 0
    }

    It 'a wrong component is refused by its check value, and nothing is wrapped' {
        $one = New-Folder 'one'
        $two = New-Folder 'two'
        $key = New-KmsExternalKey @Common
        $params = $key | Get-KmsImportParameters
        $null = $params | Protect-KeyMaterial -Generate -EscrowPath $one -EscrowRecipient $Alice.CertPath, $Bob.CertPath -ComponentCount 2
        $other = New-KmsExternalKey @Common | Get-KmsImportParameters |
            Protect-KeyMaterial -Generate -EscrowPath $two -EscrowRecipient $Alice.CertPath, $Bob.CertPath -ComponentCount 2
        $mixed = (Get-ChildItem $one -Filter '*component-1-of-2.cms').FullName, (Get-ChildItem $two -Filter '*component-2-of-2.cms').FullName
        $params | Protect-KeyMaterial -ComponentPath $mixed -EscrowKeyPath $Alice.KeyPath, $Bob.KeyPath -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ComponentCheckValueMismatch,*'
        $e[0].Exception.Message | Should -Match 'Component 2 has check value [0-9A-F]{6}'
    }
}
