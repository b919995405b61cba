using System;
using System.Collections.Generic;

namespace KmsImport
{
    /// <summary>
    /// The next PowerShell step for every <see cref="ErrorIds"/> value: the cmdlet and parameters that fix
    /// the failure (an aws CLI command may follow, never lead). The cmdlets put it in
    /// ErrorRecord.ErrorDetails.RecommendedAction; the exception's message keeps the specifics of the case.
    /// One table, keyed by ErrorId: a new ErrorId needs its entry here (a unit test checks every one).
    /// </summary>
    public static class RecommendedActions
    {
        private static readonly Dictionary<string, string> Table = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // ---- key specs and usages
            [ErrorIds.KeySpecNotImportable] = "Create a key of an importable spec: New-KmsExternalKey -KeySpec SYMMETRIC_DEFAULT (or HMAC_*, RSA_*, ECC_*); Get-Help New-KmsExternalKey -Parameter KeySpec lists them.",
            [ErrorIds.KeyUsageNotAllowed] = "Pass a usage the spec allows (the message lists them): New-KmsExternalKey -KeySpec <spec> -KeyUsage <usage>, or leave -KeyUsage out for the spec's default.",

            // ---- key material (bytes and files)
            [ErrorIds.KeyMaterialWrongLength] = "Pass material of the key's length (SYMMETRIC_DEFAULT 32 bytes; HMAC from the digest to the block size), or let the module make it: Protect-KeyMaterial -Generate -EscrowPath <folder>.",
            [ErrorIds.KeyMaterialLooksLikeText] = "Decode the text to bytes first: Protect-KeyMaterial -KeyMaterial ([Convert]::FromBase64String($text)) (or [Convert]::FromHexString for hex in PowerShell 7), or pass -Force if the bytes really are the material.",
            [ErrorIds.KeyMaterialPathInvalid] = "Pass the path of the key file: Protect-KeyMaterial -Path ./key.pem (check the spelling and quoting; Test-Path -LiteralPath <path> shows whether it exists).",
            [ErrorIds.KeyMaterialFileNotFound] = "Check the path with Test-Path -LiteralPath <path>, then pass the existing key file: Protect-KeyMaterial -Path <file> (relative paths start at the current location, Get-Location).",
            [ErrorIds.KeyMaterialIsDirectory] = "Pass the key file inside the folder (Get-ChildItem <folder>), or a folder of <KeyId>.bin files to Invoke-KmsKeyImport -MaterialDirectory <folder>.",
            [ErrorIds.KeyMaterialFileEmpty] = "Export the key again (the file is empty), then pass it: Protect-KeyMaterial -Path <file>.",
            [ErrorIds.KeyMaterialFileTooLarge] = "Pass the key file itself, not an archive or keystore: Protect-KeyMaterial -Path <key file> (export the private key as PEM or PKCS#8 DER first).",
            [ErrorIds.KeyMaterialUnreadable] = "Run as an account that can read the file, or fix its permissions (Get-Acl <file> / chmod), then run Protect-KeyMaterial -Path <file> again.",
            [ErrorIds.KeyMaterialFileNotRegular] = "Write the material to a regular, owner-only file, or pass the bytes: Protect-KeyMaterial -KeyMaterial <byte[]>.",
            [ErrorIds.KeyMaterialLowEntropy] = "Use random material: Protect-KeyMaterial -Generate -EscrowPath <folder>; only if the bytes are really the key, add -Force.",
            [ErrorIds.MaterialDirectoryNotFound] = "Pass an existing folder of <KeyId>.bin files: Invoke-KmsKeyImport -MaterialDirectory <folder> (Test-Path -LiteralPath <folder> -PathType Container).",
            [ErrorIds.KeyMaterialUnrecognizedFormat] = "Convert the key to PEM or PKCS#8 DER (openssl pkcs8 -topk8 -nocrypt -outform DER), then run Protect-KeyMaterial -Path <file> again.",
            [ErrorIds.KeyMaterialIsPublicKey] = "Pass the private key, not the public key or certificate: Protect-KeyMaterial -Path <private key file>.",
            [ErrorIds.KeyMaterialPasswordRequired] = "Pass the file's password: Protect-KeyMaterial -Path <file> -Password (Read-Host -AsSecureString).",
            [ErrorIds.KeyMaterialWrongPassword] = "Pass the right password: Protect-KeyMaterial -Path <file> -Password (Read-Host -AsSecureString).",
            [ErrorIds.KeyMaterialUnsupportedEncryption] = "Re-encrypt the key with PBKDF2 and AES (openssl pkcs8 -topk8 -v2 aes-256-cbc), then run Protect-KeyMaterial -Path <file> -Password <SecureString>.",
            [ErrorIds.KeyMaterialLegacyEncryptedPem] = "Convert it to encrypted PKCS#8 (openssl pkcs8 -topk8 -v2 aes-256-cbc), then run Protect-KeyMaterial -Path <file> -Password <SecureString>.",
            [ErrorIds.KeyMaterialWrongKeyType] = "Pass material of the key's spec, or create a key for this material: New-KmsExternalKey -KeySpec <the material's spec>.",
            [ErrorIds.KeyMaterialWrongKeySize] = "Pass an RSA key of the key's size, or create a key of this size: New-KmsExternalKey -KeySpec RSA_2048|RSA_3072|RSA_4096.",
            [ErrorIds.KeyMaterialWrongCurve] = "Pass a key on the key's curve, or create a key for this curve: New-KmsExternalKey -KeySpec ECC_NIST_P256|ECC_NIST_P384|ECC_NIST_P521|ECC_SECG_P256K1.",
            [ErrorIds.KeyMaterialExplicitCurve] = "Re-encode the key with a named curve (openssl ec -param_enc named_curve), then run Protect-KeyMaterial -Path <file> again.",
            [ErrorIds.KeyMaterialMultiPrimeRsa] = "Use a two-prime RSA key (KMS imports no other), then run Protect-KeyMaterial -Path <file> again.",
            [ErrorIds.KeyMaterialInconsistent] = "The key file is corrupt: take the key from its source or escrow copy again, then run Protect-KeyMaterial -Path <file>.",
            [ErrorIds.KeyMaterialSpecMismatch] = "Pass material of the key's spec (Get-KmsImportParameters shows the KeySpec), or create a key of the material's spec: New-KmsExternalKey -KeySpec <spec>.",

