# Tab completion: -KeyId from the Region's aliases and keys, -Region from the SDK's Region list,
# enum and ValidateSet parameters by PowerShell's own completion. Driven through TabExpansion2, as a
# user's Tab key drives it, except where the completer class itself is the subject (failures must
# give nothing, never an exception: TabExpansion2 would hide one).
BeforeDiscovery {
    # Every cmdlet the module exports, now and later: -KeyId names a KMS key everywhere except on
    # Protect-KeyMaterial (which takes its key from the import parameters it is piped).
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    $commands = @(Get-Command -Module KmsImport -CommandType Cmdlet)
    $KeyIdCommands = @($commands | Where-Object { $_.Parameters.ContainsKey('KeyId') -and $_.Name -ne 'Protect-KeyMaterial' } |
        ForEach-Object { @{ Command = $_.Name } })
    $RegionParameters = @(foreach ($c in $commands) {
        foreach ($p in 'Region', 'ReplicaRegion') { if ($c.Parameters.ContainsKey($p)) { @{ Command = $c.Name; Parameter = $p } } }
    })
}

BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    # Regions no other test file uses, so what completion lists is what this file made.
    $script:RegionA = 'ap-southeast-2'
    $script:RegionB = 'ca-central-1'
    $script:Tag = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $script:KeyA = New-KmsExternalKey -Region $script:RegionA -EndpointUrl $script:Url -Alias "alias/completion-$($script:Tag)"
    $script:KeyB = New-KmsExternalKey -Region $script:RegionB -EndpointUrl $script:Url -Alias "alias/completion-$($script:Tag)-b"

    # Each test completes with its own access key: the completer caches per connection, and the
    # endpoint's request log tells which calls came from which test.
    function script:New-AccessKey { 'AKIDCOMP' + [guid]::NewGuid().ToString('n').Substring(0, 12).ToUpperInvariant() }

    function script:Get-Completion([string] $InputScript) {
        $result = TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length
        @($result.CompletionMatches)
    }

    function script:Get-ListCall([string] $AccessKey) {
        # Assigned first: Get-LocalKmsRequest writes the whole log as one array object to the pipeline.
        $log = Get-LocalKmsRequest -Url $script:Url
        @($log | Where-Object { $_.accessKeyId -eq $AccessKey -and $_.operation -in 'ListKeys', 'ListAliases' })
    }
}

Describe 'The completers are attached' {
    It '-KeyId of <Command> has the KeyIdCompleter' -ForEach $KeyIdCommands {
        $attribute = (Get-Command $Command).Parameters['KeyId'].Attributes | Where-Object { $_ -is [ArgumentCompleter] }
        $attribute.Type.FullName | Should -Be 'KmsImport.Completion.KeyIdCompleter'
    }

    It '-<Parameter> of <Command> has the <Completer>' -ForEach @(
        @{ Command = 'Get-KmsImportParameters'; Parameter = 'WrappingAlgorithm'; Completer = 'WrappingAlgorithmCompleter' }
        @{ Command = 'Get-KmsImportParameters'; Parameter = 'WrappingKeySpec'; Completer = 'WrappingKeySpecCompleter' }
        @{ Command = 'Protect-KeyMaterial'; Parameter = 'WrappingAlgorithm'; Completer = 'WrappingAlgorithmCompleter' }
        @{ Command = 'Protect-KeyMaterial'; Parameter = 'WrappingKeySpec'; Completer = 'WrappingKeySpecCompleter' }
        @{ Command = 'Restore-KmsKeyMaterial'; Parameter = 'WrappingAlgorithm'; Completer = 'WrappingAlgorithmCompleter' }
        @{ Command = 'Restore-KmsKeyMaterial'; Parameter = 'WrappingKeySpec'; Completer = 'WrappingKeySpecCompleter' }
    ) {
        $attribute = (Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [ArgumentCompleter] }
        $attribute.Type.FullName | Should -Be "KmsImport.Completion.$Completer"
    }

    It '-<Parameter> of <Command> has the RegionCompleter' -ForEach $RegionParameters {
        $attribute = (Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [ArgumentCompleter] }
        $attribute.Type.FullName | Should -Be 'KmsImport.Completion.RegionCompleter'
    }
}

