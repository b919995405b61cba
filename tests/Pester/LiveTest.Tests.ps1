# build.ps1 -Task LiveTest (tools/Invoke-LiveTest.ps1), the release check against a real AWS account. Never run
# against AWS here: its refusals (no -Region, no -Confirm: refused before the build and before any call), and a
# dry run of the whole check against the local endpoint through -EndpointUrl.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:BuildScript = Join-Path $script:Root 'build.ps1'
    $script:LiveScript = Join-Path $script:Root 'tools/Invoke-LiveTest.ps1'
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    function script:Quote([string] $Text) { "'" + ($Text -replace "'", "''") + "'" }
    function script:New-AccessKey { 'AKIDLIVE' + [guid]::NewGuid().ToString('n').Substring(0, 12).ToUpperInvariant() }
    function script:Get-Call([string] $AccessKey) {
        $log = Get-LocalKmsRequest -Url $script:Url
        @($log | Where-Object accessKeyId -eq $AccessKey)
    }
}

Describe 'LiveTest refuses before anything' {
    It 'refuses build.ps1 -Task LiveTest <Case>, builds nothing and calls nothing' -ForEach @(
        @{ Case = 'without -Region'; Arguments = '-Confirm'; Message = '*LiveTest refused: give the Region explicitly*' }
        @{ Case = 'without -Confirm'; Arguments = '-Region eu-west-2'; Message = '*LiveTest refused: add -Confirm*' }
        @{ Case = 'with neither'; Arguments = ''; Message = '*LiveTest refused: give the Region explicitly*' }
        @{ Case = 'with -Confirm:$false'; Arguments = '-Region eu-west-2 -Confirm:$false'; Message = '*LiveTest refused: add -Confirm*' }
    ) {
        $ak = New-AccessKey
        # Where the module under test lives: a build would replace it.
        $dll = Join-Path (Split-Path -Parent $env:KMSIMPORT_TEST_MODULE) 'KmsImport.dll'
        $before = (Get-Item $dll).LastWriteTimeUtc
        # Every call would reach the local endpoint (and be logged under this access key), never AWS.
        $environment = @{ AWS_ENDPOINT_URL_KMS = $Url; AWS_ACCESS_KEY_ID = $ak; AWS_SECRET_ACCESS_KEY = 's'; AWS_REGION = 'eu-west-2' }
        { Invoke-FreshPwsh -Script "& $(Quote $BuildScript) -Task LiveTest $Arguments" -Environment $environment } |
            Should -Throw -ExpectedMessage $Message
        (Get-Item $dll).LastWriteTimeUtc | Should -Be $before
        Get-Call $ak | Should -BeNullOrEmpty
    }

    It 'refuses in tools/Invoke-LiveTest.ps1 itself <Case>, before the module is loaded' -ForEach @(
        @{ Case = 'without -Region'; Arguments = '-Confirm'; Message = '*LiveTest refused: give the Region explicitly*' }
        @{ Case = 'with a blank -Region'; Arguments = "-Region ' ' -Confirm"; Message = '*LiveTest refused: give the Region explicitly*' }
        @{ Case = 'without -Confirm'; Arguments = "-Region eu-west-2 -EndpointUrl $env:KMSIMPORT_TEST_ENDPOINT"; Message = '*LiveTest refused: add -Confirm*' }
    ) {
        $script = "try { & $(Quote $LiveScript) -ModulePath $(Quote $env:KMSIMPORT_TEST_MODULE) $Arguments } catch { 'REFUSED:' + `$_.Exception.Message }; 'LOADED:' + [bool](Get-Module KmsImport)"
        $lines = @(Invoke-FreshPwsh -Script $script | ForEach-Object { "$_" })
        ($lines | Where-Object { $_.StartsWith('REFUSED:') }) | Should -BeLike $Message
        $lines | Should -Contain 'LOADED:False'
    }
}

