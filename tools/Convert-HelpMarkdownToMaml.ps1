#requires -Version 5.1
<#
.SYNOPSIS
    Converts cmdlet help written in PlatyPS's Markdown format into one MAML help file.
.DESCRIPTION
    A minimal stand-in for PlatyPS's New-ExternalHelp, which cannot be installed here (no
    PowerShell Gallery). The Markdown in docs/cmdlets stays in PlatyPS's format (schema 2.0.0), so
    PlatyPS can take over later: run New-ExternalHelp on the same folder and delete this script.

    It reads only this subset of the format, and refuses anything else rather than guess:
      * YAML front matter between '---' lines: 'key: value' pairs; 'external help file' must name the
        output file, 'schema' must be 2.0.0, 'online version' (may be empty) becomes the first link.
      * '# <Cmdlet-Name>' (must equal the file name), then the '## ' sections SYNOPSIS, SYNTAX,
        DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS (any other '## '
        section is an error; PlatyPS v2's ALIASES is accepted and ignored).
      * SYNTAX: '### <SetName>' or '### <SetName> (Default)' followed by one fenced block. The
        parameters of each MAML syntax item come from the PARAMETERS section (their 'Parameter Sets'
        line), ordered as the fenced syntax names them; a name in the syntax that is not documented
        for that set is an error.
      * EXAMPLES: '### <title>', fenced code blocks (the code; several are joined) and plain text (the
        remarks).
      * PARAMETERS: '### -<Name>', description text, then one or more ```yaml blocks of the keys
        Type, Parameter Sets, Aliases, Accepted values, Required, Position, Default value, Accept
        pipeline input, Accept wildcard characters (one block per group of parameter sets, as PlatyPS
        writes them). '### CommonParameters' is skipped: Get-Help adds that text itself.
      * INPUTS / OUTPUTS: '### <TypeName>' each, with optional text.
      * RELATED LINKS: lines '[text](uri)'; the uri may be empty.
    Text: a paragraph (lines up to a blank line) becomes one maml:para with its lines joined by
    spaces; list items ('- ', '* ', '1. ') and fenced code blocks keep their line breaks. Inline
    Markdown in prose becomes plain text, as Get-Help shows it: `code` and ``code`` lose their
    backticks, **strong**, __strong__, *emphasis* and _emphasis_ their markers, [text](uri) becomes
    "text (uri)" (just "text" when the uri is empty or the same), <uri> becomes uri; PlatyPS's escapes
    (\< \> \[ \] \* \_ \`) become the character itself. Code (fenced blocks, example code) is kept as written. Not supported: nested sections inside a section's text, HTML, tables, parameter
    sets declared only in the SYNTAX headings, and about_ topics (plain text files already: copy
    them). PlatyPS's module page (front matter with 'Module Guid') is skipped.

    It writes what Get-Help reads: per command, command:details (name, verb, noun, synopsis),
    maml:description, command:syntax (one syntaxItem per parameter set, enum and ValidateSet values
    as parameterValueGroup), command:parameters (required, position, pipelineInput, globbing and
    aliases attributes, parameterValue, dev:type, dev:defaultValue), command:inputTypes,
    command:returnValues, maml:alertSet (NOTES), command:examples (title, code, remarks) and
    maml:relatedLinks. The file is written beside the target and moved over it, so a failed run
    leaves no half-written help.
.PARAMETER Path
    The folder of Markdown files, one per cmdlet (<Cmdlet-Name>.md).
.PARAMETER OutputPath
    The MAML file to write, for example out/KmsImport/en-US/KmsImport.dll-Help.xml. Its folder is
    created when missing; an existing file is replaced.
.PARAMETER AsObject
    Return the parsed commands instead of writing MAML (used by tests/Pester/Help.Tests.ps1 to compare
    the Markdown with the cmdlets' real parameters).
.EXAMPLE
    ./tools/Convert-HelpMarkdownToMaml.ps1 -Path docs/cmdlets -OutputPath out/KmsImport/en-US/KmsImport.dll-Help.xml
#>
[CmdletBinding(DefaultParameterSetName = 'Write')]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory, ParameterSetName = 'Write')] [string] $OutputPath,
    [Parameter(Mandatory, ParameterSetName = 'Object')] [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$KnownSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS', 'ALIASES'
$RequiredSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'
$RequiredYamlKeys = 'Type', 'Parameter Sets', 'Required', 'Position', 'Accept pipeline input'

function Fail([string] $File, [string] $Message) { throw "${File}: $Message" }

function Split-Headed {
    <# Splits lines into @{ Heading; Lines } chunks at lines starting with $Prefix, outside fenced code. #>
    param([string[]] $Lines, [string] $Prefix)
    $chunks = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Heading = $null; Lines = [System.Collections.Generic.List[string]]::new() }
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Prefix) -and $line -notmatch '^\s*```') {
            $chunks.Add($current)
            $current = [pscustomobject]@{ Heading = $line.Substring($Prefix.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        $current.Lines.Add($line)
    }
    $chunks.Add($current)
    $chunks
}

function ConvertFrom-MarkdownEscape([string] $Text) {
    [regex]::Replace($Text, '\\([<>\[\]*_`])', '$1')
}

function ConvertFrom-InlineMarkdown([string] $Text) {
    <# Prose as Get-Help shows it: inline Markdown becomes plain text; escaped characters stay as characters. #>
    # Private-use characters mark what was set aside (5.1 has no `u{} escape).
    $open = [string][char]0xE000; $close = [string][char]0xE001; $codeOpen = [string][char]0xE002; $codeClose = [string][char]0xE003
    # Escapes first, set aside, so an escaped * or ` is never read as Markdown.
    $escaped = [System.Collections.Generic.List[string]]::new()
    $t = [regex]::Replace($Text, '\\([<>\[\]*_`])', { param($m) $escaped.Add($m.Groups[1].Value); $open + ($escaped.Count - 1) + $close })
    # Code spans: their content is literal (no emphasis or links inside).
    $code = [System.Collections.Generic.List[string]]::new()
    $t = [regex]::Replace($t, '(`+)(.+?)\1', { param($m) $code.Add($m.Groups[2].Value.Trim()); $codeOpen + ($code.Count - 1) + $codeClose })
    $t = [regex]::Replace($t, '!?\[([^\]]+)\]\(([^)\s]*)\)', {
        param($m)
        $label = $m.Groups[1].Value; $uri = $m.Groups[2].Value
        if (-not $uri -or $uri -eq $label) { $label } else { "$label ($uri)" }
    })
    $t = [regex]::Replace($t, '<((https?|mailto):[^>\s]+)>', '$1')
    $t = [regex]::Replace($t, '(\*\*|__)(?=\S)(.+?)(?<=\S)\1', '$2')
    $t = [regex]::Replace($t, '(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])', '$1')
    $t = [regex]::Replace($t, '(?<![\w_])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?![\w_])', '$1')
    $t = [regex]::Replace($t, [regex]::Escape($codeOpen) + '(\d+)' + [regex]::Escape($codeClose), { param($m) $code[[int]$m.Groups[1].Value] })
    [regex]::Replace($t, [regex]::Escape($open) + '(\d+)' + [regex]::Escape($close), { param($m) $escaped[[int]$m.Groups[1].Value] })
}

function Get-Block {
    <# Blocks of text: @{ Kind = 'text'|'code'; Info; Text }. Paragraphs split at blank lines. #>
    param([string[]] $Lines)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $para = [System.Collections.Generic.List[string]]::new()
    $code = $null
    $info = ''
    $flush = {
        if ($para.Count -gt 0) {
            $sb = [System.Text.StringBuilder]::new()
            foreach ($l in $para) {
                $t = $l.Trim()
                if ($sb.Length -eq 0) { [void]$sb.Append($t) }
                elseif ($l -match '^\s*([-*]|\d+\.)\s') { [void]$sb.Append("`n").Append($t) }
                else { [void]$sb.Append(' ').Append($t) }
            }
            # Inline Markdown after the lines are joined: a code span or link may run over a line break.
            $text = (ConvertFrom-InlineMarkdown $sb.ToString()) -split "`n" | ForEach-Object { $_ -replace '^\*\s', '- ' }
            $blocks.Add([pscustomobject]@{ Kind = 'text'; Info = ''; Text = ($text -join "`n") })
            $para.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*```\s*$') {
                $blocks.Add([pscustomobject]@{ Kind = 'code'; Info = $info; Text = ($code -join "`n") })
                $code = $null
            } else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*```(.*)$') {
            & $flush
            $info = $Matches[1].Trim()
            $code = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($line.Trim() -eq '') { & $flush; continue }
        $para.Add($line)
    }
    if ($null -ne $code) { throw 'an unclosed ``` code fence' }
    & $flush
    $blocks.ToArray()
}

function Get-Paragraph([string[]] $Lines) {
    <# Paragraph texts; a fenced block inside prose becomes one paragraph with its line breaks. #>
    , @(Get-Block $Lines | ForEach-Object { $_.Text })
}

function Read-Yaml([string] $File, [string] $Parameter, [string] $Text) {
    $map = [ordered]@{}
    foreach ($line in $Text -split "`n") {
        if ($line.Trim() -eq '') { continue }
        if ($line -notmatch '^([A-Za-z ]+):\s*(.*)$') { Fail $File "-$Parameter has a yaml line that is not 'Key: value': '$line'" }
        $key = $Matches[1].Trim()
        if ($YamlKeys -notcontains $key) { Fail $File "-$Parameter has an unknown yaml key '$key'" }
        $map[$key] = $Matches[2].Trim()
    }
    foreach ($k in $RequiredYamlKeys) { if (-not $map.Contains($k)) { Fail $File "-$Parameter has a yaml block without '$k'" } }
    $sets = @($map['Parameter Sets'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    $aliases = @(if ($map.Contains('Aliases')) { $map['Aliases'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ } })
    $accepted = @(if ($map.Contains('Accepted values')) { $map['Accepted values'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ } })
    if ($map['Required'] -notin 'True', 'False') { Fail $File "-$Parameter has 'Required: $($map['Required'])'; use True or False" }
    if ($map['Position'] -ne 'Named' -and $map['Position'] -notmatch '^\d+$') { Fail $File "-$Parameter has 'Position: $($map['Position'])'; use Named or a number" }
    if ($map['Accept pipeline input'] -notmatch '^(False|True \((ByValue|ByPropertyName|ByPropertyName, ByValue)\))$') {
        Fail $File "-$Parameter has 'Accept pipeline input: $($map['Accept pipeline input'])'; use False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue)"
    }
    [pscustomobject]@{
        Type           = $map['Type']
        ParameterSets  = $sets
        Aliases        = $aliases
        AcceptedValues = $accepted
        Required       = $map['Required'] -eq 'True'
        Position       = $map['Position']
        DefaultValue   = if ($map.Contains('Default value') -and $map['Default value']) { $map['Default value'] } else { 'None' }
        PipelineInput  = $map['Accept pipeline input']
        Globbing       = $map.Contains('Accept wildcard characters') -and $map['Accept wildcard characters'] -eq 'True'
    }
}

function Read-CommandMarkdown([string] $File, [string] $ExpectedHelpFile) {
    $lines = @((Get-Content -LiteralPath $File -Encoding UTF8) | ForEach-Object { $_.TrimEnd("`r") })
    $name = [IO.Path]::GetFileNameWithoutExtension($File)
    if ($lines.Count -lt 3 -or $lines[0] -ne '---') { Fail $File 'does not start with YAML front matter (---)' }
    $end = [Array]::IndexOf($lines, '---', 1)
    if ($end -lt 0) { Fail $File 'has no closing --- for its front matter' }
    $front = @{}
    foreach ($l in $lines[1..($end - 1)]) {
        if ($l -match '^([^:]+):\s*(.*)$') { $front[$Matches[1].Trim()] = $Matches[2].Trim() }
    }
    if ($front['schema'] -ne '2.0.0') { Fail $File "front matter 'schema' is '$($front['schema'])', not 2.0.0" }
    if ($ExpectedHelpFile -and $front['external help file'] -ne $ExpectedHelpFile) {
        Fail $File "front matter names 'external help file: $($front['external help file'])', not $ExpectedHelpFile"
    }

    $body = if ($end + 1 -lt $lines.Count) { $lines[($end + 1)..($lines.Count - 1)] } else { @() }
    $top = @(Split-Headed $body '# ')
    if ($top.Count -ne 2 -or $top[1].Heading -ne $name) { Fail $File "needs exactly one '# $name' title" }
    $sections = [ordered]@{}
    foreach ($chunk in Split-Headed $top[1].Lines '## ') {
        if ($null -eq $chunk.Heading) {
            if (@($chunk.Lines | Where-Object { $_.Trim() }).Count) { Fail $File "has text before the first '## ' section" }
            continue
        }
        if ($KnownSections -notcontains $chunk.Heading) { Fail $File "has an unknown section '## $($chunk.Heading)'" }
        if ($sections.Contains($chunk.Heading)) { Fail $File "has '## $($chunk.Heading)' twice" }
        $sections[$chunk.Heading] = @($chunk.Lines)
    }
    foreach ($s in $RequiredSections) { if (-not $sections.Contains($s)) { Fail $File "lacks '## $s'" } }

    $synopsis = (Get-Paragraph $sections['SYNOPSIS']) -join ' '
    if (-not $synopsis) { Fail $File 'has an empty SYNOPSIS' }
    $description = Get-Paragraph $sections['DESCRIPTION']

    # PARAMETERS first: the syntax items are built from them.
    $parameters = [System.Collections.Generic.List[object]]::new()
    foreach ($chunk in Split-Headed $sections['PARAMETERS'] '### ') {
        if ($null -eq $chunk.Heading) { continue }
        if ($chunk.Heading -eq 'CommonParameters') { continue }
        if ($chunk.Heading -notmatch '^-(\w+)$') { Fail $File "has a PARAMETERS heading '### $($chunk.Heading)' that is not '### -Name'" }
        $pname = $Matches[1]
        $blocks = @(Get-Block $chunk.Lines)
        $yaml = @($blocks | Where-Object { $_.Kind -eq 'code' -and $_.Info -eq 'yaml' })
        if ($yaml.Count -eq 0) { Fail $File "-$pname has no yaml block" }
        $texts = @($blocks | Where-Object { $_.Kind -ne 'code' -or $_.Info -ne 'yaml' } | ForEach-Object { $_.Text })
        $parameters.Add([pscustomobject]@{
            Name        = $pname
            Description = $texts
            Blocks      = @($yaml | ForEach-Object { Read-Yaml $File $pname $_.Text })
        })
    }

    $syntax = [System.Collections.Generic.List[object]]::new()
    foreach ($chunk in Split-Headed $sections['SYNTAX'] '### ') {
        if ($null -eq $chunk.Heading) { continue }
        $setName = $chunk.Heading -replace '\s*\(Default\)$', ''
        $code = @(Get-Block $chunk.Lines | Where-Object Kind -eq 'code')
        if ($code.Count -ne 1) { Fail $File "syntax '$setName' needs exactly one fenced block" }
        $text = ($code[0].Text -split "`n" | ForEach-Object { $_.Trim() }) -join ' '
        if (-not $text.StartsWith("$name ") -and $text -ne $name) { Fail $File "syntax '$setName' does not start with $name" }
        $named = @([regex]::Matches($text, '(?<![\w-])-(\w+)') | ForEach-Object { $_.Groups[1].Value })
        $inSet = @($parameters | Where-Object { Get-SetBlock $_ $setName })
        foreach ($n in $named) {
            if (-not ($inSet | Where-Object Name -eq $n)) { Fail $File "syntax '$setName' names -$n, which PARAMETERS does not document for that set" }
        }
        $ordered = @($named | ForEach-Object { $n = $_; $inSet | Where-Object Name -eq $n }) + @($inSet | Where-Object { $named -notcontains $_.Name })
        $syntax.Add([pscustomobject]@{ Name = $setName; IsDefault = $chunk.Heading -match '\(Default\)$'; Text = $text; Parameters = $ordered })
    }
    if ($syntax.Count -eq 0) { Fail $File 'has no syntax (### <SetName> with a fenced block)' }

    $examples = [System.Collections.Generic.List[object]]::new()
    foreach ($chunk in Split-Headed $sections['EXAMPLES'] '### ') {
        if ($null -eq $chunk.Heading) { continue }
        $blocks = @(Get-Block $chunk.Lines)
        $examples.Add([pscustomobject]@{
            Title   = $chunk.Heading
            Code    = (@($blocks | Where-Object Kind -eq 'code' | ForEach-Object Text) -join "`n`n")
            Remarks = @($blocks | Where-Object Kind -ne 'code' | ForEach-Object Text)
        })
    }

    $typed = {
        param([string[]] $SectionLines)
        foreach ($chunk in Split-Headed $SectionLines '### ') {
            if ($null -eq $chunk.Heading) { continue }
            [pscustomobject]@{ Name = (ConvertFrom-MarkdownEscape $chunk.Heading); Description = (Get-Paragraph $chunk.Lines) }
        }
    }

    $links = [System.Collections.Generic.List[object]]::new()
    if ($front['online version']) { $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $front['online version'] }) }
    foreach ($l in $sections['RELATED LINKS']) {
        if ($l.Trim() -eq '') { continue }
        if ($l.Trim() -notmatch '^\[([^\]]+)\]\(([^)]*)\)$') { Fail $File "has a RELATED LINKS line that is not '[text](uri)': '$l'" }
        $links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] })
    }

    [pscustomobject]@{
        Name          = $name
        HelpFile      = $front['external help file']
        OnlineVersion = $front['online version']
        Synopsis      = $synopsis
        Description   = $description
        Syntax        = @($syntax)
        Parameters    = @($parameters)
        Examples      = @($examples)
        Inputs        = @(& $typed $sections['INPUTS'])
        Outputs       = @(& $typed $sections['OUTPUTS'])
        Notes         = Get-Paragraph $sections['NOTES']
        Links         = @($links)
    }
}