            // ---- wrapping
            [ErrorIds.WrappingPublicKeyMalformed] = "Fetch new import parameters and pipe them on unchanged: Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file>.",
            [ErrorIds.WrappingPublicKeyNotRsa] = "Use the wrapping key of Get-KmsImportParameters (not the key's own public key): Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file>.",
            [ErrorIds.WrappingPublicKeyUnsupportedSize] = "Fetch new import parameters and pipe them on unchanged: Get-KmsImportParameters -KeyId <key> -WrappingKeySpec RSA_4096 | Protect-KeyMaterial -Path <file>.",
            [ErrorIds.WrappingKeySpecMismatch] = "Pipe the Get-KmsImportParameters output unchanged, so public key, token and -WrappingKeySpec belong together: Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file>.",
            [ErrorIds.WrappingAlgorithmRetired] = "Leave -WrappingAlgorithm out (the module chooses), or pass RSAES_OAEP_SHA_256 / RSA_AES_KEY_WRAP_SHA_256: Get-KmsImportParameters -KeyId <key> -WrappingAlgorithm RSAES_OAEP_SHA_256.",
            [ErrorIds.WrappingNotAllowed] = "Leave -WrappingAlgorithm and -WrappingKeySpec out so the module chooses what KMS allows for the key spec: Get-KmsImportParameters -KeyId <key>.",
            [ErrorIds.WrappingCapacityExceeded] = "Use RSA_AES_KEY_WRAP_SHA_256 or a larger wrapping key: Get-KmsImportParameters -KeyId <key> -WrappingAlgorithm RSA_AES_KEY_WRAP_SHA_256 -WrappingKeySpec RSA_4096.",

