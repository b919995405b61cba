@{
    RootModule             = 'KmsImport.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '648ed55b-d33c-486c-9eec-3fc34051d8d7'
    Author                 = 'KmsImport contributors'
    CompanyName            = 'KmsImport contributors'
    Copyright              = '(c) KmsImport contributors. Licensed under the Apache License 2.0.'
    Description            = 'Bring your own key into AWS KMS as one typed, safe pipeline: create an EXTERNAL key, get import parameters, wrap key material in-process (RSAES_OAEP_SHA_*, RSA_AES_KEY_WRAP_SHA_*; no OpenSSL needed), import it and verify the key. Symmetric, HMAC, RSA and ECC material; escrow of generated material; no plaintext in output, streams or files.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    # The types scripts name ([KmsImport.KmsExternalKey], output types, the vocabulary): loaded into the
    # session's default context before RootModule. KmsImport.dll then loads KmsImport.Core and the
    # third-party assemblies from dependencies/ privately (its IModuleAssemblyInitializer).
    RequiredAssemblies     = @('KmsImport.Model.dll')
    FormatsToProcess       = @('KmsImport.Format.ps1xml')
    CmdletsToExport        = @(
        'New-KmsExternalKey'
        'Get-KmsImportParameters'
        'Protect-KeyMaterial'
        'Import-KmsKeyMaterial'
        'Test-KmsKeyState'
        'Restore-KmsKeyMaterial'
        'Get-KmsKeyMaterialExpiry'
        'Remove-KmsImportedKeyMaterial'
        'Remove-KmsExternalKey'
        'Get-KmsKeyRotation'
        'Invoke-KmsKeyRotation'
        'Invoke-KmsKeyImport'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    # build.ps1 (tools/Set-ManifestMetadata.ps1) fills in, in out/KmsImport: ModuleVersion, HelpInfoURI (-HelpInfoUri),
    # and in PSData Prerelease, ProjectUri, LicenseUri, IconUri (only when given to the build), the release notes
    # (CHANGELOG.md) and the command tags (PSIncludes_Cmdlet, PSCommand_/PSCmdlet_ for every cmdlet).
    PrivateData            = @{
        PSData = @{
            Tags = @('AWS', 'KMS', 'BYOK', 'KeyImport', 'Cryptography', 'Security', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
        }
    }
}
