using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using KmsImport.Core.Kms;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>Creates a KMS key without key material (Origin EXTERNAL), ready for an import.</summary>
    [Cmdlet(VerbsCommon.New, "KmsExternalKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsExternalKey))]
    public sealed class NewKmsExternalKeyCommand : KmsCmdletBase
    {
        [Parameter(Position = 0)]
        public KeySpec KeySpec { get; set; } = KeySpec.SYMMETRIC_DEFAULT;

        /// <summary>Defaults to the spec's usual usage (ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC or SIGN_VERIFY).</summary>
        [Parameter]
        public KeyUsage? KeyUsage { get; set; }

        [Parameter]
        [ValidateLength(0, 8192)]
        public string? Description { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Alias { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Hashtable? Tag { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        public SwitchParameter MultiRegion { get; set; }

        /// <summary>
        /// Regions to replicate a multi-Region key into (implies -MultiRegion). The primary is
        /// emitted first, then each replica, so the rest of the pipeline imports the same material
        /// into every Region, each with its own import parameters.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.RegionCompleter))]
        public string[]? ReplicaRegion { get; set; }

        /// <summary>How long to wait for each replica to leave the Creating state.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ReplicaTimeoutSeconds { get; set; } = 300;

        protected override void ProcessRecord()
        {
            var options = new ExternalKeyOptions
            {
                KeySpec = KeySpec,
                KeyUsage = KeyUsage,
                Description = Description,
                Alias = Alias,
                Tags = ToTags(Tag),
                Policy = Policy,
                MultiRegion = MultiRegion.IsPresent || ReplicaRegion != null,
            };
            try
            {
                // Local checks first, so -WhatIf and bad input never reach AWS.
                var alias = KmsImportService.ValidateExternalKeyOptions(options);
                var service = GetService();
                if (ReplicaRegion != null) KmsImportService.ValidateReplicaRegions(service.Region, ReplicaRegion);
                var what = $"Create {(options.MultiRegion ? "multi-Region " : "")}EXTERNAL {KeySpec} key ({options.KeyUsage ?? Core.Crypto.KeySpecRules.DefaultUsage(KeySpec)}){(Alias == null ? "" : " with alias " + Alias)}"
                    + (ReplicaRegion == null ? "" : $" and replicas in {string.Join(", ", ReplicaRegion)}");
                if (!ShouldProcess($"KMS in {service.Region}", what)) return;
                var primary = service.CreateExternalKey(options);
                if (alias != null)
                {
                    // The key exists whatever happens to the alias: emit it either way, so it is never orphaned unseen.
                    try
                    {
                        service.CreateAlias(primary.KeyId, alias);
                        primary.Alias = alias;
                    }
                    catch (KmsImportException ex)
                    {
                        WriteRecordError(new KmsImportException(ex.ErrorId, ex.Kind,
                            $"Key {primary.KeyId} was created, but the alias was not: {ex.Message} The key is emitted without the alias; add one with aws kms create-alias, or remove the key if it is not wanted: Remove-KmsExternalKey -KeyId '{primary.KeyId}' -Region '{service.Region}'{(service.EndpointUrl == null ? "" : " -EndpointUrl '" + service.EndpointUrl + "'")}", ex)
                        { TargetObject = primary.KeyId });
                    }
                }
                WriteObject(primary);
                foreach (var region in ReplicaRegion ?? new string[0])
                {
                    // One replica's failure does not hide the others: each is its own record.
                    try
                    {
                        WriteVerbose($"Replicating {primary.KeyId} into {region}.");
                        var replica = service.ReplicateKey(primary, region);
                        var described = GetService(region).WaitWhileCreating(replica.KeyId, TimeSpan.FromSeconds(ReplicaTimeoutSeconds));
                        replica.KeyState = described.KeyState;
                        WriteObject(replica);
                    }
                    catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.KeyInvalidState)
                    {
                        // KMS replicates a primary only once it holds material. In a pipeline the
                        // primary emitted above has already been imported downstream by now.
                        WriteRecordError(new KmsImportException(ErrorIds.ReplicaNeedsPrimaryMaterial, ErrorKind.InvalidOperation,
                            $"KMS did not replicate {primary.KeyId} into {region}: the primary holds no key material yet. Create the replicas in the import pipeline, so the primary is imported before they are made: New-KmsExternalKey -MultiRegion -ReplicaRegion ... | Get-KmsImportParameters | Protect-KeyMaterial -Path <material> | Import-KmsKeyMaterial",
                            ex) { TargetObject = region });
                    }
                    catch (KmsImportException ex)
                    {
                        WriteRecordError(ex, ex.TargetObject ?? region);
                    }
                }
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, ex.TargetObject ?? KeySpec);
            }
        }

        private Dictionary<string, string>? ToTags(Hashtable? table)
        {
            if (table == null) return null;
            var tags = new Dictionary<string, string>();
            foreach (DictionaryEntry entry in table)
            {
                var key = LanguagePrimitives.ConvertTo<string>(entry.Key);
                if (string.IsNullOrEmpty(key) || entry.Value == null)
                    ThrowError(new KmsImportException(ErrorIds.TagInvalid, ErrorKind.InvalidArgument,
                        "Every -Tag entry needs a non-empty key and a value, e.g. -Tag @{ Owner = 'ops' }.") { TargetObject = "Tag" });
                tags[key] = LanguagePrimitives.ConvertTo<string>(entry.Value);
            }
            return tags;
        }
    }
}
