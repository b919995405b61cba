#requires -Version 7.2
<#
.SYNOPSIS
    The release check against a real AWS account, which LocalKms cannot replace: build.ps1 -Task LiveTest
    -Region <r> -Confirm. Never run by the tests (they check only its refusals and a dry run against LocalKms).
.DESCRIPTION
    Refuses before any call unless -Region and -Confirm are both given explicitly. Then, with the credentials
    the shell resolves (environment, profile, Set-AWSCredential), in that one Region:
    1. the seed pipeline on a SYMMETRIC_DEFAULT key: New-KmsExternalKey | Get-KmsImportParameters |
       Protect-KeyMaterial -Generate -EscrowPath | Import-KmsKeyMaterial | Test-KmsKeyState;
    2. an HMAC_256 key, imported the same way, proved with Test-KmsKeyState -Path <escrow> (GenerateMac);
    3. an RSA_2048 SIGN_VERIFY key, proved with Test-KmsKeyState -Path <escrow> (public key and a signature);
    4. a restore: Remove-KmsImportedKeyMaterial on the symmetric key, Restore-KmsKeyMaterial from its escrow
       file, Test-KmsKeyState.
    Every key it creates carries the tags KmsImportLiveTest=<run id> and CreatedBy=KmsImport-LiveTest and a
    description naming the run. Cleanup runs whatever happened: imported material deleted
    (DeleteImportedKeyMaterial), key deletion scheduled with the 7-day minimum (ScheduleKeyDeletion), the
    escrow folder removed. Costs: 3 KMS keys for 7 days, prorated (about USD 0.25 each at list price), and
    a few dozen requests.
.OUTPUTS
    One row per step (Step, KeySpec, KeyId, Result, Detail); exit code 1 when a step failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # The Region to test in: always explicit (no default, no shell default).
    [string] $Region,
    # The explicit acknowledgement that this creates, imports into and schedules the deletion of KMS keys in a
    # real account. Without it nothing runs.
    [switch] $Confirm,
    # A KMS-compatible endpoint instead of AWS's: for a dry run against LocalKms.
    [string] $EndpointUrl,
    # A named profile of the shared credentials file; else the shell's default resolution.
    [string] $ProfileName
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# --- Refusals, before any module is loaded or any call made ------------------------------------------
if ([string]::IsNullOrWhiteSpace($Region)) {
    throw 'LiveTest refused: give the Region explicitly (build.ps1 -Task LiveTest -Region eu-west-2 -Confirm). It creates KMS keys in a real AWS account; no default Region is taken.'
}
if (-not $Confirm) {
    throw "LiveTest refused: add -Confirm to acknowledge that it creates 3 KMS keys in Region $Region of the account your credentials reach, imports material into them and schedules their deletion (7 days)."
}

$env:AWS_EC2_METADATA_DISABLED = 'true'
Import-Module $ModulePath -Force
$runId = 'lt' + [DateTime]::UtcNow.ToString('yyyyMMddHHmmss') + '-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
$kms = @{ Region = $Region }
if ($EndpointUrl) { $kms.EndpointUrl = $EndpointUrl }
if ($ProfileName) { $kms.ProfileName = $ProfileName }
$tags = @{ KmsImportLiveTest = $runId; CreatedBy = 'KmsImport-LiveTest' }
$escrow = Join-Path ([IO.Path]::GetTempPath()) "kmsimport-livetest-$runId"
$null = New-Item -ItemType Directory $escrow
$created = [Collections.Generic.List[string]]::new()
$results = [Collections.Generic.List[object]]::new()

function Add-Result([string] $Step, [string] $KeySpec, [string] $KeyId, [bool] $Passed, [string] $Detail) {
    $results.Add([pscustomobject]@{ Step = $Step; KeySpec = $KeySpec; KeyId = $KeyId; Result = if ($Passed) { 'Passed' } else { 'FAILED' }; Detail = $Detail })
}

