# KmsImport in an AWS Tools shell: credentials and endpoint settings the way AWS Tools and the SDKs
# leave them. Each scenario runs in a fresh pwsh that has loaded another copy of the AWS SDK into the
# default load context, as AWS Tools 5 (AWSSDK.Core 4.0 + AWSSDK.KeyManagementService 4.0) or AWS
# Tools 4 (AWSSDK.Core 3.7) do, with test doubles compiled against that copy
# (tests/Pester/Doubles/AwsToolsCredentials.cs: AWSPSCredentials with exactly AWS Tools' non-public
# shape, and self-refreshing credentials whose keys change after first use).
# This file's own LocalKms verifies every SigV4 signature against the known keys, so a request signed
# with the wrong key, secret or Region fails; its request log names each request's access key id and
# signing Region.
BeforeDiscovery {
    $proj = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../tools/AwsSdkCore.proj'))
    $group = $proj.Project.PropertyGroup
    $script:Copies = @(
        @{ Label = 'AWS Tools 5 (AWSSDK.Core 4.0)'; Core = "$($group.AwsSdkCoreForKmsV4Version)".Trim(); CoreTfm = 'net8.0'
           Kms = "$($group.AwsSdkKmsV4Version)".Trim(); KmsTfm = 'net8.0'; AssemblyVersion = '4.0.0.0' }
        @{ Label = 'AWS Tools 4 (AWSSDK.Core 3.7)'; Core = "$($group.AwsSdkCoreV3Version)".Trim(); CoreTfm = 'net8.0'
           Kms = "$($group.AwsSdkKmsV3Version)".Trim(); KmsTfm = 'netstandard2.0'; AssemblyVersion = '3.3.0.0' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $toolProj = Join-Path $PSScriptRoot '../tools/AwsSdkCore.proj'
    & dotnet restore $toolProj --nologo -v q
    if ($LASTEXITCODE -ne 0) { throw "dotnet restore $toolProj failed" }
    $script:NugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }

    # Every key any scenario signs with; LocalKms refuses any other (UnrecognizedClientException) and
    # any wrong secret (InvalidSignatureException).
    $script:Keys = [ordered]@{
        AKIDPSSTORED  = 'ps-stored-secret-Jw4z'
        AKIDROTATE1   = 'rotate-secret-1-x9Qv'
        AKIDROTATE2   = 'rotate-secret-2-x9Qv'
        AKIDSESSION   = 'session-secret-Qp7d'
        AKIDLOCALTEST = $env:AWS_SECRET_ACCESS_KEY   # the environment's (the aws CLI, the endpoint scenarios)
    }
    $arguments = @('--verify-signatures')
    foreach ($k in $script:Keys.Keys) { $arguments += '--credential', "${k}:$($script:Keys[$k])" }
    $script:Server = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS -ExtraArguments $arguments
    $script:Url = $script:Server.Url

    # What every fresh process starts with. The last output line is the scenario's facts as JSON.
    $script:Prologue = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module $env:KMSIMPORT_TEST_HELPERS
$url = $env:KMSIMPORT_CREDS_ENDPOINT
function Out-Facts($Facts) { 'FACTS:' + (ConvertTo-Json -InputObject $Facts -Depth 6 -Compress) }
# The logged requests about the given keys (a part's own keys: a request another part's client still had
# open when the log was cleared is not this part's).
function Get-Signing([string[]] $KeyId) {
    @(Get-LocalKmsRequest -Url $url | Where-Object { -not $KeyId -or $KeyId -contains $_.keyId } | ForEach-Object {
        [ordered]@{ Operation = $_.operation; Region = $_.region; AccessKeyId = $_.accessKeyId; Status = $_.status; ErrorType = $_.errorType; KeyId = $_.keyId }
    })
}
function New-MaterialFile {
    $path = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString('n') + '.bin')
    $bytes = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    [IO.File]::WriteAllBytes($path, $bytes)
    $path
}
# Runs a scenario with every stream on, inside a transcript; returns the text it left anywhere
# (streams, formatted objects, the transcript, the error records with their exceptions).
function Invoke-Captured([scriptblock] $Scenario) {
    $transcript = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString('n') + '.txt')
    $global:Error.Clear()
    $VerbosePreference = 'Continue'
    Start-Transcript -Path $transcript | Out-Null
    try {
        $text = & $Scenario *>&1 | ForEach-Object {
            $_
            if ($_ -isnot [string] -and $_.GetType().Namespace -like 'KmsImport*') { $_ | Format-List * -Force | Out-String -Width 500; $_ | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue }
        } | Out-String -Width 500
    } finally {
        Stop-Transcript | Out-Null
    }
    $errors = foreach ($e in $global:Error) {
        $e | Format-List * -Force | Out-String -Width 500
        if ($e -is [Management.Automation.ErrorRecord]) { $e.Exception.ToString(); "$($e.TargetObject)" } else { "$e" }
    }
    $all = $text + "`n" + (Get-Content -Raw $transcript) + "`n" + ($errors -join "`n")
    Remove-Item -LiteralPath $transcript -Force
    $all
}
function Get-Leaks([string] $Text, [string[]] $Secrets) { @($Secrets | Where-Object { $Text.Contains($_) }) }
function Get-CredentialLines([string] $Text) {
    @($Text -split "`n" | Where-Object { $_ -match 'credentials from' } | ForEach-Object { $_.Trim() } | Select-Object -Unique)
}
'@

    # Loads the other SDK copy into the default context as AWS Tools does (its KMS assembly binding to
    # that AWSSDK.Core), compiles the doubles against it, then imports KmsImport.
    $script:OtherSdk = @'
