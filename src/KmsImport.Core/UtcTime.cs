using System;

namespace KmsImport.Core
{
    /// <summary>Dates in UTC: a DateTime of unspecified kind is taken as local time, as PowerShell's Get-Date gives it.</summary>
    public static class UtcTime
    {
        public static DateTime ToUtc(DateTime value) =>
            value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime();
    }
}
