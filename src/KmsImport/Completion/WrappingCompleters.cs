using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Completion
{
    /// <summary>
    /// The context the wrapping completers read: the key spec, the wrapping key spec or algorithm already chosen
    /// (on the line, in $PSDefaultParameterValues or given to an earlier command of the pipeline), and whether the
    /// Region is a China Region (by the Region, else the endpoint's host; with neither, SM2 chosen anywhere implies it).
    /// </summary>
    internal static class WrappingContext
    {
        public static (KeySpec? KeySpec, WrappingAlgorithm? Algorithm, WrappingKeySpec? WrappingKeySpec, bool China) Read(
            string commandName, CommandAst? commandAst, IDictionary? fakeBoundParameters)
        {
            var context = CompletionContext.Read(commandName, commandAst, fakeBoundParameters);
            var keySpec = KmsNames.ParseOrNull<KeySpec>(context.GetInPipeline("KeySpec"));
            var algorithm = KmsNames.ParseOrNull<WrappingAlgorithm>(context.Get("WrappingAlgorithm"));
            var wrappingKeySpec = KmsNames.ParseOrNull<WrappingKeySpec>(context.Get("WrappingKeySpec"));
            var partition = KmsPartitions.OfRegion(context.Region) ?? KmsPartitions.OfEndpoint(context.GetInPipeline("EndpointUrl"));
            bool china = partition != null
                ? partition == KmsPartitions.China
                : keySpec == KeySpec.SM2 || wrappingKeySpec == KmsImport.WrappingKeySpec.SM2 || algorithm == KmsImport.WrappingAlgorithm.SM2PKE;
            return (keySpec, algorithm, wrappingKeySpec, china);
        }

        public static IEnumerable<CompletionResult> Results(IEnumerable<string> names, string? wordToComplete)
        {
            var (quote, word) = CompletionText.Unquote(wordToComplete);
            return names
                .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(CompletionText.Quote(n, quote), n, CompletionResultType.ParameterValue, n))
                .ToList();
        }
    }

    /// <summary>
    /// Completes -WrappingAlgorithm with the algorithms KMS would accept here (<see cref="WrappingMatrix.OfferedAlgorithms"/>):
    /// never RSAES_PKCS1_V1_5 (retired), SM2PKE only in the China Regions, only what can carry the key spec under the
    /// wrapping key spec when they are known. Never throws.
    /// </summary>
    public sealed class WrappingAlgorithmCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var c = WrappingContext.Read(commandName, commandAst, fakeBoundParameters);
                return WrappingContext.Results(WrappingMatrix.OfferedAlgorithms(c.KeySpec, c.WrappingKeySpec, c.China).Select(a => a.ToString()), wordToComplete);
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }
    }

    /// <summary>Completes -WrappingKeySpec with the wrapping keys KMS would hand out here: SM2 only in the China Regions. Never throws.</summary>
    public sealed class WrappingKeySpecCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var c = WrappingContext.Read(commandName, commandAst, fakeBoundParameters);
                return WrappingContext.Results(WrappingMatrix.OfferedWrappingKeySpecs(c.KeySpec, c.Algorithm, c.China).Select(w => w.ToString()), wordToComplete);
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }
    }
}
