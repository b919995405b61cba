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
        /// emitted first, then one object per replica (ReplicationPending, PrimaryRegion): KMS
        /// replicates a primary only once it holds material, so Get-KmsImportParameters or
        /// Invoke-KmsKeyImport creates each replica after the primary's import and imports the same
        /// material into it, with its own import parameters.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.RegionCompleter))]
        public string[]? ReplicaRegion { get; set; }

        /// <summary>
        /// Append one evidence line per step to this file (created owner-only when missing; verify it with
        /// Test-KmsCeremonyEvidence). Wins over $KmsImportEvidencePath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        protected override void BeginProcessing() => OpenEvidence(EvidencePath);

        protected override void ProcessRecord()
        {
            KmsImportService? service = null;
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
                service = GetService();
                var alias = Workflow.CheckNewKey(service, options, ReplicaRegion);
                var what = $"Create {(options.MultiRegion ? "multi-Region " : "")}EXTERNAL {KeySpec} key ({options.KeyUsage ?? Core.Crypto.KeySpecRules.DefaultUsage(KeySpec)}){(alias == null ? "" : " with alias " + alias)}"
                    + (ReplicaRegion == null ? "" : $", to be replicated into {string.Join(", ", ReplicaRegion)} after its import");
                if (!ShouldProcess($"KMS in {service.Region}", what)) return;
                var created = Workflow.CreateKey(service, options);
                // The key exists whatever happened to the alias: emit it either way, so it is never orphaned unseen.
                if (created.AliasFailure != null) WriteRecordError(created.AliasFailure);
                if (RecordsEvidence)
                {
                    var step = EvidenceStep(service, created.Key.Arn.Length > 0 ? created.Key.Arn : created.Key.KeyId);
                    step.KeyId = created.Key.KeyId;
                    step.KeySpec = created.Key.KeySpec;
                    step.KeyState = created.Key.KeyState;
                    step.Status = created.AliasFailure == null ? "Created" : "CreatedWithoutAlias";
                    step.ErrorId = created.AliasFailure?.ErrorId;
                    RecordEvidence(step);
                }
                WriteObject(created.Key);
                foreach (var region in ReplicaRegion ?? new string[0])
                    WriteObject(Workflow.AnnounceReplica(created.Key, region));
            }
            catch (KmsImportException ex)
            {
                RecordFailure(ex, null, service);
                WriteRecordError(ex, KeySpec);
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