            // ---- import parameters, options and offline bundles
            [ErrorIds.ImportTokenExpired] = "Fetch new parameters and wrap again (tokens last 24 hours): Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file> | Import-KmsKeyMaterial.",
            [ErrorIds.ImportTokenInvalid] = "Use the token and public key of one Get-KmsImportParameters output for this key: Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file> | Import-KmsKeyMaterial.",
            [ErrorIds.ImportParametersExpired] = "Fetch new parameters and wrap again: Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file> | Import-KmsKeyMaterial.",
            [ErrorIds.ImportParametersIncomplete] = "Pipe the output of Get-KmsImportParameters into Protect-KeyMaterial, or pass -KeyId, -PublicKey and -ImportToken together.",
            [ErrorIds.ImportOptionsInvalid] = "Fix the options the message names: Import-KmsKeyMaterial -ImportType, -KeyMaterialId and -KeyMaterialDescription apply to SYMMETRIC_DEFAULT keys only (Get-Help Import-KmsKeyMaterial -Parameter ImportType).",
            [ErrorIds.ValidToInPast] = "Pass a future date: -ExpirationModel KEY_MATERIAL_EXPIRES -ValidTo (Get-Date).AddDays(90), or leave both out for material that does not expire.",
            [ErrorIds.ValidToTooFar] = "Pass a date at most 365 days ahead: -ValidTo (Get-Date).AddDays(365); re-import before then with Restore-KmsKeyMaterial.",
            [ErrorIds.ValidToNotAllowed] = "Leave -ValidTo out with -ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE, or pass an expiring model: Import-KmsKeyMaterial -ExpirationModel KEY_MATERIAL_EXPIRES -ValidTo (Get-Date).AddDays(90).",
            [ErrorIds.ValidToRequired] = "Add the expiry date: -ExpirationModel KEY_MATERIAL_EXPIRES -ValidTo (Get-Date).AddDays(90), or leave -ExpirationModel out for material that does not expire.",
            [ErrorIds.BundleInvalid] = "Write the bundle again with Get-KmsImportParameters -KeyId <key> -OutDirectory <folder> (or Protect-KeyMaterial -OutDirectory <folder>), or pass the parameter the message names.",
            [ErrorIds.BundleExists] = "Pass another folder: -OutDirectory <new folder>, or move the old bundle away (Move-Item) after checking it is not needed.",
            [ErrorIds.BundleNotFound] = "Pass the folder a bundle was written to (…/<KeyId>): Import-KmsKeyMaterial -Path <folder>, or create the -OutDirectory folder first (New-Item -ItemType Directory <folder>).",
            [ErrorIds.BundleIOError] = "Check the folder's permissions and free space (Get-Item <folder>), then run the same command again.",
            [ErrorIds.BundleFileNotRegular] = "Copy the real files into the bundle folder (not links), or write the bundle again: Protect-KeyMaterial -OutDirectory <folder>.",
            [ErrorIds.BundleEncodingUnsupported] = "Save the JSON as UTF-8 (Set-Content -Encoding utf8), then pass it again: Get-KmsImportParameters -Path <file>.",
            [ErrorIds.BundleEndpointUntrusted] = "Check where the bundle came from; if it is genuine, name its endpoint yourself: Import-KmsKeyMaterial -Path <bundle> -EndpointUrl <its EndpointUrl>.",
            [ErrorIds.BundleRegionMismatch] = "Pass the bundle's own Region, or leave -Region out: Import-KmsKeyMaterial -Path <bundle> -Region <its Region>.",
            [ErrorIds.PathNotFileSystem] = "Pass a file-system path (a folder or file on a disk), for example -Path ./out or -Path C:\\kms; Get-PSDrive -PSProvider FileSystem lists the drives.",
            [ErrorIds.PathInvalid] = "Pass a valid file-system path (check the spelling and quoting), for example Get-KmsImportParameters -KeyId <key> -OutDirectory ./out; Test-Path -IsValid <path> checks one.",
            [ErrorIds.BatchUnexpectedError] = "Run Test-KmsKeyState -KeyId <key> to see where the key stands, then run Invoke-KmsKeyImport again for the keys that failed ($result | Where-Object Status -eq Failed).",

            // ---- escrow and secret files
            [ErrorIds.EscrowPathRequired] = "Pass an existing folder for the escrow copy: -Generate -EscrowPath <folder> (New-Item -ItemType Directory <folder>), or -NoEscrow to keep no copy.",
            [ErrorIds.SecretFileExists] = "Import the material the file already holds (Protect-KeyMaterial -Path <escrow file>), or pass another -EscrowPath; escrow files are never overwritten.",
            [ErrorIds.SecretFileDirectoryNotFound] = "Create the escrow folder first (New-Item -ItemType Directory <folder>), then pass it: -EscrowPath <folder>.",
            [ErrorIds.SecretFileAccessDenied] = "Pass a folder this account may write to: Protect-KeyMaterial -Generate -EscrowPath <folder> (Invoke-KmsKeyImport -Generate -EscrowPath <folder> for batches).",
            [ErrorIds.SecretFileWriteFailed] = "Check free space and the folder (Get-Item <folder>), then run the same command again with -EscrowPath <folder>.",
            [ErrorIds.SecretFilePlatformUnsupported] = "Run Protect-KeyMaterial or Invoke-KmsKeyImport with -EscrowPath in PowerShell 7.3 or later, or on Linux, macOS (x64) or Windows, where owner-only files are possible.",
            [ErrorIds.EscrowFileUntrusted] = "Check the file's origin; if genuine, make it a regular file owned by you with mode 0600 (chmod 600; owner-only ACL with Set-Acl on Windows), then run the same command again.",
            [ErrorIds.EscrowFingerprintMismatch] = "Find the escrow copy with the recorded fingerprint and pass it: Restore-KmsKeyMaterial -KeyId <key> -Path <that file>.",

