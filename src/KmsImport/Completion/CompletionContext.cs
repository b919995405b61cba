using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsImport.Core.Kms;

namespace KmsImport.Completion
{
    /// <summary>
    /// What a completer knows about the command being typed, read the way the command itself would get its
    /// values: the parameters already on the command line (fakeBoundParameters), else the session's
    /// <c>$PSDefaultParameterValues</c> for this command ('Test-KmsKeyState:EndpointUrl', '*:Region', wildcards as
    /// PowerShell matches them; script-block values are not run), and the AWS Tools shell defaults
    /// (<c>$StoredAWSCredentials</c>, <c>$StoredAWSRegion</c>; the environment and the shared files are read by
    /// <see cref="Infrastructure.ConnectionSettings"/>'s consumers as for the cmdlets). For context rules (key spec,
    /// Region) the commands before this one in the pipeline count too: their objects bind by property name.
    /// Never throws: what cannot be read is left out.
    /// </summary>
    internal sealed class CompletionContext
    {
        private readonly string _commandName;
        private readonly CommandAst? _commandAst;
        private readonly IDictionary? _bound;
        private readonly List<(string Command, string Parameter, object? Value)> _defaults = new List<(string, string, object?)>();

        private CompletionContext(string commandName, CommandAst? commandAst, IDictionary? bound)
        {
            _commandName = commandName ?? "";
            _commandAst = commandAst;
            _bound = bound;
        }

        public object? StoredCredentials { get; private set; }
        public string? StoredRegion { get; private set; }
        public string? ProfileLocation { get; private set; }

        public static CompletionContext Read(string commandName, CommandAst? commandAst, IDictionary? fakeBoundParameters)
        {
            var context = new CompletionContext(commandName, commandAst, fakeBoundParameters);
            context.ReadShell();
            return context;
        }

        /// <summary>A parameter's value as text: on the command line, else from $PSDefaultParameterValues.</summary>
        public string? Get(string name) => Text(GetObject(name));

        /// <summary>As <see cref="Get"/>, then a constant given to the same parameter by an earlier command of the pipeline.</summary>
        public string? GetInPipeline(string name) => Get(name) ?? Upstream(name);

        /// <summary>The Region the command would use as far as completion can tell: the line or the pipeline, the defaults, the shell, the environment.</summary>
        public string? Region =>
            GetInPipeline("Region") ?? StoredRegion ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION");

        /// <summary>The connection the command would open, built by the cmdlets' own builder; short timeout, no retries.</summary>
        public KmsConnectionSettings Connection() =>
            Infrastructure.ConnectionSettings.Build(
                Get("Region"), Get("EndpointUrl"), Get("AccessKey"), Get("SecretKey"), Get("SessionToken"),
                GetObject("Credential"), Get("ProfileName"), ProfileLocation, StoredCredentials, StoredRegion,
                maxErrorRetry: 0, timeoutSeconds: 5);

        private object? GetObject(string name)
        {
            if (_bound != null && _bound.Contains(name))
            {
                var value = Unwrap(_bound[name]);
                if (Text(value) != null || (value != null && !(value is string))) return value;
            }
            return Default(name);
        }

        /// <summary>
        /// $PSDefaultParameterValues: 'Command:Parameter' keys whose command part matches this command (wildcards allowed);
        /// an exact command name wins over a pattern. Script blocks are skipped: completion runs no user code.
        /// </summary>
        private object? Default(string parameter)
        {
            object? best = null;
            var bestExact = false;
            var bestLength = -1;
            foreach (var (command, name, value) in _defaults)
            {
                if (!string.Equals(name, parameter, StringComparison.OrdinalIgnoreCase)) continue;
                bool exact = string.Equals(command, _commandName, StringComparison.OrdinalIgnoreCase);
                if (!exact && !WildcardPattern.Get(command, WildcardOptions.IgnoreCase).IsMatch(_commandName)) continue;
                if (best != null && (bestExact || (!exact && command.Length <= bestLength))) continue;
                best = value;
                bestExact = exact;
                bestLength = command.Length;
            }
            return best;
        }

        private string? Upstream(string name)
        {
            if (!(_commandAst?.Parent is PipelineAst pipeline)) return null;
            string? found = null;
            foreach (var element in pipeline.PipelineElements)
            {
                if (ReferenceEquals(element, _commandAst)) break;
                if (element is CommandAst command) found = ConstantArgument(command, name) ?? found;
            }
            return found;
        }

        /// <summary>The constant given to -<paramref name="name"/> (as "-Name value" or "-Name:value"), else null.</summary>
        private static string? ConstantArgument(CommandAst command, string name)
        {
            var elements = command.CommandElements;
            for (int i = 1; i < elements.Count; i++)
            {
                if (!(elements[i] is CommandParameterAst parameter)) continue;
                if (!string.Equals(parameter.ParameterName, name, StringComparison.OrdinalIgnoreCase)) continue;
                var argument = parameter.Argument ?? (i + 1 < elements.Count ? elements[i + 1] as ExpressionAst : null);
                if (argument is StringConstantExpressionAst text) return Text(text.Value);
                if (argument is ConstantExpressionAst constant) return Text(constant.Value);
            }
            return null;
        }

        private void ReadShell()
        {
            try
            {
                using (var ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    ps.AddCommand("Get-Variable")
                        .AddParameter("Name", new[] { "StoredAWSCredentials", "StoredAWSRegion", "PSDefaultParameterValues" })
                        .AddParameter("ErrorAction", ActionPreference.Ignore);
                    foreach (var variable in ps.Invoke().Select(o => Unwrap(o)).OfType<PSVariable>())
                    {
                        if (string.Equals(variable.Name, "StoredAWSCredentials", StringComparison.OrdinalIgnoreCase)) StoredCredentials = Unwrap(variable.Value);
                        else if (string.Equals(variable.Name, "StoredAWSRegion", StringComparison.OrdinalIgnoreCase)) StoredRegion = Text(Unwrap(variable.Value));
                        else ReadDefaults(Unwrap(variable.Value) as IDictionary);
                    }
                    var profileLocation = Get("ProfileLocation");
                    ProfileLocation = profileLocation;
                    if (!string.IsNullOrEmpty(profileLocation))
                    {
                        ps.Commands.Clear();
                        ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(profileLocation);
                        ProfileLocation = ps.Invoke().Select(o => Unwrap(o)).OfType<string>().FirstOrDefault() ?? profileLocation;
                    }
                }
            }
            catch (Exception)
            {
                // Completion goes on with what could be read.
            }
        }

        private void ReadDefaults(IDictionary? defaults)
        {
            if (defaults == null) return;
            // $PSDefaultParameterValues['Disabled'] = $true turns them all off, for commands and completion alike.
            if (defaults.Contains("Disabled") && LanguagePrimitives.IsTrue(defaults["Disabled"])) return;
            foreach (DictionaryEntry entry in defaults)
            {
                var key = entry.Key as string;
                if (key == null) continue;
                int colon = key.IndexOf(':');
                if (colon <= 0 || colon == key.Length - 1) continue;
                var value = Unwrap(entry.Value);
                if (value is ScriptBlock) continue;
                _defaults.Add((key.Substring(0, colon).Trim(), key.Substring(colon + 1).Trim(), value));
            }
        }

        private static string? Env(string name) => Text(Environment.GetEnvironmentVariable(name));

        private static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;

        private static string? Text(object? value)
        {
            value = Unwrap(value);
            var text = value as string ?? (value == null ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            return string.IsNullOrWhiteSpace(text) ? null : text!.Trim();
        }
    }
}
