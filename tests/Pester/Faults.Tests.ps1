# Reliability under injected faults: throttling storms, HTTP 500 (KMSInternalException), dropped
# connections and added latency on every operation of the import flow after CreateKey
# (GetParametersForImport, ImportKeyMaterial, DescribeKey). Every key must end Enabled with the
# intended material (proved), or Failed with an ErrorId, its key state and a ResumeCommand that
# completes it once the faults are gone: no key is left unknown. Also the retry bounds, that nothing
# unsafe is retried, escrow-before-import, and that stale parameters never reach ImportKeyMaterial.
# This file runs its own endpoint, because it injects faults and moves the clock.
# KMSIMPORT_FAULTS_REPORT=<file> writes the per-profile numbers as JSON.
BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # A deeper pool of wrapping keys: the endpoint makes RSA_4096 pairs (what the batch asks for) while
    # the batch sleeps between retries, instead of while it waits for an answer.
    $script:Server = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS -ExtraArguments @('--wrapping-key-pool', '6')
    $script:Url = $script:Server.Url
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-faults-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $script:Flow = @('GetParametersForImport', 'ImportKeyMaterial', 'DescribeKey')
    $script:Report = [Collections.Generic.List[object]]::new()
    $script:KeysPerProfile = 5

    function New-Folder([string] $Name) {
        (New-Item -ItemType Directory (Join-Path $script:Work ($Name + '-' + [guid]::NewGuid().ToString('n')))).FullName
    }
    function New-MaterialFolder($Keys) {
        # One random HMAC_256 material file per key, named <KeyId>.bin (what -MaterialDirectory reads).
        $dir = New-Folder 'materials'
        foreach ($k in $Keys) {
            $b = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($b)
            [IO.File]::WriteAllBytes((Join-Path $dir "$($k.KeyId).bin"), $b)
        }
        $dir
    }
    function Set-Faults([object[]] $Rules) { $null = Invoke-LocalKmsControl -Url $script:Url -Path 'faults' -Method POST -Body $Rules }
    function Clear-Faults { $null = Invoke-LocalKmsControl -Url $script:Url -Path 'faults' -Method DELETE }
    function Get-FaultRules { Invoke-LocalKmsControl -Url $script:Url -Path 'faults' | ForEach-Object { $_ } }
    function Get-Injected($Requests) {
        @($Requests | Where-Object { $_.errorType -in 'ThrottlingException', 'KMSInternalException', 'ConnectionDropped' })
    }

    # The heart of every profile: each key is proved Enabled with its material, or Failed with what
    # it takes to finish it; the failed ones are then finished with their own ResumeCommand.
    function Assert-EveryKeyAccountedFor {
        param($Keys, $Results, [scriptblock] $MaterialOf)
        $Results = @($Results)
        $Results.Count | Should -Be @($Keys).Count -Because 'one result per key'
        @($Results.KeyId | Sort-Object -Unique).Count | Should -Be @($Keys).Count
        $outcome = [ordered]@{ Imported = 0; Verified = 0; Failed = 0; Resumed = 0; Unknown = 0 }
        $failed = @()
        foreach ($r in $Results) {
            switch ($r.Status) {
                { $_ -in 'Imported', 'Verified' } { $outcome[$r.Status]++ }
                'Failed' {
                    $outcome.Failed++
                    $r.ErrorId | Should -Not -BeNullOrEmpty -Because "$($r.KeyId) failed"
                    $r.KeyState | Should -Not -BeNullOrEmpty -Because "a failed key carries its state ($($r.KeyId): $($r.ErrorId))"
                    $r.ResumeCommand | Should -Match "^Invoke-KmsKeyImport -KeyId '$([regex]::Escape($r.KeyId))' "
                    $r.Message | Should -Not -BeNullOrEmpty
                    $failed += $r
                }
                default { $outcome.Unknown++ }
            }
        }
        $outcome.Unknown | Should -Be 0 -Because 'every key ends Imported, Verified or Failed'
        Clear-Faults
        foreach ($r in $failed) {
            $resumed = Invoke-Expression $r.ResumeCommand
            $resumed.Status | Should -BeIn @('Imported', 'Verified') -Because "the ResumeCommand of $($r.KeyId) ($($r.ErrorId)) finishes it: $($resumed.ErrorId) $($resumed.Message)"
            $outcome.Resumed++
        }
        # The proof: KMS holds exactly the intended material (HMAC: KMS's MAC equals the local one).
        foreach ($k in $Keys) {
            $report = Test-KmsKeyState @Common -KeyId $k.KeyId -Path (& $MaterialOf $k)
            $report.KeyState | Should -Be 'Enabled'
            $report.MaterialProved | Should -BeTrue -Because "$($k.KeyId) holds its intended material ($($report.ProofMethod))"
        }
        $outcome
    }

    function Invoke-FaultProfile {
        param([string] $Name, [hashtable] $Rule, [hashtable] $Import, [int] $Seed, [string] $KeySpec = 'HMAC_256')
        $keys = 1..$script:KeysPerProfile | ForEach-Object { New-KmsExternalKey @Common -KeySpec $KeySpec }   # before the faults
        $materials = New-MaterialFolder $keys
        $escrow = New-Folder 'escrow'
        $source = if ($Import.Generate) { @{ Generate = $true; EscrowPath = $escrow } } else { @{ MaterialDirectory = $materials } }
        $options = @{}; foreach ($k in $Import.Keys) { if ($k -ne 'Generate') { $options[$k] = $Import[$k] } }
        $materialOf = if ($Import.Generate) { { param($k) Join-Path $escrow "$($k.KeyId).bin" }.GetNewClosure() } else { { param($k) Join-Path $materials "$($k.KeyId).bin" }.GetNewClosure() }
        # One rule per operation, each with its own seeded generator (reproducible fault sequences).
        $n = 0
        Set-Faults @($script:Flow | ForEach-Object { $r = @{ operation = $_; seed = $Seed + 17 * ($n++) }; foreach ($k in $Rule.Keys) { $r[$k] = $Rule[$k] }; $r })
        Clear-LocalKmsRequest -Url $script:Url
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $results = @($keys | Invoke-KmsKeyImport @source @options -WarningAction SilentlyContinue)
        $seconds = $watch.Elapsed.TotalSeconds
        $requests = @(Get-LocalKmsRequest -Url $script:Url)
        $rules = @(Get-FaultRules)
        @($requests | Where-Object operation -eq 'CreateKey').Count | Should -Be 0 -Because 'the batch never creates (or re-creates) a key'
        $outcome = Assert-EveryKeyAccountedFor -Keys $keys -Results $results -MaterialOf $materialOf
        $injected = Get-Injected $requests
        $script:Report.Add([pscustomobject][ordered]@{
                Profile          = $Name
                Keys             = @($keys).Count
                Requests         = $requests.Count
                MatchedByRules   = ($rules | Measure-Object applied -Sum).Sum
                FaultsInjected   = $injected.Count
                ByOperation      = (($injected | Group-Object operation | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', ')
                Imported         = $outcome.Imported
                Verified         = $outcome.Verified
                Failed           = $outcome.Failed
                ResumedToEnabled = $outcome.Resumed
                Unknown          = $outcome.Unknown
                MaxBatchAttempts = ($results | Measure-Object Attempts -Maximum).Maximum
                Seconds          = [math]::Round($seconds, 1)
            })
        [pscustomobject]@{ Keys = $keys; Results = $results; Requests = $requests; Injected = $injected; Seconds = $seconds; Outcome = $outcome; Escrow = $escrow; Materials = $materials }
    }
}

