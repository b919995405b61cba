using System.Management.Automation;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Rotates a symmetric key with imported material on demand (RotateKeyOnDemand): the material
    /// imported with -ImportType NEW_KEY_MATERIAL becomes current. For a multi-Region key, import the
    /// same bytes into every replica (EXISTING_KEY_MATERIAL) first, then rotate the primary.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "KmsKeyRotation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(KmsKeyMaterialInfo))]
    public sealed class InvokeKmsKeyRotationCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        /// <summary>Return the key's materials after the rotation.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var service = GetService();
                if (!ShouldProcess($"{KeyId} in {service.Region}", "Rotate on demand: the pending imported material becomes current")) return;
                var keyId = service.ResolveKeyId(KeyId);
                service.RotateKeyOnDemand(keyId);
                if (PassThru) WriteObject(service.ListKeyRotations(keyId), enumerateCollection: true);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, KeyId);
            }
        }
    }
}
