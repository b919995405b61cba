# Fleet plans (Invoke-KmsKeyImport -PlanPath / -Plan) against LocalKms under AWS's default request quotas:
# a plan of symmetric, HMAC, RSA and multi-Region keys over several account-Region pairs ends with every key
# Enabled and proved, nothing throttled; a rerun creates nothing (every key Verified); a run killed mid-way
# resumes from its results file without duplicates and recovers keys left without their alias; bad plans
# fail before any request. This file runs its own endpoint (the quota preset, a deep wrapping key pool).
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # Three accounts on one endpoint: each profile's access key id belongs to one account (LocalKms --account).
    $script:Accounts = [ordered]@{ 'fleet-a' = '111111111111'; 'fleet-b' = '222222222222'; 'fleet-c' = '333333333333' }
    $accountArgs = foreach ($p in $script:Accounts.Keys) { '--account'; "AKID$($p.ToUpper() -replace '-', '')=$($script:Accounts[$p])" }
    $script:Server = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS -ExtraArguments (@('--wrapping-key-pool', '8') + $accountArgs)
    $script:Url = $script:Server.Url
    $null = Invoke-LocalKmsControl -Url $script:Url -Path 'faults' -Method POST -Body @{ preset = 'aws-default-quotas' }
    $script:Account = '111122223333' # LocalKms's default account: the command's own credentials
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-fleet-' + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $script:Profiles = Join-Path $script:Work 'credentials'
    Set-Content -LiteralPath $script:Profiles -Value (@(foreach ($p in $script:Accounts.Keys) {
                "[$p]", "aws_access_key_id = AKID$($p.ToUpper() -replace '-', '')", 'aws_secret_access_key = local-secret', ''
            }) -join "`n")
    $script:Escrow = Join-Path $script:Work 'escrow'
    $null = New-Item -ItemType Directory $script:Escrow
    if (-not $IsWindows) { chmod 700 $script:Escrow }
    $script:Columns = 'Account', 'ProfileName', 'RoleArn', 'Region', 'KeySpec', 'KeyUsage', 'Alias', 'Description', 'MultiRegion',
        'ReplicaRegion', 'Path', 'Generate', 'EscrowPath', 'EscrowRecipient', 'ExpirationModel', 'ValidTo'
    $script:Symmetric = Join-Path $script:Work 'symmetric.bin'
    [IO.File]::WriteAllBytes($script:Symmetric, [Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:Rsa = Join-Path $script:Work 'rsa.pem'
    $null = openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $script:Rsa 2>&1
    $script:Fleet = @{ EndpointUrl = $script:Url; WrappingKeySpec = 'RSA_2048'; WarningAction = 'SilentlyContinue'; ProfileLocation = $script:Profiles }

    function New-Row([hashtable] $Values) {
        $row = [ordered]@{}
        foreach ($c in $script:Columns) { $row[$c] = if ($Values.ContainsKey($c)) { $Values[$c] } else { '' } }
        [pscustomobject]$row
    }
    function Save-Plan([object[]] $Rows, [string] $Name) {
        $path = Join-Path $script:Work $Name
        $Rows | Export-Csv -LiteralPath $path
        $path
    }
    # Per account and Region, one key per entry of -Kinds: sym (one 32-byte file), mac (HMAC_256, generated and escrowed),
    # rsa (RSA_2048 signing keys, one PEM); aliases <prefix>-<kind>-<n>. With -MultiRegion the first pair's last key is a
    # multi-Region key replicated into the other Regions. -Profiles: the rows name their account's profile; else the rows
    # are the command's own account.
    function New-FleetPlan([string[]] $Regions, [string] $Prefix, [string[]] $Kinds, [switch] $MultiRegion, [string[]] $Profiles = @('')) {
        $first = $true
        foreach ($p in $Profiles) {
            $acct = if ($p) { $script:Accounts[$p] } else { $script:Account }
            foreach ($region in $Regions) {
                $seen = @{}
                for ($k = 0; $k -lt $Kinds.Count; $k++) {
                    $kind = $Kinds[$k]
                    $seen[$kind] = 1 + $(if ($seen.ContainsKey($kind)) { $seen[$kind] } else { 0 })
                    $row = @{ Account = $acct; ProfileName = $p; Region = $region; Alias = "$Prefix-$kind-$($seen[$kind])" }
                    switch ($kind) {
                        'sym' { $row.Path = $script:Symmetric }
                        'mac' { $row.KeySpec = 'HMAC_256'; $row.Generate = 'true'; $row.EscrowPath = $script:Escrow }
                        'rsa' { $row.KeySpec = 'RSA_2048'; $row.KeyUsage = 'SIGN_VERIFY'; $row.Path = $script:Rsa }
                    }
                    if ($MultiRegion -and $first -and $k -eq $Kinds.Count - 1) {
                        $row = @{ Account = $acct; ProfileName = $p; Region = $region; Alias = "$Prefix-mr"; MultiRegion = 'true'
                            ReplicaRegion = ($Regions[1..($Regions.Count - 1)] -join ';'); Path = $script:Symmetric }
                    }
                    New-Row $row
                }
                $first = $false
            }
        }
    }
    function Get-Throttled { @(Get-LocalKmsRequest -Url $script:Url | Where-Object errorType -eq 'ThrottlingException') }
}

AfterAll {
    if ($script:Child -and -not $script:Child.HasExited) { Stop-Process -Id $script:Child.Id -Force -ErrorAction SilentlyContinue }
    Stop-LocalKms $script:Server
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'A fleet plan over 3 accounts x 3 Regions' {
    BeforeAll {
        $script:Regions = 'eu-west-1', 'eu-west-2', 'eu-west-3'
        # 5 keys per account and Region: 2 symmetric, 2 HMAC, 1 RSA (the first pair's RSA is the multi-Region key).
        $script:PlanRows = @(New-FleetPlan -Regions $script:Regions -Prefix 'fleet' -Kinds sym, mac, sym, mac, rsa -MultiRegion -Profiles @($script:Accounts.Keys))
        $script:PlanFile = Save-Plan $script:PlanRows 'plan.csv'
        $script:ResultFile = Join-Path $script:Work 'results.csv'
        Clear-LocalKmsRequest -Url $script:Url
        $script:First = @(Invoke-KmsKeyImport -PlanPath $script:PlanFile -ResultPath $script:ResultFile -ThrottleLimit 9 @Fleet)
        $script:FirstRequests = @(Get-LocalKmsRequest -Url $script:Url)
    }

    It 'creates and imports every key (45 rows, 2 replicas), in plan order, none throttled under the default quotas' {
        $script:PlanRows.Count | Should -Be 45
        $First.Count | Should -Be 47
        @($First | Where-Object Status -ne 'Imported') | Should -BeNullOrEmpty -Because ($First | Where-Object Status -ne 'Imported' | Out-String)
        @($First | Where-Object { -not $_.Created }) | Should -BeNullOrEmpty
        @($First.KeyState | Sort-Object -Unique) | Should -Be @('Enabled')
        $First[0].PSObject.TypeNames[0] | Should -Be 'KmsImport.KmsFleetImportResult'
        # Plan order: rows ascending, a row's replicas right after it.
        @($First.Row) | Should -Be @($First.Row | Sort-Object)
        $mr = @($First | Where-Object Alias -eq 'alias/fleet-mr')
        @($mr.Region) | Should -Be @('eu-west-1', 'eu-west-2', 'eu-west-3')
        @($mr.KeyId | Sort-Object -Unique).Count | Should -Be 1
        $mr[1].PrimaryRegion | Should -Be 'eu-west-1'
        @($FirstRequests | Where-Object errorType -eq 'ThrottlingException') | Should -BeNullOrEmpty
        @($FirstRequests | Where-Object operation -eq 'CreateKey').Count | Should -Be 45
        @($FirstRequests | Where-Object operation -eq 'CreateAlias').Count | Should -Be 45
        # Each account holds its own rows' keys in each Region (the replicas of the multi-Region key in fleet-a's).
        foreach ($p in $Accounts.Keys) {
            foreach ($region in $Regions) {
                $keys = @(Get-KmsKeyMaterialExpiry -Region $region -EndpointUrl $Url -ProfileName $p -ProfileLocation $Profiles)
                $expected = 5 + $(if ($p -eq 'fleet-a' -and $region -ne 'eu-west-1') { 1 } else { 0 })
                $keys.Count | Should -Be $expected -Because "$p ($($Accounts[$p])) in $region"
                @($keys.Status | Sort-Object -Unique) | Should -Be @('DoesNotExpire')
            }
        }
        @($FirstRequests | Where-Object { $_.operation -eq 'CreateKey' } | Group-Object account).Count | Should -Be 3
    }

    It 'each alias names its key, which holds the row''s material (proved)' {
        foreach ($r in $First | Where-Object { -not $_.PrimaryRegion } | Select-Object -First 9) {
            $row = $PlanRows[$r.Row - 1]
            $path = if ($row.Path) { $row.Path } else { Join-Path $script:Escrow "$($r.KeyId).bin" }
            $report = Test-KmsKeyState -KeyId $r.Alias -Region $r.Region -EndpointUrl $Url -Path $path -ProfileName $row.ProfileName -ProfileLocation $Profiles
            $report.KeyId | Should -Be $r.KeyId
            $report.Passed | Should -BeTrue -Because "$($r.Alias) in $($r.Region) holds its material"
        }
    }

    It 'writes an owner-only results file with one line per key and no secret' {
        $lines = @(Import-Csv -LiteralPath $ResultFile)
        $lines.Count | Should -Be 47
        @($lines | Where-Object Status -eq 'Imported').Count | Should -Be 47
        (Get-Content -Raw -LiteralPath $ResultFile) | Should -Not -Match ([Convert]::ToHexString([IO.File]::ReadAllBytes($Symmetric)))
        if (-not $IsWindows) { (Get-Item -LiteralPath $ResultFile).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
    }

    It 'is idempotent: a rerun finds every key by its alias, creates none, proves each (Verified)' {
        # A new run knows nothing of the last one's requests, but KMS's 1-second quota window does: the first run's
        # last GetParametersForImport of a pair may be a few ms old. An operator's rerun comes later than that.
        Start-Sleep -Milliseconds 1200
        Clear-LocalKmsRequest -Url $Url
        $again = @(Invoke-KmsKeyImport -PlanPath $PlanFile @Fleet)
        $requests = @(Get-LocalKmsRequest -Url $Url)
        $again.Count | Should -Be 47
        @($again.Status | Sort-Object -Unique) | Should -Be @('Verified')
        @($again | Where-Object Created) | Should -BeNullOrEmpty
        @($again.KeyId) | Should -Be @($First.KeyId)
        @($requests | Where-Object operation -in 'CreateKey', 'CreateAlias', 'ReplicateKey') | Should -BeNullOrEmpty
        @($requests | Where-Object errorType -eq 'ThrottlingException') | Should -BeNullOrEmpty
        @($again | Where-Object { $_.Alias -like '*-mac-*' }).ProofMethod | Sort-Object -Unique | Should -Be 'GenerateMac'
    }

    It 'with -Resume skips what the results file records as finished, sending nothing for it' {
        Clear-LocalKmsRequest -Url $Url
        $resumed = @(Invoke-KmsKeyImport -PlanPath $PlanFile -ResultPath $ResultFile -Resume @Fleet)
        @($resumed.Status | Sort-Object -Unique) | Should -Be @('Skipped')
        @($resumed.KeyId) | Should -Be @($First.KeyId)
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -notin 'ListKeys', 'ListAliases', 'ListResourceTags', 'DescribeKey') | Should -BeNullOrEmpty
    }

    It 'shows one progress line per active account-Region pair, under one line for the run' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($Module, $Rows, $Url, $ProfileLocation)
                Import-Module $Module
                $Rows | Invoke-KmsKeyImport -EndpointUrl $Url -WrappingKeySpec RSA_2048 -ProfileLocation $ProfileLocation -ThrottleLimit 9
            }).AddArgument($env:KMSIMPORT_TEST_MODULE).AddArgument(@($PlanRows | Where-Object { $_.Alias -like '*-sym-1' })).AddArgument($Url).AddArgument($Profiles)
            $out = @($ps.Invoke())
            $out.Count | Should -Be 9
            $children = @($ps.Streams.Progress | Where-Object ParentActivityId -eq 1)
            $pairs = foreach ($a in $Accounts.Values) { foreach ($r in $Regions) { "$a $r" } }
            @($children.Activity | Sort-Object -Unique) | Should -Be @($pairs | Sort-Object)
            @($children | Where-Object RecordType -eq 'Completed').Count | Should -Be 9
            @($ps.Streams.Progress | Where-Object ActivityId -eq 1).Count | Should -BeGreaterThan 0
        } finally { $ps.Dispose() }
    }
}

