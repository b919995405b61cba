using System;
using System.Globalization;

namespace KmsImport
{
    /// <summary>
    /// The short text the default views (KmsImport.Format.ps1xml) show, so that every table reads whole
    /// at 80 columns. The objects keep their exact values (Select-Object *, ConvertTo-Json); only the
    /// views call these. Times are UTC, as on the objects.
    /// </summary>
    public static class DisplayText
    {
        /// <summary>What a shortened identifier keeps: the first 7 characters (git's short form) and the last 4.</summary>
        private const int Head = 7, Tail = 4;

        /// <summary>
        /// "Never" for material that does not expire, the UTC date it expires on ("2027-01-05") for
        /// material that does; an empty string when neither is known, a model KMS adds later as it is.
        /// </summary>
        public static string Expiry(string? expirationModel, DateTime? validTo)
        {
            if (expirationModel == nameof(ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE)) return "Never";
            if (validTo is DateTime date) return Utc(date).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return expirationModel == nameof(ExpirationModel.KEY_MATERIAL_EXPIRES) ? "" : expirationModel ?? "";
        }

        /// <summary>A long hex identifier (KeyMaterialId, a SHA-256 fingerprint) as "1c7e363..9341"; short ones as they are.</summary>
        public static string ShortId(string? id)
        {
            if (string.IsNullOrEmpty(id)) return "";
            return id!.Length <= Head + 2 + Tail ? id : id.Substring(0, Head) + ".." + id.Substring(id.Length - Tail);
        }

        /// <summary>Until when parameters are accepted, for a table: "00:15 in 23 h", "00:15 expired".</summary>
        public static string ValidTo(DateTime validTo) => ValidTo(validTo, DateTime.UtcNow);

        public static string ValidTo(DateTime validTo, DateTime nowUtc)
        {
            var left = Utc(validTo) - nowUtc;
            // More than a day gone: the clock time alone would mislead.
            if (left <= TimeSpan.FromDays(-1)) return Relative(validTo, nowUtc);
            return Utc(validTo).ToString("HH:mm", CultureInfo.InvariantCulture) + " " + Relative(validTo, nowUtc);
        }

        /// <summary>A time in full for a list: "2026-12-03 00:15:52 UTC"; empty when there is none.</summary>
        public static string Timestamp(DateTime? value) =>
            value is DateTime t ? Utc(t).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "";

        /// <summary>A time in full with how far away it is, for a list: "2026-12-03 00:15:52 UTC (in 23 h)".</summary>
        public static string TimestampAndRelative(DateTime value) => TimestampAndRelative(value, DateTime.UtcNow);

        public static string TimestampAndRelative(DateTime value, DateTime nowUtc) => Timestamp(value) + " (" + Relative(value, nowUtc) + ")";

        /// <summary>A time to the minute for a table: "2026-12-02 00:15"; empty when there is none.</summary>
        public static string Minute(DateTime? value) =>
            value is DateTime t ? Utc(t).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";

        /// <summary>The UTC date for a table: "2027-01-05"; empty when there is none.</summary>
        public static string Date(DateTime? value) =>
            value is DateTime t ? Utc(t).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "";

        /// <summary>"in 23 h" (whole hours, rounded down), "in &lt;1 h", "in 3 d", "expired", "expired 3 d ago".</summary>
        public static string Relative(DateTime value, DateTime nowUtc)
        {
            var left = Utc(value) - nowUtc;
            if (left > TimeSpan.Zero)
            {
                if (left < TimeSpan.FromHours(1)) return "in <1 h";
                if (left < TimeSpan.FromHours(48)) return "in " + ((int)left.TotalHours).ToString(CultureInfo.InvariantCulture) + " h";
                return "in " + ((int)left.TotalDays).ToString(CultureInfo.InvariantCulture) + " d";
            }
            var ago = -left;
            return ago < TimeSpan.FromDays(1) ? "expired" : "expired " + ((int)ago.TotalDays).ToString(CultureInfo.InvariantCulture) + " d ago";
        }

        // The objects hold UTC; a local time someone built by hand is converted, an unspecified one taken as UTC.
        private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
    }
}
