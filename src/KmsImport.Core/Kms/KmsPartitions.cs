using System;
using System.Collections.Generic;
using System.Linq;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// Which AWS partition a Region name or an endpoint URL belongs to, from the Regions the SDK knows
    /// (<see cref="KmsImportService.KnownRegions"/>). Completion offers the Regions and wrapping algorithms of
    /// the partition in context: a key cannot be replicated across partitions, SM2PKE exists only in aws-cn,
    /// and the isolated partitions (aws-iso*) are offered only when the endpoint or a Region names one.
    /// </summary>
    public static class KmsPartitions
    {
        public const string Commercial = "aws";
        public const string China = "aws-cn";

        private static IReadOnlyList<KmsRegionName>? s_regions;

        public static IReadOnlyList<KmsRegionName> Regions => s_regions ??= KmsImportService.KnownRegions();

        /// <summary>The partition of a Region name the SDK knows; for an unknown name, by its prefix (cn-, us-gov-, us-iso-, us-isob-); else null.</summary>
        public static string? OfRegion(string? region)
        {
            if (string.IsNullOrWhiteSpace(region)) return null;
            var name = region!.Trim();
            var known = Regions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (known != null && known.Partition.Length > 0) return known.Partition;
            if (name.StartsWith("cn-", StringComparison.OrdinalIgnoreCase)) return China;
            if (name.StartsWith("us-gov-", StringComparison.OrdinalIgnoreCase)) return "aws-us-gov";
            if (name.StartsWith("us-isob-", StringComparison.OrdinalIgnoreCase)) return "aws-iso-b";
            if (name.StartsWith("us-iso-", StringComparison.OrdinalIgnoreCase)) return "aws-iso";
            return null;
        }

        /// <summary>
        /// The partition an endpoint URL's host names: by its DNS suffix (kms.cn-north-1.amazonaws.com.cn -> aws-cn), and for
        /// amazonaws.com by the Region in the host (kms.us-gov-west-1.amazonaws.com -> aws-us-gov). Null for any other host
        /// (a local or private endpoint says nothing about the partition).
        /// </summary>
        public static string? OfEndpoint(string? endpointUrl)
        {
            if (string.IsNullOrWhiteSpace(endpointUrl)) return null;
            if (!Uri.TryCreate(endpointUrl!.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return null;
            var host = uri.Host.ToLowerInvariant();
            // The longest matching suffix: amazonaws.com.cn before amazonaws.com.
            var suffix = Regions.Select(r => r.DnsSuffix).Where(s => s.Length > 0).Distinct()
                .Where(s => host.EndsWith("." + s, StringComparison.Ordinal))
                .OrderByDescending(s => s.Length).FirstOrDefault();
            if (suffix == null) return null;
            var labels = host.Substring(0, host.Length - suffix.Length - 1).Split('.');
            foreach (var label in labels)
            {
                var byRegion = Regions.FirstOrDefault(r => r.Name == label && r.DnsSuffix == suffix);
                if (byRegion != null) return byRegion.Partition;
            }
            var partitions = Regions.Where(r => r.DnsSuffix == suffix).Select(r => r.Partition).Distinct().ToList();
            return partitions.Contains(Commercial) ? Commercial : partitions.FirstOrDefault();
        }

        /// <summary>An isolated partition (aws-iso, aws-iso-b, ...): never offered unless the context names it.</summary>
        public static bool IsIsolated(string partition) => partition.StartsWith("aws-iso", StringComparison.Ordinal);
    }
}
