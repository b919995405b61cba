// netstandard2.0 and net472 lack the marker type the C# compiler needs for `init` accessors
// and records; declaring it here is the documented way to use them on older frameworks.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
