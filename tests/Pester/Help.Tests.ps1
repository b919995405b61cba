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
        Examples    = @(foreach ($e in @($h.examples.example)) { [pscustomobject]@{ Title = "$($e.title)"; Code = "$($e.code)".Trim() } })
        Syntax      = (Get-Help $c.Name | Out-String -Width 500)
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
