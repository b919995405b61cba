namespace Amazon.PowerShell.Common;

// The shape of AWS Tools' AWSPSCredentials (what Set-AWSCredential stores in $StoredAWSCredentials):
// a public class whose members are all non-public. The real Credentials property is typed as AWS
// Tools' own SDK copy's AWSCredentials; here it holds one from another load context (typed object).
// The Pester suite builds the exact type with Add-Type against another SDK copy.
internal enum CredentialsSource { Strings, Saved, CredentialsObject, Session, InstanceProfile, Unknown }

public class AWSPSCredentials
{
    internal object? Credentials { get; private set; }
    internal string? Name { get; private set; }
    internal CredentialsSource Source { get; private set; }

    public override string ToString() => !string.IsNullOrEmpty(Name) ? Name! : Credentials?.ToString() ?? base.ToString()!;

    internal AWSPSCredentials(object credentials, string name, CredentialsSource source)
    {
        Credentials = credentials;
        Name = name;
        Source = source;
    }

    private AWSPSCredentials() { }
}