            // ---- escrow to certificates (CMS) and key components
            [ErrorIds.EscrowCertificateInvalid] = "Pass an X.509 certificate with an RSA (2048 bits or more) or named-curve EC key: Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <cert.pem> (Get-PfxCertificate -FilePath <file> shows its key).",
            [ErrorIds.EscrowCertificateUnreadable] = "Pass an existing certificate file (PEM or DER, a regular file): Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <cert.pem> (Test-Path -LiteralPath <file> shows whether it exists).",
            [ErrorIds.EscrowCertificateExpired] = "Ask the custodian for a current certificate and pass it: Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <new cert>; material must not be escrowed to a certificate past its NotAfter date.",
            [ErrorIds.EscrowCertificateNotYetValid] = "Wait until the certificate's NotBefore date (Get-Date shows the clock; check it is right), or pass a certificate valid now: Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <cert>.",
            [ErrorIds.EscrowCertificateKeyUsage] = "Issue the custodian a certificate with keyEncipherment (RSA) or keyAgreement (EC) key usage, then pass it: Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <cert>.",
            [ErrorIds.EscrowCertificateExtendedKeyUsage] = "Issue the custodian a Document Encryption certificate (EKU 1.3.6.1.4.1.311.80.1, what New-SelfSignedCertificate -Type DocumentEncryptionCert makes), then pass it: Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <cert>.",
            [ErrorIds.EscrowRecipientInvalid] = "Pass certificate file paths or X509Certificate2 objects (e.g. Get-ChildItem Cert:\\CurrentUser\\My): Protect-KeyMaterial -Generate -EscrowPath <folder> -EscrowRecipient <cert…>.",
            [ErrorIds.EscrowKeyRequired] = "Pass a private key that opens the CMS escrow: Restore-KmsKeyMaterial -Path <KeyId>.cms -EscrowKeyPath <key.pem> (or -EscrowCertificate <certificate with its private key, or PFX with -Password>).",
            [ErrorIds.EscrowKeyInvalid] = "Pass a readable RSA or EC private key (PKCS#8, PKCS#1 or SEC1; encrypted ones with -Password (Read-Host -AsSecureString)), or a PFX with its password: Restore-KmsKeyMaterial -Path <KeyId>.cms -EscrowKeyPath <key.pem>.",
            [ErrorIds.EscrowKeyNotExportable] = "Export the certificate with its private key to a PFX on the custodian's machine, then pass it: Restore-KmsKeyMaterial -Path <KeyId>.cms -EscrowCertificate <file.pfx> -Password (Read-Host -AsSecureString), or use -EscrowKeyPath <key.pem>.",
            [ErrorIds.EscrowKeyNoMatch] = "Pass the private key of a certificate the escrow was encrypted to (the ProtectedKeyMaterial's EscrowRecipients lists their thumbprints): Restore-KmsKeyMaterial -Path <KeyId>.cms -EscrowKeyPath <that key>.",
            [ErrorIds.EscrowCmsInvalid] = "Pass the .cms file the module (or Protect-CmsMessage / openssl cms -encrypt) wrote, unaltered: Restore-KmsKeyMaterial -Path <KeyId>.cms -EscrowKeyPath <key>; restore it from your backup if it was damaged.",
            [ErrorIds.ComponentRecipientsMismatch] = "Pass one certificate per component and an escrow folder: Protect-KeyMaterial -Generate -EscrowPath <folder> -ComponentCount 3 -EscrowRecipient <cert1>, <cert2>, <cert3>.",
            [ErrorIds.ComponentLengthMismatch] = "Pass the components of this key only (each as long as the material): Protect-KeyMaterial -ComponentPath <KeyId>.component-1-of-N.cms, … (Get-ChildItem <folder> lists them).",
            [ErrorIds.ComponentCheckValueMismatch] = "Pass each custodian's own component in its position (component-1 first), as the manifest's check values say: Protect-KeyMaterial -ComponentPath <component-1>, <component-2>, … -EscrowKeyPath <custodians' keys>.",
            [ErrorIds.ComponentFingerprintMismatch] = "Pass all the components of this key, each once, from the same split: Protect-KeyMaterial -ComponentPath <files…> -ComponentManifest <KeyId>.components.json; a forged or mixed set cannot give the recorded material.",
            [ErrorIds.ComponentCountMismatch] = "Pass as many components as the manifest records (2 to 9, each file once): Protect-KeyMaterial -ComponentPath <component-1>, …, <component-N>.",
            [ErrorIds.ComponentManifestInvalid] = "Pass the manifest written with the components of this key, unaltered: Protect-KeyMaterial -ComponentPath <files…> -ComponentManifest <KeyId>.components.json.",
            [ErrorIds.ComponentHexInvalid] = "Type the component again as hexadecimal digits of the material's length (spaces allowed): Protect-KeyMaterial -ComponentFromHost <N>.",
            [ErrorIds.ComponentFileInvalid] = "Pass existing, regular, owner-only component files (chmod 600; Get-Item <file> shows it): Protect-KeyMaterial -ComponentPath <files…>.",