$core = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_CORE)
# The default context hands the KMS assembly the AWSSDK.Core already loaded there (checked below).
$kms = [Reflection.Assembly]::LoadFrom($env:KMSIMPORT_OTHER_KMS)
$otherKmsConfig = [Activator]::CreateInstance($kms.GetType('Amazon.KeyManagementService.AmazonKeyManagementServiceConfig', $true))
$null = Add-Type -Path $env:KMSIMPORT_DOUBLES -ReferencedAssemblies $core.Location -IgnoreWarnings -WarningAction SilentlyContinue -PassThru
Import-Module $env:KMSIMPORT_TEST_MODULE
# AWS Tools builds its AWSPSCredentials through the internal constructor; so does this.
function New-AWSPSCredentials($Credentials, [string] $Name, [string] $Source) {
    $type = [Amazon.PowerShell.Common.AWSPSCredentials]
    $sourceType = $type.Assembly.GetType('Amazon.PowerShell.Common.CredentialsSource', $true)
    $ctor = $type.GetConstructor([Reflection.BindingFlags]'NonPublic, Instance', $null,
        [type[]] @($core.GetType('Amazon.Runtime.AWSCredentials', $true), [string], $sourceType), $null)
    $ctor.Invoke([object[]] @($Credentials.PSObject.BaseObject, $Name, [Enum]::Parse($sourceType, $Source)))
}
$sdkFacts = [ordered]@{
    CoreVersion = $core.GetName().Version.ToString()
    CoreContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core).Name
    KmsBindsToCore = $otherKmsConfig.GetType().BaseType.Assembly.Location -eq $core.Location
    PsCredentialsPublicMembers = @([Amazon.PowerShell.Common.AWSPSCredentials].GetProperties() | ForEach-Object Name)
    PsCredentialsPublicConstructors = @([Amazon.PowerShell.Common.AWSPSCredentials].GetConstructors()).Count
}
'@

    function script:Invoke-Scenario([string] $Body, [hashtable] $Environment = @{}) {
        $variables = @{
            KMSIMPORT_TEST_HELPERS   = (Join-Path $PSScriptRoot 'TestHelpers.psm1')
            KMSIMPORT_CREDS_ENDPOINT = $script:Url
            KMSIMPORT_DOUBLES        = (Join-Path $PSScriptRoot 'Doubles/AwsToolsCredentials.cs')
        }
        foreach ($k in $Environment.Keys) { $variables[$k] = $Environment[$k] }
        $lines = Invoke-FreshPwsh -Script ($script:Prologue + "`n" + $Body) -Environment $variables
        $factsLine = @($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('FACTS:') }) | Select-Object -Last 1
        if (-not $factsLine) { throw "the scenario reported no facts:`n$($lines -join "`n")" }
        $factsLine.Substring('FACTS:'.Length) | ConvertFrom-Json
    }

    function script:Assert-Clean($Part, [string[]] $Names) {
        # Positive control: the capture saw the run, including the verbose line that names the source.
        $Part.CapturedLength | Should -BeGreaterThan 500
        @($Part.CredentialLines).Count | Should -BeGreaterThan 0
        @($Part.Leaks) | Should -BeNullOrEmpty -Because 'no secret, token or access key id may appear in any stream, object, transcript or error'
    }
}

AfterAll {
    if ($script:Server) { Stop-LocalKms -Server $script:Server }
}

Describe 'Credentials from an AWS Tools shell: <Label>' -ForEach $Copies {
    BeforeAll {
        $coreRoot = Join-Path $script:NugetRoot "awssdk.core/$Core/lib/$CoreTfm/AWSSDK.Core.dll"
        $kmsRoot = Join-Path $script:NugetRoot "awssdk.keymanagementservice/$Kms/lib/$KmsTfm/AWSSDK.KeyManagementService.dll"
        foreach ($p in $coreRoot, $kmsRoot) { if (-not (Test-Path $p)) { throw "not restored: $p" } }
        $script:Facts = Invoke-Scenario -Environment @{ KMSIMPORT_OTHER_CORE = $coreRoot; KMSIMPORT_OTHER_KMS = $kmsRoot } -Body ($script:OtherSdk + "`n" + @'
$secrets = @('ps-stored-secret-Jw4z', 'ps-stored-token-Jw4z', 'rotate-secret-1-x9Qv', 'rotate-secret-2-x9Qv', 'rotate-token-1-x9Qv',
    'rotate-token-2-x9Qv', 'session-secret-Qp7d', 'session-token-Qp7d', 'bad-cred-secret-Zr2',
    # Verbose output names the source, never a key: not even the access key ids.
    'AKIDPSSTORED', 'AKIDROTATE', 'AKIDSESSION')
$material = New-MaterialFile

# (a) Set-AWSCredential's AWSPSCredentials in $StoredAWSCredentials, Set-DefaultAWSRegion's $StoredAWSRegion.
$stored = New-Object Amazon.Runtime.SessionAWSCredentials('AKIDPSSTORED', 'ps-stored-secret-Jw4z', 'ps-stored-token-Jw4z')
$global:StoredAWSCredentials = New-AWSPSCredentials $stored 'ops' 'Saved'
$global:StoredAWSRegion = 'eu-north-1'
Clear-LocalKmsRequest -Url $url
$capture = Invoke-Captured {
    $global:reportA = New-KmsExternalKey -EndpointUrl $url | Get-KmsImportParameters | Protect-KeyMaterial -Path $material |
        Import-KmsKeyMaterial | Test-KmsKeyState
    $global:reportA
}
$stored_ = [ordered]@{
    StoredToString = "$global:StoredAWSCredentials"
    StoredCopyIsOther = $stored.GetType().Assembly.Location -eq $core.Location
    Passed = $global:reportA.Passed; KeyState = $global:reportA.KeyState; Region = $global:reportA.Region
    Requests = Get-Signing $global:reportA.KeyId
    CapturedLength = $capture.Length; CredentialLines = Get-CredentialLines $capture; Leaks = Get-Leaks $capture $secrets
}
Remove-Variable StoredAWSCredentials, StoredAWSRegion -Scope Global

# (b) Self-refreshing credentials whose keys change after first use, through a 3-key batch.
$rotating = [KmsImportTests.RotatingCredentials]::new()
$keys = 1..3 | ForEach-Object { New-KmsExternalKey -Region eu-west-3 -EndpointUrl $url -AccessKey AKIDLOCALTEST -SecretKey $env:AWS_SECRET_ACCESS_KEY }
Clear-LocalKmsRequest -Url $url
$capture = Invoke-Captured {
    $global:batch = @($keys | Invoke-KmsKeyImport -Generate -NoEscrow -Credential $rotating -NoPacing)
    $global:batch
}
$rotation = [ordered]@{
    Generations = $rotating.Generations
    Statuses = @($global:batch | ForEach-Object { "$($_.Status)" })
    ResumeCommands = @($global:batch | ForEach-Object { "$($_.ResumeCommand)" })
    Requests = Get-Signing @($keys.KeyId)
    CapturedLength = $capture.Length; CredentialLines = Get-CredentialLines $capture; Leaks = Get-Leaks $capture $secrets
}

# (c) -Credential with SessionAWSCredentials of the other copy, on every KMS cmdlet; the environment's keys are not used.
$given = New-Object Amazon.Runtime.SessionAWSCredentials('AKIDSESSION', 'session-secret-Qp7d', 'session-token-Qp7d')
Clear-LocalKmsRequest -Url $url
$capture = Invoke-Captured {
    $global:reportC = New-KmsExternalKey -Region ap-northeast-1 -EndpointUrl $url -Credential $given |
        Get-KmsImportParameters -Credential $given | Protect-KeyMaterial -Path $material |
        Import-KmsKeyMaterial -Credential $given | Test-KmsKeyState -Credential $given
    $global:reportC
}
$explicit = [ordered]@{
    Passed = $global:reportC.Passed; KeyState = $global:reportC.KeyState
    Requests = Get-Signing $global:reportC.KeyId
    CapturedLength = $capture.Length; CredentialLines = Get-CredentialLines $capture; Leaks = Get-Leaks $capture $secrets
}

# Anything else given to -Credential is refused with our ErrorId, before any request, without quoting it.
$bad = [pscredential]::new('someone', (ConvertTo-SecureString 'bad-cred-secret-Zr2' -AsPlainText -Force))
Clear-LocalKmsRequest -Url $url
$badText = 'AKIDTEXT:bad-cred-secret-Zr2'
$capture = Invoke-Captured {
    try { New-KmsExternalKey -Region eu-west-2 -EndpointUrl $url -Credential $bad } catch { $global:refused = $_ }
    try { New-KmsExternalKey -Region eu-west-2 -EndpointUrl $url -Credential $badText } catch { $global:refusedText = $_ }
    'positive control: ' + ('x' * 600)
}
$refusal = [ordered]@{
    ErrorIds = @($global:refused, $global:refusedText | ForEach-Object { $_.FullyQualifiedErrorId })
    Categories = @($global:refused, $global:refusedText | ForEach-Object { "$($_.CategoryInfo.Category)" })
    Requests = @(Get-Signing | Where-Object { $_.Region -eq 'eu-west-2' -or $_.AccessKeyId -eq 'AKIDTEXT' })
    CapturedLength = $capture.Length; Leaks = Get-Leaks $capture $secrets
}
Remove-Item -LiteralPath $material -Force
Out-Facts ([ordered]@{ Sdk = $sdkFacts; Stored = $stored_; Rotation = $rotation; Explicit = $explicit; Refusal = $refusal })
'@)
    }

    It 'runs in a session whose other SDK copy and doubles have the real shape' {
        $script:Facts.Sdk.CoreVersion | Should -Be $AssemblyVersion
        $script:Facts.Sdk.CoreContext | Should -Be 'Default'
        $script:Facts.Sdk.KmsBindsToCore | Should -BeTrue
        # AWS Tools' AWSPSCredentials: nothing public but the class (and ToString).
        @($script:Facts.Sdk.PsCredentialsPublicMembers) | Should -BeNullOrEmpty
        $script:Facts.Sdk.PsCredentialsPublicConstructors | Should -Be 0
    }

    It '$StoredAWSCredentials (AWSPSCredentials) and $StoredAWSRegion sign every request of the seed pipeline' {
        $s = $script:Facts.Stored
        $s.StoredToString | Should -Be 'ops'
        $s.StoredCopyIsOther | Should -BeTrue
        $s.Passed | Should -BeTrue
        $s.KeyState | Should -Be 'Enabled'
        $s.Region | Should -Be 'eu-north-1'
        @($s.Requests).Count | Should -BeGreaterOrEqual 4
        @($s.Requests.Operation) | Should -Contain 'CreateKey'
        foreach ($r in $s.Requests) {
            $r.AccessKeyId | Should -Be 'AKIDPSSTORED'
            $r.Region | Should -Be 'eu-north-1'
            $r.Status | Should -Be 200
        }
        $s.CredentialLines | Should -Contain "KMS in eu-north-1 at $script:Url (from -EndpointUrl), credentials from `$StoredAWSCredentials (AWSPSCredentials (SessionAWSCredentials, Saved, 'ops'))."
        Assert-Clean $s
    }

    It 'asks self-refreshing credentials for keys on every request: a 3-key batch goes on with the new keys' {
        $b = $script:Facts.Rotation
        @($b.Statuses).Count | Should -Be 3
        foreach ($status in $b.Statuses) { $status | Should -BeIn 'Imported', 'Verified' }
        # The first generation was handed out once, then the object refreshed itself.
        $b.Generations | Should -Be 2
        $requests = @($b.Requests)
        $requests.Count | Should -BeGreaterOrEqual 9
        foreach ($r in $requests) { $r.Status | Should -Be 200 }
        $requests[0].AccessKeyId | Should -BeIn 'AKIDROTATE1', 'AKIDROTATE2'
        # Keys copied once would have signed everything with the first generation.
        foreach ($r in $requests[1..($requests.Count - 1)]) { $r.AccessKeyId | Should -Be 'AKIDROTATE2' }
        foreach ($command in $b.ResumeCommands) { $command | Should -Not -Match 'Credential|AccessKey|SecretKey|SessionToken|rotate-' }
        Assert-Clean $b
    }

    It '-Credential takes SessionAWSCredentials of the other SDK copy on every KMS cmdlet, before the environment' {
        $c = $script:Facts.Explicit
        $c.Passed | Should -BeTrue
        @($c.Requests).Count | Should -BeGreaterOrEqual 4
        @($c.Requests.Operation) | Should -Contain 'CreateKey'
        $seen = ($c.Requests | ForEach-Object { "$($_.Operation)/$($_.AccessKeyId)/$($_.Status)" }) -join ', '
        foreach ($r in $c.Requests) {
            $r.AccessKeyId | Should -Be 'AKIDSESSION' -Because $seen
            $r.Region | Should -Be 'ap-northeast-1'
            $r.Status | Should -Be 200
        }
        $c.CredentialLines | Should -Contain "KMS in ap-northeast-1 at $script:Url (from -EndpointUrl), credentials from -Credential (SessionAWSCredentials)."
        Assert-Clean $c
    }

    It '-Credential refuses anything that is not credentials, with our ErrorId and before any request' {
        $r = $script:Facts.Refusal
        @($r.ErrorIds) | Should -Be @('CredentialNotSupported,KmsImport.Cmdlets.NewKmsExternalKeyCommand', 'CredentialNotSupported,KmsImport.Cmdlets.NewKmsExternalKeyCommand')
        @($r.Categories) | Should -Be @('InvalidArgument', 'InvalidArgument')
        @($r.Requests) | Should -BeNullOrEmpty
        $r.CapturedLength | Should -BeGreaterThan 500
        @($r.Leaks) | Should -BeNullOrEmpty
    }
}

