using System;
using System.Management.Automation;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// Turns the core's exceptions into ErrorRecords: stable ErrorId, category, target, and the next PowerShell
    /// step from the one catalogue (<see cref="RecommendedActions"/>) as ErrorDetails.RecommendedAction.
    /// </summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord From(KmsImportException ex, object? target = null)
        {
            // What the failure was about, as the core named it; else what the cmdlet was working on.
            var record = new ErrorRecord(ex, ex.ErrorId, Map(ex.Kind), ex.TargetObject ?? target);
            var action = RecommendedActions.For(ex.ErrorId);
            if (ex.IsTransient)
                action = action == null ? "This failure is transient: run the same command again." : "This failure is transient. " + action;
            if (action != null)
                record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action };
            return record;
        }

        public static ErrorCategory Map(ErrorKind kind) => kind switch
        {
            ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            ErrorKind.InvalidData => ErrorCategory.InvalidData,
            ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
            ErrorKind.InvalidResult => ErrorCategory.InvalidResult,
            ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
            ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
            ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
            ErrorKind.SecurityError => ErrorCategory.SecurityError,
            ErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
            ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
            ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
            ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
            ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
            _ => ErrorCategory.NotSpecified,
        };
    }
}