Describe '-KeyId completion' {
    It 'offers the alias and the key id of the Region on <Command>' -ForEach @(
        @{ Command = 'Get-KmsImportParameters' }, @{ Command = 'Import-KmsKeyMaterial' }, @{ Command = 'Test-KmsKeyState' }
    ) {
        $ak = New-AccessKey
        $line = "$Command -Region $RegionA -EndpointUrl $Url -AccessKey $ak -SecretKey test-secret -KeyId"

        $byAlias = Get-Completion "$line alias/completion-$Tag"
        $byAlias.CompletionText | Should -Be @("alias/completion-$Tag")
        $byAlias[0].ResultType | Should -Be 'ParameterValue'
        $byAlias[0].ToolTip | Should -BeLike "*$($KeyA.KeyId)*"

        $byId = Get-Completion "$line $($KeyA.KeyId.Substring(0, 8))"
        $byId.CompletionText | Should -Contain $KeyA.KeyId
        $byId.CompletionText | Should -Not -Contain "alias/completion-$Tag"
    }

    It 'finds an alias by its name without "alias/"' {
        $ak = New-AccessKey
        $found = Get-Completion "Test-KmsKeyState -Region $RegionA -EndpointUrl $Url -AccessKey $ak -SecretKey s -KeyId completion-$Tag"
        $found.CompletionText | Should -Be @("alias/completion-$Tag")
    }

    It 'keeps the quote the word was started with' {
        $ak = New-AccessKey
        $found = Get-Completion "Test-KmsKeyState -Region $RegionA -EndpointUrl $Url -AccessKey $ak -SecretKey s -KeyId 'alias/completion-$Tag"
        $found.CompletionText | Should -Be @("'alias/completion-$Tag'")
    }

    It 'lists only the Region the command line names' {
        $ak = New-AccessKey
        $inB = Get-Completion "Test-KmsKeyState -Region $RegionB -EndpointUrl $Url -AccessKey $ak -SecretKey s -KeyId alias/completion-$Tag"
        $inB.CompletionText | Should -Be @("alias/completion-$Tag-b")
        $allInB = Get-Completion "Test-KmsKeyState -Region $RegionB -EndpointUrl $Url -AccessKey $ak -SecretKey s -KeyId "
        $allInB.CompletionText | Should -Contain $KeyB.KeyId
        $allInB.CompletionText | Should -Not -Contain $KeyA.KeyId
    }

    It 'reads -Region and -EndpointUrl from variables on the command line' {
        $ak = New-AccessKey
        $global:CompletionTestRegion = $RegionA
        $global:CompletionTestUrl = $Url
        try {
            $found = Get-Completion "Test-KmsKeyState -Region `$CompletionTestRegion -EndpointUrl `$CompletionTestUrl -AccessKey $ak -SecretKey s -KeyId alias/completion-$Tag"
        } finally {
            Remove-Variable -Scope Global -Name CompletionTestRegion, CompletionTestUrl
        }
        $found.CompletionText | Should -Be @("alias/completion-$Tag")
    }

    It 'calls KMS with the credentials of the command line, once for repeated Tabs' {
        $ak = New-AccessKey
        $line = "Test-KmsKeyState -Region $RegionA -EndpointUrl $Url -AccessKey $ak -SecretKey s -KeyId alias/completion-$Tag"
        (Get-Completion $line).CompletionText | Should -Be @("alias/completion-$Tag")
        (Get-Completion $line).CompletionText | Should -Be @("alias/completion-$Tag")
        (Get-Completion "$line-nothing-matches").Count | Should -Be 0
        $calls = Get-ListCall $ak
        @($calls | Where-Object operation -eq 'ListKeys').Count | Should -Be 1
        @($calls | Where-Object operation -eq 'ListAliases').Count | Should -Be 1
        $calls.region | Select-Object -Unique | Should -Be $RegionA
    }
}

