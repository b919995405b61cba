using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>The local rules about keys, wrapping, import options, replicas and escrow.</summary>
    public static partial class ImportRules
    {
        private static readonly Regex AliasPattern = new Regex("^alias/[a-zA-Z0-9/_-]{1,250}$", RegexOptions.CultureInvariant);
        private static readonly Regex RegionPattern = new Regex("^[a-z]{2}(-[a-z]+)+-\\d{1,2}$", RegexOptions.CultureInvariant);
        private static readonly Regex MaterialIdPattern = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);
        private static readonly Regex DescriptionPattern = new Regex(@"^[a-zA-Z0-9:/_\s.-]+$", RegexOptions.CultureInvariant);

        /// <summary>True for the states in which KMS takes material (PendingImport) or takes the same material again (Enabled, Disabled).</summary>
        public static bool StateAcceptsMaterial(string? keyState) =>
            keyState == KeyStates.PendingImport || KeyStates.HoldsMaterial(keyState);

        /// <summary>True for a key id or ARN that names an alias (which must be described to learn the key).</summary>
        public static bool IsAlias(string keyIdOrAlias) => KmsKeyIds.IsAlias(keyIdOrAlias);

        /// <summary>The key's spec if KMS imports material for it; otherwise KeySpecNotImportable.</summary>
        public static KeySpec ImportableSpec(KmsKeyDescription key) => KmsNames.ImportableKeySpec(key.KeySpec, key.KeyId);

        /// <summary>
        /// What DescribeKey (or a pipeline object) already tells, checked before anything with a quota is asked:
        /// KMS imports material only into EXTERNAL keys, and never into a key scheduled for deletion.
        /// </summary>
        public static void EnsureAcceptsMaterial(KmsKeyDescription key)
        {
            if (!string.Equals(key.Origin, Origins.External, StringComparison.Ordinal))
                throw new KmsImportException(ErrorIds.KeyNotExternal, ErrorKind.InvalidOperation,
                    $"Key '{key.KeyId}' has origin {key.Origin}; KMS imports material only into keys created with origin EXTERNAL. Create one with New-KmsExternalKey.")
                { TargetObject = key.KeyId };
            if (KeyStates.IsPendingDeletion(key.KeyState))
                throw new KmsImportException(ErrorIds.KeyInvalidState, ErrorKind.InvalidOperation,
                    $"Key '{key.KeyId}' is {key.KeyState}: KMS imports no material into a key scheduled for deletion. If the key is still wanted, cancel the deletion first (AWS Tools: Stop-KMSKeyDeletion -KeyId '{key.KeyId}'; aws kms cancel-key-deletion --key-id {key.KeyId}), check it with Test-KmsKeyState -KeyId '{key.KeyId}', then run the command again.")
                { TargetObject = key.KeyId };
        }

        /// <summary>Refuses, before any call, a wrapping algorithm KMS refuses for every key (RSAES_PKCS1_V1_5, retired).</summary>
        public static void EnsureAlgorithmOffered(WrappingAlgorithm? algorithm, string keyId)
        {
            if (algorithm != WrappingAlgorithm.RSAES_PKCS1_V1_5) return;
            WrappingMatrix.IsAllowed(KeySpec.SYMMETRIC_DEFAULT, algorithm.Value, KmsImport.WrappingKeySpec.RSA_4096, out var reason);
            throw new KmsImportException(ErrorIds.WrappingAlgorithmRetired, ErrorKind.InvalidArgument, reason ?? "RSAES_PKCS1_V1_5 is retired.")
            { TargetObject = keyId };
        }

        /// <summary>Fills what the caller left out from the recommendation for the spec (not yet checked against the matrix).</summary>
        public static WrappingChoice ChooseWrapping(KeySpec spec, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec)
        {
            var recommended = WrappingMatrix.Recommend(spec);
            if (algorithm == null && wrappingKeySpec == null) return recommended;
            if (algorithm != null && wrappingKeySpec != null) return new WrappingChoice(algorithm.Value, wrappingKeySpec.Value);
            if (algorithm != null)
                return new WrappingChoice(algorithm.Value, algorithm == WrappingAlgorithm.SM2PKE ? KmsImport.WrappingKeySpec.SM2 : KmsImport.WrappingKeySpec.RSA_4096);
            if (wrappingKeySpec == KmsImport.WrappingKeySpec.SM2) return new WrappingChoice(WrappingAlgorithm.SM2PKE, wrappingKeySpec.Value);
            // A smaller RSA key may not carry what the recommended algorithm would: fall back to key wrap.
            var candidate = new WrappingChoice(recommended.Algorithm, wrappingKeySpec!.Value);
            return WrappingMatrix.IsAllowed(spec, candidate.Algorithm, candidate.WrappingKeySpec, out _)
                ? candidate
                : new WrappingChoice(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, wrappingKeySpec.Value);
        }

        /// <summary>The wrapping to ask GetParametersForImport for: chosen, then checked against what KMS allows for the spec.</summary>
        public static WrappingChoice CheckedWrapping(KeySpec spec, WrappingAlgorithm? algorithm, WrappingKeySpec? wrappingKeySpec)
        {
            var choice = ChooseWrapping(spec, algorithm, wrappingKeySpec);
            WrappingMatrix.EnsureAllowed(spec, choice.Algorithm, choice.WrappingKeySpec);
            return choice;
        }

        /// <summary>KMS's rules for the rotation fields of an import, checked locally. <paramref name="keySpec"/> null skips the spec rule.</summary>
        public static void ValidateOptions(ImportOptions options, KeySpec? keySpec, string keyId)
        {
            if (!options.HasRotationFields) return;
            if (keySpec.HasValue && !KeySpecRules.IsSymmetric(keySpec.Value))
                throw OptionsInvalid(keyId, $"-ImportType, -KeyMaterialId and -KeyMaterialDescription apply to SYMMETRIC_DEFAULT keys only; key '{keyId}' is {keySpec}. Leave them out: HMAC and asymmetric keys take one material forever.");
            if (options.ImportType != null && options.ImportType != ImportTypes.NewKeyMaterial && options.ImportType != ImportTypes.ExistingKeyMaterial)
                throw OptionsInvalid(keyId, "-ImportType is NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL.");
            if (options.KeyMaterialId != null)
            {
                if (options.ImportType == ImportTypes.NewKeyMaterial)
                    throw OptionsInvalid(keyId, "-KeyMaterialId names existing material; it cannot go with -ImportType NEW_KEY_MATERIAL. Leave one out.");
                if (!MaterialIdPattern.IsMatch(options.KeyMaterialId))
                    throw OptionsInvalid(keyId, "-KeyMaterialId is 64 lowercase hexadecimal characters, as Get-KmsKeyRotation shows it.");
            }
            if (options.KeyMaterialDescription != null && (options.KeyMaterialDescription.Length > 256 || !DescriptionPattern.IsMatch(options.KeyMaterialDescription)))
                throw OptionsInvalid(keyId, "-KeyMaterialDescription is at most 256 characters of letters, digits, spaces and : / _ . -");
        }

        private static KmsImportException OptionsInvalid(string keyId, string message) =>
            new KmsImportException(ErrorIds.ImportOptionsInvalid, ErrorKind.InvalidArgument, message) { TargetObject = keyId };

        /// <summary>Checks a new key's options; returns the normalised alias (alias/...) or null.</summary>
        public static string? ValidateExternalKeyOptions(ExternalKeyOptions options)
        {
            var usage = options.KeyUsage ?? KeySpecRules.DefaultUsage(options.KeySpec);
            if (!KeySpecRules.AllowedUsages(options.KeySpec).Contains(usage))
                throw new KmsImportException(ErrorIds.KeyUsageNotAllowed, ErrorKind.InvalidArgument,
                    $"KeyUsage {usage} is not allowed for {options.KeySpec}. Allowed: {string.Join(", ", KeySpecRules.AllowedUsages(options.KeySpec))}.")
                { TargetObject = usage };
            if (string.IsNullOrEmpty(options.Alias)) return null;
            var alias = options.Alias!.StartsWith("alias/", StringComparison.Ordinal) ? options.Alias : "alias/" + options.Alias;
            if (!AliasPattern.IsMatch(alias) || alias.StartsWith("alias/aws/", StringComparison.Ordinal))
                throw new KmsImportException(ErrorIds.AliasNameInvalid, ErrorKind.InvalidArgument,
                    $"'{options.Alias}' is not a valid alias name: use letters, digits, '/', '_' and '-' (at most 256 characters with 'alias/'), not beginning with 'alias/aws/'.")
                { TargetObject = options.Alias };
            return alias;
        }

        /// <summary>True for text shaped like an AWS Region name (eu-west-2, us-gov-west-1, cn-north-1).</summary>
        public static bool IsRegionName(string? region) => RegionPattern.IsMatch(region ?? "");

        /// <summary>Replica Regions: AWS Region names, none the primary's, none twice.</summary>
        public static void ValidateReplicaRegions(string primaryRegion, IEnumerable<string> replicaRegions)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var region in replicaRegions)
            {
                if (!RegionPattern.IsMatch(region ?? ""))
                    throw new KmsImportException(ErrorIds.ReplicaRegionInvalid, ErrorKind.InvalidArgument,
                        $"'{region}' is not an AWS Region name (for example eu-west-1).") { TargetObject = region };
                if (region == primaryRegion)
                    throw new KmsImportException(ErrorIds.ReplicaRegionInvalid, ErrorKind.InvalidArgument,
                        $"{region} is the primary key's Region; a replica must be in another Region.") { TargetObject = region };
                if (!seen.Add(region!))
                    throw new KmsImportException(ErrorIds.ReplicaRegionInvalid, ErrorKind.InvalidArgument,
                        $"{region} is named twice in -ReplicaRegion.") { TargetObject = region };
            }
        }

        /// <summary>
        /// The escrow choice of -Generate, for every cmdlet that generates: exactly one of -EscrowPath or
        /// -NoEscrow; with <paramref name="folderOnly"/> the path must be an existing folder (one file per key).
        /// <paramref name="resolvedEscrowPath"/> is the provider path of -EscrowPath, or null.
        /// </summary>
        public static void CheckEscrowChoice(string? resolvedEscrowPath, bool noEscrow, bool folderOnly)
        {
            if (resolvedEscrowPath == null && !noEscrow)
                throw new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.InvalidArgument,
                    folderOnly
                        ? "-Generate needs exactly one of -EscrowPath (a folder for one escrow file per key) or -NoEscrow."
                        : "-Generate needs -EscrowPath (a new file or a directory) so the generated material can be restored after it expires or is deleted. Pass -NoEscrow to state that you want no copy.")
                { TargetObject = "EscrowPath" };
            if (resolvedEscrowPath != null && noEscrow)
                throw new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.InvalidArgument,
                    "-EscrowPath and -NoEscrow contradict each other. Pass one of them.") { TargetObject = "NoEscrow" };
            if (folderOnly && resolvedEscrowPath != null && !Directory.Exists(resolvedEscrowPath))
                throw new KmsImportException(ErrorIds.EscrowPathRequired, ErrorKind.ObjectNotFound,
                    $"-EscrowPath '{resolvedEscrowPath}' is not an existing folder. Create it (owner-only access) and run again.") { TargetObject = resolvedEscrowPath };
        }

        /// <summary>A folder of material files (&lt;KeyId&gt;.bin) must exist.</summary>
        public static void CheckMaterialDirectory(string resolvedDirectory)
        {
            if (!Directory.Exists(resolvedDirectory))
                throw new KmsImportException(ErrorIds.MaterialDirectoryNotFound, ErrorKind.ObjectNotFound,
                    $"-MaterialDirectory '{resolvedDirectory}' is not an existing folder. Pass the folder that holds one <KeyId>.bin file per key (as -Generate -EscrowPath writes them).") { TargetObject = resolvedDirectory };
        }
    }
}