AfterAll {
    Clear-Faults
    $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method DELETE
    Stop-LocalKms -Server $script:Server
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
    if ($script:Report.Count) {
        Write-Host ($script:Report | Format-Table -AutoSize | Out-String -Width 250)
        if ($env:KMSIMPORT_FAULTS_REPORT) { $script:Report | ConvertTo-Json | Set-Content $env:KMSIMPORT_FAULTS_REPORT }
    }
}

Describe 'Fault profiles on GetParametersForImport, ImportKeyMaterial and DescribeKey' {
    AfterEach { Clear-Faults }

    It 'throttling storm (throttleRate 0.5 on every operation): generated, escrowed keys all end Enabled and proved' {
        $run = Invoke-FaultProfile -Name 'throttling storm (0.5)' -Rule @{ throttleRate = 0.5 } -Seed 101 -Import @{ Generate = $true; NoPacing = $true; MaxErrorRetry = 2 }
        $run.Injected.Count | Should -BeGreaterThan 0
        @($run.Injected.errorType | Sort-Object -Unique) | Should -Be @('ThrottlingException')
    }

    It 'HTTP 500 KMSInternalException (internalErrorRate 0.5 on every operation): every key ends Enabled and proved' {
        $run = Invoke-FaultProfile -Name 'HTTP 500 (0.5)' -Rule @{ internalErrorRate = 0.5 } -Seed 202 -Import @{ NoPacing = $true; MaxErrorRetry = 2 }
        $run.Injected.Count | Should -BeGreaterThan 0
        @($run.Injected.errorType | Sort-Object -Unique) | Should -Be @('KMSInternalException')
    }

    It 'dropped connections (dropRate 0.4 on every operation): every key ends Enabled and proved' {
        $run = Invoke-FaultProfile -Name 'dropped connections (0.4)' -Rule @{ dropRate = 0.4 } -Seed 303 -Import @{ NoPacing = $true; MaxErrorRetry = 2 }
        $run.Injected.Count | Should -BeGreaterThan 0
        @($run.Injected.errorType | Sort-Object -Unique) | Should -Be @('ConnectionDropped')
    }

    It 'added latency (200 ms on every operation), paced under AWS quotas: every key Imported at the first attempt' {
        $run = Invoke-FaultProfile -Name 'latency 200 ms, paced' -Rule @{ latencyMs = 200 } -Seed 404 -Import @{ Generate = $true; ThrottleLimit = 5 } -KeySpec 'SYMMETRIC_DEFAULT'
        $run.Outcome.Failed | Should -Be 0
        @($run.Results.Attempts | Sort-Object -Unique) | Should -Be @(1)
        # The 1/s GetParametersForImport quota bounds the batch from below; the latency adds to it.
        $run.Seconds | Should -BeGreaterThan (($script:KeysPerProfile - 1) / 0.9 * 1.0)
        # Symmetric material has no identifying proof but re-import: a re-run is accepted as the same material.
        $again = @($run.Keys | Invoke-KmsKeyImport -MaterialDirectory $run.Escrow -NoPacing)
        $again.Status | Sort-Object -Unique | Should -Be 'Verified'
        $again.Message | Sort-Object -Unique | Should -Match 're-importing the same material was accepted'
    }

    It 'the plain cmdlet pipeline under 500s and throttling: each key is imported or reported with its ErrorId, and the same pipeline finishes the rest' {
        $keys = 1..$script:KeysPerProfile | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        $material = Join-Path $Work ([guid]::NewGuid().ToString('n') + '.bin')
        $b = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($b); [IO.File]::WriteAllBytes($material, $b)
        Set-Faults @(
            @{ operation = 'GetParametersForImport'; internalErrorRate = 0.5; seed = 3 }
            @{ operation = 'ImportKeyMaterial'; throttleRate = 0.5; seed = 5 }
            @{ operation = 'DescribeKey'; internalErrorRate = 0.3; seed = 9 })
        Clear-LocalKmsRequest -Url $Url
        $imported = @($keys | Get-KmsImportParameters -MaxErrorRetry 1 -ErrorVariable e1 -ErrorAction SilentlyContinue |
                Protect-KeyMaterial -Path $material -ErrorVariable e2 -ErrorAction SilentlyContinue |
                Import-KmsKeyMaterial -MaxErrorRetry 1 -ErrorVariable e3 -ErrorAction SilentlyContinue)
        $requests = @(Get-LocalKmsRequest -Url $Url)
        $errors = @(@($e1) + @($e2) + @($e3) | Where-Object { $null -ne $_ })
        Clear-Faults
        # The faults did happen (the seeds make them reproducible), and some keys failed: the checks below are not empty.
        $injected = Get-Injected $requests
        $injected.Count | Should -BeGreaterThan 0 -Because 'faults were injected'
        $errors.Count | Should -BeGreaterThan 0 -Because 'with these seeds at least one key fails past its retry'
        # Every key is accounted for: an output object, or an error record that names it.
        foreach ($e in $errors) {
            $e.FullyQualifiedErrorId | Should -Match '^(KmsInternalError|KmsThrottled|KmsEndpointUnreachable),'
            $e.TargetObject | Should -BeIn @($keys.KeyId)
            $e.Exception.Message | Should -Match 'run the same command again|Run the same command again'
        }
        @($imported.KeyId) + @($errors.TargetObject) | Sort-Object -Unique | Should -Be (@($keys.KeyId) | Sort-Object)
        # The failed ones: the same pipeline again, as the message says.
        $left = @($keys | Where-Object { $_.KeyId -notin @($imported | Where-Object Outcome -eq 'Imported').KeyId })
        $left.Count | Should -BeGreaterThan 0 -Because 'the failed keys are finished by the same pipeline'
        $again = @($left | Get-KmsImportParameters | Protect-KeyMaterial -Path $material | Import-KmsKeyMaterial)
        $again.Count | Should -Be $left.Count
        $again.Outcome | Sort-Object -Unique | Should -Be 'Imported'
        foreach ($k in $keys) { (Test-KmsKeyState @Common -KeyId $k.KeyId -Path $material).MaterialProved | Should -BeTrue }
        $script:Report.Add([pscustomobject][ordered]@{
                Profile = 'plain pipeline: 500s + throttling'; Keys = @($keys).Count; Requests = $requests.Count; MatchedByRules = $null
                FaultsInjected = $injected.Count; ByOperation = (($injected | Group-Object operation | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', ')
                Imported = @($imported | Where-Object Outcome -eq 'Imported').Count; Verified = 0; Failed = @($errors).Count; ResumedToEnabled = $left.Count; Unknown = 0
                MaxBatchAttempts = $null; Seconds = $null
            })
    }
}

Describe 'Retry bounds and what is never retried' {
    AfterEach { Clear-Faults }

    It '-MaxErrorRetry <Retry> bounds a permanently <Kind> GetParametersForImport: 1 + MaxErrorRetry requests per call, 3 batch attempts' -ForEach @(
        @{ Kind = 'throttled'; Rule = 'throttleRate'; ErrorId = 'KmsThrottled'; Retry = 2 }
        @{ Kind = 'failing (500)'; Rule = 'internalErrorRate'; ErrorId = 'KmsInternalError'; Retry = 1 }
        @{ Kind = 'dropped'; Rule = 'dropRate'; ErrorId = 'KmsEndpointUnreachable'; Retry = 2 }
    ) {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256
        Set-Faults @(@{ operation = 'GetParametersForImport'; $Rule = 1.0 })
        # The plain cmdlet: exactly 1 + MaxErrorRetry requests.
        Clear-LocalKmsRequest -Url $Url
        $key | Get-KmsImportParameters -MaxErrorRetry $Retry -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'GetParametersForImport').Count | Should -Be (1 + $Retry)
        # The batch: its own 3 attempts, each with 1 + MaxErrorRetry requests; then it reports the key.
        Set-Faults @(@{ operation = 'GetParametersForImport'; $Rule = 1.0 })   # counts from zero again
        Clear-LocalKmsRequest -Url $Url
        $result = $key | Invoke-KmsKeyImport -MaterialDirectory (New-MaterialFolder @($key)) -NoPacing -MaxErrorRetry $Retry -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorId | Should -Be $ErrorId
        $result.Attempts | Should -Be 3
        $result.KeyState | Should -Be 'PendingImport'
        $requests = @(Get-LocalKmsRequest -Url $Url)
        @($requests | Where-Object operation -eq 'GetParametersForImport').Count | Should -Be (3 * (1 + $Retry))
        @($requests | Where-Object operation -in 'CreateKey', 'ImportKeyMaterial').Count | Should -Be 0
        $script:Report.Add([pscustomobject][ordered]@{
                Profile = "bound: GetParametersForImport always $Kind, -MaxErrorRetry $Retry"; Keys = 1; Requests = $requests.Count
                MatchedByRules = (@(Get-FaultRules) | Measure-Object applied -Sum).Sum; FaultsInjected = (Get-Injected $requests).Count
                ByOperation = "GetParametersForImport $(3 * (1 + $Retry)) (= 3 attempts x (1 + $Retry))"; Imported = 0; Verified = 0; Failed = 1
                ResumedToEnabled = $null; Unknown = 0; MaxBatchAttempts = $result.Attempts; Seconds = $result.DurationSeconds
            })
        Clear-Faults
        (Invoke-Expression $result.ResumeCommand).Status | Should -Be 'Imported'
    }

    It 'the ResumeCommand runs as it is: same credential profile, and a path with a quote in it stays one argument' {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256
        $dir = Join-Path $Work "o'brien $([guid]::NewGuid().ToString('n'))"
        $null = New-Item -ItemType Directory $dir
        $b = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($b)
        [IO.File]::WriteAllBytes((Join-Path $dir "$($key.KeyId).bin"), $b)
        $credentials = Join-Path $Work 'credentials'
        Set-Content -Path $credentials -Value "[faults-profile]`naws_access_key_id = AKIDFAULTSPROFILE`naws_secret_access_key = faults-secret`n"
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; internalErrorRate = 1.0 })
        $result = $key | Invoke-KmsKeyImport -MaterialDirectory $dir -ProfileName 'faults-profile' -ProfileLocation $credentials -NoPacing -MaxErrorRetry 0 -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ResumeCommand | Should -Match "-ProfileName 'faults-profile' -ProfileLocation '"
        $result.ResumeCommand | Should -Not -Match 'faults-secret'
        $result.ResumeCommand | Should -BeLike "*o''brien*"
        Clear-Faults
        Clear-LocalKmsRequest -Url $Url
        (Invoke-Expression $result.ResumeCommand).Status | Should -Be 'Imported'
        @(Get-LocalKmsRequest -Url $Url).accessKeyId | Sort-Object -Unique | Should -Be 'AKIDFAULTSPROFILE'
    }

    It 'CreateKey is sent once per key under -MaxErrorRetry 0, whether KMS answers 500 or drops the connection' {
        foreach ($rule in @(@{ operation = 'CreateKey'; internalErrorRate = 1.0 }, @{ operation = 'CreateKey'; dropRate = 1.0 })) {
            Set-Faults @($rule)
            Clear-LocalKmsRequest -Url $Url
            New-KmsExternalKey @Common -MaxErrorRetry 0 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Match '^(KmsInternalError|KmsEndpointUnreachable),'
            @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'CreateKey').Count | Should -Be 1
        }
    }

    It 'a failure that is not transient is attempted once by the batch (no blind retries)' {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256
        $dir = New-MaterialFolder @($key)
        [IO.File]::WriteAllBytes((Join-Path $dir "$($key.KeyId).bin"), [byte[]]::new(31))   # wrong length: a local, permanent failure
        Clear-LocalKmsRequest -Url $Url
        $result = $key | Invoke-KmsKeyImport -MaterialDirectory $dir -NoPacing -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorId | Should -Be 'KeyMaterialWrongLength'
        $result.Attempts | Should -Be 1
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -in 'GetParametersForImport', 'ImportKeyMaterial').Count | Should -Be 0
    }
}

