namespace KmsImport.Completion
{
    /// <summary>Quoting for completion results: keep the quote the user started the word with.</summary>
    internal static class CompletionText
    {
        public static (string Quote, string Word) Unquote(string? wordToComplete)
        {
            var word = wordToComplete ?? "";
            if (word.Length > 0 && (word[0] == '\'' || word[0] == '"'))
            {
                var quote = word.Substring(0, 1);
                word = word.Substring(1);
                if (word.EndsWith(quote, System.StringComparison.Ordinal)) word = word.Substring(0, word.Length - 1);
                return (quote, word);
            }
            return ("", word);
        }

        public static string Quote(string text, string quote) => quote.Length == 0 ? text : quote + text + quote;
    }
}
