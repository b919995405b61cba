using System;

namespace KmsImport.Core
{
    /// <summary>Dates in UTC: a DateTime of unspecified kind is taken as local time, as PowerShell's Get-Date gives it.</summary>
    public static class UtcTime
    {
        public static DateTime ToUtc(DateTime value) =>
            value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime();

        /// <summary>
        /// A time as it goes on the wire (ValidTo): whole seconds, rounded down. KMS keeps whole seconds anyway, and
        /// endpoints that read an integer epoch misparse a fraction. Down, not to nearest: the material then never
        /// outlives the date asked for, and a date at the 365-day limit stays within it.
        /// </summary>
        public static DateTime WholeSeconds(DateTime utc) =>
            new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
