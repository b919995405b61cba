# Help: every cmdlet the module exports has real help (Get-Help -Full, read in a fresh pwsh so no
# module file stays locked and no earlier help cache is seen), and the Markdown it is made from
# (docs/cmdlets, PlatyPS's format) documents exactly the parameters, parameter sets and bindings
# the cmdlet really has, so help cannot drift silently when a parameter is added or changed.
BeforeDiscovery {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    $Cmdlets = @(Get-Command -Module KmsImport -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Converter = Join-Path $Root 'tools/Convert-HelpMarkdownToMaml.ps1'
    $script:DocsDir = Join-Path $Root 'docs/cmdlets'
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters

    # The Markdown, parsed by the same code that makes the MAML.
    $script:Markdown = @{}
    foreach ($c in & $Converter -Path $DocsDir -AsObject) { $Markdown[$c.Name] = $c }

    # Get-Help in a fresh pwsh: what a user sees after Import-Module, with the help files the build laid out.
    $helpJson = Join-Path ([IO.Path]::GetTempPath()) ("kmsimport-help-" + [guid]::NewGuid().ToString('n') + '.json')
    $probe = @'
$ErrorActionPreference = 'Stop'
[System.Globalization.CultureInfo]::CurrentUICulture = 'en-US'
Import-Module $env:KMSIMPORT_TEST_MODULE
function Get-Text($nodes) { (@($nodes) | Where-Object { $_ } | ForEach-Object { "$($_.Text)".Trim() } | Where-Object { $_ }) -join "`n" }
$commands = foreach ($c in Get-Command -Module KmsImport -CommandType Cmdlet) {
    $h = Get-Help $c.Name -Full
    [pscustomobject]@{
        Name        = $c.Name
        Synopsis    = "$($h.Synopsis)".Trim()
        Description = Get-Text $h.description
        Parameters  = @(foreach ($p in @($h.parameters.parameter)) {
            [pscustomobject]@{ Name = "$($p.name)"; Description = Get-Text $p.description }
        })
        Examples    = @(foreach ($e in @($h.examples.example)) { [pscustomobject]@{ Title = "$($e.title)"; Code = "$($e.code)".Trim(); Remarks = Get-Text $e.remarks } })
        Notes       = Get-Text $h.alertSet.alert
        TypeText    = @(@($h.inputTypes.inputType) + @($h.returnValues.returnValue) | Where-Object { $_ } | ForEach-Object { Get-Text $_.description })
        Syntax      = (Get-Help $c.Name | Out-String -Width 500)
        Full        = (Get-Help $c.Name -Full | Out-String -Width 200)
    }
}
$about = Get-Help about_KmsImport | Out-String -Width 200
[pscustomobject]@{ Commands = @($commands); About = $about } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $env:KMSIMPORT_HELP_JSON -Encoding utf8
'@
    try {
        $null = Invoke-FreshPwsh -Script $probe -Environment @{ KMSIMPORT_HELP_JSON = $helpJson }
        $script:Help = Get-Content -Raw -LiteralPath $helpJson | ConvertFrom-Json
    } finally {
        Remove-Item -LiteralPath $helpJson -ErrorAction SilentlyContinue
    }
    $script:HelpOf = @{}
    foreach ($h in $Help.Commands) { $HelpOf[$h.Name] = $h }

    function script:Get-DocumentedParameterName([string] $Command) {
        (Get-Command $Command).Parameters.Keys | Where-Object { $CommonParameters -notcontains $_ }
    }

    function script:Get-ShortTypeName([type] $Type) {
        if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { $Type = $Type.GetGenericArguments()[0] }
        if ($Type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
        $Type.Name
    }
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = $HelpOf[$Name]
        $md = $Markdown[$Name]
    }

    It 'has a Markdown source in docs/cmdlets' {
        $md | Should -Not -BeNullOrEmpty -Because "docs/cmdlets/$Name.md should document every exported cmdlet"
    }

    It 'shows a synopsis of its own, not the generated syntax' {
        $help | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($Name) + '(\s|$)')
        $help.Synopsis | Should -Not -BeLike '*<CommonParameters>*'
        $help.Synopsis | Should -Be $md.Synopsis
    }

    It 'shows a description' {
        $help.Description | Should -Not -BeNullOrEmpty
        $help.Description.Length | Should -BeGreaterThan 100
    }

    It 'describes every parameter of the cmdlet' {
        foreach ($parameter in Get-DocumentedParameterName $Name) {
            $shown = @($help.Parameters | Where-Object Name -eq $parameter)
            $shown.Count | Should -Be 1 -Because "Get-Help $Name -Full should show -$parameter"
            $shown[0].Description | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }

    It 'shows at least two examples, each with code' {
        @($help.Examples).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.Examples) {
            $example.Code | Should -Not -BeNullOrEmpty -Because "example '$($example.Title)' needs code"
            $example.Code | Should -Match ([regex]::Escape($Name)) -Because "example '$($example.Title)' should use $Name"
        }
    }

    It 'has Markdown that documents exactly the cmdlet''s parameters' {
        @($md.Parameters.Name | Sort-Object) | Should -Be @(Get-DocumentedParameterName $Name | Sort-Object)
    }

    It 'has Markdown with the cmdlet''s parameter sets, default set first' {
        $sets = @($command.ParameterSets)
        @($md.Syntax.Name | Sort-Object) | Should -Be @($sets.Name | Sort-Object)
        if ($sets.Count -gt 1) {
            @($md.Syntax | Where-Object IsDefault).Name | Should -Be $command.DefaultParameterSet
        }
        foreach ($set in $md.Syntax) {
            # The syntax block names every parameter of the set (common ones excepted).
            $actual = @($sets | Where-Object Name -eq $set.Name).Parameters.Name | Where-Object { $CommonParameters -notcontains $_ }
            @($set.Parameters.Name | Sort-Object) | Should -Be @($actual | Sort-Object) -Because "set '$($set.Name)' of $Name"
            foreach ($p in $actual) { $set.Text | Should -Match ('-' + $p + '\b') -Because "the syntax of set '$($set.Name)' should show -$p" }
        }
    }

    It 'has Markdown whose type, aliases, required, position and pipeline input match each parameter in each set' {
        $allSets = @($command.ParameterSets.Name)
        foreach ($documented in $md.Parameters) {
            $actual = $command.Parameters[$documented.Name]
            foreach ($block in $documented.Blocks) {
                $block.Type | Should -Be (Get-ShortTypeName $actual.ParameterType) -Because "the type of -$($documented.Name)"
                @($block.Aliases | Sort-Object) | Should -Be @($actual.Aliases | Sort-Object) -Because "the aliases of -$($documented.Name)"
            }
            foreach ($entry in $actual.ParameterSets.GetEnumerator()) {
                $setNames = if ($entry.Key -eq '__AllParameterSets') { $allSets } else { @($entry.Key) }
                foreach ($setName in $setNames) {
                    $block = @($documented.Blocks | Where-Object { $_.ParameterSets -contains $setName -or $_.ParameterSets -contains '(All)' })
                    $block.Count | Should -Be 1 -Because "-$($documented.Name) should have one yaml block for set '$setName'"
                    $m = $entry.Value
                    $pipe = @(); if ($m.ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }; if ($m.ValueFromPipeline) { $pipe += 'ByValue' }
                    $because = "-$($documented.Name) in set '$setName'"
                    $block[0].Required | Should -Be $m.IsMandatory -Because $because
                    $block[0].Position | Should -Be $(if ($m.Position -lt 0) { 'Named' } else { "$($m.Position)" }) -Because $because
                    $block[0].PipelineInput | Should -Be $(if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }) -Because $because
                }
            }
        }
    }

    It 'has Markdown that names every output type' {
        foreach ($type in $command.OutputType) {
            $md.Outputs.Name | Should -Contain $type.Name
        }
    }

    It 'shows no Markdown artefacts in Get-Help -Full (backticks, **, links, emphasis markers)' {
        # The prose (everything but example code, where a backtick is PowerShell's line continuation).
        $prose = @($help.Synopsis, $help.Description, $help.Notes) + @($help.Parameters.Description) + @($help.Examples.Remarks) + @($help.TypeText) |
            Where-Object { $_ }
        $help.Notes | Should -Not -BeNullOrEmpty
        foreach ($text in $prose) {
            $text | Should -Not -Match '`' -Because "Get-Help $Name shows a Markdown code span: '$text'"
            $text | Should -Not -Match '\*\*|__\w' -Because "Get-Help $Name shows Markdown strong markers: '$text'"
            $text | Should -Not -Match '\]\(|!\[' -Because "Get-Help $Name shows Markdown link syntax: '$text'"
            $text | Should -Not -Match '(^|\s)[*_][A-Za-z][^*_]*[*_](\s|[.,;:]|$)' -Because "Get-Help $Name shows Markdown emphasis: '$text'"
            $text | Should -Not -Match '(^|\n)#{1,6} |<br\s*/?>|\\[<>\[\]*_`]' -Because "Get-Help $Name shows Markdown headings, HTML or escapes: '$text'"
        }
        # And the page as a whole: no link syntax or strong markers anywhere, code included.
        $help.Full | Should -Not -Match '\]\(|\*\*'
    }

    It 'has notes and related links' {
        ($md.Notes -join ' ') | Should -Not -BeNullOrEmpty
        $md.Links.Text | Should -Contain 'about_KmsImport'
    }
}