Describe 'A fleet run killed mid-way' {
    It 'resumes from its results file: no key twice, keys left without their alias recovered or reported' {
        $regions = 'ap-south-1', 'sa-east-1'
        $rows = @(New-FleetPlan -Regions $regions -Prefix 'kill' -Kinds sym, mac, rsa, sym, mac, rsa)
        # A key an interrupted run created for the alias of a late row but never aliased, and one for an alias no row has.
        $orphanFor = New-KmsExternalKey -Region 'sa-east-1' -EndpointUrl $Url -KeySpec RSA_2048 -KeyUsage SIGN_VERIFY -Tag @{ 'kmsimport:fleet-alias' = 'alias/kill-rsa-2' }
        $stray = New-KmsExternalKey -Region 'ap-south-1' -EndpointUrl $Url -Tag @{ 'kmsimport:fleet-alias' = 'alias/kill-gone' }
        $plan = Save-Plan $rows 'kill.csv'
        $results = Join-Path $Work 'kill-results.json'
        $script_ = "Import-Module '$($env:KMSIMPORT_TEST_MODULE)'; Invoke-KmsKeyImport -PlanPath '$plan' -ResultPath '$results' -EndpointUrl '$Url' -WrappingKeySpec RSA_2048 -ThrottleLimit 1 | Out-Null"
        $pwsh = Get-PwshCommand
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script_))
        $script:Child = Start-Process -FilePath $pwsh.Executable -ArgumentList (@($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)) -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        $done = 0
        while ([DateTime]::UtcNow -lt $deadline -and -not $Child.HasExited) {
            if (Test-Path -LiteralPath $results) { $done = @((Get-Content -Raw -LiteralPath $results | ConvertFrom-Json)).Count }
            if ($done -ge 3) { break }
            Start-Sleep -Milliseconds 100
        }
        $Child.HasExited | Should -BeFalse -Because 'the run is killed while it still has keys to do'
        Stop-Process -Id $Child.Id -Force
        $Child.WaitForExit()
        $killedAt = @((Get-Content -Raw -LiteralPath $results | ConvertFrom-Json)).Count
        $killedAt | Should -BeLessThan $rows.Count
        $killedAt | Should -BeGreaterOrEqual 3

        $resumed = @(Invoke-KmsKeyImport -PlanPath $plan -ResultPath $results -Resume -EndpointUrl $Url -WrappingKeySpec RSA_2048 -WarningVariable warnings -WarningAction SilentlyContinue)
        $resumed.Count | Should -Be $rows.Count
        @($resumed | Where-Object Status -notin 'Skipped', 'Imported', 'Verified') | Should -BeNullOrEmpty -Because ($resumed | Format-List | Out-String)
        @($resumed | Where-Object Status -eq 'Skipped').Count | Should -BeGreaterOrEqual $killedAt
        # One key per alias: every alias names a distinct key, and each Region holds exactly its rows' keys (+ the stray orphan).
        @($resumed.KeyId | Sort-Object -Unique).Count | Should -Be $rows.Count
        foreach ($region in $regions) {
            $keys = @(Get-KmsKeyMaterialExpiry -Region $region -EndpointUrl $Url)
            # ap-south-1 also holds the stray orphan; sa-east-1's orphan became its row's key.
            $expected = @($rows | Where-Object Region -eq $region).Count + $(if ($region -eq 'ap-south-1') { 1 } else { 0 })
            $keys.Count | Should -Be $expected -Because "no key of $region was created twice"
        }
        # The killed run (one pair at a time) never reached sa-east-1: its row's orphan is recovered, not duplicated.
        $recovered = @($resumed | Where-Object Alias -eq 'alias/kill-rsa-2' | Where-Object Region -eq 'sa-east-1')
        $recovered.Status | Should -Be 'Imported'
        $recovered.Recovered | Should -BeTrue
        $recovered.KeyId | Should -Be $orphanFor.KeyId
        ($warnings -join "`n") | Should -Match ([regex]::Escape($stray.KeyId))
        ($warnings -join "`n") | Should -Match 'Remove-KmsExternalKey'
        # The results file now records every key as finished.
        $final = @(Get-Content -Raw -LiteralPath $results | ConvertFrom-Json)
        @($final | Where-Object Status -in 'Imported', 'Verified' | ForEach-Object { "$($_.Region)|$($_.Alias)" } | Sort-Object -Unique).Count | Should -Be $rows.Count
    }

    It 'adopts a key an interrupted run left without its alias, and reports the ones no row needs' {
        $orphan = New-KmsExternalKey -Region 'us-west-1' -EndpointUrl $Url -Tag @{ 'kmsimport:fleet-alias' = 'alias/adopt-1' }
        $stray = New-KmsExternalKey -Region 'us-west-1' -EndpointUrl $Url -Tag @{ 'kmsimport:fleet-alias' = 'alias/adopt-nobody' }
        $rows = @(New-Row @{ Account = $Account; Region = 'us-west-1'; Alias = 'adopt-1'; Path = $Symmetric })
        $results = Join-Path $Work 'adopt.csv'
        $r = @(Invoke-KmsKeyImport -Plan $rows -ResultPath $results -Resume @Fleet -WarningVariable warnings)
        $r.Status | Should -Be 'Imported'
        $r.Recovered | Should -BeTrue
        $r.Created | Should -BeFalse
        $r.KeyId | Should -Be $orphan.KeyId
        (Test-KmsKeyState -KeyId 'alias/adopt-1' -Region 'us-west-1' -EndpointUrl $Url).KeyId | Should -Be $orphan.KeyId
        @($warnings | Where-Object { $_ -match [regex]::Escape($stray.KeyId) }).Count | Should -Be 1
        @($warnings | Where-Object { $_ -match [regex]::Escape($orphan.KeyId) }) | Should -BeNullOrEmpty
    }
}

