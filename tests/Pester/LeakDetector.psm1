# The shared leak detector (tests/TestSupport/LeakDetector.cs, compiled into the xUnit tests too) for the Pester
# files: the same rules on both sides. Compiled once per process (Add-Type skips a type it already has).
Set-StrictMode -Version 3.0
if (-not ('KmsImport.TestSupport.LeakDetector' -as [type])) {
    Add-Type -Path (Join-Path $PSScriptRoot '../TestSupport/LeakDetector.cs')
}

function New-LeakDetector {
    <#
    A detector for named secrets: a [string] is a password (the text, and its bytes in every form); a [byte[]] is
    material as stored (a private key by its private numbers, anything else by all of its bytes).
    #>
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Secrets)
    $d = [KmsImport.TestSupport.LeakDetector]::new()
    foreach ($name in $Secrets.Keys) {
        $value = $Secrets[$name]
        if ($value -is [string]) { $null = $d.AddText($name, $value) } else { $null = $d.AddMaterial($name, [byte[]]$value) }
    }
    $d
}

function Find-Leak {
    <# The first leak of any of the secrets in a text or a file's bytes, described; $null when there is none. #>
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Secrets, [string] $Text, [byte[]] $Bytes)
    $d = New-LeakDetector $Secrets
    if ($PSBoundParameters.ContainsKey('Bytes')) { $d.FindIn($Bytes) } else { $d.FindIn($Text) }
}

Export-ModuleMember -Function New-LeakDetector, Find-Leak