Describe 'The help files' {
    It 'document no cmdlet the module does not export' {
        $exported = @(Get-Command -Module KmsImport -CommandType Cmdlet).Name
        foreach ($name in $Markdown.Keys) { $exported | Should -Contain $name -Because "docs/cmdlets/$name.md documents a cmdlet" }
    }

    It 'are built into en-US/KmsImport.dll-Help.xml as valid MAML, one command per cmdlet' {
        $moduleDir = Split-Path -Parent $env:KMSIMPORT_TEST_MODULE
        $file = Join-Path $moduleDir 'en-US/KmsImport.dll-Help.xml'
        Test-Path $file | Should -BeTrue
        $xml = [xml](Get-Content -Raw $file)
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $names = @($xml.SelectNodes('//command:command/command:details/command:name', $ns) | ForEach-Object InnerText)
        @($names | Sort-Object) | Should -Be @(Get-Command -Module KmsImport -CommandType Cmdlet | ForEach-Object Name | Sort-Object)
        $xml.helpItems.schema | Should -Be 'maml'
    }

    It 'include about_KmsImport, which Get-Help shows' {
        $Help.About | Should -Match 'about_KmsImport'
        $Help.About | Should -Match 'SHORT DESCRIPTION'
        $Help.About | Should -Match 'CREDENTIALS AND REGION'
        foreach ($name in (Get-Command -Module KmsImport -CommandType Cmdlet).Name) {
            $Help.About | Should -Match ([regex]::Escape($name)) -Because 'the about topic should name every cmdlet'
        }
    }

    It 'show the parameter syntax with enum values in Get-Help' {
        $HelpOf['New-KmsExternalKey'].Syntax | Should -Match 'SYMMETRIC_DEFAULT \| HMAC_224'
    }
}

