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
    /// Completes -KeyId with the alias names and key ids of the Region the command would talk to,
    /// resolved from the parameters already on the command line (-Region, -EndpointUrl,
    /// -ProfileName, -AccessKey ...), else $PSDefaultParameterValues, and the shell defaults, like the
    /// cmdlets resolve them (<see cref="CompletionContext"/>). What
    /// KMS answered is kept for <see cref="CacheLifetime"/> per connection, so pressing Tab again
    /// does not call KMS again. Never throws: on any failure it completes nothing.
    /// </summary>
    public sealed class KeyIdCompleter : IArgumentCompleter
    {
        internal static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(60);
        /// <summary>A failure is remembered for less time: the user is likely to fix it and try again.</summary>
        internal static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(10);
        private const int Limit = 1000;
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, CacheEntry> Cache = new Dictionary<string, CacheEntry>(StringComparer.Ordinal);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var (quote, word) = CompletionText.Unquote(wordToComplete);
                var candidates = GetCandidates(CompletionContext.Read(commandName, commandAst, fakeBoundParameters).Connection());
                return candidates
                    .Where(c => c.Matches(word))
                    .Select(c => new CompletionResult(CompletionText.Quote(c.Text, quote), c.Text, CompletionResultType.ParameterValue, c.ToolTip))
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }

        private static IReadOnlyList<Candidate> GetCandidates(KmsConnectionSettings settings)
        {
            var key = settings.CacheKey;
            var now = DateTime.UtcNow;
            lock (Gate)
            {
                if (Cache.TryGetValue(key, out var cached) && cached.Expires > now) return cached.Candidates;
            }

            IReadOnlyList<Candidate> candidates;
            TimeSpan lifetime;
            try
            {
                var service = new KmsImportService(KmsClientFactory.Create(settings));
                var aliases = service.ListAliases(Limit)
                    .Where(a => !string.IsNullOrEmpty(a.TargetKeyId))
                    .OrderBy(a => a.AliasName, StringComparer.OrdinalIgnoreCase)
                    .Select(a => new Candidate(a.AliasName, $"{a.AliasName} -> {a.TargetKeyId}", isAlias: true));
                var keys = service.ListKeys(Limit)
                    .Select(k => new Candidate(k.KeyId, string.IsNullOrEmpty(k.Arn) ? k.KeyId : k.Arn, isAlias: false));
                candidates = aliases.Concat(keys).ToList();
                lifetime = CacheLifetime;
            }
            catch (Exception)
            {
                candidates = Array.Empty<Candidate>();
                lifetime = FailureLifetime;
            }

            lock (Gate)
            {
                // Drop what has expired, so a long session with many Regions does not grow the cache.
                foreach (var stale in Cache.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList()) Cache.Remove(stale);
                Cache[key] = new CacheEntry(candidates, DateTime.UtcNow + lifetime);
            }
            return candidates;
        }

        private sealed class CacheEntry
        {
            public CacheEntry(IReadOnlyList<Candidate> candidates, DateTime expires)
            {
                Candidates = candidates;
                Expires = expires;
            }

            public IReadOnlyList<Candidate> Candidates { get; }
            public DateTime Expires { get; }
        }

        private sealed class Candidate
        {
            private const string AliasPrefix = "alias/";
            private readonly bool _isAlias;

            public Candidate(string text, string toolTip, bool isAlias)
            {
                Text = text;
                ToolTip = toolTip;
                _isAlias = isAlias;
            }

            public string Text { get; }
            public string ToolTip { get; }

            /// <summary>A prefix of the id or alias name; for an alias also of the name without "alias/" (so "pay" finds alias/payments).</summary>
            public bool Matches(string word) =>
                word.Length == 0 ||
                Text.StartsWith(word, StringComparison.OrdinalIgnoreCase) ||
                (_isAlias && Text.Substring(AliasPrefix.Length).StartsWith(word, StringComparison.OrdinalIgnoreCase));
        }
    }
}