Describe 'Endpoint settings from the environment and the shared config file' {
    BeforeAll {
        $script:ConfigDir = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-endpoints-' + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $script:ConfigDir
        $config = Join-Path $script:ConfigDir 'config'
        Set-Content -LiteralPath $config -Value "[default]`nservices = local-kms`n`n[services local-kms]`nkms =`n  endpoint_url = $script:Url`n"
        $script:Endpoints = Invoke-Scenario -Environment @{ KMSIMPORT_TEST_CONFIG = $config } -Body @'
Import-Module $env:KMSIMPORT_TEST_MODULE
Remove-Item Env:AWS_ENDPOINT_URL_KMS, Env:AWS_ENDPOINT_URL, Env:AWS_IGNORE_CONFIGURED_ENDPOINT_URLS -ErrorAction SilentlyContinue
$env:AWS_CONFIG_FILE = Join-Path ([IO.Path]::GetTempPath()) 'kmsimport-no-such-config'
$material = New-MaterialFile
function Invoke-Variant([string] $Region) {
    Clear-LocalKmsRequest -Url $url
    $capture = Invoke-Captured {
        $global:key = New-KmsExternalKey -Region $Region
        $global:report = $global:key | Get-KmsImportParameters | Protect-KeyMaterial -Path $material | Import-KmsKeyMaterial | Test-KmsKeyState
        $global:report
    }
    [ordered]@{
        KeyId = $global:key.KeyId; KeyRegion = $global:key.Region; Arn = $global:key.Arn; KeyEndpoint = $global:key.EndpointUrl
        ReportRegion = $global:report.Region; Passed = $global:report.Passed
        Requests = Get-Signing $global:key.KeyId; CredentialLines = Get-CredentialLines $capture
    }
}
$env:AWS_ENDPOINT_URL_KMS = $url
$env:AWS_ENDPOINT_URL = 'http://127.0.0.1:9'   # the service-specific variable wins
$serviceVariable = Invoke-Variant 'ap-southeast-2'
Remove-Item Env:AWS_ENDPOINT_URL_KMS
$env:AWS_ENDPOINT_URL = $url
$globalVariable = Invoke-Variant 'sa-east-1'
Remove-Item Env:AWS_ENDPOINT_URL
$env:AWS_CONFIG_FILE = $env:KMSIMPORT_TEST_CONFIG
$configFile = Invoke-Variant 'ca-central-1'
Remove-Item -LiteralPath $material -Force
Out-Facts ([ordered]@{ ServiceVariable = $serviceVariable; GlobalVariable = $globalVariable; ConfigFile = $configFile })
'@
    }

    AfterAll {
        Remove-Item -Recurse -Force $script:ConfigDir -ErrorAction SilentlyContinue
    }

    It '<Name> with -Region: every request signed for that Region, the objects and the aws CLI agree' -ForEach @(
        @{ Name = 'AWS_ENDPOINT_URL_KMS'; Part = 'ServiceVariable'; Region = 'ap-southeast-2'; Source = 'AWS_ENDPOINT_URL_KMS' }
        @{ Name = 'AWS_ENDPOINT_URL'; Part = 'GlobalVariable'; Region = 'sa-east-1'; Source = 'AWS_ENDPOINT_URL' }
        @{ Name = 'the kms endpoint_url of the config file''s services section'; Part = 'ConfigFile'; Region = 'ca-central-1'; Source = "the kms endpoint_url of profile 'default' (shared config file)" }
    ) {
        $v = $script:Endpoints.$Part
        $v.Passed | Should -BeTrue
        @($v.Requests).Count | Should -BeGreaterOrEqual 4
        @($v.Requests.Operation) | Should -Contain 'CreateKey'
        foreach ($r in $v.Requests) {
            $r.Region | Should -Be $Region
            $r.Status | Should -Be 200
        }
        $v.KeyRegion | Should -Be $Region
        $v.ReportRegion | Should -Be $Region
        $v.Arn | Should -Be "arn:aws:kms:${Region}:111122223333:key/$($v.KeyId)"
        $v.KeyEndpoint | Should -Be $script:Url
        $v.CredentialLines | Should -Contain "KMS in $Region at $script:Url (from $Source), credentials from environment variables."

        # The aws CLI finds the key in that Region, and only there.
        $json = aws kms describe-key --key-id $v.KeyId --region $Region --endpoint-url $script:Url --output json 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$json"
        ($json | Out-String | ConvertFrom-Json).KeyMetadata.Arn | Should -Be $v.Arn
        $elsewhere = aws kms describe-key --key-id $v.KeyId --region us-east-1 --endpoint-url $script:Url --output json 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$elsewhere" | Should -Match 'NotFoundException'
    }
}

