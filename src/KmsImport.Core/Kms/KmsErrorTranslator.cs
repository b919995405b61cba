using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Amazon.Runtime;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// Turns what the SDK throws into <see cref="KmsImportException"/> with a stable ErrorId and a
    /// message that says what to do next. KMS's own message is kept at the end: it never carries
    /// key material (KMS does not echo it).
    /// </summary>
    internal static class KmsErrorTranslator
    {
        public static KmsImportException Translate(Exception exception, string operation, string? keyId, string region)
        {
            if (exception is KmsImportException mine) return mine;
            if (exception is AggregateException agg && agg.InnerExceptions.Count == 1) exception = agg.InnerException!;

            var target = (object?)keyId ?? operation;
            // An answer the SDK could not read (empty 200 body, HTML, truncated JSON). Checked before the
            // KMS-error case: AmazonUnmarshallingException is an AmazonServiceException without an ErrorCode.
            if (exception is AmazonUnmarshallingException unreadable)
                return AnswerInvalid(operation, region, $"HTTP {(int)unreadable.StatusCode} with a body that is empty or not KMS's JSON", null, target); // the parser's message quotes the body

            if (exception is AmazonServiceException ase && !string.IsNullOrEmpty(ase.ErrorCode))
            {
                var (id, kind, advice, transient) = Classify(ase.ErrorCode, ase.StatusCode, operation, keyId, region);
                var said = Sanitize(ase.Message);
                var kmsSays = said.Length == 0 ? "" : $" (KMS: {Sanitize(ase.ErrorCode)}: {said})";
                return new KmsImportException(id, kind, advice + kmsSays, exception) { IsTransient = transient, TargetObject = target };
            }

            // An HTTP error without KMS's __type: a proxy's or load balancer's page, or a KMS look-alike.
            // Its body is never quoted (it may echo anything); the status says what happened.
            if (exception is AmazonServiceException http && (int)http.StatusCode >= 400)
                return HttpError(http.StatusCode, operation, region, null, target); // the SDK's message is the body's

            if (IsNetworkFailure(exception))
            {
                return new KmsImportException(ErrorIds.EndpointUnreachable, ErrorKind.ConnectionError,
                    $"{operation} could not reach KMS in {region}, or the connection broke before the answer arrived ({exception.GetBaseException().GetType().Name}). Check the network path or -EndpointUrl, then check the key with Test-KmsKeyState before running the command again.",
                    exception) { IsTransient = true, TargetObject = target };
            }

            // Exception type only: a message of an unexpected exception may quote the answer it choked on.
            return new KmsImportException(ErrorIds.KmsError, ErrorKind.NotSpecified,
                $"{operation} failed in {region} ({exception.GetBaseException().GetType().Name}). Check the key with Test-KmsKeyState, then run the command again.", exception) { TargetObject = target };
        }

        /// <summary>An answer that could not be read, or lacks what KMS always sends: never guessed at.</summary>
        public static KmsImportException AnswerInvalid(string operation, string region, string what, Exception? inner, object? target) =>
            new KmsImportException(ErrorIds.AnswerInvalid, ErrorKind.InvalidResult,
                $"The endpoint answered {operation} in {region} with {what}, which is not a valid KMS answer. Check -EndpointUrl (a proxy in the path?) and run the command again; check the key with Test-KmsKeyState first.",
                inner) { IsTransient = true, TargetObject = target };

        internal static KmsImportException HttpError(HttpStatusCode status, string operation, string region, Exception? inner, object? target)
        {
            var code = (int)status;
            var name = Enum.IsDefined(typeof(HttpStatusCode), status) ? " " + status : "";
            var transient = code >= 500 || code == 429;
            var (id, kind) = code switch
            {
                429 => (ErrorIds.Throttled, ErrorKind.LimitsExceeded),
                401 => (ErrorIds.HttpError, ErrorKind.AuthenticationError),
                403 => (ErrorIds.HttpError, ErrorKind.PermissionDenied),
                404 => (ErrorIds.HttpError, ErrorKind.ObjectNotFound),
                _ when transient => (ErrorIds.HttpError, ErrorKind.ResourceUnavailable),
                _ => (ErrorIds.HttpError, ErrorKind.InvalidResult),
            };
            var advice = transient
                ? "This is usually passing (a proxy or load balancer in trouble): check the key with Test-KmsKeyState, then run the same command again."
                : "This is not an answer from KMS: check -EndpointUrl and any proxy between you and KMS (HTTPS_PROXY), then run the command again.";
            var ex = new KmsImportException(id, kind,
                $"{operation} in {region}: the endpoint answered HTTP {code}{name} without a KMS error type (the body is not shown). {advice}", inner)
            { IsTransient = transient, TargetObject = target };
            ex.Data["HttpStatusCode"] = code;
            return ex;
        }

        /// <summary>KMS's own message, kept short and on one line: an endpoint's text is not ours to print at length.</summary>
        private static string Sanitize(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            var chars = new System.Text.StringBuilder(Math.Min(text!.Length, 300));
            foreach (var c in text)
            {
                if (chars.Length >= 300) { chars.Append('…'); break; }
                chars.Append(char.IsControl(c) ? ' ' : c);
            }
            return chars.ToString().Trim();
        }

        internal static bool IsNetworkFailure(Exception e)
        {
            for (var x = e; x != null; x = x.InnerException)
            {
                if (x is HttpRequestException || x is WebException || x is SocketException || x is System.IO.IOException ||
                    x is OperationCanceledException || x is TimeoutException)
                    return true;
                if (x is AmazonServiceException ase && string.IsNullOrEmpty(ase.ErrorCode) && ase.InnerException != null)
                    continue;
            }
            return false;
        }

        private static (string id, ErrorKind kind, string advice, bool transient) Classify(
            string code, HttpStatusCode status, string operation, string? keyId, string region)
        {
            var key = keyId ?? "the key";
            switch (code)
            {
                case "NotFoundException":
                    return (ErrorIds.KeyNotFound, ErrorKind.ObjectNotFound,
                        $"KMS has no key '{key}' in {region}. Check the key id, ARN or alias and the Region (-Region).", false);
                case "InvalidArnException":
                    return (ErrorIds.KeyIdInvalid, ErrorKind.InvalidArgument,
                        $"'{key}' is not a valid key id, key ARN, alias name or alias ARN.", false);
                case "ExpiredImportTokenException":
                    return (ErrorIds.ImportTokenExpired, ErrorKind.InvalidOperation,
                        "The import token has expired (tokens are valid for 24 hours). Run Get-KmsImportParameters again and wrap the material again with Protect-KeyMaterial; then import.", false);
                case "InvalidImportTokenException":
                    return (ErrorIds.ImportTokenInvalid, ErrorKind.InvalidData,
                        $"The import token does not belong to key '{key}' or to this parameter set. Run Get-KmsImportParameters for this key and wrap again, using the public key and token of the same output.", false);
                case "InvalidCiphertextException":
                    return (ErrorIds.CiphertextInvalid, ErrorKind.InvalidData,
                        "KMS could not unwrap the material: the wrapping algorithm or public key does not match the import token. Wrap again with Protect-KeyMaterial from the same Get-KmsImportParameters output the token came from.", false);
                case "IncorrectKeyMaterialException":
                    return (ErrorIds.KeyMaterialIncorrect, ErrorKind.InvalidData,
                        $"KMS refused the material for '{key}': it is not the material this key already holds (a key only ever takes back identical bytes) or it is not valid for the key spec. To restore, pass the escrowed original: Restore-KmsKeyMaterial -KeyId '{key}' -Path <escrow file>. "
                        + $"To add different material to a SYMMETRIC_DEFAULT key, import it as new material with Import-KmsKeyMaterial -ImportType NEW_KEY_MATERIAL, then Invoke-KmsKeyRotation -KeyId '{key}'; HMAC and asymmetric keys take one material forever.", false);
                case "KMSInvalidStateException":
                    return (ErrorIds.KeyInvalidState, ErrorKind.InvalidOperation,
                        $"Key '{key}' is in a state that does not allow {operation}. Run Test-KmsKeyState -KeyId '{key}' to see its state (for example PendingDeletion: cancel the deletion first with AWS Tools' Stop-KMSKeyDeletion -KeyId '{key}' or aws kms cancel-key-deletion).", false);
                case "DisabledException":
                    return (ErrorIds.KeyDisabled, ErrorKind.InvalidOperation,
                        $"Key '{key}' is disabled. Enable it first (AWS Tools: Enable-KMSKey -KeyId '{key}'; aws kms enable-key --key-id {key}), check it with Test-KmsKeyState -KeyId '{key}', and run the command again.", false);
                case "UnsupportedOperationException":
                    return (ErrorIds.OperationNotSupported, ErrorKind.InvalidOperation,
                        $"KMS does not support {operation} for key '{key}' as asked (for example the key's origin is not EXTERNAL, it is in a custom key store, or a parameter does not apply to its key spec).", false);
                case "AlreadyExistsException":
                    return (ErrorIds.AliasExists, ErrorKind.ResourceExists,
                        "That alias already exists in this account and Region. Choose another alias, or leave -Alias out.", false);
                case "MalformedPolicyDocumentException":
                    return (ErrorIds.PolicyMalformed, ErrorKind.InvalidArgument,
                        "KMS refused the key policy. Fix the JSON policy document (it must allow the caller to administer the key).", false);
                case "TagException":
                    return (ErrorIds.TagInvalid, ErrorKind.InvalidArgument,
                        "KMS refused the tags. Tag keys and values must be non-empty strings within KMS's limits.", false);
                case "ThrottlingException":
                    return (ErrorIds.Throttled, ErrorKind.LimitsExceeded,
                        $"KMS throttled {operation} in {region} and the retries ran out. Wait a little and run the same command again, lower -ThrottleLimit, or raise -MaxErrorRetry.", true);
                case "LimitExceededException":
                    return (ErrorIds.LimitExceeded, ErrorKind.LimitsExceeded,
                        $"A KMS quota was exceeded for {operation} in {region}. Wait, or ask AWS to raise the quota, then run the command again.", true);
                case "KMSInternalException":
                case "DependencyTimeoutException":
                case "InternalFailure":
                case "ServiceUnavailable":
                    return (ErrorIds.InternalError, ErrorKind.ResourceUnavailable,
                        $"KMS failed internally during {operation} and the retries ran out. Run the same command again later; check the key with Test-KmsKeyState first.", true);
                case "AccessDeniedException":
                    return (ErrorIds.AccessDenied, ErrorKind.PermissionDenied,
                        $"The credentials used may not call kms:{operation} on '{key}'. Grant the permission in IAM and the key policy, or use other credentials.", false);
                case "InvalidSignatureException":
                case "UnrecognizedClientException":
                case "IncompleteSignatureException":
                case "ExpiredTokenException":
                case "InvalidClientTokenId":
                case "MissingAuthenticationToken":
                    return (ErrorIds.AuthenticationFailed, ErrorKind.AuthenticationError,
                        "KMS did not accept the credentials (unknown access key, wrong secret, or expired session). Check -ProfileName / the keys in use, or refresh the session credentials.", false);
                case "ValidationException":
                case "InvalidKeyUsageException":
                case "InvalidMarkerException":
                case "InvalidAliasNameException":
                    return (code == "InvalidAliasNameException" ? ErrorIds.AliasInvalid : ErrorIds.RequestInvalid, ErrorKind.InvalidArgument,
                        $"KMS refused the {operation} request as invalid. Check the parameters named in KMS's message.", false);
                default:
                    var transient = (int)status >= 500;
                    return (ErrorIds.KmsError, transient ? ErrorKind.ResourceUnavailable : ErrorKind.NotSpecified,
                        $"{operation} failed in {region}.", transient);
            }
        }
    }
}
