using System;
using System.Collections.Generic;
using System.Linq;

namespace KmsImport.Core.Kms
{
    public sealed partial class KmsImportService
    {
        /// <summary>
        /// The keys of the account and Region (at most <paramref name="limit"/>) that carry <paramref name="tagKey"/>, with its
        /// value; keys in <paramref name="skip"/> are not asked about, keys the caller may not read are passed over.
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, string>> KeysTagged(string tagKey, ICollection<string> skip, int limit = 10000)
        {
            var found = new List<KeyValuePair<string, string>>();
            foreach (var key in ListKeys(limit))
            {
                if (skip.Contains(key.KeyId)) continue;
                try
                {
                    var tag = ListTags(key.KeyId).FirstOrDefault(t => t.TagKey == tagKey);
                    if (tag != null) found.Add(new KeyValuePair<string, string>(key.KeyId, tag.TagValue ?? ""));
                }
                catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.AccessDenied || ex.ErrorId == ErrorIds.KeyNotFound
                    || ex.ErrorId == ErrorIds.KeyInvalidState)
                {
                    // not ours to read, or gone
                }
            }
            return found;
        }
    }
}
