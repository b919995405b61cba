# Every output type has a table and a list view, and byte arrays are summarised, never dumped.
BeforeDiscovery {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    $script:OutputTypes = Get-Command -Module KmsImport | ForEach-Object { $_.OutputType.Name } |
        Where-Object { $_ -like 'KmsImport.*' } | Sort-Object -Unique | ForEach-Object { @{ TypeName = $_ } }
}

BeforeAll {
    Import-Module $env:KMSIMPORT_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Common = @{ Region = 'eu-west-2'; EndpointUrl = $env:KMSIMPORT_TEST_ENDPOINT }
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
            $table = $object | Format-Table | Out-String -Width 300
            $list | Should -Match "ImportToken\s+: $($object.ImportToken.Length) bytes"
            # No run of the token's bytes as numbers (the default rendering of a byte[]).
            $list | Should -Not -Match ('\{' + $object.ImportToken[0] + ', ' + $object.ImportToken[1])
        }
        $wrapped | Format-List | Out-String -Width 200 | Should -Match "EncryptedKeyMaterial\s+: $($wrapped.EncryptedKeyMaterial.Length) bytes"
        $params | Format-Table | Out-String -Width 300 | Should -Match "$($params.PublicKey.Length) bytes\s+$($params.ImportToken.Length) bytes"
        $wrapped | Format-Table | Out-String -Width 300 | Should -Match "$($wrapped.EncryptedKeyMaterial.Length) bytes"
        $params | Format-List | Out-String -Width 200 | Should -Match "PublicKey\s+: $($params.PublicKey.Length) bytes"
    }
}
