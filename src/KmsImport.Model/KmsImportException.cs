using System;

namespace KmsImport
{
    /// <summary>
    /// What kind of failure an error is. Mirrors the PowerShell ErrorCategory values the module
    /// uses, so this assembly needs no reference to PowerShell; the cmdlets map it one to one.
    /// </summary>
    public enum ErrorKind
    {
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        InvalidResult,
        ObjectNotFound,
        ResourceExists,
        ResourceUnavailable,
        PermissionDenied,
        SecurityError,
        AuthenticationError,
        LimitsExceeded,
        OperationTimeout,
        ConnectionError,
        NotImplemented,
        NotSpecified,
    }

    /// <summary>
    /// The one exception type the core throws on purpose. <see cref="ErrorId"/> is stable (runbooks
    /// match on it); the message says what went wrong and what to do next. A message or any
    /// property never contains key material.
    /// </summary>
    [Serializable]
    public class KmsImportException : Exception
    {
        public KmsImportException(string errorId, ErrorKind kind, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId ?? throw new ArgumentNullException(nameof(errorId));
            Kind = kind;
        }

        /// <summary>A stable identifier such as <c>KeyMaterialWrongLength</c>.</summary>
        public string ErrorId { get; }

        /// <summary>The kind of failure, mapped to a PowerShell ErrorCategory by the cmdlets.</summary>
        public ErrorKind Kind { get; }

        /// <summary>True when the same call may succeed if repeated later (throttling, 5xx, network).</summary>
        public bool IsTransient { get; init; }

        /// <summary>What the failure was about: a key id, a file path, a parameter name.</summary>
        public object? TargetObject { get; init; }
    }
}
