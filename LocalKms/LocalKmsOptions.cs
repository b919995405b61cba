using System.Globalization;

namespace LocalKms;

/// <summary>Command-line options of the endpoint. Also used by tests that host it in-process.</summary>
public sealed class LocalKmsOptions
{
    public const string Usage = """
        Usage: dotnet LocalKms.dll [options]
          --port N                   TCP port on 127.0.0.1 (0 = pick a free port; default 0)
          --account-id ID            12-digit default account: the account of access keys not
                                     named by --account (default 111122223333)
          --account AKID=ACCOUNTID   requests signed with access key AKID belong to account ACCOUNTID
                                     (repeatable: several accounts on one endpoint)
          --state-file PATH          load state from PATH and save it after every mutating call
          --verify-signatures        verify SigV4 signatures against --credential entries
          --credential AKID:SECRET   a known access key (repeatable; used with --verify-signatures)
          --wrapping-key-pool N      RSA wrapping key pairs kept ready per key spec (default 2; 0 = none;
                                     at most 128)
          --reuse-wrapping-keys      benchmarks only: one wrapping key pair per key spec, handed out by
                                     every GetParametersForImport (AWS makes a fresh pair per call)
          --default-region REGION    Region used when a request carries no SigV4 credential scope
                                     (default us-east-1)
          --exit-on-stdin-close      stop when standard input reaches end of file
          --verbose                  write diagnostics (never key material or tokens) to stderr
          --help                     show this text
        """;

    public int Port { get; set; }

    public string AccountId { get; set; } = "111122223333";

    /// <summary>Access key id -> 12-digit account id (<c>--account</c>); other access keys belong to <see cref="AccountId"/>.</summary>
    public Dictionary<string, string> Accounts { get; } = new(StringComparer.Ordinal);

    /// <summary>The default account and every account of <see cref="Accounts"/>: the accounts whose roles can be assumed.</summary>
    public IEnumerable<string> KnownAccounts => Accounts.Values.Append(AccountId).Distinct(StringComparer.Ordinal);

    /// <summary>The account of a long-term access key id.</summary>
    public string AccountOf(string? accessKeyId) =>
        accessKeyId is not null && Accounts.TryGetValue(accessKeyId, out string? account) ? account : AccountId;

    public string? StateFile { get; set; }

    public bool VerifySignatures { get; set; }

    /// <summary>Access key id -> secret access key.</summary>
    public Dictionary<string, string> Credentials { get; } = new(StringComparer.Ordinal);

    public int WrappingKeyPool { get; set; } = 2;

    public bool ReuseWrappingKeys { get; set; }

    public string DefaultRegion { get; set; } = "us-east-1";

    public bool ExitOnStdinClose { get; set; }

    public bool Verbose { get; set; }

    public bool ShowHelp { get; set; }

    /// <summary>
    /// In-process hosting only (tests): a wrapping key pool shared by several servers in one process, so
    /// each does not pre-generate its own RSA key pairs. The servers do not dispose it.
    /// </summary>
    internal Crypto.WrappingKeyPool? SharedWrappingKeyPool { get; set; }

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static LocalKmsOptions Parse(IReadOnlyList<string> args)
    {
        var o = new LocalKmsOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"Option {a} needs a value.");
                }

                return args[++i];
            }

            switch (a)
            {
                case "--port":
                    o.Port = ParseInt(a, Next(), 0, 65535);
                    break;
                case "--account-id":
                    o.AccountId = Next();
                    if (!IsAccountId(o.AccountId))
                    {
                        throw new ArgumentException("--account-id must be 12 digits.");
                    }

                    break;
                case "--account":
                    {
                        string v = Next();
                        int eq = v.IndexOf('=', StringComparison.Ordinal);
                        if (eq <= 0 || !IsAccountId(v[(eq + 1)..]))
                        {
                            throw new ArgumentException("--account must be AKID=ACCOUNTID (a 12-digit account id).");
                        }

                        if (v[..eq].StartsWith(Service.StsService.TemporaryKeyPrefix, StringComparison.Ordinal))
                        {
                            throw new ArgumentException($"--account: access key ids starting with {Service.StsService.TemporaryKeyPrefix} are LocalKms's temporary credentials.");
                        }

                        o.Accounts[v[..eq]] = v[(eq + 1)..];
                        break;
                    }

                case "--state-file":
                    o.StateFile = Path.GetFullPath(Next());
                    break;
                case "--verify-signatures":
                    o.VerifySignatures = true;
                    break;
                case "--credential":
                    {
                        string v = Next();
                        int colon = v.IndexOf(':', StringComparison.Ordinal);
                        if (colon <= 0 || colon == v.Length - 1)
                        {
                            throw new ArgumentException("--credential must be AKID:SECRET.");
                        }

                        o.Credentials[v[..colon]] = v[(colon + 1)..];
                        break;
                    }

                case "--wrapping-key-pool":
                    o.WrappingKeyPool = ParseInt(a, Next(), 0, 128);
                    break;
                case "--reuse-wrapping-keys":
                    o.ReuseWrappingKeys = true;
                    break;
                case "--default-region":
                    o.DefaultRegion = Next();
                    if (!KmsNames.IsValidRegion(o.DefaultRegion))
                    {
                        throw new ArgumentException("--default-region is not a Region name.");
                    }

                    break;
                case "--exit-on-stdin-close":
                    o.ExitOnStdinClose = true;
                    break;
                case "--verbose":
                    o.Verbose = true;
                    break;
                case "--help":
                case "-h":
                    o.ShowHelp = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{a}'.");
            }
        }

        if (o.VerifySignatures && o.Credentials.Count == 0)
        {
            throw new ArgumentException("--verify-signatures needs at least one --credential AKID:SECRET.");
        }

        if (o.VerifySignatures && o.Accounts.Keys.FirstOrDefault(k => !o.Credentials.ContainsKey(k)) is { } missing)
        {
            throw new ArgumentException($"--verify-signatures: the access key {missing} of --account needs a --credential {missing}:SECRET.");
        }

        return o;
    }

    public static bool IsAccountId(string s) => s.Length == 12 && s.All(char.IsAsciiDigit);

    private static int ParseInt(string option, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new ArgumentException($"{option} must be an integer from {min} to {max}.");
        }

        return n;
    }
}
