using System;
using System.Management.Automation;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// For parameters that take a KMS value (key spec, algorithm ...) by property name from objects
    /// made elsewhere: AWS Tools' KeyMetadata carries them as the SDK's ConstantClass objects (a
    /// Value property; ToString gives the name). Those become their name, recognised by the class
    /// name through reflection: the module never references an SDK type, and another SDK copy's
    /// ConstantClass is not ours anyway. Everything else passes as it is; the cmdlet checks the
    /// text with <see cref="KmsNames"/>, so an unknown value is the module's ErrorId for that
    /// record, not a binding error.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class KmsNameAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            return value != null && IsConstantClass(value.GetType()) ? NameOf(value) : inputData;
        }

        internal static bool IsConstantClass(Type type)
        {
            for (var t = type; t != null && t != typeof(object); t = t.BaseType)
                if (t.Name == "ConstantClass") return true;
            return false;
        }

        private static string? NameOf(object constant)
        {
            try
            {
                return constant.GetType().GetProperty("Value", typeof(string))?.GetValue(constant) as string ?? constant.ToString();
            }
            catch (Exception)
            {
                return constant.ToString();
            }
        }
    }
}
