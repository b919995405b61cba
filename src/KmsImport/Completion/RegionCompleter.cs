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
    /// Completes -Region with the Region names the bundled AWS SDK knows (eu-west-2 ...), the
    /// display name as tooltip. Local: no call to AWS. Never throws.
    /// </summary>
    public sealed class RegionCompleter : IArgumentCompleter
    {
        private static IReadOnlyList<KmsRegionName>? s_regions;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var (quote, word) = CompletionText.Unquote(wordToComplete);
                var regions = s_regions ??= KmsImportService.KnownRegions();
                return regions
                    .Where(r => r.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                    .Select(r => new CompletionResult(CompletionText.Quote(r.Name, quote), r.Name, CompletionResultType.ParameterValue,
                        string.IsNullOrEmpty(r.DisplayName) ? r.Name : r.DisplayName))
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }
    }
}