Describe 'A role per account' {
    BeforeAll {
        $script:SavedSts = $env:AWS_ENDPOINT_URL_STS
        $env:AWS_ENDPOINT_URL_STS = $Url # STS answers on the endpoint's port
    }
    AfterAll {
        $env:AWS_ENDPOINT_URL_STS = $SavedSts
        $null = Invoke-LocalKmsControl -Url $Url -Path 'sts' -Method DELETE
    }

    It 'that cannot be assumed fails only its account''s rows, with RoleNotAssumable; the others are assumed once per account' {
        $null = Invoke-LocalKmsControl -Url $Url -Path 'sts' -Method POST -Body @{ deniedRoleArns = @('arn:aws:iam::222222222222:role/KmsImportFleet') }
        $rows = foreach ($a in $Accounts.Values) { foreach ($i in 1, 2) { New-Row @{ Account = $a; Region = 'ca-central-1'; Alias = "role-$i"; Path = $Symmetric } } }
        Clear-LocalKmsRequest -Url $Url
        $r = @(Invoke-KmsKeyImport -Plan $rows -RoleArn 'arn:aws:iam::{Account}:role/KmsImportFleet' -RoleSessionName 'fleet-test-run' -ThrottleLimit 3 @Fleet)
        $requests = @(Get-LocalKmsRequest -Url $Url)
        $r.Count | Should -Be 6
        @($r | Where-Object Account -eq '222222222222' | ForEach-Object ErrorId) | Should -Be @('RoleNotAssumable', 'RoleNotAssumable')
        @($r | Where-Object Account -ne '222222222222' | ForEach-Object Status) | Should -Be @('Imported', 'Imported', 'Imported', 'Imported')
        # The keys are in the roles' accounts, and each account's role was asked for once.
        @($requests | Where-Object operation -eq 'CreateKey' | ForEach-Object account | Sort-Object) | Should -Be @('111111111111', '111111111111', '333333333333', '333333333333')
        @($requests | Where-Object operation -eq 'AssumeRole').Count | Should -Be 3
        @($requests | Where-Object { $_.operation -ne 'AssumeRole' -and $_.account -eq '222222222222' }) | Should -BeNullOrEmpty
    }

    It 'refuses a -RoleArn that is not a role ARN before any request' {
        Clear-LocalKmsRequest -Url $Url
        $rows = @(New-Row @{ Account = '111111111111'; Region = 'ca-central-1'; Alias = 'role-x'; Path = $Symmetric })
        { Invoke-KmsKeyImport -Plan $rows -RoleArn 'arn:aws:s3:::bucket' @Fleet } | Should -Throw -ErrorId 'RoleArnInvalid,*'
        @(Get-LocalKmsRequest -Url $Url) | Should -BeNullOrEmpty
    }
}