Describe '-KeyId completion from the session''s defaults' {
    # $PSDefaultParameterValues, $StoredAWSRegion and AWS_ENDPOINT_URL_KMS are the session's: each test sets
    # what it needs and puts back what was there.
    BeforeEach {
        $script:SavedDefaults = $global:PSDefaultParameterValues.Clone()
        $script:SavedEndpointEnv = $env:AWS_ENDPOINT_URL_KMS
    }
    AfterEach {
        $global:PSDefaultParameterValues.Clear()
        foreach ($k in $script:SavedDefaults.Keys) { $global:PSDefaultParameterValues[$k] = $script:SavedDefaults[$k] }
        $env:AWS_ENDPOINT_URL_KMS = $script:SavedEndpointEnv
        Remove-Variable -Scope Global -Name StoredAWSRegion -ErrorAction Ignore
    }

    It 'takes the endpoint, Region and keys from $PSDefaultParameterValues when the line names none' {
        $ak = New-AccessKey
        $global:PSDefaultParameterValues['Test-KmsKeyState:EndpointUrl'] = $Url
        $global:PSDefaultParameterValues['*:Region'] = $RegionA
        $global:PSDefaultParameterValues['Test-Kms*:AccessKey'] = $ak
        $global:PSDefaultParameterValues['*:SecretKey'] = 'test-secret'
        $found = Get-Completion "Test-KmsKeyState -KeyId alias/completion-$Tag"
        $found.CompletionText | Should -Be @("alias/completion-$Tag")
        (Get-ListCall $ak).region | Select-Object -Unique | Should -Be $RegionA
    }

    It 'lets the line win over $PSDefaultParameterValues, and an exact command name over a pattern' {
        $ak = New-AccessKey
        $global:PSDefaultParameterValues['*:EndpointUrl'] = $Url
        $global:PSDefaultParameterValues['*:Region'] = $RegionA
        $global:PSDefaultParameterValues['Get-KmsImportParameters:Region'] = $RegionB
        $global:PSDefaultParameterValues['*:AccessKey'] = $ak
        $global:PSDefaultParameterValues['*:SecretKey'] = 's'
        (Get-Completion "Get-KmsImportParameters -KeyId alias/completion-$Tag").CompletionText | Should -Be @("alias/completion-$Tag-b")
        (Get-Completion "Get-KmsImportParameters -Region $RegionA -KeyId alias/completion-$Tag").CompletionText | Should -Be @("alias/completion-$Tag")
    }

    It 'runs no script block of $PSDefaultParameterValues' {
        $ak = New-AccessKey
        $global:CompletionTestRan = $false
        $global:PSDefaultParameterValues['Test-KmsKeyState:Region'] = { $global:CompletionTestRan = $true; 'eu-west-1' }
        try {
            $found = Get-Completion "Test-KmsKeyState -Region $RegionA -EndpointUrl $Url -AccessKey $ak -SecretKey s -KeyId alias/completion-$Tag"
            $found.CompletionText | Should -Be @("alias/completion-$Tag")
            $global:CompletionTestRan | Should -BeFalse
        } finally { Remove-Variable -Scope Global -Name CompletionTestRan }
    }

    It 'uses AWS_ENDPOINT_URL_KMS and $StoredAWSRegion (the AWS Tools shell defaults)' {
        $ak = New-AccessKey
        $env:AWS_ENDPOINT_URL_KMS = $Url
        $global:StoredAWSRegion = $RegionB
        $found = Get-Completion "Test-KmsKeyState -AccessKey $ak -SecretKey s -KeyId alias/completion-$Tag"
        $found.CompletionText | Should -Be @("alias/completion-$Tag-b")
        (Get-ListCall $ak).region | Select-Object -Unique | Should -Be $RegionB
    }
}