Describe 'LiveTest dry run against the local endpoint (-EndpointUrl)' {
    BeforeAll {
        $script:AccessKey = New-AccessKey
        $script = @"
`$ErrorActionPreference = 'Stop'
`$rows = & $(Quote $LiveScript) -ModulePath $(Quote $env:KMSIMPORT_TEST_MODULE) -Region eu-west-2 -Confirm -EndpointUrl $(Quote $Url)
'ROWS:' + (ConvertTo-Json -Compress -InputObject @(`$rows))
"@
        $lines = Invoke-FreshPwsh -Script $script -Environment @{ AWS_ACCESS_KEY_ID = $script:AccessKey; AWS_SECRET_ACCESS_KEY = 's' }
        $script:Rows = @((@($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('ROWS:') })[-1]).Substring(5) | ConvertFrom-Json)
        $script:Keys = @($script:Rows | Where-Object Step -eq 'cleanup' | ForEach-Object KeyId)
        function script:Invoke-AwsKms([string[]] $Arguments) {
            $json = & aws kms @Arguments --endpoint-url $script:Url --region eu-west-2 --output json 2>&1
            if ($LASTEXITCODE -ne 0) { throw "aws kms $($Arguments -join ' ') failed: $json" }
            ($json -join "`n") | ConvertFrom-Json
        }
    }

    It 'passes every step: seed pipeline, HMAC and RSA imports with proofs, restore, cleanup' {
        @($Rows | Where-Object Result -ne 'Passed') | Should -BeNullOrEmpty
        @($Rows.Step | Select-Object -Unique) | Should -Be @('seed pipeline', 'HMAC import with proof', 'RSA import with proof', 'restore from escrow', 'cleanup')
        ($Rows | Where-Object Step -eq 'HMAC import with proof').Detail | Should -BeLike '*proof GenerateMac*True'
        ($Rows | Where-Object Step -eq 'RSA import with proof').Detail | Should -BeLike '*proof GetPublicKey*True'
        ($Rows | Where-Object Step -eq 'restore from escrow').Detail | Should -Be 'after delete: PendingImport; after restore: Enabled -> Enabled'
    }

    It 'tags every key it creates and leaves each pending deletion in 7 days without material' {
        $Keys.Count | Should -Be 3
        $calls = Get-Call $AccessKey
        @($calls | Where-Object operation -eq 'CreateKey').Count | Should -Be 3
        foreach ($keyId in $Keys) {
            $tags = (Invoke-AwsKms @('list-resource-tags', '--key-id', $keyId)).Tags
            ($tags | Where-Object TagKey -eq 'KmsImportLiveTest').TagValue | Should -Match '^lt\d{14}-[0-9a-f]{6}$'
            ($tags | Where-Object TagKey -eq 'CreatedBy').TagValue | Should -Be 'KmsImport-LiveTest'
            $metadata = (Invoke-AwsKms @('describe-key', '--key-id', $keyId)).KeyMetadata
            $metadata.KeyState | Should -Be 'PendingDeletion'
            $metadata.Description | Should -BeLike 'KmsImport live test lt*'
            # aws CLI v1 prints epoch seconds, v2 ISO 8601 (which ConvertFrom-Json may already have made a DateTime).
            $deletion = $metadata.DeletionDate
            $when = if ($deletion -is [datetime]) { [DateTimeOffset]$deletion.ToUniversalTime() }
            elseif ("$deletion" -match '^\d+(\.\d+)?$') { [DateTimeOffset]::FromUnixTimeMilliseconds([long]([double]::Parse("$deletion", [Globalization.CultureInfo]::InvariantCulture) * 1000)) }
            else { [DateTimeOffset]::Parse("$deletion", [Globalization.CultureInfo]::InvariantCulture) }
            $days = ($when - [DateTimeOffset]::UtcNow).TotalDays
            $days | Should -BeGreaterThan 6.9
            $days | Should -BeLessOrEqual 7
            @($calls | Where-Object { $_.operation -eq 'DeleteImportedKeyMaterial' -and $_.keyId -eq $keyId -and $_.status -eq 200 }).Count | Should -BeGreaterOrEqual 1
        }
    }

    It 'leaves no escrow folder behind' {
        $runId = ((Invoke-AwsKms @('list-resource-tags', '--key-id', $Keys[0])).Tags | Where-Object TagKey -eq 'KmsImportLiveTest').TagValue
        $runId | Should -Not -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path ([IO.Path]::GetTempPath()) "kmsimport-livetest-$runId") | Should -BeFalse
    }
}