Describe 'The Markdown-to-MAML converter refuses what it does not understand' {
    BeforeAll {
        $script:Good = Get-Content -Raw (Join-Path $DocsDir 'Get-KmsKeyRotation.md')
        function script:Convert-One([string] $Text) {
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory $dir
            Set-Content -LiteralPath (Join-Path $dir 'Get-KmsKeyRotation.md') -Value $Text -NoNewline
            & $Converter -Path $dir -OutputPath (Join-Path $dir 'KmsImport.dll-Help.xml')
            Join-Path $dir 'KmsImport.dll-Help.xml'
        }
    }

    It 'converts a good file' {
        $xml = [xml](Get-Content -Raw (Convert-One $Good))
        $xml.helpItems.command.details.name | Should -Be 'Get-KmsKeyRotation'
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'an unknown section'; From = '## NOTES'; To = "## REMARKS`n`n## NOTES"; Message = 'unknown section' }
        @{ Case = 'a syntax that names an undocumented parameter'; From = '[-KeyId] <String>'; To = '[-KeyId] <String> [-Bogus]'; Message = 'names -Bogus' }
        @{ Case = 'a parameter without its yaml block'; From = '```yaml'; To = '```text'; Message = 'no yaml block' }
        @{ Case = 'another external help file'; From = 'external help file: KmsImport.dll-Help.xml'; To = 'external help file: Other.dll-Help.xml'; Message = 'not KmsImport.dll-Help.xml' }
    ) {
        $Good.Contains($From) | Should -BeTrue
        { Convert-One ($Good.Replace($From, $To)) } | Should -Throw "*$Message*"
    }
}

