# The demo: the seed workflow against the local KMS endpoint, one step at a time, showing the
# object each cmdlet hands to the next. Run it with: dotnet pwsh ./build.ps1 -Task Demo
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalKmsPath
)
$ErrorActionPreference = 'Stop'
# Start-LocalKms / Stop-LocalKms: the helpers the tests and the benchmarks use too.
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1') -Force
Import-Module $ModulePath -Force

# Fake credentials for the local endpoint; nothing here talks to AWS.
$env:AWS_ACCESS_KEY_ID = 'AKIDLOCALDEMO'
$env:AWS_SECRET_ACCESS_KEY = 'local-demo-secret'
$env:AWS_EC2_METADATA_DISABLED = 'true'

$server = Start-LocalKms -LocalKmsPath $LocalKmsPath
$work = Join-Path ([IO.Path]::GetTempPath()) ('kmsimport-demo-' + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory $work
try {
    Write-Host "Local KMS endpoint: $($server.Url)`n"
    $kms = @{ Region = 'eu-west-2'; EndpointUrl = $server.Url }

    # What an operator would have from `openssl rand -out material.bin 32`; the demo makes it in-process.
    $materialPath = Join-Path $work 'material.bin'
    $bytes = [byte[]]::new(32)
    [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    [IO.File]::WriteAllBytes($materialPath, $bytes)
    [Array]::Clear($bytes, 0, $bytes.Length)

    Write-Host '1. New-KmsExternalKey -Region eu-west-2' -ForegroundColor Cyan
    $key = New-KmsExternalKey @kms -Description 'KmsImport demo'
    $key | Format-List | Out-Host

    Write-Host '2. | Get-KmsImportParameters' -ForegroundColor Cyan
    $params = $key | Get-KmsImportParameters
    $params | Format-List | Out-Host

    Write-Host '3. | Protect-KeyMaterial -Path ./material.bin' -ForegroundColor Cyan
    $wrapped = $params | Protect-KeyMaterial -Path $materialPath
    $wrapped | Format-List | Out-Host

    Write-Host '4. | Import-KmsKeyMaterial' -ForegroundColor Cyan
    $imported = $wrapped | Import-KmsKeyMaterial
    $imported | Format-List | Out-Host

    Write-Host '5. | Test-KmsKeyState' -ForegroundColor Cyan
    $report = $imported | Test-KmsKeyState
    $report | Format-List | Out-Host

    Write-Host 'The same as one pipeline:' -ForegroundColor Cyan
    Write-Host '   New-KmsExternalKey -Region eu-west-2 | Get-KmsImportParameters | Protect-KeyMaterial -Path ./material.bin | Import-KmsKeyMaterial | Test-KmsKeyState'
    $oneLine = New-KmsExternalKey @kms | Get-KmsImportParameters | Protect-KeyMaterial -Path $materialPath | Import-KmsKeyMaterial | Test-KmsKeyState
    $oneLine | Format-Table | Out-Host

    if (-not ($report.Passed -and $oneLine.Passed)) { throw 'The demo key did not reach Enabled.' }
    Write-Host 'Demo finished: both keys are Enabled with the imported material.' -ForegroundColor Green
} finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    Stop-LocalKms -Server $server
}