function Get-SetBlock($Parameter, [string] $SetName) {
    <# The yaml block that describes $Parameter in $SetName, or $null. #>
    $Parameter.Blocks | Where-Object { $_.ParameterSets -contains $SetName -or $_.ParameterSets -contains '(All)' } | Select-Object -First 1
}

# ---------------------------------------------------------------------------------------------------
# MAML
# ---------------------------------------------------------------------------------------------------
$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paras([System.Xml.XmlWriter] $W, [string[]] $Paras) {
    if (-not $Paras -or $Paras.Count -eq 0) { $Paras = @('') }
    foreach ($p in $Paras) { $W.WriteElementString('maml', 'para', $NsMaml, $p) }
}

function Write-Description([System.Xml.XmlWriter] $W, [string[]] $Paras) {
    $W.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $W $Paras
    $W.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $W, $Parameter, $Block, [bool] $InSyntax) {
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', $Block.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', 'true')
    $W.WriteAttributeString('globbing', $Block.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Block.PipelineInput)
    $W.WriteAttributeString('position', $(if ($Block.Position -eq 'Named') { 'named' } else { $Block.Position }))
    $W.WriteAttributeString('aliases', $(if ($Block.Aliases.Count) { $Block.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $NsMaml, $Parameter.Name)
    Write-Description $W $Parameter.Description
    $isSwitch = $Block.Type -eq 'SwitchParameter'
    if ($InSyntax -and $Block.AcceptedValues.Count) {
        $W.WriteStartElement('command', 'parameterValueGroup', $NsCommand)
        foreach ($v in $Block.AcceptedValues) {
            $W.WriteStartElement('command', 'parameterValue', $NsCommand)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('command', 'variableLength', $NsCommand, 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    } elseif (-not ($InSyntax -and $isSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $NsCommand)
        $W.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($Block.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('maml', 'name', $NsMaml, $Block.Type)
    $W.WriteElementString('maml', 'uri', $NsMaml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $NsDev, $Block.DefaultValue)
    $W.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $W, [string] $ListName, [string] $ItemName, $Items) {
    $W.WriteStartElement('command', $ListName, $NsCommand)
    foreach ($item in $Items) {
        $W.WriteStartElement('command', $ItemName, $NsCommand)
        $W.WriteStartElement('dev', 'type', $NsDev)
        $W.WriteElementString('maml', 'name', $NsMaml, $item.Name)
        $W.WriteEndElement()
        Write-Description $W $item.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $W, $Command) {
    $verb, $noun = $Command.Name -split '-', 2
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)
    $W.WriteAttributeString('xmlns', 'MSHelp', $null, 'http://msdn.microsoft.com/mshelp')

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('command', 'name', $NsCommand, $Command.Name)
    $W.WriteElementString('command', 'verb', $NsCommand, $verb)
    $W.WriteElementString('command', 'noun', $NsCommand, $noun)
    Write-Description $W @($Command.Synopsis)
    $W.WriteEndElement()

    Write-Description $W $Command.Description

    $W.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($set in $Command.Syntax) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('maml', 'name', $NsMaml, $Command.Name)
        foreach ($p in $set.Parameters) { Write-Parameter $W $p (Get-SetBlock $p $set.Name) $true }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($p in $Command.Parameters) {
        # One entry per parameter: the block of the default set when it has one, else the first
        # (as New-ExternalHelp does); Get-Help -Parameter shows it.
        $default = @($Command.Syntax | Where-Object IsDefault | Select-Object -First 1)
        $block = $null
        if ($default.Count) { $block = Get-SetBlock $p $default[0].Name }
        if (-not $block) { $block = $p.Blocks[0] }
        Write-Parameter $W $p $block $false
    }
    $W.WriteEndElement()

    Write-TypeList $W 'inputTypes' 'inputType' $Command.Inputs
    Write-TypeList $W 'returnValues' 'returnValue' $Command.Outputs

    $W.WriteStartElement('maml', 'alertSet', $NsMaml)
    $W.WriteStartElement('maml', 'alert', $NsMaml)
    Write-Paras $W $Command.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($e in $Command.Examples) {
        $W.WriteStartElement('command', 'example', $NsCommand)
        $W.WriteElementString('maml', 'title', $NsMaml, "---------- $($e.Title) ----------")
        $W.WriteElementString('dev', 'code', $NsDev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        # The empty paragraph puts a blank line between one example and the next title, as Get-Help shows built-in help.
        Write-Paras $W (@($e.Remarks) + '')
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('maml', 'relatedLinks', $NsMaml)
    foreach ($l in $Command.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, $l.Text)
        $W.WriteElementString('maml', 'uri', $NsMaml, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

# ---------------------------------------------------------------------------------------------------
$files = @(Get-ChildItem -LiteralPath $Path -Filter '*.md' -File | Sort-Object Name)
# PlatyPS's module page (<Module>.md, front matter with 'Module Guid') is not cmdlet help.
$files = @($files | Where-Object {
        $head = @(Get-Content -LiteralPath $_.FullName -TotalCount 12)
        if ($head -match '^Module Guid:') { Write-Verbose "Skipped the module page $($_.Name)"; $false } else { $true }
    })
if ($files.Count -eq 0) { throw "No Markdown files in '$Path'." }
$expected = if ($OutputPath) { Split-Path -Leaf $OutputPath } else { $null }
$commands = @(foreach ($f in $files) { Read-CommandMarkdown $f.FullName $expected })

if ($AsObject) { return $commands }

$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$outDir = Split-Path -Parent $OutputPath
if (-not (Test-Path -LiteralPath $outDir)) { $null = New-Item -ItemType Directory -Force $outDir }
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
# Written beside the target and moved over it: a failed run never leaves a half-written help file.
$target = $OutputPath
$temp = "$target.$PID.tmp"
$writer = [System.Xml.XmlWriter]::Create($temp, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($c in $commands) { Write-Command $writer $c }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
    $writer.Dispose()
    Move-Item -LiteralPath $temp -Destination $target -Force
} finally {
    $writer.Dispose()
    if (Test-Path -LiteralPath $temp) { Remove-Item -LiteralPath $temp -Force }
}
Write-Verbose "Wrote $($commands.Count) commands to $OutputPath"
