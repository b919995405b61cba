<#
.SYNOPSIS
    Windows only: exercises the Windows half of Crypto/SecretFile.cs (owner-only escrow files) through the module,
    under whichever PowerShell runs it (the Windows workflow runs it in Windows PowerShell 5.1 and PowerShell 7).
.DESCRIPTION
    Against the local endpoint:
    1. Invoke-KmsKeyImport -Generate -EscrowPath writes <KeyId>.bin: its owner is the current user, its DACL is
       protected (nothing inherited) and holds one entry, full control for the current user.
    2. Restore-KmsKeyMaterial reads that escrow file back after Remove-KmsImportedKeyMaterial: the key is Enabled.
    3. An escrow file found on resume whose ACL lets Everyone read it is refused (EscrowFileUntrusted), nothing
       imported; the same for a file with inherited entries only (as any new file in %TEMP% gets).
    Writes one line per check and exits 1 on the first failure. Not run on Linux (the Pester suites prove the
    Unix half there); written for .github/workflows/windows.yml and not yet run.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalKmsPath
)
$ErrorActionPreference = 'Stop'
if (-not ($PSVersionTable.PSEdition -eq 'Desktop' -or $IsWindows)) { throw 'tools/Test-EscrowAcl.ps1 checks Windows ACLs: run it on Windows.' }

Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1') -Force
Import-Module $ModulePath -Force
$env:AWS_ACCESS_KEY_ID = 'AKIDLOCALACL'
$env:AWS_SECRET_ACCESS_KEY = 'local-acl-secret'
$env:AWS_EC2_METADATA_DISABLED = 'true'

$me = [Security.Principal.WindowsIdentity]::GetCurrent().User
$server = Start-LocalKms -LocalKmsPath $LocalKmsPath
$work = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-acl-' + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory $work
$kms = @{ Region = 'eu-west-2'; EndpointUrl = $server.Url }

function Assert-That([bool] $Condition, [string] $What) {
    if (-not $Condition) { throw "FAILED: $What" }
    Write-Host "ok: $What"
}

try {
    Write-Host "PowerShell $($PSVersionTable.PSVersion) ($($PSVersionTable.PSEdition)), user $me"

    # 1. The escrow file as SecretFile.Windows.Create writes it.
    $escrow = Join-Path $work 'escrow'
    $null = New-Item -ItemType Directory $escrow
    $key = New-KmsExternalKey @kms -Confirm:$false
    $result = $key | Invoke-KmsKeyImport -Generate -EscrowPath $escrow -Confirm:$false
    Assert-That ($result.Status -ne 'Failed') "Invoke-KmsKeyImport -Generate -EscrowPath imported ($($result.Status))"
    $file = Join-Path $escrow "$($key.KeyId).bin"
    Assert-That (Test-Path -LiteralPath $file) 'the escrow file <KeyId>.bin exists'
    $acl = Get-Acl -LiteralPath $file
    $owner = $acl.GetOwner([Security.Principal.SecurityIdentifier])
    Assert-That ($owner -eq $me) "its owner is the current user ($owner)"
    Assert-That $acl.AreAccessRulesProtected 'its DACL is protected (no inherited entries)'
    $rules = @($acl.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]))
    Assert-That ($rules.Count -eq 1) "its DACL has exactly one entry ($($rules.Count))"
    Assert-That ($rules[0].IdentityReference -eq $me -and $rules[0].AccessControlType -eq 'Allow' -and
        ($rules[0].FileSystemRights -band [Security.AccessControl.FileSystemRights]::FullControl) -eq [Security.AccessControl.FileSystemRights]::FullControl -and
        -not $rules[0].IsInherited) 'that entry allows full control to the current user alone'

    # 2. Read back: restore after the material is deleted.
    Remove-KmsImportedKeyMaterial @kms -KeyId $key.KeyId -Confirm:$false
    $restored = Restore-KmsKeyMaterial @kms -KeyId $key.KeyId -Path $file -Confirm:$false
    Assert-That ((Test-KmsKeyState @kms -KeyId $key.KeyId -Quiet) -eq $true) "Restore-KmsKeyMaterial read the escrow file back ($($restored.KeyState))"

    # 3. Escrow files found on resume with a weaker ACL are refused before any import.
    foreach ($case in 'Everyone can read', 'inherited entries only') {
        $dir = Join-Path $work ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $dir
        $other = New-KmsExternalKey @kms -Confirm:$false
        $weak = Join-Path $dir "$($other.KeyId).bin"
        $bytes = [byte[]]::new(32); (New-Object Security.Cryptography.RNGCryptoServiceProvider).GetBytes($bytes)
        [IO.File]::WriteAllBytes($weak, $bytes)
        if ($case -eq 'Everyone can read') {
            $a = Get-Acl -LiteralPath $weak
            $a.SetAccessRuleProtection($true, $false)
            $a.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule($me, 'FullControl', 'Allow')))
            $everyone = New-Object Security.Principal.SecurityIdentifier([Security.Principal.WellKnownSidType]::WorldSid, $null)
            $a.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule($everyone, 'Read', 'Allow')))
            Set-Acl -LiteralPath $weak -AclObject $a
        }
        $r = $other | Invoke-KmsKeyImport -Generate -EscrowPath $dir -Confirm:$false -ErrorAction SilentlyContinue
        Assert-That ($r.Status -eq 'Failed' -and $r.ErrorId -eq 'EscrowFileUntrusted') "an escrow file on resume with $case is refused ($($r.Status) $($r.ErrorId))"
        Assert-That ((Test-KmsKeyState @kms -KeyId $other.KeyId -ExpectedState PendingImport -Quiet) -eq $true) 'and nothing was imported'
    }
    Write-Host 'Escrow ACL checks passed.'
} finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    Stop-LocalKms -Server $server
}
