using System;
using System.Collections.Generic;
using System.Linq;
using Amazon;
using Amazon.KeyManagementService.Model;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// Listing: the keys and aliases of the service's Region, and the Regions the SDK knows. Used
    /// by the argument completers; module types only, so the cmdlet assembly never sees the SDK.
    /// </summary>
    public sealed partial class KmsImportService
    {
        /// <summary>The key ids of the Region, in the order KMS lists them, at most <paramref name="limit"/>.</summary>
        public IReadOnlyList<KmsKeyListEntry> ListKeys(int limit = 1000)
        {
            var result = new List<KmsKeyListEntry>();
            string? marker = null;
            do
            {
                var request = new ListKeysRequest { Limit = Math.Min(1000, Math.Max(1, limit - result.Count)), Marker = marker };
                var page = Call("ListKeys", null, () => _client.ListKeysAsync(request));
                foreach (var k in page.Keys ?? new List<KeyListEntry>())
                    if (!string.IsNullOrEmpty(k.KeyId)) result.Add(new KmsKeyListEntry(k.KeyId, k.KeyArn ?? ""));
                marker = page.Truncated == true ? page.NextMarker : null;
            } while (!string.IsNullOrEmpty(marker) && result.Count < limit);
            return result;
        }

        /// <summary>The aliases of the Region (alias/...), with the key each points to, at most <paramref name="limit"/>.</summary>
        public IReadOnlyList<KmsAliasListEntry> ListAliases(int limit = 1000)
        {
            var result = new List<KmsAliasListEntry>();
            string? marker = null;
            do
            {
                var request = new ListAliasesRequest { Limit = Math.Min(100, Math.Max(1, limit - result.Count)), Marker = marker };
                var page = Call("ListAliases", null, () => _client.ListAliasesAsync(request));
                foreach (var a in page.Aliases ?? new List<AliasListEntry>())
                    if (!string.IsNullOrEmpty(a.AliasName)) result.Add(new KmsAliasListEntry(a.AliasName, a.TargetKeyId));
                marker = page.Truncated == true ? page.NextMarker : null;
            } while (!string.IsNullOrEmpty(marker) && result.Count < limit);
            return result;
        }

        /// <summary>
        /// Every Region the bundled AWS SDK knows (system name, display name, partition), sorted by name; without the SDK's
        /// endpoint variants that are not Regions (us-east-1-regional is the regional endpoint of us-east-1).
        /// </summary>
        public static IReadOnlyList<KmsRegionName> KnownRegions() =>
            RegionEndpoint.EnumerableAllRegions
                .Where(r => !r.SystemName.EndsWith("-regional", StringComparison.Ordinal) && r.SystemName != "aws-global")
                .Select(r => new KmsRegionName(r.SystemName, r.DisplayName, r.PartitionName ?? "", r.PartitionDnsSuffix ?? ""))
                .OrderBy(r => r.Name, StringComparer.Ordinal)
                .ToList();
    }
}
