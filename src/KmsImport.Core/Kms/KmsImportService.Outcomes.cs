using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// Calls that change state, and what happens when their answer is lost, empty or unreadable: the
    /// state is read back and what is true is reported. Nothing here is resent blindly: these calls
    /// go through a client with the SDK's retries off; a resend happens only after KMS refused the call
    /// for sure (throttling) or reading back showed it did not take effect (never for CreateKey).
    /// </summary>
    public sealed partial class KmsImportService
    {
        /// <summary>The tag every CreateKey carries (a fresh GUID), so a key whose answer was lost is found, once.</summary>
        public const string RequestTagKey = "kmsimport:request-id";

        /// <summary>How many keys a search by request tag reads at most (ListKeys, then ListResourceTags per key).</summary>
        internal int RequestTagSearchLimit { get; set; } = 1000;

        /// <summary>Told when an outcome was read back instead of answered (for -Verbose). Never given secrets.</summary>
        public Action<string>? Notice { get; set; }

        /// <summary>The first wait before sending again after a sure refusal; doubles per attempt (test hook).</summary>
        internal TimeSpan ResendDelay { get; set; } = TimeSpan.FromMilliseconds(200);

        private static T Block<T>(Task<T> task) => task.ConfigureAwait(false).GetAwaiter().GetResult();

        /// <summary>
        /// Sends a state-changing call once. <paramref name="send"/> returns null for an answer that lacks
        /// what KMS always sends. When the outcome is unknown (answer lost, empty, unreadable, incomplete, or a
        /// 5xx), <paramref name="readBack"/> reads the state: non-null means the call took effect, null that it
        /// did not. A complete answer is taken as it is (the workflow's request count depends on it).
        /// </summary>
        private TResult Mutate<TResult>(string operation, string? keyId,
            Func<IAmazonKeyManagementService, TResult?> send,
            Func<TResult?> readBack,
            bool mayResend,
            string unknownAdvice,
            string notAppliedErrorId = ErrorIds.AnswerInvalid) where TResult : class
        {
            var target = (object?)keyId ?? operation;
            for (var attempt = 0; ; attempt++)
            {
                Pacer?.Wait(operation);
                TResult? answer = null;
                KmsImportException? failure = null;
                try
                {
                    try
                    {
                        answer = send(_onceClient);
                    }
                    finally
                    {
                        Pacer?.Answered(operation);
                    }
                }
                catch (Exception ex)
                {
                    var translated = KmsErrorTranslator.Translate(ex, operation, keyId, Region);
                    if (!IsOutcomeUnknown(ex))
                    {
                        // KMS refused for sure (throttled, 429): sending again cannot do anything twice.
                        if (translated.IsTransient && attempt < _maxErrorRetry) { Pause(attempt); continue; }
                        throw translated;
                    }
                    failure = translated;
                }

                if (answer != null) return answer;

                var found = Read(readBack, operation, keyId, target, failure == null ? "an incomplete answer" : "no usable answer", unknownAdvice, failure);
                if (found != null)
                {
                    Notice?.Invoke($"{operation}{(keyId == null ? "" : " for " + keyId)}: {(failure == null ? "the answer was incomplete" : "the answer was lost or unreadable (" + failure.ErrorId + ")")}; reading the state back shows it took effect.");
                    return found;
                }
                if (failure == null) throw NotApplied(notAppliedErrorId, operation, keyId, target, "an incomplete answer");
                if (mayResend && failure.IsTransient && attempt < _maxErrorRetry) { Pause(attempt); continue; }
                throw new KmsImportException(failure.ErrorId, failure.Kind,
                    failure.Message + $" Reading the state back shows that {operation} did not take effect.", failure.InnerException)
                { IsTransient = failure.IsTransient, TargetObject = failure.TargetObject };
            }
        }

        private TResult? Read<TResult>(Func<TResult?> readBack, string operation, string? keyId, object target, string what, string unknownAdvice,
            KmsImportException? failure = null) where TResult : class
        {
            try
            {
                return readBack();
            }
            catch (KmsImportException ex)
            {
                var cause = failure == null ? what : $"{what} ({failure.ErrorId})";
                throw new KmsImportException(ErrorIds.OutcomeUnknown, ErrorKind.InvalidResult,
                    $"{operation}{(keyId == null ? "" : " for '" + keyId + "'")} in {Region} ended with {cause}, and reading the state back failed too ({ex.ErrorId}). It may or may not have taken effect. {unknownAdvice}",
                    failure ?? ex)
                { TargetObject = target };
            }
        }

        private KmsImportException NotApplied(string errorId, string operation, string? keyId, object target, string answered) =>
            new KmsImportException(errorId, ErrorKind.InvalidResult,
                $"The endpoint answered {operation}{(keyId == null ? "" : " for '" + keyId + "'")} in {Region} with {answered}, but reading the state back shows it did not take effect. The endpoint is not behaving like KMS: check -EndpointUrl (a proxy or an incompatible endpoint?), then check the key with Test-KmsKeyState.")
            { TargetObject = target };

        private void Pause(int attempt)
        {
            var ms = Math.Min(2000, ResendDelay.TotalMilliseconds * Math.Pow(2, attempt));
            if (ms > 0) Thread.Sleep(TimeSpan.FromMilliseconds(ms));
        }

        /// <summary>
        /// True when the call may have reached KMS and acted: no answer (connection broken after sending,
        /// timeout), an answer that cannot be read, or a 5xx. False for a sure refusal (a KMS error below 500,
        /// a 4xx) and for a connection that was never made (refused, unknown host).
        /// </summary>
        internal static bool IsOutcomeUnknown(Exception exception)
        {
            if (exception is AggregateException agg && agg.InnerExceptions.Count == 1) exception = agg.InnerException!;
            if (exception is AmazonUnmarshallingException) return true;
            if (exception is AmazonServiceException ase && (int)ase.StatusCode >= 400) return (int)ase.StatusCode >= 500;
            for (var x = exception; x != null; x = x.InnerException)
                if (x is SocketException se && (se.SocketErrorCode == SocketError.ConnectionRefused || se.SocketErrorCode == SocketError.HostNotFound
                    || se.SocketErrorCode == SocketError.NoData || se.SocketErrorCode == SocketError.TryAgain))
                    return false;
            return KmsErrorTranslator.IsNetworkFailure(exception);
        }

        /// <summary>
        /// The key CreateKey made under <paramref name="requestId"/>, or null when no key carries it: the
        /// Region's keys (at most <see cref="RequestTagSearchLimit"/>, newest pages first) and their tags.
        /// </summary>
        internal KeyMetadata? FindKeyByRequestTag(string requestId)
        {
            var keys = ListKeys(RequestTagSearchLimit);
            if (keys.Count >= RequestTagSearchLimit)
                throw new KmsImportException(ErrorIds.OutcomeUnknown, ErrorKind.LimitsExceeded,
                    $"The Region has {RequestTagSearchLimit} keys or more; the search for the request tag stopped there.");
            // KMS lists keys in no documented order; LocalKms and observed AWS list older keys first.
            for (var i = keys.Count - 1; i >= 0; i--)
            {
                var keyId = keys[i].KeyId;
                List<Tag> tags;
                try
                {
                    tags = ListTags(keyId);
                }
                catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.AccessDenied || ex.ErrorId == ErrorIds.KeyNotFound
                    || ex.ErrorId == ErrorIds.KeyInvalidState)
                {
                    continue; // not ours to read (other teams' keys), or gone: ours is readable by whoever created it
                }
                if (tags.Any(t => t.TagKey == RequestTagKey && t.TagValue == requestId))
                    return Call("DescribeKey", keyId, () => _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId })).KeyMetadata
                        ?? throw KmsErrorTranslator.AnswerInvalid("DescribeKey", Region, "an answer without KeyMetadata", null, keyId);
            }
            return null;
        }

        private List<Tag> ListTags(string keyId)
        {
            var result = new List<Tag>();
            string? marker = null;
            for (var page = 0; page < 10; page++) // KMS allows 50 tags per key; 10 pages is far beyond it
            {
                var request = new ListResourceTagsRequest { KeyId = keyId, Marker = marker };
                var response = Call("ListResourceTags", keyId, () => _client.ListResourceTagsAsync(request));
                result.AddRange(response.Tags ?? new List<Tag>());
                marker = response.Truncated == true ? response.NextMarker : null;
                if (string.IsNullOrEmpty(marker)) break;
            }
            return result;
        }

        /// <summary>
        /// The state after an import, when it shows the import took effect; else null. After a success answer
        /// (<paramref name="strict"/> false) the state is enough; after a lost answer the expiry must match
        /// too, so a re-import into a key that already held material is not taken for done on its state alone
        /// (a "not done" there only leads to a resend of the same material, which is safe).
        /// </summary>
        private KmsKeyDescription? ImportTookEffect(string keyId, ImportOptions options, bool strict)
        {
            var after = DescribeKey(keyId);
            if (options.ImportType == "NEW_KEY_MATERIAL")
            {
                // At most one material may be pending rotation: one being there now is the one just imported.
                return ListKeyRotations(after.KeyId).Any(m => (m.KeyMaterialState ?? "").StartsWith("PENDING_", StringComparison.Ordinal)) ? after : null;
            }
            if (after.KeyState != "Enabled" && after.KeyState != "Disabled") return null;
            if (!strict) return after;
            if (!string.Equals(after.ExpirationModel ?? options.ExpirationModel.ToString(), options.ExpirationModel.ToString(), StringComparison.Ordinal)) return null;
            if (options.ExpirationModel == ExpirationModel.KEY_MATERIAL_EXPIRES && after.ValidTo.HasValue && options.ValidToUtc.HasValue
                && UtcTime.WholeSeconds(after.ValidTo.Value) != UtcTime.WholeSeconds(options.ValidToUtc.Value))
                return null;
            return after;
        }

        private string CleanupCommand(string keyId, string region) =>
            $"Remove-KmsExternalKey -KeyId '{keyId}' -Region '{region}'{(EndpointUrl == null ? "" : " -EndpointUrl '" + EndpointUrl + "'")}";

        /// <summary>Checks that the key KMS made is the key asked for; a key that is not is reported with its cleanup, never emitted.</summary>
        private void EnsureCreatedAsAsked(KeyMetadata m, string region, string spec, string usage)
        {
            string? Odd(string? actual, string expected) =>
                actual == null || string.Equals(actual, expected, StringComparison.Ordinal) ? null : Printable(actual);
            var odd = new[]
            {
                Odd(m.KeySpec?.Value, spec) is { } s ? "key spec " + s : null,
                Odd(m.KeyUsage?.Value, usage) is { } u ? "key usage " + u : null,
                Odd(m.Origin?.Value, "EXTERNAL") is { } o ? "origin " + o : null,
            }.Where(x => x != null).ToList();
            if (odd.Count == 0) return;
            throw new KmsImportException(ErrorIds.KeyCreatedUnfinished, ErrorKind.InvalidResult,
                $"The endpoint created key '{m.KeyId}' in {region}, but says it has {string.Join(", ", odd)}, not what was asked ({spec}, {usage}, EXTERNAL). The key was not passed on. Check it with Test-KmsKeyState -KeyId '{m.KeyId}' -Region '{region}'; if it is not wanted: {CleanupCommand(m.KeyId, region)}")
            { TargetObject = m.KeyId };
        }

        /// <summary>A vocabulary value from an answer, safe to show: KMS's own alphabet only, short.</summary>
        private static string Printable(string value) =>
            value.Length <= 64 && value.All(c => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
                ? "'" + value + "'" : "(an unreadable value)";
    }
}
