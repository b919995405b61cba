using System;
using System.Management.Automation;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// Refuses strings for byte[] parameters. PowerShell would otherwise turn "12" into one byte 12,
    /// and a user who meant base64 or hex would import the wrong material (or fail obscurely).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class StrictBytesAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is string)
                throw new ArgumentTransformationMetadataException(
                    "This parameter takes bytes, not a string. Decode first: [Convert]::FromBase64String($text) for base64, or read a file with -Path.");
            return inputData;
        }
    }
}
