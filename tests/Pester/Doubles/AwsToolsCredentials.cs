// Test doubles compiled with Add-Type against ANOTHER copy of AWSSDK.Core (AWS Tools 4's 3.7 or AWS
// Tools 5's 4.0), in a fresh pwsh that has loaded that copy into the default load context, as AWS Tools
// does. Used by tests/Pester/Credentials.Tests.ps1.
using System;
using Amazon.Runtime;

namespace Amazon.PowerShell.Common
{
    // Exactly the shape of AWS Tools' class (Common/CredentialsArguments.cs): public class, every member
    // non-public, the internal enum, the internal and the private constructor, ToString giving the name.
    internal enum CredentialsSource
    {
        Strings, Saved, CredentialsObject, Session, InstanceProfile, Unknown
    }

    public class AWSPSCredentials
    {
        internal AWSCredentials Credentials { get; private set; }
        internal string Name { get; private set; }
        internal CredentialsSource Source { get; private set; }

        public override string ToString()
        {
            if (!string.IsNullOrEmpty(this.Name))
                return this.Name;
            else
                return Credentials != null ? Credentials.ToString() : base.ToString();
        }

        internal AWSPSCredentials(AWSCredentials credentials, string name, CredentialsSource source)
        {
            this.Credentials = credentials;
            this.Name = name;
            this.Source = source;
        }

        private AWSPSCredentials() { }
    }
}

namespace KmsImportTests
{
    /// <summary>
    /// Self-refreshing credentials (as assumed-role and SSO credentials are) whose keys change after their
    /// first use, with no clock waited on. The first generation expires in 30 minutes: SDK 3.7 refreshes
    /// an hour early (PreemptExpiryTime), so the next request generates anew; SDK 4 also takes an hour off
    /// every expiry it accepts (ExpirationBuffer, set by name: 3.7 lacks it), so the first generation is
    /// already expired when asked for the second time, and SDK 4 then refreshes before answering (not in
    /// the background, as it does inside the preempt window). The second generation is good for ten hours.
    /// </summary>
    public class RotatingCredentials : RefreshingAWSCredentials
    {
        private int _generation;

        public RotatingCredentials()
        {
            PreemptExpiryTime = TimeSpan.FromHours(1);
            var buffer = typeof(RefreshingAWSCredentials).GetProperty("ExpirationBuffer");
            if (buffer != null) buffer.SetValue(this, TimeSpan.FromHours(1));
        }

        public int Generations { get { return _generation; } }

        protected override CredentialsRefreshState GenerateNewCredentials()
        {
            // RefreshingAWSCredentials generates under its own lock.
            var first = ++_generation == 1;
            var n = first ? "1" : "2";
            return new CredentialsRefreshState(
                new ImmutableCredentials("AKIDROTATE" + n, "rotate-secret-" + n + "-x9Qv", "rotate-token-" + n + "-x9Qv"),
                DateTime.UtcNow.Add(first ? TimeSpan.FromMinutes(30) : TimeSpan.FromHours(10)));
        }
    }
}