            // ---- evidence trail
            [ErrorIds.EvidencePathInvalid] = "Pass a file path on the file system: -EvidencePath ./ceremony.jsonl (or set $KmsImportEvidencePath = './ceremony.jsonl'; Remove-Variable KmsImportEvidencePath to record none).",
            [ErrorIds.EvidenceFileUntrusted] = "Pass an owner-only regular file of yours (not a link): -EvidencePath <file> (Get-Item <file> shows it; chmod 600 or Set-Acl), or start a new file with -EvidencePath <new file>.",
            [ErrorIds.EvidenceFileTampered] = "Check the file with Test-KmsCeremonyEvidence -Path <file>; keep it as evidence of the damage and record the next steps in a new file: -EvidencePath <new file>.",
            [ErrorIds.EvidenceFileBusy] = "Wait for the other command writing to the file to finish (Get-Job, or the other session), then run the same command again; or pass another file: -EvidencePath <file>, and join the files with Test-KmsCeremonyEvidence -Path <each file>.",
            [ErrorIds.EvidenceWriteFailed] = "Check the folder exists and is writable with free space (Get-Item <folder>; New-Item -ItemType Directory <folder>), then run the same command with -EvidencePath <file> again.",
            [ErrorIds.EvidenceFileNotFound] = "Pass the evidence file the ceremony wrote: Test-KmsCeremonyEvidence -Path <file> (Test-Path -LiteralPath <file> shows whether it exists).",
            [ErrorIds.EvidenceLineInvalid] = "The file was damaged at the line named: compare it with a copy kept elsewhere, then run Test-KmsCeremonyEvidence -Path <that copy>.",
            [ErrorIds.EvidenceChainBroken] = "The file was edited at the line named: compare it with a copy kept elsewhere and check the chain head written down at the ceremony: Test-KmsCeremonyEvidence -Path <copy> -ExpectedChainHead <head>.",

            // ---- proofs
            [ErrorIds.ProofFailed] = "Find the material the key holds (the escrow copy) and prove it: Test-KmsKeyState -KeyId <key> -Path <escrow file>.",
            [ErrorIds.ProofNotPossible] = "Check the key's state and spec with Test-KmsKeyState -KeyId <key>; a proof needs an Enabled key and the material's file: Test-KmsKeyState -KeyId <key> -Path <file>.",
            [ErrorIds.PublicKeyMalformed] = "Pass the public key bytes unchanged (decode base64 first: [Convert]::FromBase64String), or prove with the material: Test-KmsKeyState -KeyId <key> -Path <file>.",
            [ErrorIds.PublicKeyUnsupported] = "Prove with the key's own material instead: Test-KmsKeyState -KeyId <key> -Path <file>.",
            [ErrorIds.ProofNotApplicable] = "Prove with the key's material and let the module choose the proof: Test-KmsKeyState -KeyId <key> -Path <file>.",
            [ErrorIds.SigningAlgorithmUnsupported] = "Use a KMS SigningAlgorithmSpec name (RSASSA_PSS_SHA_256, ECDSA_SHA_256, ...), or let Test-KmsKeyState -KeyId <key> -Path <file> choose.",
            [ErrorIds.ProofPlaintextTooLong] = "Use a short random challenge (32 bytes), or let Test-KmsKeyState -KeyId <key> -Path <file> make one.",