Describe 'Plan rows that expire, and generated material escrowed to a certificate' {
    It 'imports a KEY_MATERIAL_EXPIRES row with its ValidTo, and writes a Generate row with EscrowRecipient only as CMS that proves the key' {
        $rsa = [Security.Cryptography.RSA]::Create(2048)
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=fleet custodian', $rsa, [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyEncipherment', $false))
        $custodian = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddYears(1))
        $certificate = Join-Path $Work 'custodian.cer'
        [IO.File]::WriteAllBytes($certificate, $custodian.Export([Security.Cryptography.X509Certificates.X509ContentType]::Cert))
        $cms = Join-Path $Work 'cms-escrow'
        $null = New-Item -ItemType Directory $cms
        if (-not $IsWindows) { chmod 700 $cms }
        $validTo = [DateTime]::UtcNow.Date.AddDays(40)
        $rows = @(
            New-Row @{ Region = 'ca-central-1'; Alias = 'expiring'; Path = $Symmetric; ExpirationModel = 'KEY_MATERIAL_EXPIRES'; ValidTo = $validTo.ToString('yyyy-MM-ddTHH:mm:ssZ') }
            New-Row @{ Region = 'ca-central-1'; Alias = 'cms-escrowed'; KeySpec = 'HMAC_256'; Generate = 'true'; EscrowPath = $cms; EscrowRecipient = $certificate }
        )
        $r = @(Invoke-KmsKeyImport -Plan $rows @Fleet)
        @($r.Status) | Should -Be @('Imported', 'Imported')
        $expiry = Get-KmsKeyMaterialExpiry -KeyId $r[0].KeyId -Region 'ca-central-1' -EndpointUrl $Url -WarningAction SilentlyContinue
        $expiry.ExpirationModel | Should -Be 'KEY_MATERIAL_EXPIRES'
        $expiry.ValidTo.ToUniversalTime() | Should -Be $validTo
        @(Get-ChildItem -LiteralPath $cms -File).Name | Should -Be @("$($r[1].KeyId).cms")
        $proof = Test-KmsKeyState -KeyId $r[1].KeyId -Region 'ca-central-1' -EndpointUrl $Url -Path (Join-Path $cms "$($r[1].KeyId).cms") -EscrowCertificate $custodian
        $proof.MaterialProved | Should -BeTrue
        $proof.ProofMethod | Should -Be 'GenerateMac'
    }
}

