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
    /// Completes -Region (and -ReplicaRegion, -PrimaryRegion) with the Regions of the partition in context, the
    /// display name as tooltip. The partition is the one the endpoint URL names (kms.cn-north-1.amazonaws.com.cn),
    /// else that of the other Region on the line (a replica lives in its primary's partition), both binding; else
    /// that of the default Region ($PSDefaultParameterValues, $StoredAWSRegion, AWS_REGION), else aws. Without a
    /// binding context a word that matches nothing there is matched against the other public partitions (aws-cn,
    /// aws-us-gov ...); isolated partitions (aws-iso*) only when the context names one. Local: no call to AWS.
    /// Never throws.
    /// </summary>
    public sealed class RegionCompleter : IArgumentCompleter
    {
        private static readonly string[] RegionParameters = { "Region", "ReplicaRegion", "PrimaryRegion" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var (quote, word) = CompletionText.Unquote(wordToComplete);
                var context = CompletionContext.Read(commandName, commandAst, fakeBoundParameters);
                var (partition, binding) = Partition(context, parameterName);
                var regions = Matching(partition, word);
                if (regions.Count == 0 && !binding)
                    regions = KmsPartitions.Regions
                        .Where(r => r.Partition != partition && !KmsPartitions.IsIsolated(r.Partition) && Matches(r, word))
                        .ToList();
                return regions
                    .Select(r => new CompletionResult(CompletionText.Quote(r.Name, quote), r.Name, CompletionResultType.ParameterValue,
                        string.IsNullOrEmpty(r.DisplayName) ? r.Name : r.DisplayName))
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }

        private static List<KmsRegionName> Matching(string partition, string word) =>
            KmsPartitions.Regions.Where(r => r.Partition == partition && Matches(r, word)).ToList();

        private static bool Matches(KmsRegionName region, string word) => region.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase);

        /// <summary>The partition in context and whether it binds (the endpoint or another Region of the same command says so).</summary>
        private static (string Partition, bool Binding) Partition(CompletionContext context, string parameterName)
        {
            var byEndpoint = KmsPartitions.OfEndpoint(context.GetInPipeline("EndpointUrl"));
            if (byEndpoint != null) return (byEndpoint, true);
            foreach (var other in RegionParameters.Where(p => !string.Equals(p, parameterName, StringComparison.OrdinalIgnoreCase)))
            {
                var byOther = KmsPartitions.OfRegion(context.GetInPipeline(other));
                if (byOther != null) return (byOther, true);
            }
            var byDefault = KmsPartitions.OfRegion(context.StoredRegion ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION"));
            return (byDefault ?? KmsPartitions.Commercial, false);
        }

        private static string? Env(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }
    }
}
