namespace KmsImport.Core.Kms
{
    /// <summary>Stable ErrorIds for failures at or around the KMS service. Runbooks match on these.</summary>
    public static class KmsErrorIds
    {
        public const string RegionNotSpecified = "RegionNotSpecified";
        public const string EndpointUrlInvalid = "EndpointUrlInvalid";
        public const string CredentialsNotFound = "CredentialsNotFound";
        public const string CredentialsIncomplete = "CredentialsIncomplete";
        public const string ProfileNotFound = "ProfileNotFound";
        public const string StoredCredentialsUnreadable = "StoredCredentialsUnreadable";
        public const string EndpointUnreachable = "KmsEndpointUnreachable";
        public const string AuthenticationFailed = "KmsAuthenticationFailed";
        public const string AccessDenied = "KmsAccessDenied";
        public const string KeyNotFound = "KmsKeyNotFound";
        public const string KeyIdInvalid = "KmsKeyIdInvalid";
        public const string KeyInvalidState = "KmsKeyInvalidState";
        public const string KeyDisabled = "KmsKeyDisabled";
        public const string KeyNotExternal = "KmsKeyNotExternal";
        public const string KeySpecNotImportable = "KmsKeySpecNotImportable";
        public const string OperationNotSupported = "KmsOperationNotSupported";
        public const string ImportTokenExpired = "ImportTokenExpired";
        public const string ImportTokenInvalid = "ImportTokenInvalid";
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
        /// <summary>An HTTP error that is not a KMS error (a proxy's HTML page, a 4xx/5xx without __type).</summary>
        public const string HttpError = "KmsHttpError";
        /// <summary>An answer that is empty, unparsable, or lacks a field KMS always sends.</summary>
        public const string AnswerInvalid = "KmsAnswerInvalid";
        /// <summary>A mutating call whose outcome could not be established even after reading the state back.</summary>
        public const string OutcomeUnknown = "KmsOutcomeUnknown";
        /// <summary>The endpoint said an import succeeded, but the key does not hold the material.</summary>
        public const string ImportNotApplied = "KmsImportNotApplied";
        /// <summary>A key the module created but could not finish (answer not as asked); reported with a cleanup command.</summary>
        public const string KeyCreatedUnfinished = "KmsKeyCreatedUnfinished";
        /// <summary>Remove-KmsExternalKey refuses a key that holds material (Enabled/Disabled) without -Force.</summary>
        public const string KeyHoldsMaterial = "KmsKeyHoldsMaterial";

        // Checks made locally, before any call.
        public const string RegionInvalid = "RegionInvalid";
        public const string RequestsPerSecondInvalid = "RequestsPerSecondInvalid";
        public const string ImportParametersExpired = "ImportParametersExpired";
        public const string ValidToInPast = "ValidToInPast";
        public const string ValidToTooFar = "ValidToTooFar";
        public const string ValidToNotAllowed = "ValidToNotAllowed";
        public const string ValidToRequired = "ValidToRequired";
        public const string KeyUsageNotAllowed = "KeyUsageNotAllowed";
        public const string ImportParametersIncomplete = "ImportParametersIncomplete";
        public const string KeyMaterialSpecMismatch = "KeyMaterialSpecMismatch";
        public const string AliasNameInvalid = "AliasNameInvalid";
        public const string EscrowPathRequired = "EscrowPathRequired";
        public const string ImportOptionsInvalid = "ImportOptionsInvalid";
        public const string ReplicaRegionInvalid = "ReplicaRegionInvalid";
        public const string ReplicaNotReady = "ReplicaNotReady";
        public const string ReplicaNeedsPrimaryMaterial = "ReplicaNeedsPrimaryMaterial";
        public const string ProofFailed = "KeyMaterialProofFailed";
        public const string ProofNotPossible = "KeyMaterialProofNotPossible";
        public const string BundleInvalid = "ImportBundleInvalid";
        public const string BundleExists = "ImportBundleExists";
        public const string BundleNotFound = "ImportBundleNotFound";
        public const string BundleIOError = "ImportBundleIOError";
    }
}