# One key: create (tagged), import generated material escrowed to a file, check the state; optionally prove it.
function Invoke-ImportStep([string] $Step, [string] $KeySpec, [string] $KeyUsage, [switch] $Prove) {
    $keyId = ''
    try {
        $newKey = @{ KeySpec = $KeySpec; Description = "KmsImport live test $runId ($Step)"; Tag = $tags; Confirm = $false }
        if ($KeyUsage) { $newKey.KeyUsage = $KeyUsage }
        $key = New-KmsExternalKey @kms @newKey
        $keyId = $key.KeyId
        $created.Add($keyId)
        $protected = $key | Get-KmsImportParameters | Protect-KeyMaterial -Generate -EscrowPath $escrow -Confirm:$false
        $report = $protected | Import-KmsKeyMaterial -Confirm:$false | Test-KmsKeyState
        if ($Prove) { $report = Test-KmsKeyState @kms -KeyId $keyId -Path $protected.EscrowPath }
        $detail = "$($report.KeyState)" + $(if ($Prove) { "; proof $($report.ProofMethod): $($report.MaterialProved)" })
        Add-Result $Step $KeySpec $keyId ([bool]$report.Passed -and (-not $Prove -or $report.MaterialProved -eq $true)) $detail
        $protected.EscrowPath
    } catch {
        Add-Result $Step $KeySpec $keyId $false "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
        $null
    }
}

try {
    Write-Host "==> LiveTest $runId in $Region$(if ($EndpointUrl) { " at $EndpointUrl" })"
    $symmetricEscrow = Invoke-ImportStep 'seed pipeline' 'SYMMETRIC_DEFAULT' ''
    $null = Invoke-ImportStep 'HMAC import with proof' 'HMAC_256' 'GENERATE_VERIFY_MAC' -Prove
    $null = Invoke-ImportStep 'RSA import with proof' 'RSA_2048' 'SIGN_VERIFY' -Prove

    if ($symmetricEscrow) {
        $keyId = $created[0]
        try {
            $null = Remove-KmsImportedKeyMaterial @kms -KeyId $keyId -Confirm:$false
            $removed = Test-KmsKeyState @kms -KeyId $keyId -ExpectedState PendingImport
            $restored = Restore-KmsKeyMaterial @kms -KeyId $keyId -Path $symmetricEscrow -Confirm:$false
            $report = Test-KmsKeyState @kms -KeyId $keyId
            Add-Result 'restore from escrow' 'SYMMETRIC_DEFAULT' $keyId ($removed.Passed -and $report.Passed) "after delete: $($removed.KeyState); after restore: $($restored.KeyState) -> $($report.KeyState)"
        } catch {
            Add-Result 'restore from escrow' 'SYMMETRIC_DEFAULT' $keyId $false "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
        }
    }
} finally {
    # Cleanup whatever happened: material out, deletion scheduled with the 7-day minimum, escrow files gone.
    foreach ($keyId in $created) {
        try { $null = Remove-KmsImportedKeyMaterial @kms -KeyId $keyId -Confirm:$false -ErrorAction Stop } catch { Write-Warning "cleanup: DeleteImportedKeyMaterial $keyId failed: $($_.Exception.Message)" }
        try {
            $null = Remove-KmsExternalKey @kms -KeyId $keyId -PendingWindowInDays 7 -Force -Confirm:$false -ErrorAction Stop
            Add-Result 'cleanup' '' $keyId $true 'material deleted, deletion scheduled in 7 days'
        } catch {
            Add-Result 'cleanup' '' $keyId $false "ScheduleKeyDeletion failed: $($_.Exception.Message); delete it by hand (tag KmsImportLiveTest=$runId)"
        }
    }
    Remove-Item -Recurse -Force $escrow -ErrorAction SilentlyContinue
}

$results
$failed = @($results | Where-Object Result -ne 'Passed').Count
Write-Host "LiveTest $runId`: $($results.Count - $failed) passed, $failed failed"
if ($failed -gt 0) { exit 1 }