Describe 'Escrow before import, and no import with stale parameters' {
    AfterEach {
        Clear-Faults
        $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method DELETE
    }

    It 'writes the owner-only escrow file before ImportKeyMaterial is sent; a permanently failing import leaves it, and the resume imports it' {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256
        $escrow = New-Folder 'escrow-first'
        Set-Faults @(@{ operation = 'ImportKeyMaterial'; internalErrorRate = 1.0 })
        Clear-LocalKmsRequest -Url $Url
        $result = $key | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -NoPacing -MaxErrorRetry 1 -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorId | Should -Be 'KmsInternalError'
        $result.KeyState | Should -Be 'PendingImport'
        $file = Get-Item (Join-Path $escrow "$($key.KeyId).bin")
        $file.Length | Should -Be 32
        if (-not $IsWindows) { $file.UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        $imports = @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'ImportKeyMaterial')
        $imports.Count | Should -Be (3 * 2)   # 3 batch attempts x (1 + MaxErrorRetry 1), all with the one escrowed material
        # The file was written before the first ImportKeyMaterial reached the endpoint (same clock: the clock is not moved here).
        # (ConvertFrom-Json has already turned the ISO time into a DateTime; a string round trip would drop the milliseconds.)
        $t = $imports[0].time
        $first = if ($t -is [DateTime]) { $t.ToUniversalTime() } else { [DateTimeOffset]::Parse($t, [Globalization.CultureInfo]::InvariantCulture).UtcDateTime }
        $file.LastWriteTimeUtc | Should -BeLessOrEqual $first.AddMilliseconds(1)
        $hash = (Get-FileHash $file.FullName).Hash
        Clear-Faults
        (Invoke-Expression $result.ResumeCommand).Status | Should -Be 'Imported'
        (Get-FileHash $file.FullName).Hash | Should -Be $hash -Because 'the escrow file is imported, never rewritten'
        (Test-KmsKeyState @Common -KeyId $key.KeyId -Path $file.FullName).MaterialProved | Should -BeTrue
    }

    It 'refuses parameters that arrive stale (endpoint clock 24 h minus 30 s behind) without sending ImportKeyMaterial' {
        $keys = 1..2 | ForEach-Object { New-KmsExternalKey @Common -KeySpec HMAC_256 }
        $dir = New-MaterialFolder $keys
        # The endpoint stamps ParametersValidTo = its now + 24 h, which is 30 s from real now: inside the 1-minute margin.
        $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method POST -Body @{ advanceSeconds = -(86400 - 30) }
        Clear-LocalKmsRequest -Url $Url
        $results = @($keys | Invoke-KmsKeyImport -MaterialDirectory $dir -NoPacing -WarningAction SilentlyContinue)
        $results.Status | Sort-Object -Unique | Should -Be 'Failed'
        $results.ErrorId | Sort-Object -Unique | Should -Be 'ImportParametersExpired'
        $results.Attempts | Sort-Object -Unique | Should -Be 1
        $p = $keys[0] | Get-KmsImportParameters
        $p | Protect-KeyMaterial -Path (Join-Path $dir "$($keys[0].KeyId).bin") -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportParametersExpired,*'
        @(Get-LocalKmsRequest -Url $Url | Where-Object operation -eq 'ImportKeyMaterial').Count | Should -Be 0
        $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method DELETE
        foreach ($r in $results) { (Invoke-Expression $r.ResumeCommand).Status | Should -Be 'Imported' }
        foreach ($k in $keys) { (Test-KmsKeyState @Common -KeyId $k.KeyId -Path (Join-Path $dir "$($k.KeyId).bin")).MaterialProved | Should -BeTrue }
    }

    It 'refuses wrapped material whose parameters expired while it waited (endpoint clock moved on), before any call' {
        $key = New-KmsExternalKey @Common -KeySpec HMAC_256
        $dir = New-MaterialFolder @($key)
        # Parameters issued by an endpoint whose clock runs 23 h 59 m 30 s behind: valid for 30 more seconds.
        $null = Invoke-LocalKmsControl -Url $Url -Path 'clock' -Method POST -Body @{ advanceSeconds = -(86400 - 90) }
        $wrapped = $key | Get-KmsImportParameters | Protect-KeyMaterial -Path (Join-Path $dir "$($key.KeyId).bin")
        $wrapped | Should -Not -BeNullOrEmpty   # 90 s left when wrapped
        $wrapped.ParametersValidTo = $wrapped.ParametersValidTo.AddSeconds(-60)   # ...as if it had waited a minute
        Clear-LocalKmsRequest -Url $Url
        $wrapped | Import-KmsKeyMaterial -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportParametersExpired,*'
        @(Get-LocalKmsRequest -Url $Url).Count | Should -Be 0
    }
}