# A profile with role_arn + source_profile, as the SDKs resolve it, through the STS that LocalKms serves on the KMS
# port: the module assumes the role itself (STS endpoint and signing Region chosen like KMS's: here the profile's
# endpoint_url, which serves both) and every KMS request is signed with the role's temporary keys, so the key lands
# in the role's account. A role that cannot be assumed stops before any KMS request, with RoleNotAssumable.
Describe 'A role_arn profile assumed through STS on the same endpoint' {
    BeforeAll {
        $script:SourceAccount = '111111111111'
        $script:RoleAccount = '222222222222'
        $script:Fleet = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS `
            -ExtraArguments @('--account', "AKIDFLEETSOURCE=$script:SourceAccount", '--account', "AKIDFLEETOTHER=$script:RoleAccount")
        $script:RoleDir = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-roles-' + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $script:RoleDir
        $credentials = Join-Path $script:RoleDir 'credentials'
        $config = Join-Path $script:RoleDir 'config'
        Set-Content -LiteralPath $credentials -Value "[fleet-source]`naws_access_key_id = AKIDFLEETSOURCE`naws_secret_access_key = fleet-source-secret-Zr8u`n"
        Set-Content -LiteralPath $config -Value (
            "[profile fleet-b]`nrole_arn = arn:aws:iam::$($script:RoleAccount):role/KmsImportFleet`nsource_profile = fleet-source`nregion = eu-west-1`nendpoint_url = $($script:Fleet.Url)`n`n" +
            "[profile fleet-denied]`nrole_arn = arn:aws:iam::$($script:RoleAccount):role/Denied`nsource_profile = fleet-source`nregion = eu-west-1`nendpoint_url = $($script:Fleet.Url)`n")
        $null = Invoke-LocalKmsControl -Url $script:Fleet.Url -Path 'sts' -Method POST -Body @{ deniedRoleArns = @("arn:aws:iam::$($script:RoleAccount):role/Denied") }

        $script:Role = Invoke-Scenario -Environment @{ KMSIMPORT_FLEET_URL = $script:Fleet.Url; KMSIMPORT_ROLE_CREDENTIALS = $credentials; KMSIMPORT_ROLE_CONFIG = $config } -Body @'
Import-Module $env:KMSIMPORT_TEST_MODULE
$url = $env:KMSIMPORT_FLEET_URL
Remove-Item Env:AWS_ENDPOINT_URL_KMS, Env:AWS_ENDPOINT_URL, Env:AWS_ENDPOINT_URL_STS, Env:AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY, Env:AWS_SESSION_TOKEN, Env:AWS_REGION, Env:AWS_DEFAULT_REGION, Env:AWS_PROFILE -ErrorAction SilentlyContinue
# Set after the module (and the SDK) loaded: read per call all the same.
$env:AWS_SHARED_CREDENTIALS_FILE = $env:KMSIMPORT_ROLE_CREDENTIALS
$env:AWS_CONFIG_FILE = $env:KMSIMPORT_ROLE_CONFIG
Clear-LocalKmsRequest -Url $url
$evidencePath = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString('n') + '.evidence')
$capture = Invoke-Captured { $global:key = New-KmsExternalKey -ProfileName fleet-b -Description 'fleet role' -EvidencePath $evidencePath; $global:key }
$evidence = @(Get-Content -LiteralPath $evidencePath | ForEach-Object { $_ | ConvertFrom-Json })
Remove-Item -LiteralPath $evidencePath -Force
$global:report = Test-KmsKeyState -KeyId $global:key.KeyId -ProfileName fleet-b
$made = @(Get-LocalKmsRequest -Url $url | ForEach-Object { [ordered]@{ Service = $_.service; Operation = $_.operation; AccessKeyId = $_.accessKeyId; Account = $_.account; Region = $_.region; Status = $_.status } })
Clear-LocalKmsRequest -Url $url
$denied = $null
try { New-KmsExternalKey -ProfileName fleet-denied -ErrorAction Stop } catch { $denied = $_ }
$deniedRequests = @(Get-LocalKmsRequest -Url $url | ForEach-Object { [ordered]@{ Service = $_.service; Operation = $_.operation; Status = $_.status } })

# Renewal: one command (one set of role credentials) that outlives them: credentials that live 6 s (renewed at
# half-life), five keys checked 2 s apart by one Test-KmsKeyState (DescribeKey only: answered in milliseconds, so a
# request never waits long enough between signing and arrival to meet the end of its keys).
$keys = @(1..5 | ForEach-Object { New-KmsExternalKey -ProfileName fleet-b })
$null = Invoke-LocalKmsControl -Url $url -Path 'sts' -Method POST -Body @{ credentialLifetimeSeconds = 6 }
Clear-LocalKmsRequest -Url $url
$states = @($keys | ForEach-Object { Start-Sleep -Seconds 2; $_ } | Test-KmsKeyState -ProfileName fleet-b)
$renewal = @(Get-LocalKmsRequest -Url $url | ForEach-Object { [ordered]@{ Service = $_.service; Operation = $_.operation; AccessKeyId = $_.accessKeyId; Status = $_.status; ErrorType = $_.errorType } })
Out-Facts ([ordered]@{
    Arn = $global:key.Arn; Region = $global:key.Region; KeyState = "$($global:report.KeyState)"
    Requests = $made; CredentialLines = Get-CredentialLines $capture
    Leaks = Get-Leaks $capture @('fleet-source-secret-Zr8u')
    DeniedErrorId = $denied.FullyQualifiedErrorId; DeniedMessage = $denied.Exception.Message; DeniedCategory = "$($denied.CategoryInfo.Category)"
    DeniedRequests = $deniedRequests
    EvidenceAccounts = @($evidence | ForEach-Object account); EvidenceKeyIds = @($evidence | ForEach-Object accessKeyId)
    States = @($states | ForEach-Object { "$($_.KeyState)" }); Renewal = $renewal
})
'@
    }

    AfterAll {
        if ($script:Fleet) { Stop-LocalKms -Server $script:Fleet }
        Remove-Item -Recurse -Force $script:RoleDir -ErrorAction SilentlyContinue
    }

    It 'New-KmsExternalKey -ProfileName makes the key in the role''s account, signed with the role''s temporary keys' {
        $r = $script:Role
        $r.Arn | Should -Match "^arn:aws:kms:eu-west-1:$($script:RoleAccount):key/"
        $r.Region | Should -Be 'eu-west-1'
        $r.KeyState | Should -Be 'PendingImport'
        $sts = @($r.Requests | Where-Object Service -eq 'sts')
        $sts.Count | Should -Be 2 -Because 'one AssumeRole per command (New-KmsExternalKey, then Test-KmsKeyState)'
        foreach ($s in $sts) {
            $s.Operation | Should -Be 'AssumeRole'
            $s.AccessKeyId | Should -Be 'AKIDFLEETSOURCE'
            $s.Account | Should -Be $script:SourceAccount
            $s.Region | Should -Be 'eu-west-1' -Because 'STS is signed for the Region of the command (the profile''s)'
            $s.Status | Should -Be 200
        }
        $kms = @($r.Requests | Where-Object Service -ne 'sts')
        @($kms.Operation) | Should -Contain 'CreateKey'
        foreach ($k in $kms) {
            $k.AccessKeyId | Should -Match '^ASIA'
            $k.Account | Should -Be $script:RoleAccount
            $k.Status | Should -Be 200
        }
        @($r.CredentialLines | Where-Object { $_ -like "*credentials from profile 'fleet-b' (role 'arn:aws:iam::$($script:RoleAccount):role/KmsImportFleet' (session 'KmsImport-*" }).Count | Should -Be 1
        @($r.Leaks) | Should -BeNullOrEmpty
        # The evidence line names the role's account and the temporary access key id that signed the request.
        @($r.EvidenceAccounts) | Should -Be @($script:RoleAccount)
        @($r.EvidenceKeyIds).Count | Should -Be 1
        $r.EvidenceKeyIds[0] | Should -BeIn @($kms | Where-Object Operation -eq 'CreateKey' | ForEach-Object AccessKeyId)
    }

    It 'renews the role''s keys before they expire: one command that outlives them goes on with new keys' {
        $r = $script:Role
        @($r.States) | Should -Be @('PendingImport', 'PendingImport', 'PendingImport', 'PendingImport', 'PendingImport')
        $assumed = @($r.Renewal | Where-Object { $_.Service -eq 'sts' -and $_.Status -eq 200 })
        $assumed.Count | Should -BeGreaterOrEqual 2 -Because 'the 6-second keys are renewed during the command'
        $kms = @($r.Renewal | Where-Object Service -ne 'sts')
        @($kms | Where-Object { $_.Status -ne 200 }) | Should -BeNullOrEmpty -Because 'no request is signed with expired keys'
        @($kms | ForEach-Object AccessKeyId | Select-Object -Unique).Count | Should -BeGreaterOrEqual 2
    }

    It 'a role that cannot be assumed fails with RoleNotAssumable before any KMS request' {
        $r = $script:Role
        $r.DeniedErrorId | Should -BeLike 'RoleNotAssumable,*'
        $r.DeniedCategory | Should -Be 'PermissionDenied'
        $r.DeniedMessage | Should -BeLike "*arn:aws:iam::$($script:RoleAccount):role/Denied*account $($script:RoleAccount)*"
        @($r.DeniedRequests | Where-Object Service -eq 'sts').Count | Should -Be 1
        @($r.DeniedRequests | Where-Object Service -ne 'sts') | Should -BeNullOrEmpty
    }
}