Describe 'The Markdown-to-MAML converter writes prose as plain text' {
    It 'turns <Case> into plain text' -ForEach @(
        @{ Case = 'code spans'; Markdown = 'Pass `-Force` or ``-Path `x` `` here.'; Text = 'Pass -Force or -Path `x` here.' }
        @{ Case = 'strong and emphasis'; Markdown = 'This is **not** _undone_ nor *done*; KEY_MATERIAL_EXPIRES and HMAC_* stay.'; Text = 'This is not undone nor done; KEY_MATERIAL_EXPIRES and HMAC_* stay.' }
        @{ Case = 'links'; Markdown = 'See [about_KmsImport]() and [the guide](https://example.com/g) or <https://example.com/x>.'; Text = 'See about_KmsImport and the guide (https://example.com/g) or https://example.com/x.' }
        @{ Case = 'escapes'; Markdown = 'A literal \*, \_, \` and \<id\>.'; Text = 'A literal *, _, ` and <id>.' }
        @{ Case = 'a code span over a line break'; Markdown = "Run ``Get-KmsKeyMaterialExpiry`n-Region x`` first."; Text = 'Run Get-KmsKeyMaterialExpiry -Region x first.' }
    ) {
        $good = Get-Content -Raw (Join-Path $DocsDir 'Get-KmsKeyRotation.md')
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $dir
        $marker = '## NOTES'
        $good.Contains($marker) | Should -BeTrue
        Set-Content -LiteralPath (Join-Path $dir 'Get-KmsKeyRotation.md') -Value ($good.Replace($marker, "$marker`n`n$Markdown`n")) -NoNewline
        $parsed = & $Converter -Path $dir -AsObject
        $parsed.Notes[0] | Should -BeExactly $Text
    }
}