            // ---- keys, aliases and Regions (local checks)
            [ErrorIds.AliasNameInvalid] = "Pass an alias of letters, digits, '/', '_' and '-': New-KmsExternalKey -Alias alias/my-key (not alias/aws/...).",
            [ErrorIds.ReplicaRegionInvalid] = "Pass other AWS Regions than the primary's, each once: New-KmsExternalKey -MultiRegion -ReplicaRegion eu-west-1, us-east-2.",
            [ErrorIds.ReplicaNotReady] = "Wait a minute, then continue: Get-KmsImportParameters -KeyId <key> -Region <replica Region> (or raise -ReplicaTimeoutSeconds).",
            [ErrorIds.ReplicaNeedsPrimaryMaterial] = "Import the primary first, then the replica with the same material: Get-KmsImportParameters -KeyId <key> -Region <replica Region> -PrimaryRegion <primary Region> | Protect-KeyMaterial -Path <primary's escrow file> | Import-KmsKeyMaterial.",
            [ErrorIds.KeyIdUnsafe] = "Pass the key id or ARN as KMS shows it (the KeyId of New-KmsExternalKey or Get-KmsKeyMaterialExpiry output).",

            // ---- what the KMS service answered
            [ErrorIds.KeyNotFound] = "Check the key and its Region: Get-KmsKeyMaterialExpiry -Region <region> lists the EXTERNAL keys there; then pass -KeyId <key> -Region <region>.",
            [ErrorIds.KeyIdInvalid] = "Pass a key id, key ARN, alias name (alias/...) or alias ARN, as New-KmsExternalKey or Get-KmsKeyMaterialExpiry show it: Test-KmsKeyState -KeyId 1234abcd-12ab-34cd-56ef-1234567890ab.",
            [ErrorIds.KeyInvalidState] = "See the key's state with Test-KmsKeyState -KeyId <key>; for PendingDeletion cancel the deletion first (AWS Tools: Stop-KMSKeyDeletion -KeyId <key>; aws kms cancel-key-deletion), then run the command again.",
            [ErrorIds.KeyDisabled] = "Enable the key (AWS Tools: Enable-KMSKey -KeyId <key>; aws kms enable-key), check it with Test-KmsKeyState -KeyId <key>, then run the command again.",
            [ErrorIds.KeyNotExternal] = "Create a key for imported material: New-KmsExternalKey -KeySpec <spec>, and import into that key.",
            [ErrorIds.OperationNotSupported] = "Check the key with Test-KmsKeyState -KeyId <key> (origin EXTERNAL, not in a custom key store) and leave out parameters that do not apply to its spec (-ImportType, -KeyMaterialId are for SYMMETRIC_DEFAULT only).",
            [ErrorIds.CiphertextInvalid] = "Wrap again with the public key and token of one output: Get-KmsImportParameters -KeyId <key> | Protect-KeyMaterial -Path <file> | Import-KmsKeyMaterial.",
            [ErrorIds.KeyMaterialIncorrect] = "Re-import the escrowed original: Restore-KmsKeyMaterial -KeyId <key> -Path <escrow file>; to add different material to a SYMMETRIC_DEFAULT key, import it with Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL, then Invoke-KmsKeyRotation.",
            [ErrorIds.AliasExists] = "Choose another alias (New-KmsExternalKey -Alias alias/<new name>) or leave -Alias out; AWS Tools' Get-KMSAliasList shows the aliases in use.",
            [ErrorIds.AliasInvalid] = "Pass an alias of letters, digits, '/', '_' and '-': New-KmsExternalKey -Alias alias/my-key.",
            [ErrorIds.PolicyMalformed] = "Fix the policy JSON (it must let the caller administer the key), test it with $policy | ConvertFrom-Json, then pass it: New-KmsExternalKey -Policy $policy.",
            [ErrorIds.TagInvalid] = "Pass tags as a hashtable of non-empty strings: New-KmsExternalKey -Tag @{ Owner = 'team' }.",
            [ErrorIds.Throttled] = "Run the same command again after a short wait; for batches lower the pace: Invoke-KmsKeyImport -ThrottleLimit 1 -RequestsPerSecond @{ GetParametersForImport = 0.5 }, or raise -MaxErrorRetry.",
            [ErrorIds.LimitExceeded] = "Wait and run the same command again (Invoke-KmsKeyImport -ThrottleLimit 1 for batches), or ask AWS to raise the quota.",
            [ErrorIds.InternalError] = "Check the key with Test-KmsKeyState -KeyId <key>, then run the same command again later.",
            [ErrorIds.RequestInvalid] = "Fix the parameter KMS names in the message; Get-Help <cmdlet> -Parameter <name> shows what each one takes.",
            [ErrorIds.KmsError] = "Check the key with Test-KmsKeyState -KeyId <key>, then run the same command again.",
            [ErrorIds.HttpError] = "Check -EndpointUrl and any proxy in the path, check the key with Test-KmsKeyState -KeyId <key>, then run the same command again.",
            [ErrorIds.AnswerInvalid] = "Check -EndpointUrl (a proxy in the path?) and the key with Test-KmsKeyState -KeyId <key>, then run the same command again.",
            [ErrorIds.OutcomeUnknown] = "See what happened before repeating anything: Test-KmsKeyState -KeyId <key> (for a new key, Get-KmsKeyMaterialExpiry -Region <region> lists the EXTERNAL keys).",
            [ErrorIds.ImportNotApplied] = "Check the key with Test-KmsKeyState -KeyId <key> -Path <file>, then import again: Restore-KmsKeyMaterial -KeyId <key> -Path <file>.",
            [ErrorIds.KeyCreatedUnfinished] = "Remove the key if it is not wanted: Remove-KmsExternalKey -KeyId <key> (the message has the full command), or continue with Get-KmsImportParameters -KeyId <key>.",
            [ErrorIds.KeyHoldsMaterial] = "To take only the material away use Remove-KmsImportedKeyMaterial -KeyId <key>; to delete the key anyway add -Force: Remove-KmsExternalKey -KeyId <key> -Force.",