Describe 'A key its alias already names' {
    It 'fails only that row with KmsPlanAliasOtherMaterial when the key holds other material' {
        $other = Join-Path $Work 'other.bin'
        [IO.File]::WriteAllBytes($other, [Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
        $null = New-KmsExternalKey -Region 'us-east-2' -EndpointUrl $Url -Alias 'alias/taken-1' -KeySpec HMAC_256 |
            Get-KmsImportParameters | Protect-KeyMaterial -Path $other | Import-KmsKeyMaterial
        $rows = @(
            New-Row @{ Region = 'us-east-2'; Alias = 'taken-1'; KeySpec = 'HMAC_256'; Path = $Symmetric }
            New-Row @{ Region = 'us-east-2'; Alias = 'taken-2'; Path = $Symmetric }
        )
        $r = @(Invoke-KmsKeyImport -Plan $rows @Fleet)
        $r[0].Status | Should -Be 'Failed'
        $r[0].ErrorId | Should -Be 'KmsPlanAliasOtherMaterial'
        $r[0].KeyState | Should -Be 'Enabled'
        $r[1].Status | Should -Be 'Imported'
    }

    It 'fails with KmsPlanAliasKeyMismatch when the key is not what the row describes, and KmsPlanAccountMismatch for another account' {
        $null = New-KmsExternalKey -Region 'us-east-2' -EndpointUrl $Url -Alias 'alias/taken-rsa' -KeySpec RSA_2048 -KeyUsage SIGN_VERIFY
        $rows = @(
            New-Row @{ Region = 'us-east-2'; Alias = 'taken-rsa'; Path = $Symmetric }
            New-Row @{ Account = '999999999999'; Region = 'us-east-2'; Alias = 'taken-1'; KeySpec = 'HMAC_256'; Path = $Symmetric }
        )
        $r = @(Invoke-KmsKeyImport -Plan $rows @Fleet)
        $r[0].ErrorId | Should -Be 'KmsPlanAliasKeyMismatch'
        $r[0].KeyId | Should -Not -BeNullOrEmpty
        $r[1].ErrorId | Should -Be 'KmsPlanAccountMismatch'
    }
}

Describe 'A bad plan' {
    BeforeEach { Clear-LocalKmsRequest -Url $Url }

    It 'fails before any request, one error per bad row (<Case>) and one that stops the command' -ForEach @(
        @{ Case = 'duplicate alias'; ErrorId = 'KmsPlanAliasDuplicate'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'dup' }, @{ Region = 'eu-west-1'; Alias = 'alias/dup' }) }
        @{ Case = 'Path and Generate'; ErrorId = 'KmsPlanRowContradicts'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; Generate = 'true' }) }
        @{ Case = 'ValidTo without KEY_MATERIAL_EXPIRES'; ErrorId = 'KmsPlanRowContradicts'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; ValidTo = '2030-01-01T00:00:00Z' }) }
        @{ Case = 'ReplicaRegion without MultiRegion'; ErrorId = 'KmsPlanRowContradicts'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; ReplicaRegion = 'eu-west-2' }) }
        @{ Case = 'a usage the spec does not allow'; ErrorId = 'KmsPlanRowContradicts'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; KeySpec = 'HMAC_256'; KeyUsage = 'SIGN_VERIFY' }) }
        @{ Case = 'an unknown key spec'; ErrorId = 'KmsPlanRowInvalid'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; KeySpec = 'AES_512' }) }
        @{ Case = 'a bad Region name'; ErrorId = 'KmsPlanRowInvalid'; Rows = @(@{ Region = 'Europe'; Alias = 'a' }) }
        @{ Case = 'no alias'; ErrorId = 'KmsPlanRowInvalid'; Rows = @(@{ Region = 'eu-west-1' }) }
        @{ Case = 'unreadable material'; ErrorId = 'KmsPlanMaterialUnusable'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; Path = 'missing.bin' }) }
        @{ Case = 'material that does not fit the spec'; ErrorId = 'KmsPlanMaterialUnusable'; Rows = @(@{ Region = 'eu-west-1'; Alias = 'a'; KeySpec = 'RSA_2048'; KeyUsage = 'SIGN_VERIFY' }) }
    ) {
        # Each case's bad row follows a good one; rows without Path get the symmetric file unless the case is about material.
        $good = New-Row @{ Region = 'eu-west-1'; Alias = 'fine'; Path = $Symmetric }
        $bad = foreach ($values in $Rows) {
            $v = $values.Clone()
            if (-not $v.ContainsKey('Path')) { $v.Path = $Symmetric }
            New-Row $v
        }
        $plan = Save-Plan (@($good) + @($bad)) "bad-$([guid]::NewGuid().ToString('n')).csv"
        $errs = $null; $stopped = $null
        try { $null = Invoke-KmsKeyImport -PlanPath $plan @Fleet -ErrorVariable errs -ErrorAction SilentlyContinue } catch { $stopped = $_ }
        $stopped.FullyQualifiedErrorId | Should -BeLike 'KmsPlanInvalid,*'
        $stopped.Exception.Message | Should -Match 'nothing was sent'
        $rowErrors = @($errs | Where-Object { $_.FullyQualifiedErrorId -like "$ErrorId,*" })
        $rowErrors.Count | Should -Be 1
        $rowErrors[0].Exception.Message | Should -Match '^Plan row \d+:'
        $rowErrors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        @(Get-LocalKmsRequest -Url $Url) | Should -BeNullOrEmpty -Because 'a bad plan sends nothing'
    }

    It 'reports every bad row of one plan, not only the first' {
        $rows = @(
            New-Row @{ Region = 'nowhere'; Alias = 'a'; Path = $Symmetric }
            New-Row @{ Region = 'eu-west-1'; Alias = 'b'; Path = $Symmetric }
            New-Row @{ Region = 'eu-west-1'; Alias = 'c'; Path = $Symmetric; Generate = 'true' }
        )
        $errs = $null; $stopped = $null
        try { $null = $rows | Invoke-KmsKeyImport @Fleet -ErrorVariable errs -ErrorAction SilentlyContinue } catch { $stopped = $_ }
        $stopped.FullyQualifiedErrorId | Should -BeLike 'KmsPlanInvalid,*'
        @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'KmsPlanRow*' } | ForEach-Object { $_.TargetObject.Row }) | Should -Be @(1, 3)
        @(Get-LocalKmsRequest -Url $Url) | Should -BeNullOrEmpty
    }

    It 'refuses a plan file that is not a plan (<Case>) with KmsPlanUnreadable, quoting none of it' -ForEach @(
        @{ Case = 'an unknown column'; Name = 'p.csv'; Text = "Region,Alias,Sekret`neu-west-1,a,b" }
        @{ Case = 'a row with too many fields'; Name = 'p.csv'; Text = "Region,Alias`neu-west-1,a,Sekret" }
        @{ Case = 'an open quote'; Name = 'p.csv'; Text = "Region,Alias`n`"Sekret,a" }
        @{ Case = 'JSON that is not an array'; Name = 'p.json'; Text = '{"Sekret": 1}' }
        @{ Case = 'another extension'; Name = 'p.txt'; Text = "Region,Alias`neu-west-1,Sekret" }
    ) {
        $path = Join-Path $Work ([guid]::NewGuid().ToString('n') + $Name)
        Set-Content -LiteralPath $path -Value $Text -NoNewline
        $err = { Invoke-KmsKeyImport -PlanPath $path @Fleet } | Should -Throw -ErrorId 'KmsPlanUnreadable,*' -PassThru
        $err.Exception.Message | Should -Not -Match 'Sekret'
        @(Get-LocalKmsRequest -Url $Url) | Should -BeNullOrEmpty
    }

    It 'refuses a plan file that is a folder or too large' {
        { Invoke-KmsKeyImport -PlanPath $Work @Fleet } | Should -Throw -ErrorId 'KmsPlanUnreadable,*'
        $big = Join-Path $Work 'big.csv'
        $f = [IO.File]::Create($big); $f.SetLength(4MB + 1); $f.Dispose()
        { Invoke-KmsKeyImport -PlanPath $big @Fleet } | Should -Throw -ErrorId 'KmsPlanUnreadable,*'
    }

    It 'with -WhatIf sends nothing and writes no results file' {
        $rows = @(New-Row @{ Region = 'eu-west-1'; Alias = 'whatif'; Path = $Symmetric })
        $results = Join-Path $Work 'whatif.csv'
        @(Invoke-KmsKeyImport -Plan $rows -ResultPath $results -WhatIf @Fleet) | Should -BeNullOrEmpty
        Test-Path -LiteralPath $results | Should -BeFalse
        @(Get-LocalKmsRequest -Url $Url) | Should -BeNullOrEmpty
    }

    It 'refuses an existing results file without -Resume, and -Resume without -ResultPath' {
        $rows = @(New-Row @{ Region = 'eu-west-1'; Alias = 'r'; Path = $Symmetric })
        $existing = Join-Path $Work 'existing.csv'
        Set-Content -LiteralPath $existing -Value 'x'
        { Invoke-KmsKeyImport -Plan $rows -ResultPath $existing @Fleet } | Should -Throw -ErrorId 'KmsPlanResultFileInvalid,*'
        { Invoke-KmsKeyImport -Plan $rows -Resume @Fleet } | Should -Throw -ErrorId 'KmsPlanResultFileInvalid,*'
        @(Get-LocalKmsRequest -Url $Url) | Should -BeNullOrEmpty
    }
}
