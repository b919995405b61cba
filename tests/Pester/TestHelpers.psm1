# Helpers shared by the Pester suite, the demo and the benchmarks: start and drive the local
# KMS-compatible endpoint (LocalKms/), and start fresh pwsh processes.
Set-StrictMode -Version 3.0

function Start-LocalKms {
    <# Starts out/LocalKms on a free loopback port; returns @{ Url; Process; LogDir }. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $LocalKmsPath,
        [string[]] $ExtraArguments = @(),
        [int] $TimeoutSeconds = 60
    )
    if (-not (Test-Path $LocalKmsPath)) { throw "LocalKms not built: $LocalKmsPath (run ./build.ps1 -Task Build)" }
    $logDir = Join-Path ([IO.Path]::GetTempPath()) ("localkms-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory $logDir
    $stdout = Join-Path $logDir 'stdout.txt'
    $stderr = Join-Path $logDir 'stderr.txt'
    $dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
    # Output goes to files, not pipes: a leftover server must never hold a CI log pipe open.
    $process = Start-Process -FilePath $dotnet -ArgumentList (@($LocalKmsPath, '--port', '0') + $ExtraArguments) `
        -RedirectStandardOutput $stdout -RedirectStandardError $stderr -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($process.HasExited) { throw "LocalKms exited with code $($process.ExitCode): $(Get-Content -Raw $stderr -ErrorAction SilentlyContinue)" }
        $line = Get-Content $stdout -ErrorAction SilentlyContinue | Where-Object { $_ -match 'http://127\.0\.0\.1:\d+' } | Select-Object -First 1
        if ($line) {
            $url = [regex]::Match($line, 'http://127\.0\.0\.1:\d+').Value
            return [pscustomobject]@{ Url = $url; Process = $process; LogDir = $logDir }
        }
        Start-Sleep -Milliseconds 50
    }
    Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
    throw "LocalKms did not report its URL within $TimeoutSeconds s"
}

function Stop-LocalKms {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Server)
    if ($Server.Process -and -not $Server.Process.HasExited) {
        Stop-Process -Id $Server.Process.Id -ErrorAction SilentlyContinue
        if (-not $Server.Process.WaitForExit(5000)) { Stop-Process -Id $Server.Process.Id -Force -ErrorAction SilentlyContinue }
    }
    Remove-Item -Recurse -Force $Server.LogDir -ErrorAction SilentlyContinue
}

function Invoke-LocalKmsControl {
    <# Calls the endpoint's test-control API (/_localkms/...). #>
    param(
        [Parameter(Mandatory)] [string] $Url,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'GET',
        $Body
    )
    $params = @{ Uri = "$Url/_localkms/$Path"; Method = $Method }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $params.Body = ConvertTo-Json -InputObject $Body -Depth 5 -Compress
        $params.ContentType = 'application/json'
    }
    Invoke-RestMethod @params
}

function Get-LocalKmsRequest {
    param([Parameter(Mandatory)] [string] $Url)
    # Invoke-RestMethod hands a JSON array on as one object; enumerate it.
    Invoke-LocalKmsControl -Url $Url -Path 'requests' | ForEach-Object { $_ }
}

function Clear-LocalKmsRequest {
    param([Parameter(Mandatory)] [string] $Url)
    $null = Invoke-LocalKmsControl -Url $Url -Path 'requests' -Method DELETE
}

function Get-PwshCommand {
    <# The current pwsh as an executable plus leading arguments (the dotnet tool runs pwsh.dll via dotnet). #>
    $exe = [Environment]::ProcessPath
    # .NET Framework (Windows PowerShell 5.1) has no Environment.ProcessPath: the fresh process is powershell.exe.
    if (-not $exe) { $exe = (Get-Process -Id $PID).Path }
    $lead = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $lead = @(Join-Path $PSHOME 'pwsh.dll') }
    [pscustomobject]@{ Executable = $exe; Arguments = $lead }
}

function Invoke-FreshPwsh {
    <# Runs a script in a new pwsh process; returns its output lines; throws on a non-zero exit code. #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{}
    )
    $pwsh = Get-PwshCommand
    # $null means "unset": PowerShell would turn a $null string argument into "", which is not the same.
    function Set-Var([string] $Name, $Value) {
        if ($null -eq $Value) { Remove-Item "Env:$Name" -ErrorAction SilentlyContinue } else { Set-Item "Env:$Name" -Value $Value }
    }
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); Set-Var $k $Environment[$k] }
    try {
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script))
        $output = & $pwsh.Executable @($pwsh.Arguments) -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1
        $code = $LASTEXITCODE
    } finally {
        foreach ($k in $saved.Keys) { Set-Var $k $saved[$k] }
    }
    if ($code -ne 0) { throw "fresh pwsh exited with $code`n$($output -join "`n")" }
    $output
}

function ConvertTo-HexString([byte[]] $Bytes) { ($Bytes | ForEach-Object { $_.ToString('x2') }) -join '' }

Export-ModuleMember -Function Start-LocalKms, Stop-LocalKms, Invoke-LocalKmsControl, Get-LocalKmsRequest, Clear-LocalKmsRequest,
    Get-PwshCommand, Invoke-FreshPwsh, ConvertTo-HexString
