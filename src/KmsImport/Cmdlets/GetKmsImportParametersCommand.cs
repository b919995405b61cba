using System.Management.Automation;
using KmsImport.Core.Import;
using KmsImport.Completion;
using KmsImport.Infrastructure;

namespace KmsImport.Cmdlets
{
    /// <summary>
    /// Downloads a wrapping public key and import token (valid 24 hours) for a key, or, with
    /// -Path, reads a set written earlier (offline key ceremonies: no credentials, no network).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "KmsImportParameters", DefaultParameterSetName = OnlineSet)]
    [OutputType(typeof(KmsImportParameters))]
    public sealed class GetKmsImportParametersCommand : KmsCmdletBase
    {
        private const string OnlineSet = "Online";
        private const string FromPathSet = "FromPath";

        /// <summary>Key id, key ARN, alias name or alias ARN.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = OnlineSet)]
        [Parameter(ParameterSetName = FromPathSet)]
        [ValidateNotNullOrEmpty]
        [Alias("KeyArn", "Arn", "TargetKeyId")]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string? KeyId { get; set; }

        /// <summary>Defaults to the recommended algorithm for the key's spec. A KMS name (text, so objects from elsewhere bind).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(KmsNameCompleter<KmsImport.WrappingAlgorithm>))]
        public string? WrappingAlgorithm { get; set; }

        /// <summary>Defaults to the recommended wrapping key for the key's spec (RSA_4096).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        [KmsName]
        [ArgumentCompleter(typeof(KmsNameCompleter<KmsImport.WrappingKeySpec>))]
        public string? WrappingKeySpec { get; set; }

        /// <summary>Also write the parameters to &lt;OutDirectory&gt;/&lt;KeyId&gt;/ (PublicKey.bin, ImportToken.bin, ImportParameters.json).</summary>
        [Parameter(ParameterSetName = OnlineSet)]
        [ValidateNotNullOrEmpty]
        public string? OutDirectory { get; set; }

        /// <summary>
        /// Read parameters from files instead of KMS: a folder written by -OutDirectory, its
        /// ImportParameters.json, the JSON `aws kms get-parameters-for-import` prints, or a folder
        /// with PublicKey.bin and ImportToken.bin (then give -KeyId, -KeySpec and -WrappingAlgorithm).
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = FromPathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>With -Path: the key spec, where the files do not record it.</summary>
        [Parameter(ParameterSetName = FromPathSet)]
        public KeySpec? KeySpec { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var algorithm = KmsNames.ParseOptional<KmsImport.WrappingAlgorithm>(WrappingAlgorithm, ErrorIds.WrappingNotAllowed, KeyId);
                var wrappingKeySpec = KmsNames.ParseOptional<KmsImport.WrappingKeySpec>(WrappingKeySpec, ErrorIds.WrappingNotAllowed, KeyId);
                if (ParameterSetName == FromPathSet)
                {
                    var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
                    WriteObject(ImportBundle.ReadParameters(resolved, new BundleOverrides
                    {
                        KeyId = KeyId,
                        KeySpec = KeySpec,
                        WrappingAlgorithm = algorithm,
                        WrappingKeySpec = wrappingKeySpec,
                        Region = Region,
                    }));
                    return;
                }

                var service = GetService();
                var parameters = service.GetParametersForImport(KeyId!, algorithm, wrappingKeySpec);
                WriteVerbose($"Import parameters for {parameters.KeyId}: {parameters.WrappingAlgorithm} with {parameters.WrappingKeySpec}, valid to {parameters.ParametersValidTo:u}.");
                if (OutDirectory != null)
                {
                    var folder = ImportBundle.WriteParameters(SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutDirectory), parameters);
                    WriteVerbose($"Wrote the parameters to {folder}.");
                }
                WriteObject(parameters);
            }
            catch (KmsImportException ex)
            {
                WriteRecordError(ex, ex.TargetObject ?? (object?)KeyId ?? Path);
            }
        }
    }
}
