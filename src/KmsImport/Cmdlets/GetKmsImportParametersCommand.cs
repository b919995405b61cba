using System.Management.Automation;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>Downloads a wrapping public key and import token (valid 24 hours) for a key.</summary>
    [Cmdlet(VerbsCommon.Get, "KmsImportParameters")]
    [OutputType(typeof(KmsImportParameters))]
    public sealed class GetKmsImportParametersCommand : KmsCmdletBase
    {
        /// <summary>Key id, key ARN, alias name or alias ARN.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn")]
        public string KeyId { get; set; } = "";

        /// <summary>Defaults to the recommended algorithm for the key's spec.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public WrappingAlgorithm? WrappingAlgorithm { get; set; }

        /// <summary>Defaults to the recommended wrapping key for the key's spec (RSA_4096).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public WrappingKeySpec? WrappingKeySpec { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var service = GetService();
                var parameters = service.GetParametersForImport(KeyId, WrappingAlgorithm, WrappingKeySpec);
                WriteVerbose($"Import parameters for {parameters.KeyId}: {parameters.WrappingAlgorithm} with {parameters.WrappingKeySpec}, valid to {parameters.ParametersValidTo:u}.");
                WriteObject(parameters);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, ex.TargetObject ?? KeyId);
            }
        }
    }
}
