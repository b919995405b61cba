using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace KmsImport.Completion
{
    /// <summary>
    /// Completes a parameter that takes a KMS name as text (so objects from elsewhere bind) with the
    /// names of <typeparamref name="TEnum"/>, as an enum parameter would. Never throws.
    /// </summary>
    public sealed class KmsNameCompleter<TEnum> : IArgumentCompleter where TEnum : struct, Enum
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var (quote, word) = CompletionText.Unquote(wordToComplete);
                return KmsNames.Names<TEnum>()
                    .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                    .Select(n => new CompletionResult(CompletionText.Quote(n, quote), n, CompletionResultType.ParameterValue, n))
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }
    }
}
