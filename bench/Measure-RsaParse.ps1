# Section 4 (before/after): RSA-2048 private key parse, KeyMaterial.FromBytes(RSA_2048, PKCS#8 DER), as the module's
# own KmsImport.Core does it, for a module folder given (the baseline's, whose source the BenchmarkDotNet project
# cannot build). Runs in a fresh pwsh per module: imports the module, gets its private KmsImport.Core the way the
# module does on a first call, and times Iterations parses of one key after Warmup untimed ones. Prints the
# median in milliseconds.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Iterations = 40,
    [int] $Warmup = 5
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module $ModulePath
# The module's resolve handler hands out its private KmsImport.Core (and makes its load context) on this request.
$core = [Reflection.Assembly]::Load('KmsImport.Core')
$keyMaterial = $core.GetType('KmsImport.Core.Crypto.KeyMaterial', $true)
$rsa = [Security.Cryptography.RSA]::Create(2048)
$der = $rsa.ExportPkcs8PrivateKey()
$rsa.Dispose()
$spec = [KmsImport.KeySpec]::RSA_2048
$times = [Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt $Warmup + $Iterations; $i++) {
    $w = [Diagnostics.Stopwatch]::StartNew()
    $m = $keyMaterial::FromBytes($spec, $der, $null, $false)
    $w.Stop()
    $m.Dispose()
    if ($i -ge $Warmup) { $times.Add($w.Elapsed.TotalMilliseconds) }
}
$sorted = @($times | Sort-Object)
$n = $sorted.Count
$median = if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
[Console]::Out.WriteLine($median.ToString([Globalization.CultureInfo]::InvariantCulture))
