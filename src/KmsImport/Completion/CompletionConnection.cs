using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using KmsImport.Core.Kms;

namespace KmsImport.Completion
{
    /// <summary>
    /// Builds the connection settings a completer uses from what the command line has bound so far
    /// (fakeBoundParameters) and the shell defaults, through the builder <see cref="Infrastructure.KmsCmdletBase"/>
    /// uses (<see cref="Infrastructure.ConnectionSettings"/>), so completion lists the keys the command itself would reach. Short timeout, no
    /// retries: completion must answer quickly or not at all.
    /// </summary>
    internal static class CompletionConnection
    {
        public static KmsConnectionSettings FromBoundParameters(IDictionary? fakeBoundParameters)
        {
            var shell = ReadShell(Get(fakeBoundParameters, "ProfileLocation"));
            // The same builder as the cmdlets, with a short timeout and no retries.
            return Infrastructure.ConnectionSettings.Build(
                Get(fakeBoundParameters, "Region"), Get(fakeBoundParameters, "EndpointUrl"), Get(fakeBoundParameters, "AccessKey"),
                Get(fakeBoundParameters, "SecretKey"), Get(fakeBoundParameters, "SessionToken"),
                fakeBoundParameters != null && fakeBoundParameters.Contains("Credential") ? Unwrap(fakeBoundParameters["Credential"]) : null,
                Get(fakeBoundParameters, "ProfileName"),
                shell.ProfileLocation, shell.StoredCredentials, shell.StoredRegion, maxErrorRetry: 0, timeoutSeconds: 5);
        }

        private static string? Get(IDictionary? bound, string name)
        {
            if (bound == null || !bound.Contains(name)) return null;
            var value = Unwrap(bound[name]);
            var text = value as string ?? (value == null ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        private static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;

        /// <summary>$StoredAWSCredentials, $StoredAWSRegion and the provider path of -ProfileLocation, read in the session that completes.</summary>
        private static (object? StoredCredentials, string? StoredRegion, string? ProfileLocation) ReadShell(string? profileLocation)
        {
            object? credentials = null;
            string? region = null;
            var location = profileLocation;
            try
            {
                using (var ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    ps.AddCommand("Get-Variable")
                        .AddParameter("Name", new[] { "StoredAWSCredentials", "StoredAWSRegion" })
                        .AddParameter("ErrorAction", ActionPreference.Ignore);
                    foreach (var variable in ps.Invoke().Select(o => Unwrap(o)).OfType<PSVariable>())
                    {
                        if (string.Equals(variable.Name, "StoredAWSCredentials", StringComparison.OrdinalIgnoreCase)) credentials = Unwrap(variable.Value);
                        else region = Unwrap(variable.Value) as string;
                    }
                    if (!string.IsNullOrEmpty(profileLocation))
                    {
                        ps.Commands.Clear();
                        ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(profileLocation);
                        location = ps.Invoke().Select(o => Unwrap(o)).OfType<string>().FirstOrDefault() ?? profileLocation;
                    }
                }
            }
            catch (Exception)
            {
                // Completion goes on with what could be read.
            }
            return (credentials, region, location);
        }
    }
}