            // ---- fleet plans
            [ErrorIds.PlanUnreadable] = "Pass a plan that is a regular CSV or JSON file (at most 4 MiB, 10000 rows) with the documented columns: Invoke-KmsKeyImport -PlanPath ./plan.csv (Get-Help Invoke-KmsKeyImport -Parameter PlanPath lists the columns).",
            [ErrorIds.PlanRowInvalid] = "Fix the column the message names in that row of the plan (Import-Csv ./plan.csv | Select-Object -Index <row-1> shows it), then run Invoke-KmsKeyImport -PlanPath ./plan.csv again; nothing was sent.",
            [ErrorIds.PlanRowContradicts] = "Keep one of the contradicting columns the message names in that row (for example Path or Generate, not both), then run Invoke-KmsKeyImport -PlanPath ./plan.csv again; nothing was sent.",
            [ErrorIds.PlanAliasDuplicate] = "Give each key of an account and Region its own alias in the plan, then run Invoke-KmsKeyImport -PlanPath ./plan.csv again; nothing was sent.",
            [ErrorIds.PlanMaterialUnusable] = "Fix the material file of that row (Protect-KeyMaterial -Path <file> -KeySpec <spec> shows why it is refused), or use Generate with an EscrowPath folder, then run Invoke-KmsKeyImport -PlanPath ./plan.csv again.",
            [ErrorIds.PlanInvalid] = "Fix every row reported before this error (each has its own ErrorId), then run Invoke-KmsKeyImport -PlanPath ./plan.csv again; nothing was sent to KMS.",
            [ErrorIds.PlanAliasKeyMismatch] = "Point the row at another alias, or check the key the alias names with Test-KmsKeyState -KeyId alias/<name> -Region <region> and fix the row's KeySpec/KeyUsage to match it.",
            [ErrorIds.PlanAliasOtherMaterial] = "The alias already names a key with other material: give the row a new alias (a new key is created), or prove the escrowed original with Test-KmsKeyState -KeyId alias/<name> -Path <escrow file>.",
            [ErrorIds.PlanAccountMismatch] = "Give the row credentials of its account (ProfileName or RoleArn column, or Invoke-KmsKeyImport -RoleArn 'arn:aws:iam::{Account}:role/<name>'), or fix its Account column; remove a key created in the wrong account with Remove-KmsExternalKey -KeyId <key>.",
            [ErrorIds.PlanResultFileInvalid] = "Name a new .csv or .json file with -ResultPath, or add -Resume to continue the run that wrote it: Invoke-KmsKeyImport -PlanPath ./plan.csv -ResultPath ./results.csv -Resume.",