Describe 'Errors carry the next PowerShell step (ErrorDetails.RecommendedAction)' {
    BeforeAll {
        $script:Server = Start-LocalKms -LocalKmsPath $env:KMSIMPORT_TEST_LOCALKMS
        $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $script:Server.Url }
        $script:Missing = Join-Path $TestDrive 'no-such-file.bin'
        $script:Unknown = '1234abcd-12ab-34cd-56ef-1234567890ab'
    }
    AfterAll { Stop-LocalKms -Server $script:Server }

    It '<Cmdlet>: <ErrorId> recommends <Names>' -ForEach @(
        @{ Cmdlet = 'New-KmsExternalKey'; ErrorId = 'KeyUsageNotAllowed'; Names = 'New-KmsExternalKey'; Run = { New-KmsExternalKey @Common -KeySpec HMAC_256 -KeyUsage ENCRYPT_DECRYPT } }
        @{ Cmdlet = 'Get-KmsImportParameters'; ErrorId = 'KmsKeyNotFound'; Names = 'Get-KmsKeyMaterialExpiry'; Run = { Get-KmsImportParameters @Common -KeyId $Unknown } }
        @{ Cmdlet = 'Protect-KeyMaterial'; ErrorId = 'KeyMaterialFileNotFound'; Names = 'Protect-KeyMaterial'; Run = {
            Protect-KeyMaterial -KeyId $Unknown -KeySpec SYMMETRIC_DEFAULT -WrappingAlgorithm RSAES_OAEP_SHA_256 -WrappingKeySpec RSA_2048 `
                -PublicKey ([byte[]](1..10)) -ImportToken ([byte[]](1..10)) -ParametersValidTo (Get-Date).AddHours(1) -Path $Missing } }
        @{ Cmdlet = 'Import-KmsKeyMaterial'; ErrorId = 'ImportBundleNotFound'; Names = 'Import-KmsKeyMaterial'; Run = { Import-KmsKeyMaterial @Common -Path $Missing } }
        @{ Cmdlet = 'Test-KmsKeyState'; ErrorId = 'KmsKeyNotFound'; Names = 'Get-KmsKeyMaterialExpiry'; Run = { Test-KmsKeyState @Common -KeyId $Unknown } }
        @{ Cmdlet = 'Restore-KmsKeyMaterial'; ErrorId = 'KeyMaterialFileNotFound'; Names = 'Protect-KeyMaterial'; Run = { Restore-KmsKeyMaterial @Common -KeyId $Unknown -Path $Missing } }
        @{ Cmdlet = 'Get-KmsKeyMaterialExpiry'; ErrorId = 'EndpointUrlInvalid'; Names = 'Test-KmsKeyState'; Run = { Get-KmsKeyMaterialExpiry -Region 'eu-west-2' -EndpointUrl 'not a url' -KeyId $Unknown } }
        @{ Cmdlet = 'Remove-KmsImportedKeyMaterial'; ErrorId = 'KmsKeyNotFound'; Names = 'Get-KmsKeyMaterialExpiry'; Run = { Remove-KmsImportedKeyMaterial @Common -KeyId $Unknown -Confirm:$false } }
        @{ Cmdlet = 'Remove-KmsExternalKey'; ErrorId = 'KmsKeyNotFound'; Names = 'Get-KmsKeyMaterialExpiry'; Run = { Remove-KmsExternalKey @Common -KeyId $Unknown -Confirm:$false } }
        @{ Cmdlet = 'Get-KmsKeyRotation'; ErrorId = 'KmsKeyNotFound'; Names = 'Get-KmsKeyMaterialExpiry'; Run = { Get-KmsKeyRotation @Common -KeyId $Unknown } }
        @{ Cmdlet = 'Invoke-KmsKeyRotation'; ErrorId = 'RegionInvalid'; Names = 'Get-KmsKeyMaterialExpiry'; Run = { Invoke-KmsKeyRotation -Region 'nowhere-1x' -KeyId $Unknown -Confirm:$false } }
        @{ Cmdlet = 'Test-KmsCeremonyEvidence'; ErrorId = 'EvidenceFileNotFound'; Names = 'Test-KmsCeremonyEvidence'; Run = { Test-KmsCeremonyEvidence -Path $Missing } }
        @{ Cmdlet = 'Invoke-KmsKeyImport'; ErrorId = 'MaterialDirectoryNotFound'; Names = 'Invoke-KmsKeyImport'; Run = { Invoke-KmsKeyImport @Common -KeyId $Unknown -MaterialDirectory $Missing -Confirm:$false } }
    ) {
        $err = $null
        try { $null = & $Run -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty -Because "$Cmdlet should fail with $ErrorId"
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $action = $err.ErrorDetails.RecommendedAction
        $action | Should -Not -BeNullOrEmpty
        $action | Should -Match ([regex]::Escape($Names)) -Because 'the next step names the cmdlet that fixes it'
        # The one catalogue is what the cmdlets apply.
        $action | Should -Match ([regex]::Escape([KmsImport.RecommendedActions]::For($ErrorId)))
        # The message stays the exception's own (ErrorDetails does not replace it with something else).
        $err.ErrorDetails.Message | Should -Be $err.Exception.Message
    }

    It 'a transient error says so and still names the next step' {
        $err = $null
        try { Test-KmsKeyState -Region 'eu-west-2' -EndpointUrl 'http://127.0.0.1:9' -KeyId $Unknown -MaxErrorRetry 0 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KmsEndpointUnreachable,*'
        $err.ErrorDetails.RecommendedAction | Should -Match '^This failure is transient\. '
        $err.ErrorDetails.RecommendedAction | Should -Match 'Test-KmsKeyState -KeyId'
    }
}
