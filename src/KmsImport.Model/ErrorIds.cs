namespace KmsImport
{
    /// <summary>
    /// Every stable <see cref="KmsImportException.ErrorId"/> the module reports, grouped by what the
    /// failure is about. Runbooks match on these strings: never change a value, only add.
    /// </summary>
    public static class ErrorIds
    {
        // ---- key specs and usages -------------------------------------------------------------------------
        /// <summary>The key spec is not one whose material KMS imports, or not a KMS key spec name at all.</summary>
        public const string KeySpecNotImportable = "KeySpecNotImportable";
        /// <summary>The key usage is not one KMS allows for the key spec.</summary>
        public const string KeyUsageNotAllowed = "KeyUsageNotAllowed";

        // ---- key material (bytes and files) ---------------------------------------------------------------
        /// <summary>Raw material of the wrong length (SYMMETRIC_DEFAULT 32, HMAC_224/256/384/512 28/32/48/64).</summary>
        public const string KeyMaterialWrongLength = "KeyMaterialWrongLength";
        /// <summary>Raw material that is text (hex, base64, a passphrase) rather than random bytes.</summary>
        public const string KeyMaterialLooksLikeText = "KeyMaterialLooksLikeText";
        /// <summary>The path is empty or not a valid path.</summary>
        public const string KeyMaterialPathInvalid = "KeyMaterialPathInvalid";
        /// <summary>No file at the path.</summary>
        public const string KeyMaterialFileNotFound = "KeyMaterialFileNotFound";
        /// <summary>The path names a directory.</summary>
        public const string KeyMaterialIsDirectory = "KeyMaterialIsDirectory";
        /// <summary>The file has no content.</summary>
        public const string KeyMaterialFileEmpty = "KeyMaterialFileEmpty";
        /// <summary>The file is larger than 1 MiB: no key material is that large.</summary>
        public const string KeyMaterialFileTooLarge = "KeyMaterialFileTooLarge";
        /// <summary>The file exists but could not be read (permissions, I/O error).</summary>
        public const string KeyMaterialUnreadable = "KeyMaterialUnreadable";
        /// <summary>The material file is a pipe, socket or device: material is read from regular files only, once.</summary>
        public const string KeyMaterialFileNotRegular = "KeyMaterialFileNotRegular";
        /// <summary>Raw material that is not random: constant bytes, a short repeating pattern, too few distinct bytes.</summary>
        public const string KeyMaterialLowEntropy = "KeyMaterialLowEntropy";
        /// <summary>-MaterialDirectory is not an existing folder.</summary>
        public const string MaterialDirectoryNotFound = "MaterialDirectoryNotFound";
        /// <summary>Not PKCS#8, PKCS#1, SEC1 (DER or PEM) nor encrypted PKCS#8.</summary>
        public const string KeyMaterialUnrecognizedFormat = "KeyMaterialUnrecognizedFormat";
        /// <summary>A public key or certificate was given where the private key is needed.</summary>
        public const string KeyMaterialIsPublicKey = "KeyMaterialIsPublicKey";
        /// <summary>Encrypted PKCS#8 without a password.</summary>
        public const string KeyMaterialPasswordRequired = "KeyMaterialPasswordRequired";
        /// <summary>Encrypted PKCS#8 whose password is wrong.</summary>
        public const string KeyMaterialWrongPassword = "KeyMaterialWrongPassword";
        /// <summary>Encrypted PKCS#8 with an encryption scheme this module cannot decrypt (e.g. scrypt).</summary>
        public const string KeyMaterialUnsupportedEncryption = "KeyMaterialUnsupportedEncryption";
        /// <summary>Legacy OpenSSL-encrypted PEM (Proc-Type: 4,ENCRYPTED); convert to encrypted PKCS#8.</summary>
        public const string KeyMaterialLegacyEncryptedPem = "KeyMaterialLegacyEncryptedPem";
        /// <summary>A private key of another algorithm than the KeySpec (e.g. EC key for RSA_2048, Ed25519).</summary>
        public const string KeyMaterialWrongKeyType = "KeyMaterialWrongKeyType";
        /// <summary>RSA modulus size differs from the KeySpec.</summary>
        public const string KeyMaterialWrongKeySize = "KeyMaterialWrongKeySize";
        /// <summary>EC key on another curve than the KeySpec.</summary>
        public const string KeyMaterialWrongCurve = "KeyMaterialWrongCurve";
        /// <summary>EC key with explicit curve parameters instead of a named curve.</summary>
        public const string KeyMaterialExplicitCurve = "KeyMaterialExplicitCurve";
        /// <summary>RSA key with more than two primes.</summary>
        public const string KeyMaterialMultiPrimeRsa = "KeyMaterialMultiPrimeRsa";
        /// <summary>The private key's numbers do not fit together (corrupt key).</summary>
        public const string KeyMaterialInconsistent = "KeyMaterialInconsistent";
        /// <summary>The material is of another key spec than the key it is meant for.</summary>
        public const string KeyMaterialSpecMismatch = "KeyMaterialSpecMismatch";

        // ---- wrapping -------------------------------------------------------------------------------------
        /// <summary>The wrapping public key is not a DER SubjectPublicKeyInfo.</summary>
        public const string WrappingPublicKeyMalformed = "WrappingPublicKeyMalformed";
        /// <summary>The wrapping public key is neither RSA nor SM2.</summary>
        public const string WrappingPublicKeyNotRsa = "WrappingPublicKeyNotRsa";
        /// <summary>An RSA wrapping public key whose size is not 2048, 3072 or 4096 bits.</summary>
        public const string WrappingPublicKeyUnsupportedSize = "WrappingPublicKeyUnsupportedSize";
        /// <summary>The wrapping public key is not of the WrappingKeySpec that was named.</summary>
        public const string WrappingKeySpecMismatch = "WrappingKeySpecMismatch";
        /// <summary>RSAES_PKCS1_V1_5: retired by AWS on 2023-10-10.</summary>
        public const string WrappingAlgorithmRetired = "WrappingAlgorithmRetired";
        /// <summary>The (KeySpec, WrappingAlgorithm, WrappingKeySpec) combination is not allowed, or a name is not a KMS one.</summary>
        public const string WrappingNotAllowed = "WrappingNotAllowed";
        /// <summary>The material is too large for the algorithm and wrapping key size.</summary>
        public const string WrappingCapacityExceeded = "WrappingCapacityExceeded";

        // ---- import parameters, options and offline bundles -----------------------------------------------
        public const string ImportTokenExpired = "ImportTokenExpired";
        public const string ImportTokenInvalid = "ImportTokenInvalid";
        public const string ImportParametersExpired = "ImportParametersExpired";
        public const string ImportParametersIncomplete = "ImportParametersIncomplete";
        public const string ImportOptionsInvalid = "ImportOptionsInvalid";
        public const string ValidToInPast = "ValidToInPast";
        public const string ValidToTooFar = "ValidToTooFar";
        public const string ValidToNotAllowed = "ValidToNotAllowed";
        public const string ValidToRequired = "ValidToRequired";
        public const string BundleInvalid = "ImportBundleInvalid";
        public const string BundleExists = "ImportBundleExists";
        public const string BundleNotFound = "ImportBundleNotFound";
        public const string BundleIOError = "ImportBundleIOError";
        /// <summary>A bundle file is a symbolic link, pipe, device or other non-regular file: bundles are data from strangers.</summary>
        public const string BundleFileNotRegular = "ImportBundleFileNotRegular";
        /// <summary>A bundle's JSON is not UTF-8 (UTF-16, for example).</summary>
        public const string BundleEncodingUnsupported = "ImportBundleEncodingUnsupported";
        /// <summary>A bundle names an endpoint the caller did not name (and that is not AWS's own for its Region).</summary>
        public const string BundleEndpointUntrusted = "ImportBundleEndpointUntrusted";
        /// <summary>A bundle names another Region than the caller's -Region.</summary>
        public const string BundleRegionMismatch = "ImportBundleRegionMismatch";
        /// <summary>A path that is not on the file system (Variable:, Function:, a missing drive).</summary>
        public const string PathNotFileSystem = "PathNotFileSystem";
        /// <summary>A path that cannot be a path at all (a NUL character, for one).</summary>
        public const string PathInvalid = "PathInvalid";

        /// <summary>A batch key failed in a way the module did not foresee (the message names the exception type).</summary>
        public const string BatchUnexpectedError = "BatchUnexpectedError";

        // ---- escrow and secret files ----------------------------------------------------------------------
        /// <summary>-Generate without -EscrowPath or -NoEscrow, both, or an -EscrowPath folder that does not exist.</summary>
        public const string EscrowPathRequired = "EscrowPathRequired";
        /// <summary>The escrow file already exists; it is never overwritten.</summary>
        public const string SecretFileExists = "SecretFileExists";
        /// <summary>The folder the escrow file should go in does not exist.</summary>
        public const string SecretFileDirectoryNotFound = "SecretFileDirectoryNotFound";
        /// <summary>The operating system refused to create the escrow file.</summary>
        public const string SecretFileAccessDenied = "SecretFileAccessDenied";
        /// <summary>Creating or writing the escrow file failed; nothing was left behind.</summary>
        public const string SecretFileWriteFailed = "SecretFileWriteFailed";
        /// <summary>No way to create an owner-only file on this platform.</summary>
        public const string SecretFilePlatformUnsupported = "SecretFilePlatformUnsupported";
        /// <summary>An existing escrow file is not what the module writes: a symbolic link, not a regular file, another
        /// user's, readable by others, or too large. It is not used.</summary>
        public const string EscrowFileUntrusted = "EscrowFileUntrusted";
        /// <summary>An existing escrow file holds other material than the fingerprint recorded for it.</summary>
        public const string EscrowFingerprintMismatch = "EscrowFingerprintMismatch";

        // ---- evidence trail (-EvidencePath, Test-KmsCeremonyEvidence) ------------------------------------
        /// <summary>-EvidencePath or $KmsImportEvidencePath is not a usable file path (empty, not text, not a file-system path, a folder).</summary>
        public const string EvidencePathInvalid = "EvidencePathInvalid";
        /// <summary>The evidence file is not one the module appends to: a symbolic link, not a regular file, another user's,
        /// writable or readable by others, or larger than the cap. Nothing is appended.</summary>
        public const string EvidenceFileUntrusted = "EvidenceFileUntrusted";
        /// <summary>The last line of an existing evidence file is incomplete, too long or not an evidence record: the file
        /// was edited or truncated. Nothing is appended (the chain is never silently restarted).</summary>
        public const string EvidenceFileTampered = "EvidenceFileTampered";
        /// <summary>Another writer kept the evidence file locked for longer than the wait allows.</summary>
        public const string EvidenceFileBusy = "EvidenceFileBusy";
        /// <summary>Creating or appending to the evidence file failed (folder missing, permissions, disk).</summary>
        public const string EvidenceWriteFailed = "EvidenceWriteFailed";
        /// <summary>Test-KmsCeremonyEvidence: the file does not exist or cannot be read.</summary>
        public const string EvidenceFileNotFound = "EvidenceFileNotFound";
        /// <summary>A line of the evidence file is incomplete, not JSON, or not an evidence record (the message names the line number).</summary>
        public const string EvidenceLineInvalid = "EvidenceLineInvalid";
        /// <summary>A line does not chain to the one before it: a line was edited, removed, reordered or inserted (the message names the line number).</summary>
        public const string EvidenceChainBroken = "EvidenceChainBroken";

        // ---- escrow to certificates (CMS) and key components ------------------------------------------------
        /// <summary>An escrow certificate that is not an X.509 certificate, or whose key is not RSA (2048+ bits) or EC on a named curve.</summary>
        public const string EscrowCertificateInvalid = "EscrowCertificateInvalid";
        /// <summary>An escrow certificate file that is missing, not a regular file, empty or too large.</summary>
        public const string EscrowCertificateUnreadable = "EscrowCertificateUnreadable";
        /// <summary>An escrow certificate past its NotAfter date.</summary>
        public const string EscrowCertificateExpired = "EscrowCertificateExpired";
        /// <summary>An escrow certificate before its NotBefore date.</summary>
        public const string EscrowCertificateNotYetValid = "EscrowCertificateNotYetValid";
        /// <summary>An escrow certificate without keyEncipherment (RSA) or keyAgreement (EC) in its key usage.</summary>
        public const string EscrowCertificateKeyUsage = "EscrowCertificateKeyUsage";
        /// <summary>An escrow certificate whose extended key usage list lacks Document Encryption (1.3.6.1.4.1.311.80.1).</summary>
        public const string EscrowCertificateExtendedKeyUsage = "EscrowCertificateExtendedKeyUsage";
        /// <summary>-EscrowRecipient given something that is neither a certificate file path nor an X509Certificate2.</summary>
        public const string EscrowRecipientInvalid = "EscrowRecipientInvalid";
        /// <summary>A CMS escrow file was found or given, but no private key to open it (-EscrowCertificate / -EscrowKeyPath).</summary>
        public const string EscrowKeyRequired = "EscrowKeyRequired";
        /// <summary>An escrow private key (or PFX) that cannot be read, decrypted or is not RSA/EC.</summary>
        public const string EscrowKeyInvalid = "EscrowKeyInvalid";
        /// <summary>An X509Certificate2 whose private key cannot be exported for decryption.</summary>
        public const string EscrowKeyNotExportable = "EscrowKeyNotExportable";
        /// <summary>None of the escrow keys given opens the CMS escrow file.</summary>
        public const string EscrowKeyNoMatch = "EscrowKeyNoMatch";
        /// <summary>A CMS escrow file that is not CMS EnvelopedData (PEM 'CMS' or DER), or too large.</summary>
        public const string EscrowCmsInvalid = "EscrowCmsInvalid";
        /// <summary>-ComponentCount without exactly that many -EscrowRecipient certificates (one custodian per component), or without a folder.</summary>
        public const string ComponentRecipientsMismatch = "ComponentRecipientsMismatch";
        /// <summary>Components of different lengths, or of another length than the material recorded.</summary>
        public const string ComponentLengthMismatch = "ComponentLengthMismatch";
        /// <summary>A component whose check value is not the one recorded for its position (a wrong component, or the wrong order).</summary>
        public const string ComponentCheckValueMismatch = "ComponentCheckValueMismatch";
        /// <summary>The combined components give material with another fingerprint than the one recorded.</summary>
        public const string ComponentFingerprintMismatch = "ComponentFingerprintMismatch";
        /// <summary>A number of components other than the manifest records, fewer than 2 or more than 9, or the same file twice.</summary>
        public const string ComponentCountMismatch = "ComponentCountMismatch";
        /// <summary>A component manifest (&lt;KeyId&gt;.components.json) that is not what the module writes, or for another key.</summary>
        public const string ComponentManifestInvalid = "ComponentManifestInvalid";
        /// <summary>A component typed at the host that is not hexadecimal of the material's length.</summary>
        public const string ComponentHexInvalid = "ComponentHexInvalid";
        /// <summary>A component file that cannot be used (not found, not a regular owner-only file, too large).</summary>
        public const string ComponentFileInvalid = "ComponentFileInvalid";

        // ---- proofs that KMS holds given material ---------------------------------------------------------
        public const string ProofFailed = "KeyMaterialProofFailed";
        public const string ProofNotPossible = "KeyMaterialProofNotPossible";
        /// <summary>A public key given to a proof is not a valid DER SubjectPublicKeyInfo (not DER, truncated,
        /// trailing bytes, PEM text, a point not on its curve, an invalid RSA modulus).</summary>
        public const string PublicKeyMalformed = "PublicKeyMalformed";
        /// <summary>A public key of an algorithm or curve the proofs do not handle.</summary>
        public const string PublicKeyUnsupported = "PublicKeyUnsupported";
        /// <summary>The proof step does not fit the key spec or key type.</summary>
        public const string ProofNotApplicable = "ProofNotApplicable";
        /// <summary>The name is not a KMS SigningAlgorithmSpec this module verifies.</summary>
        public const string SigningAlgorithmUnsupported = "SigningAlgorithmUnsupported";
        /// <summary>The challenge is longer than RSAES_OAEP_SHA_256 under the key carries (k - 66 bytes).</summary>
        public const string ProofPlaintextTooLong = "ProofPlaintextTooLong";

        // ---- keys, aliases and Regions (local checks) -----------------------------------------------------
        public const string AliasNameInvalid = "AliasNameInvalid";
        public const string ReplicaRegionInvalid = "ReplicaRegionInvalid";
        public const string ReplicaNotReady = "ReplicaNotReady";
        public const string ReplicaNeedsPrimaryMaterial = "ReplicaNeedsPrimaryMaterial";
        /// <summary>A key id (from a pipeline object or a bundle) that cannot safely become a file or folder name.</summary>
        public const string KeyIdUnsafe = "KeyIdUnsafe";

        // ---- what the KMS service answered ----------------------------------------------------------------
        public const string KeyNotFound = "KmsKeyNotFound";
        public const string KeyIdInvalid = "KmsKeyIdInvalid";
        public const string KeyInvalidState = "KmsKeyInvalidState";
        public const string KeyDisabled = "KmsKeyDisabled";
        public const string KeyNotExternal = "KmsKeyNotExternal";
        public const string OperationNotSupported = "KmsOperationNotSupported";
        public const string CiphertextInvalid = "KmsInvalidCiphertext";
        public const string KeyMaterialIncorrect = "KmsIncorrectKeyMaterial";
        public const string AliasExists = "KmsAliasExists";
        public const string AliasInvalid = "KmsAliasInvalid";
        public const string PolicyMalformed = "KmsPolicyMalformed";
        public const string TagInvalid = "KmsTagInvalid";
        public const string Throttled = "KmsThrottled";
        public const string LimitExceeded = "KmsLimitExceeded";
        public const string InternalError = "KmsInternalError";
        public const string RequestInvalid = "KmsRequestInvalid";
        public const string KmsError = "KmsError";
        /// <summary>An HTTP error that is not a KMS error (a proxy's HTML page, a 4xx/5xx without __type); the message names the status.</summary>
        public const string HttpError = "KmsHttpError";
        /// <summary>An answer that is empty, unparsable, or lacks a field KMS always sends.</summary>
        public const string AnswerInvalid = "KmsAnswerInvalid";
        /// <summary>A state-changing call whose outcome could not be established, even by reading the state back.</summary>
        public const string OutcomeUnknown = "KmsOutcomeUnknown";
        /// <summary>The endpoint said an import succeeded, but the key does not hold the material.</summary>
        public const string ImportNotApplied = "KmsImportNotApplied";
        /// <summary>A key the module created but did not pass on (not what was asked); reported with its cleanup command.</summary>
        public const string KeyCreatedUnfinished = "KmsKeyCreatedUnfinished";
        /// <summary>Remove-KmsExternalKey refuses a key that holds material (Enabled/Disabled) without -Force.</summary>
        public const string KeyHoldsMaterial = "KmsKeyHoldsMaterial";

        // ---- fleet plans (Invoke-KmsKeyImport -PlanPath / -Plan) -----------------------------------------
        /// <summary>The plan file or objects cannot be read as a plan: not a regular file, too large, too many rows, not CSV/JSON, an unknown column.</summary>
        public const string PlanUnreadable = "KmsPlanUnreadable";
        /// <summary>A plan row with a missing or invalid value (Region, Alias, KeySpec, KeyUsage, flags, dates): the message names the row and column.</summary>
        public const string PlanRowInvalid = "KmsPlanRowInvalid";
        /// <summary>A plan row asks for something KMS cannot do or that contradicts itself (Path and Generate, ValidTo without KEY_MATERIAL_EXPIRES, ReplicaRegion without MultiRegion).</summary>
        public const string PlanRowContradicts = "KmsPlanRowContradicts";
        /// <summary>Two plan rows name the same alias for the same account and Region.</summary>
        public const string PlanAliasDuplicate = "KmsPlanAliasDuplicate";
        /// <summary>A plan row's material file cannot be read or does not fit the row's key spec.</summary>
        public const string PlanMaterialUnusable = "KmsPlanMaterialUnusable";
        /// <summary>The summary of a plan that failed its local checks: nothing was sent.</summary>
        public const string PlanInvalid = "KmsPlanInvalid";
        /// <summary>The row's alias points to a key that is not what the row asks for (not EXTERNAL, another key spec or usage, being deleted).</summary>
        public const string PlanAliasKeyMismatch = "KmsPlanAliasKeyMismatch";
        /// <summary>The row's alias points to a key that already holds other material than the row's.</summary>
        public const string PlanAliasOtherMaterial = "KmsPlanAliasOtherMaterial";
        /// <summary>The key the row reached belongs to another account than the row's Account column.</summary>
        public const string PlanAccountMismatch = "KmsPlanAccountMismatch";
        /// <summary>-ResultPath is not usable: wrong extension, exists without -Resume, or (with -Resume) not a results file this module wrote.</summary>
        public const string PlanResultFileInvalid = "KmsPlanResultFileInvalid";

        // ---- credentials, Region and connection -----------------------------------------------------------
        public const string RegionNotSpecified = "RegionNotSpecified";
        /// <summary>A Region that is not an AWS Region name (from a parameter, a bundle, the shell or the environment).</summary>
        public const string RegionInvalid = "RegionInvalid";
        /// <summary>-RequestsPerSecond names an operation the batch does not pace, or a rate that is not a number of 0 or more.</summary>
        public const string RequestsPerSecondInvalid = "RequestsPerSecondInvalid";
        public const string EndpointUrlInvalid = "EndpointUrlInvalid";
        public const string CredentialsNotFound = "CredentialsNotFound";
        public const string CredentialsIncomplete = "CredentialsIncomplete";
        public const string ProfileNotFound = "ProfileNotFound";
        public const string StoredCredentialsUnreadable = "StoredCredentialsUnreadable";
        /// <summary>-Credential was given something that is neither an AWSCredentials (any SDK copy) nor AWS Tools' AWSPSCredentials.</summary>
        public const string CredentialNotSupported = "CredentialNotSupported";
        /// <summary>-Credential together with -AccessKey/-SecretKey or -ProfileName.</summary>
        public const string CredentialParametersConflict = "CredentialParametersConflict";
        /// <summary>A credentials object (-Credential, $StoredAWSCredentials) gave no keys when a request was signed.</summary>
        public const string CredentialsUnavailable = "CredentialsUnavailable";
        /// <summary>A shared credentials or config file that the SDK cannot parse.</summary>
        public const string CredentialsFileInvalid = "CredentialsFileInvalid";
        /// <summary>A named profile exists but cannot give credentials: a role_arn without source_profile or credential_source,
        /// an unknown credential_source, a source_profile loop or a source profile that is missing or has no keys.</summary>
        public const string ProfileNotUsable = "ProfileNotUsable";
        /// <summary>A role ARN or -RoleArn pattern that is not an IAM role ARN (partition, 12-digit account, one {Account}).</summary>
        public const string RoleArnInvalid = "RoleArnInvalid";
        /// <summary>-RoleSessionName outside STS's rules (2 to 64 characters of letters, digits and +=,.@_-).</summary>
        public const string RoleSessionNameInvalid = "RoleSessionNameInvalid";
        /// <summary>STS refused AssumeRole (or could not be reached) for a role: that account's rows cannot run.</summary>
        public const string RoleNotAssumable = "RoleNotAssumable";
        public const string EndpointUnreachable = "KmsEndpointUnreachable";
        public const string AuthenticationFailed = "KmsAuthenticationFailed";
        public const string AccessDenied = "KmsAccessDenied";
    }
}