            // ---- credentials, Region and connection
            [ErrorIds.RegionNotSpecified] = "Pass -Region <region> (for example -Region eu-west-2), or set a shell default with AWS Tools' Set-DefaultAWSRegion <region> or $env:AWS_REGION.",
            [ErrorIds.RegionInvalid] = "Pass an AWS Region name, for example Get-KmsKeyMaterialExpiry -Region eu-west-2 (Tab after -Region lists them); AWS Tools' Set-DefaultAWSRegion sets a shell default.",
            [ErrorIds.RequestsPerSecondInvalid] = "Pass rates for the paced operations: Invoke-KmsKeyImport -RequestsPerSecond @{ GetParametersForImport = 1; ImportKeyMaterial = 15 }.",
            [ErrorIds.EndpointUrlInvalid] = "Pass an absolute http(s) URL, for example Test-KmsKeyState -KeyId <key> -EndpointUrl https://kms.eu-west-2.amazonaws.com, or leave -EndpointUrl out for AWS's own endpoint.",
            [ErrorIds.CredentialsNotFound] = "Pass -ProfileName <profile> (or -AccessKey and -SecretKey), or set shell defaults with AWS Tools' Set-AWSCredential -ProfileName <profile>.",
            [ErrorIds.CredentialsIncomplete] = "Pass -AccessKey and -SecretKey together (plus -SessionToken for temporary keys), or a profile instead: Get-KmsKeyMaterialExpiry -ProfileName <profile>.",
            [ErrorIds.ProfileNotFound] = "Pass an existing profile: -ProfileName <profile> (AWS Tools: Get-AWSCredential -ListProfileDetail lists them; aws configure list-profiles), or -ProfileLocation <file>.",
            [ErrorIds.StoredCredentialsUnreadable] = "Run Set-AWSCredential -ProfileName <profile> again, or Remove-Variable StoredAWSCredentials -Scope Global and pass -ProfileName.",
            [ErrorIds.CredentialNotSupported] = "Pass an AWSCredentials object: -Credential (Get-AWSCredential -ProfileName <profile>), or use -ProfileName <profile>.",
            [ErrorIds.CredentialParametersConflict] = "Pass one kind of credentials to the same command, for example Get-KmsKeyMaterialExpiry -ProfileName <profile>, or -Credential, or -AccessKey with -SecretKey.",
            [ErrorIds.CredentialsUnavailable] = "Pass credentials that can sign: -ProfileName <profile> or -Credential (Get-AWSCredential -ProfileName <profile>); for an SSO profile refresh the session first (aws sso login).",
            [ErrorIds.CredentialsFileInvalid] = "Fix the line the message names in the credentials or config file, or pass another file: Get-KmsKeyMaterialExpiry -ProfileName <profile> -ProfileLocation <file>.",
            [ErrorIds.EndpointUnreachable] = "Check the network path, -Region and -EndpointUrl, then check the key with Test-KmsKeyState -KeyId <key> before running the command again.",
            [ErrorIds.ProfileNotUsable] = "Complete the profile in the shared config file (role_arn with source_profile = <profile with keys>, or credential_source = Environment), then try it: Get-KmsKeyMaterialExpiry -ProfileName <profile> -Region <region>; or name another profile.",
            [ErrorIds.RoleArnInvalid] = "Pass an IAM role ARN or pattern: Invoke-KmsKeyImport -PlanPath <plan> -RoleArn 'arn:aws:iam::{Account}:role/<name>' (one {Account}, or a 12-digit account; the plan's Account column holds 12 digits).",
            [ErrorIds.RoleSessionNameInvalid] = "Pass 2 to 64 letters, digits or +=,.@_- characters: Invoke-KmsKeyImport -PlanPath <plan> -RoleSessionName KmsImport-rotation-2026, or leave -RoleSessionName out for the default name.",
            [ErrorIds.RoleNotAssumable] = "Allow the caller in the role's trust policy and give it sts:AssumeRole on the role, try it with Get-KmsKeyMaterialExpiry -ProfileName <profile with that role_arn> -Region <region>, then run the same command again for that account's rows.",
            [ErrorIds.AuthenticationFailed] = "Use valid credentials: -ProfileName <profile>, or refresh the session (Set-AWSCredential again; aws sso login for SSO profiles).",
            [ErrorIds.AccessDenied] = "Use credentials allowed to call the KMS operation on the key, for example Test-KmsKeyState -KeyId <key> -ProfileName <profile>, or grant the kms: permission in IAM and the key policy.",
        };

        /// <summary>The recommended next step for <paramref name="errorId"/>, or null when the catalogue has none.</summary>
        public static string? For(string? errorId) =>
            errorId != null && Table.TryGetValue(errorId, out var action) ? action : null;

        /// <summary>Every ErrorId the catalogue covers (for tests and tools).</summary>
        public static IEnumerable<string> ErrorIdsCovered => Table.Keys;
    }
}
