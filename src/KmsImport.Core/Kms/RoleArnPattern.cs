using System;
using System.Linq;
using System.Text.RegularExpressions;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// An IAM role ARN, or a pattern of one with <c>{Account}</c> in the account field
    /// (<c>arn:aws:iam::{Account}:role/KmsImportFleet</c>), checked locally before any call: a known partition,
    /// the IAM service, no Region, a 12-digit account or exactly one <c>{Account}</c>, a role name of IAM's characters.
    /// </summary>
    public sealed class RoleArnPattern
    {
        public const string Placeholder = "{Account}";

        // arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME. Path and name use IAM's characters; a name is at most 64.
        private static readonly Regex Shape = new Regex(
            @"^arn:(?<partition>[a-z][a-z0-9-]{1,30}):iam::(?<account>[0-9]{12}|\{Account\}):role/(?<path>(?:[A-Za-z0-9_+=,.@-]+/){0,32})(?<name>[A-Za-z0-9_+=,.@-]{1,64})$",
            RegexOptions.CultureInvariant);

        private static readonly Regex AccountShape = new Regex("^[0-9]{12}$", RegexOptions.CultureInvariant);

        private RoleArnPattern(string text, string partition, string? account)
        {
            Text = text;
            Partition = partition;
            LiteralAccount = account;
        }

        /// <summary>The pattern as given.</summary>
        public string Text { get; }
        /// <summary>aws, aws-cn, aws-us-gov, ...</summary>
        public string Partition { get; }
        /// <summary>The account when the pattern names one (no placeholder), else null.</summary>
        public string? LiteralAccount { get; }
        public bool HasPlaceholder => LiteralAccount == null;

        /// <summary>A pattern (one {Account}) or a role ARN (a literal account); RoleArnInvalid otherwise. Names the parameter in the message.</summary>
        public static RoleArnPattern Parse(string? text, string what = "-RoleArn")
        {
            var value = text?.Trim() ?? "";
            // The placeholder is counted on the whole text: "{Account}" anywhere but the account field is refused too.
            var placeholders = CountOf(value, Placeholder);
            var m = Shape.Match(value);
            if (value.Length == 0 || value.Length > 2048 || !m.Success || placeholders > 1 ||
                (placeholders == 1 && m.Groups["account"].Value != Placeholder) || value.IndexOf("{", StringComparison.Ordinal) != value.LastIndexOf("{", StringComparison.Ordinal))
            {
                throw Invalid(value, what, "is not an IAM role ARN such as arn:aws:iam::{Account}:role/KmsImportFleet (a known partition, "
                    + "iam with no Region, a 12-digit account or exactly one {Account}, then role/ and the role's name)");
            }
            var partition = m.Groups["partition"].Value;
            if (!KnownPartition(partition))
                throw Invalid(value, what, $"names the partition '{partition}', which is not an AWS partition (aws, aws-cn, aws-us-gov, ...)");
            var account = m.Groups["account"].Value;
            return new RoleArnPattern(value, partition, account == Placeholder ? null : account);
        }

        /// <summary>The role ARN for one account (12 digits). A literal pattern of another account is refused: that row would sign as the wrong account.</summary>
        public string For(string account)
        {
            var checkedAccount = ValidateAccount(account);
            if (LiteralAccount != null)
            {
                if (LiteralAccount != checkedAccount)
                    throw Invalid(Text, "-RoleArn", $"is a role of account {LiteralAccount}, not of account {checkedAccount}: use {Placeholder} in its account field to assume a role in each row's account");
                return Text;
            }
            return Text.Replace(Placeholder, checkedAccount);
        }

        /// <summary>An account id: exactly 12 digits (leading zeros kept). RoleArnInvalid otherwise; the value is not quoted when it is long.</summary>
        public static string ValidateAccount(string? account)
        {
            var value = account?.Trim() ?? "";
            if (AccountShape.IsMatch(value)) return value;
            throw new KmsImportException(ErrorIds.RoleArnInvalid, ErrorKind.InvalidArgument,
                $"The account {(value.Length <= 20 && value.All(c => c >= ' ' && c < 127) ? $"'{value}'" : "given")} is not an AWS account id: account ids are exactly 12 digits (keep leading zeros; a spreadsheet may have dropped them).")
            { TargetObject = "Account" };
        }

        /// <summary>The account of a role ARN (checked), for messages and for comparing with a row's account.</summary>
        public static string AccountOf(string roleArn) => Parse(roleArn, "the role ARN").LiteralAccount!;

        private static bool KnownPartition(string partition)
        {
            if (partition == "aws" || partition == "aws-cn" || partition == "aws-us-gov") return true;
            return KmsPartitions.Regions.Any(r => string.Equals(r.Partition, partition, StringComparison.Ordinal));
        }

        private static int CountOf(string text, string part)
        {
            int count = 0, at = 0;
            while ((at = text.IndexOf(part, at, StringComparison.Ordinal)) >= 0) { count++; at += part.Length; }
            return count;
        }

        private static KmsImportException Invalid(string value, string what, string why) =>
            new KmsImportException(ErrorIds.RoleArnInvalid, ErrorKind.InvalidArgument,
                // A role ARN is no secret, but an arbitrary string is only quoted when short and printable.
                $"{what} {(value.Length <= 300 && value.All(c => c >= ' ' && c < 127) ? $"'{value}'" : "(not shown: long or not printable)")} {why}.")
            { TargetObject = what };
    }

    /// <summary>
    /// The RoleSessionName of the run's AssumeRole calls: it is what CloudTrail shows in the assumed-role ARN
    /// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), so it names the run. STS takes 2 to 64 characters of
    /// [A-Za-z0-9_+=,.@-].
    /// </summary>
    public static class RoleSessionNames
    {
        private static readonly Regex Shape = new Regex("^[A-Za-z0-9_+=,.@-]{2,64}$", RegexOptions.CultureInvariant);

        /// <summary>KmsImport-&lt;yyyyMMddTHHmmss&gt;-&lt;first 8 characters of the run id&gt;, e.g. KmsImport-20261202T031000-3f2a9c1d.</summary>
        public static string Default(DateTime utcNow, string runId)
        {
            var id = new string((runId ?? "").Where(c => char.IsLetterOrDigit(c) && c < 128).Take(8).ToArray());
            var name = "KmsImport-" + UtcTime.ToUtc(utcNow).ToString("yyyyMMdd'T'HHmmss", System.Globalization.CultureInfo.InvariantCulture)
                + (id.Length > 0 ? "-" + id : "");
            return Validate(name);
        }

        /// <summary>The name when STS would take it; RoleSessionNameInvalid otherwise (before any call).</summary>
        public static string Validate(string? name)
        {
            var value = name ?? "";
            if (Shape.IsMatch(value)) return value;
            throw new KmsImportException(ErrorIds.RoleSessionNameInvalid, ErrorKind.InvalidArgument,
                $"The role session name {(value.Length <= 80 && value.All(c => c >= ' ' && c < 127) ? $"'{value}'" : "given")} is not one STS takes: "
                + $"2 to 64 characters of letters, digits and + = , . @ _ - (it was {value.Length} characters). It names the run in CloudTrail; pass such a name with -RoleSessionName, or leave it out for KmsImport-<time>-<run id>.")
            { TargetObject = "RoleSessionName" };
        }
    }
}