Describe '-WrappingAlgorithm and -WrappingKeySpec offer what KMS accepts here' {
    BeforeEach { $script:SavedDefaults = $global:PSDefaultParameterValues.Clone() }
    AfterEach {
        $global:PSDefaultParameterValues.Clear()
        foreach ($k in $script:SavedDefaults.Keys) { $global:PSDefaultParameterValues[$k] = $script:SavedDefaults[$k] }
    }

    It '<Line>' -ForEach @(
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region eu-west-2 -WrappingAlgorithm '; Expected = @('RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region cn-north-1 -WrappingAlgorithm '; Expected = @('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -EndpointUrl https://kms.cn-northwest-1.amazonaws.com.cn -WrappingAlgorithm '; Expected = @('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region eu-west-2 -KeySpec HMAC_256 -WrappingAlgorithm '; Expected = @('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region eu-west-2 -KeySpec RSA_2048 -WrappingAlgorithm '; Expected = @('RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256') }
        @{ Line = 'Protect-KeyMaterial -KeySpec ECC_NIST_P521 -WrappingKeySpec RSA_2048 -WrappingAlgorithm '; Expected = @('RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region cn-north-1 -WrappingKeySpec SM2 -WrappingAlgorithm '; Expected = @('SM2PKE') }
        @{ Line = 'New-KmsExternalKey -KeySpec HMAC_384 -Region eu-west-1 | Get-KmsImportParameters -WrappingAlgorithm '; Expected = @('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256') }
        @{ Line = 'New-KmsExternalKey -KeySpec RSA_3072 -Region cn-north-1 | Get-KmsImportParameters -WrappingAlgorithm '; Expected = @('SM2PKE') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region eu-west-2 -WrappingKeySpec '; Expected = @('RSA_2048', 'RSA_3072', 'RSA_4096') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region cn-north-1 -WrappingKeySpec '; Expected = @('RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2') }
        @{ Line = 'Protect-KeyMaterial -KeySpec ECC_NIST_P521 -WrappingAlgorithm RSAES_OAEP_SHA_256 -WrappingKeySpec '; Expected = @('RSA_3072', 'RSA_4096') }
        @{ Line = 'Get-KmsImportParameters -KeyId k -Region eu-west-2 -WrappingAlgorithm RSAES_P'; Expected = @() }
        @{ Line = 'Restore-KmsKeyMaterial -KeyId k -Path m.bin -Region eu-west-2 -WrappingAlgorithm '; Expected = @('RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256') }
        @{ Line = 'Restore-KmsKeyMaterial -KeyId k -Path m.bin -Region cn-north-1 -WrappingAlgorithm '; Expected = @('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE') }
        @{ Line = 'Restore-KmsKeyMaterial -KeyId k -Path m.bin -Region eu-west-2 -WrappingKeySpec '; Expected = @('RSA_2048', 'RSA_3072', 'RSA_4096') }
    ) {
        @((Get-Completion $Line).CompletionText | Sort-Object) | Should -Be $Expected
    }

    It 'takes the Region from $PSDefaultParameterValues' {
        $global:PSDefaultParameterValues['Get-KmsImportParameters:Region'] = 'cn-north-1'
        (Get-Completion 'Get-KmsImportParameters -KeyId k -WrappingAlgorithm ').CompletionText | Should -Contain 'SM2PKE'
        (Get-Completion 'Protect-KeyMaterial -WrappingAlgorithm ').CompletionText | Should -Not -Contain 'SM2PKE'
    }
}

Describe 'KeyIdCompleter when KMS cannot answer' {
    BeforeAll {
        $script:Completer = [KmsImport.Completion.KeyIdCompleter]::new()
        # A loopback port with nothing listening: connection refused at once.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $script:DeadUrl = "http://127.0.0.1:$($listener.LocalEndpoint.Port)"
        $listener.Stop()
    }

    It 'completes nothing and throws nothing when <Case>' -ForEach @(
        @{ Case = 'the endpoint does not answer' }
        @{ Case = 'the endpoint URL is not a URL' }
        @{ Case = 'the named profile does not exist' }
    ) {
        $bound = switch ($Case) {
            'the endpoint does not answer' { @{ Region = 'eu-west-2'; EndpointUrl = $DeadUrl } }
            'the endpoint URL is not a URL' { @{ Region = 'eu-west-2'; EndpointUrl = 'not a url' } }
            'the named profile does not exist' {
                @{ Region = 'eu-west-2'; EndpointUrl = $Url; ProfileName = "no-such-profile-$Tag"; ProfileLocation = (Join-Path $TestDrive 'credentials') }
            }
        }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $results = @($Completer.CompleteArgument('Test-KmsKeyState', 'KeyId', '', $null, $bound))
        $sw.Stop()
        $results.Count | Should -Be 0
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
}

Describe '-Region completion' {
    It 'offers the SDK''s Region names on <Command>' -ForEach @(
        @{ Command = 'New-KmsExternalKey' }, @{ Command = 'Get-KmsImportParameters' }, @{ Command = 'Test-KmsKeyState' }
    ) {
        $found = Get-Completion "$Command -Region eu-west-"
        $found.CompletionText | Should -Be @('eu-west-1', 'eu-west-2', 'eu-west-3')
        ($found | Where-Object CompletionText -eq 'eu-west-2').ToolTip | Should -Be 'Europe (London)'
    }

    It 'knows Regions beyond the commercial partition when the word names one' {
        (Get-Completion 'New-KmsExternalKey -Region cn-north').CompletionText | Should -Contain 'cn-north-1'
        (Get-Completion 'New-KmsExternalKey -Region us-gov-w').CompletionText | Should -Contain 'us-gov-west-1'
    }
}

Describe '-Region offers the Regions of the partition in context' {
    AfterEach { Remove-Variable -Scope Global -Name StoredAWSRegion -ErrorAction Ignore }

    It 'offers only commercial Regions without context, and no endpoint variant such as us-east-1-regional' {
        $all = @((Get-Completion 'New-KmsExternalKey -Region ').CompletionText)
        $all | Should -Contain 'eu-west-2'
        $all | Should -Contain 'us-east-1'
        $all | Where-Object { $_ -like 'cn-*' -or $_ -like 'us-gov-*' -or $_ -like '*-iso*' -or $_ -like '*-regional' } | Should -BeNullOrEmpty
        (Get-Completion 'New-KmsExternalKey -Region us-east-1').CompletionText | Should -Be @('us-east-1')
    }

    It 'offers no isolated-partition Region unless the endpoint names one' {
        (Get-Completion 'New-KmsExternalKey -Region us-iso').Count | Should -Be 0
        @((Get-Completion 'New-KmsExternalKey -EndpointUrl https://kms.us-iso-east-1.c2s.ic.gov -Region ').CompletionText) |
            Should -Be @('us-iso-east-1', 'us-iso-west-1')
    }

    It 'offers the partition of <Context>' -ForEach @(
        @{ Context = 'a China endpoint'; Line = 'New-KmsExternalKey -EndpointUrl https://kms.cn-north-1.amazonaws.com.cn -Region '; Expected = @('cn-north-1', 'cn-northwest-1') }
        @{ Context = 'the primary''s Region, for a replica'; Line = 'New-KmsExternalKey -Region cn-north-1 -ReplicaRegion '; Expected = @('cn-north-1', 'cn-northwest-1') }
        @{ Context = 'the primary''s Region, whatever the word'; Line = 'New-KmsExternalKey -Region us-gov-west-1 -ReplicaRegion eu-'; Expected = @() }
    ) {
        @((Get-Completion $Line).CompletionText) | Should -Be $Expected
    }

    It 'prefers the partition of $StoredAWSRegion (Set-DefaultAWSRegion)' {
        $global:StoredAWSRegion = 'us-gov-west-1'
        @((Get-Completion 'New-KmsExternalKey -Region us-').CompletionText) | Should -Be @('us-gov-east-1', 'us-gov-west-1')
    }
}

Describe 'Enum and ValidateSet parameters complete by PowerShell''s own completion' {
    It '<Line>' -ForEach @(
        @{ Line = 'New-KmsExternalKey -KeySpec HMAC_'; Expected = @('HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512') }
        @{ Line = 'Get-KmsImportParameters -WrappingAlgorithm RSA_AES'; Expected = @('RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256') }
        @{ Line = 'Get-KmsImportParameters -WrappingKeySpec RSA_'; Expected = @('RSA_2048', 'RSA_3072', 'RSA_4096') }
        @{ Line = 'Test-KmsKeyState -ExpectedState Pending'; Expected = @('PendingDeletion', 'PendingImport', 'PendingReplicaDeletion') }
    ) {
        @((Get-Completion $Line).CompletionText | Sort-Object) | Should -Be $Expected
    }
}
