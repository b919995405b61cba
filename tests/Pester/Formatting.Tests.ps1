# Every output type has a table and a list view, and byte arrays are summarised, never dumped.
# The default views read whole at 80 columns (79 usable in an 80-column console), and at 120: each
# output type is rendered from real objects (a 3-key seed pipeline, a multi-Region pipeline, a
# batch with a failure, the lifecycle cmdlets) and every table is checked for structure, not
# against a stored picture: every header label intact on one line (no wrapping letter by letter),
# no column dropped, the key columns (KeyId, Region, the status) whole on each object's row, no
# truncation ellipsis, no line wider than the width. Lists show every property, long values whole.
BeforeDiscovery {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    $script:OutputTypes = Get-Command -Module KmsImport | ForEach-Object { $_.OutputType.Name } |
        Where-Object { $_ -like 'KmsImport.*' } | Sort-Object -Unique | ForEach-Object { @{ TypeName = $_ } }
    # The renderings checked; BeforeAll makes the objects of each.
    $script:CaseNames = @(
        'seed 1 New-KmsExternalKey', 'seed 2 Get-KmsImportParameters', 'seed 3 Protect-KeyMaterial',
        'seed 4 Import-KmsKeyMaterial', 'seed 5 Test-KmsKeyState',
        'multi-Region 1 New-KmsExternalKey -ReplicaRegion', 'multi-Region 2 Get-KmsImportParameters',
        'multi-Region 3 Protect-KeyMaterial', 'multi-Region 4 Import-KmsKeyMaterial', 'multi-Region 5 Test-KmsKeyState',
        'Protect-KeyMaterial RSA_2048 (SHA256(SPKI) fingerprint)', 'Invoke-KmsKeyImport across Regions with a failure',
        'Invoke-KmsKeyImport -Plan with replicas and a failure',
        'Get-KmsKeyMaterialExpiry', 'Get-KmsKeyRotation', 'Invoke-KmsKeyRotation', 'Restore-KmsKeyMaterial',
        'Remove-KmsImportedKeyMaterial -PassThru', 'Remove-KmsExternalKey', 'Test-KmsCeremonyEvidence'
    )
    $script:TableCases = foreach ($name in $CaseNames) { foreach ($width in 79, 80, 120) { @{ Name = $name; Width = $width } } }
    $script:ListCases = foreach ($name in $CaseNames) { @{ Name = $name } }
}

BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Url = $env:KMSIMPORT_TEST_ENDPOINT
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Url }
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-formatting-' + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $script:Work
    $script:Material = Join-Path $script:Work 'material.bin'
    $script:MaterialBytes = [byte[]]::new(32)
    [Security.Cryptography.RandomNumberGenerator]::Fill($script:MaterialBytes)
    [IO.File]::WriteAllBytes($script:Material, $script:MaterialBytes)
    $run = [guid]::NewGuid().ToString('n').Substring(0, 8)

    # What each view must keep whole: the key columns, and how an object's row starts (KeyId, Region,
    # then the status). Rotation tables are grouped by key: KeyId and Region head each group.
    $script:KeyColumns = @{
        'KmsImport.KmsExternalKey'       = 'KeyId', 'Region', 'KeyState'
        'KmsImport.KmsImportParameters'  = 'KeyId', 'Region', 'ValidTo (UTC)'
        'KmsImport.ProtectedKeyMaterial' = 'KeyId', 'Region', 'Fingerprint', 'ValidTo (UTC)'
        'KmsImport.KmsImportResult'      = 'KeyId', 'Region', 'Outcome', 'Expiry'
        'KmsImport.KmsKeyStateReport'    = 'KeyId', 'Region', 'KeyState', 'Passed'
        'KmsImport.KmsKeyDescription'    = 'KeyId', 'Region', 'KeyState'
        'KmsImport.KmsKeyMaterialInfo'   = 'KeyMaterialId', 'KeyMaterialState', 'ImportState', 'Expiry'
        'KmsImport.KmsKeyExpiryReport'   = 'KeyId', 'Region', 'Status', 'Expiry'
        'KmsImport.KmsBatchImportResult' = 'KeyId', 'Region', 'Status', 'ErrorId'
        'KmsImport.KmsFleetImportResult' = 'KeyId', 'Region', 'Row', 'Status'
        'KmsImport.KmsCeremonyKeyEvidence' = 'KeyId', 'Region', 'Steps', 'Failed', 'LastOutcome'
    }
    function Get-RowPattern($o) {
        $id = [regex]::Escape($o.KeyId)
        $expiry = '(Never|\d{4}-\d\d-\d\d)'
        switch ($o.PSObject.TypeNames[0]) {
            'KmsImport.KmsExternalKey' { "^$id $($o.Region) +$(if ($o.ReplicationPending) { '\(to create\)' } else { $o.KeyState })( |$)" }
            'KmsImport.KmsImportParameters' { "^$id $($o.Region) +$($o.WrappingKeySpec) +\d\d:\d\d in (\d+|<1) h$" }
            'KmsImport.ProtectedKeyMaterial' { "^$id $($o.Region) +[0-9A-Fa-f.]{6,13} +\d\d:\d\d in (\d+|<1) h$" }
            'KmsImport.KmsImportResult' { "^$id $($o.Region) +$($o.Outcome) +$expiry$" }
            'KmsImport.KmsKeyStateReport' { "^$id $($o.Region) +$($o.KeyState) +$($o.Passed)$" }
            'KmsImport.KmsKeyDescription' { "^$id $($o.Region) +$($o.KeyState)( +\d{4}-\d\d-\d\d)? *$" }
            'KmsImport.KmsKeyExpiryReport' { "^$id $($o.Region) +$($o.Status)( +$expiry)? *$" }
            'KmsImport.KmsBatchImportResult' { "^$id $($o.Region) +$($o.Status)( |$)" }
            'KmsImport.KmsFleetImportResult' { "^$id $($o.Region) +$($o.Row) $($o.Status)( |$)" }
            'KmsImport.KmsCeremonyKeyEvidence' { "^$id $($o.Region) +$($o.StepCount) +$($o.FailedCount) +$($o.LastOutcome)$" }
            'KmsImport.KmsKeyMaterialInfo' {
                "^$([regex]::Escape($o.KeyMaterialId.Substring(0, 7)))\.\.$([regex]::Escape($o.KeyMaterialId.Substring(60))) +$($o.KeyMaterialState) +$($o.ImportState) +$expiry"
            }
        }
    }

    # The table labels of a type's default view, as declared.
    function Get-TableLabel([string] $TypeName) {
        $view = (Get-FormatData -TypeName $TypeName).FormatViewDefinition | Where-Object { $_.Control -is [Management.Automation.TableControl] }
        @($view.Control.Headers.Label)
    }

    # The headers of every table in a rendering: the line above each line of dashes, cut where the
    # dashes say the columns are.
    function Get-RenderedHeader([string[]] $Lines) {
        for ($i = 1; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i] -match '^-[- ]*$') {
                $spans = [regex]::Matches($Lines[$i], '-+')
                [pscustomobject]@{
                    Above  = if ($i -ge 2) { $Lines[$i - 2] } else { '' }
                    Labels = @(foreach ($s in $spans) {
                            $line = $Lines[$i - 1]
                            if ($line.Length -le $s.Index) { '' } else { $line.Substring($s.Index, [Math]::Min($s.Length, $line.Length - $s.Index)) }
                        })
                    Widths = @($spans | ForEach-Object Length)
                }
            }
        }
    }

    # The seed and multi-Region pipelines record evidence (the preference variable), read back by Test-KmsCeremonyEvidence.
    $evidence = Join-Path $script:Work 'ceremony.jsonl'
    $KmsImportEvidencePath = $evidence
    # The seed pipeline, three keys, every stage kept (-OutVariable) as it streamed.
    $null = 1..3 | ForEach-Object { New-KmsExternalKey @Common -Alias "alias/fmt-$run-$_" -OutVariable +seedKeys } |
        Get-KmsImportParameters -OutVariable +seedParams | Protect-KeyMaterial -Path $Material -OutVariable +seedWrapped |
        Import-KmsKeyMaterial -ValidTo (Get-Date).AddDays(60) -OutVariable +seedImported | Test-KmsKeyState -OutVariable +seedTested
    # The multi-Region pipeline: replicas in the Regions with the longest names; Get-KmsImportParameters creates them.
    $null = New-KmsExternalKey @Common -ReplicaRegion 'ap-southeast-2', 'eu-central-1' -OutVariable +mrKeys |
        Get-KmsImportParameters -OutVariable +mrParams | Protect-KeyMaterial -Path $Material -OutVariable +mrWrapped |
        Import-KmsKeyMaterial -OutVariable +mrImported | Test-KmsKeyState -OutVariable +mrTested
    Remove-Variable KmsImportEvidencePath
    $ceremony = Test-KmsCeremonyEvidence -Path $evidence
    $rsa = New-KmsExternalKey @Common -KeySpec RSA_2048 -KeyUsage SIGN_VERIFY | Get-KmsImportParameters | Protect-KeyMaterial -Generate -NoEscrow
    $batchKeys = @(New-KmsExternalKey @Common -ReplicaRegion 'ap-northeast-1') + @(
        [pscustomobject]@{ KeyId = [guid]::NewGuid().ToString(); Region = 'eu-west-2' })
    $batch = $batchKeys | Invoke-KmsKeyImport -Path $Material -EndpointUrl $Url -NoPacing -WarningAction SilentlyContinue
    # A plan: a multi-Region key with replicas in long-named Regions, and an alias that already names a key with other material.
    $otherMaterial = Join-Path $script:Work 'other.bin'
    [IO.File]::WriteAllBytes($otherMaterial, [Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $null = New-KmsExternalKey @Common -Alias "alias/fmt-plan-$run-taken" | Get-KmsImportParameters | Protect-KeyMaterial -Path $otherMaterial | Import-KmsKeyMaterial
    $planRows = @(
        [pscustomobject]@{ Region = 'eu-west-2'; Alias = "fmt-plan-$run-mr"; MultiRegion = $true; ReplicaRegion = 'ap-southeast-2;eu-central-1'; Path = $Material }
        [pscustomobject]@{ Region = 'eu-west-2'; Alias = "fmt-plan-$run-taken"; Path = $Material }
    )
    $fleet = $planRows | Invoke-KmsKeyImport -EndpointUrl $Url -NoPacing -WarningAction SilentlyContinue
    $pending = New-KmsExternalKey @Common
    $expiry = @($seedKeys + $pending) | Get-KmsKeyMaterialExpiry
    # A key with material pending rotation (KeyMaterialState PENDING_ROTATION), then rotated.
    $rotating = New-KmsExternalKey @Common | Get-KmsImportParameters | Protect-KeyMaterial -Path $Material | Import-KmsKeyMaterial
    $null = $rotating | Get-KmsImportParameters | Protect-KeyMaterial -Generate -NoEscrow |
        Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL -KeyMaterialDescription 'rotation 2026-12'
    $rotations = @($seedKeys + $rotating + $mrKeys[0]) | Get-KmsKeyRotation
    $rotated = $rotating | Invoke-KmsKeyRotation -Confirm:$false -PassThru
    $restored = $seedKeys[1] | Restore-KmsKeyMaterial -Path $Material -ValidTo (Get-Date).AddDays(90) -Confirm:$false
    $removedMaterial = $seedKeys[2] | Remove-KmsImportedKeyMaterial -Confirm:$false -PassThru
    $removed = @($pending, $seedKeys[2]) | Remove-KmsExternalKey -Force -Confirm:$false

    $script:Cases = @{
        'seed 1 New-KmsExternalKey'                               = $seedKeys
        'seed 2 Get-KmsImportParameters'                          = $seedParams
        'seed 3 Protect-KeyMaterial'                              = $seedWrapped
        'seed 4 Import-KmsKeyMaterial'                            = $seedImported
        'seed 5 Test-KmsKeyState'                                 = $seedTested
        'multi-Region 1 New-KmsExternalKey -ReplicaRegion'        = $mrKeys
        'multi-Region 2 Get-KmsImportParameters'                  = $mrParams
        'multi-Region 3 Protect-KeyMaterial'                      = $mrWrapped
        'multi-Region 4 Import-KmsKeyMaterial'                    = $mrImported
        'multi-Region 5 Test-KmsKeyState'                         = $mrTested
        'Protect-KeyMaterial RSA_2048 (SHA256(SPKI) fingerprint)' = $rsa
        'Invoke-KmsKeyImport across Regions with a failure'       = $batch
        'Invoke-KmsKeyImport -Plan with replicas and a failure'    = $fleet
        'Get-KmsKeyMaterialExpiry'                                = $expiry
        'Get-KmsKeyRotation'                                      = $rotations
        'Invoke-KmsKeyRotation'                                   = $rotated
        'Restore-KmsKeyMaterial'                                  = $restored
        'Remove-KmsImportedKeyMaterial -PassThru'                 = $removedMaterial
        'Remove-KmsExternalKey'                                   = $removed
        'Test-KmsCeremonyEvidence'                                = $ceremony
    }
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue
}

Describe 'Default views' {
    It 'declares output types for every cmdlet' {
        Get-Command -Module KmsImport | Where-Object { -not $_.OutputType } | ForEach-Object Name | Should -BeNullOrEmpty
    }

    It '<TypeName> has a table view and a list view' -ForEach $OutputTypes {
        $views = (Get-FormatData -TypeName $TypeName).FormatViewDefinition
        $views.Control | ForEach-Object { $_.GetType().Name } | Should -Contain 'TableControl'
        $views.Control | ForEach-Object { $_.GetType().Name } | Should -Contain 'ListControl'
    }

    It 'shows public keys, tokens and wrapped material by length in tables and lists' {
        $bytes = [byte[]]::new(32)
        [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        $params = New-KmsExternalKey @Common | Get-KmsImportParameters -WrappingKeySpec RSA_2048
        $wrapped = $params | Protect-KeyMaterial -KeyMaterial $bytes
        foreach ($object in $params, $wrapped) {
            $list = $object | Format-List | Out-String -Width 200
            $list | Should -Match "ImportToken\s+: $($object.ImportToken.Length) bytes"
            # No run of the token's bytes as numbers (the default rendering of a byte[]).
            $list | Should -Not -Match ('\{' + $object.ImportToken[0] + ', ' + $object.ImportToken[1])
        }
        $wrapped | Format-List | Out-String -Width 200 | Should -Match "EncryptedKeyMaterial\s+: $($wrapped.EncryptedKeyMaterial.Length) bytes"
        $params | Format-List | Out-String -Width 200 | Should -Match "PublicKey\s+: $($params.PublicKey.Length) bytes"
    }
}

Describe 'Views at 80 and 120 columns' {
    It 'renders every output type in at least one case, and each case has the objects it names' {
        $rendered = $Cases.Values | ForEach-Object { $_ } | ForEach-Object { $_.PSObject.TypeNames[0] } | Sort-Object -Unique
        foreach ($t in $OutputTypes.TypeName) { $rendered | Should -Contain $t }
        foreach ($name in $Cases.Keys) { @($Cases[$name]).Count | Should -BeGreaterThan 0 -Because $name }
        @($Cases['seed 5 Test-KmsKeyState']).Count | Should -Be 3
        @($Cases['seed 5 Test-KmsKeyState'].Passed) | Should -Be @($true, $true, $true)
        @($Cases['multi-Region 5 Test-KmsKeyState'].Region) | Should -Be @('eu-west-2', 'ap-southeast-2', 'eu-central-1')
        @($Cases['Invoke-KmsKeyImport across Regions with a failure'].Status) | Should -Be @('Imported', 'Imported', 'Failed')
        @($Cases['Invoke-KmsKeyImport -Plan with replicas and a failure'].Status) | Should -Be @('Imported', 'Imported', 'Imported', 'Failed')
        @($Cases['Invoke-KmsKeyImport -Plan with replicas and a failure'])[3].ErrorId | Should -Be 'KmsPlanAliasOtherMaterial'
        # Three seed keys and the multi-Region primary and its two replicas, each with its steps.
        @($Cases['Test-KmsCeremonyEvidence']).Count | Should -Be 6
        @($Cases['Test-KmsCeremonyEvidence'].Region | Sort-Object -Unique) | Should -Be @('ap-southeast-2', 'eu-central-1', 'eu-west-2')
    }

    It '<Name> at <Width> columns: headers whole, no column dropped or cut, key columns whole on every row' -ForEach $TableCases {
        $objects = @($Cases[$Name])
        $type = $objects[0].PSObject.TypeNames[0]
        $labels = Get-TableLabel $type
        foreach ($k in $KeyColumns[$type]) { $labels | Should -Contain $k -Because "the view of $type keeps its key columns" }

        foreach ($text in ($objects | Out-String -Width $Width), ($objects | Format-Table | Out-String -Width $Width)) {
            $lines = $text -split '\r?\n'
            $text | Should -Not -Match '…|\.\.\.' -Because 'nothing is cut off'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual $Width -Because "no line is wider than $Width`: '$line'" }

            $headers = @(Get-RenderedHeader $lines)
            $headers.Count | Should -BeGreaterThan 0
            foreach ($h in $headers) {
                # One header line (a wrapped header leaves its first part above) holding every label whole.
                $h.Above.Trim() | Should -Not -Match '^\S+$' -Because 'a header does not start on an earlier line'
                ($h.Labels | ForEach-Object { $_.TrimEnd() }) -join '|' | Should -Be ($labels -join '|')
            }
            foreach ($o in $objects) {
                $lines -match (Get-RowPattern $o) | Should -Not -BeNullOrEmpty -Because "the row of $($o.KeyId) in $($o.Region) is whole"
                if ($type -eq 'KmsImport.KmsKeyMaterialInfo') {
                    $lines | Should -Contain "   KeyId: $($o.KeyId)  Region: $($o.Region)"
                }
            }
        }
    }

    It '<Name>: the list view shows every property, long values whole' -ForEach $ListCases {
        foreach ($o in @($Cases[$Name])) {
            foreach ($width in 80, 120) {
                $text = $o | Format-List | Out-String -Width $width
                $text | Should -Not -Match '…|\.\.\.'
                foreach ($p in $o.PSObject.Properties.Name) { $text | Should -Match "(?m)^$p +: " -Because "Format-List shows $p" }
                # A value longer than the line continues on the next ones; joined (white space aside), it is whole.
                $joined = $text -replace '\s', ''
                foreach ($p in 'KeyId', 'Arn', 'KeyMaterialId', 'CurrentKeyMaterialId', 'Fingerprint', 'Alias', 'ResumeCommand') {
                    if ($o.PSObject.Properties[$p] -and $o.$p) { $joined.Contains(($o.$p -replace '\s', '')) | Should -BeTrue -Because "$p is whole" }
                }
            }
        }
    }

    It 'the Model types no cmdlet writes yet (keys, aliases, Regions of a listing) read whole too' {
        $sets = @(
            @([KmsImport.KmsKeyListEntry]::new('1ac13bf8-24f2-44d0-b309-f418b2bb843e', 'arn:aws:kms:ap-southeast-2:111122223333:key/1ac13bf8-24f2-44d0-b309-f418b2bb843e')),
            @([KmsImport.KmsAliasListEntry]::new('alias/payments-prod-signing-2026', 'mrk-8e6ef85a51bfefe397faa40869cff5ce'), [KmsImport.KmsAliasListEntry]::new('alias/unused', $null)),
            @([KmsImport.KmsRegionName]::new('ap-southeast-2', 'Asia Pacific (Sydney)'), [KmsImport.KmsRegionName]::new('eu-west-2', 'Europe (London)'))
        )
        foreach ($set in $sets) {
            $labels = Get-TableLabel $set[0].PSObject.TypeNames[0]
            foreach ($width in 79, 120) {
                $lines = ($set | Out-String -Width $width) -split '\r?\n'
                $lines -join "`n" | Should -Not -Match '…|\.\.\.'
                foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual $width }
                foreach ($h in Get-RenderedHeader $lines) { ($h.Labels | ForEach-Object { $_.TrimEnd() }) -join '|' | Should -Be ($labels -join '|') }
                $joined = $lines -join '' -replace '\s', ''
                foreach ($o in $set) { foreach ($p in $o.PSObject.Properties) { if ($p.Value) { $joined.Contains(($p.Value -replace '\s', '')) | Should -BeTrue -Because "$($p.Name) is whole" } } }
            }
        }
    }

    It 'names Expiry Never or the date, and ValidTo the time and the hours left, instead of the KMS names' {
        $imported = @($Cases['seed 4 Import-KmsKeyMaterial'])[0]
        $imported | Out-String -Width 80 | Should -Match ([regex]::Escape($imported.ValidTo.ToString('yyyy-MM-dd')))
        @($Cases['multi-Region 4 Import-KmsKeyMaterial'])[0] | Out-String -Width 80 | Should -Match ' Never\r?\n'
        foreach ($case in 'seed 4 Import-KmsKeyMaterial', 'seed 5 Test-KmsKeyState', 'Get-KmsKeyMaterialExpiry') {
            $Cases[$case] | Out-String -Width 80 | Should -Not -Match 'KEY_MATERIAL_'
        }
        $params = @($Cases['seed 2 Get-KmsImportParameters'])[0]
        $params | Out-String -Width 80 | Should -Match " $($params.ParametersValidTo.ToString('HH:mm')) in 2[34] h"
        $params | Format-List | Out-String -Width 80 | Should -Match "ParametersValidTo  : $($params.ParametersValidTo.ToString('yyyy-MM-dd HH:mm:ss')) UTC \(in 2[34] h\)"
    }

    It 'shows no secret in any view: the material is on no object, and no view prints it' {
        $hex = ($MaterialBytes | ForEach-Object { $_.ToString('x2') }) -join ''
        $b64 = [Convert]::ToBase64String($MaterialBytes)
        foreach ($objects in $Cases.Values) {
            foreach ($text in ($objects | Out-String -Width 120), ($objects | Format-List | Out-String -Width 400)) {
                $text.Replace('-', '').ToLowerInvariant() | Should -Not -Match $hex.Substring(0, 16)
                $text | Should -Not -Match ([regex]::Escape($b64.Substring(0, 16)))
            }
        }
    }
}
