using System.Management.Automation;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>Lists a key's materials and rotations (ListKeyRotations with every key material).</summary>
    [Cmdlet(VerbsCommon.Get, "KmsKeyRotation")]
    [OutputType(typeof(KmsKeyMaterialInfo))]
    public sealed class GetKmsKeyRotationCommand : KmsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        protected override void ProcessRecord()
        {
            try
            {
                var service = GetService();
                WriteObject(service.ListKeyRotations(service.ResolveKeyId(KeyId)), enumerateCollection: true);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, KeyId);
            }
        }
    }
}
