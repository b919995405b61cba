using System;
using System.Collections.Concurrent;
using System.Reflection;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace KmsImport.Core.Kms
{
    /// <summary>
    /// Credentials handed in from the shell: AWS Tools' <c>AWSPSCredentials</c> ($StoredAWSCredentials),
    /// or an <c>AWSCredentials</c> of any copy of the AWS SDK (Get-AWSCredential, Use-STSRole's
    /// .Credentials, New-AWSCredential), which usually lives in another load context and may be another
    /// SDK major version (AWSSDK.Core 3.7 under AWS Tools 4). Such objects cannot be cast to our SDK's
    /// types; they are read by reflection, by member name.
    /// </summary>
    internal static class ForeignCredentials
    {
        private const string AwsCredentialsTypeName = "Amazon.Runtime.AWSCredentials";
        private const string AwsPsCredentialsTypeName = "Amazon.PowerShell.Common.AWSPSCredentials";

        /// <summary>
        /// Our SDK's credentials for <paramref name="candidate"/>, and a description for verbose output that
        /// never holds a secret (the kind of object, and for AWSPSCredentials its name and source).
        /// Returns false for anything that is neither an AWSCredentials nor an AWSPSCredentials.
        /// </summary>
        public static bool TryAdapt(object? candidate, out AWSCredentials? credentials, out string description)
        {
            credentials = null;
            description = "";
            if (candidate == null) return false;
            if (candidate is AWSCredentials ours)
            {
                credentials = ours;
                description = ours is AssumedRoleCredentials role ? role.Description
                    : ours is ResolvedCredentials resolved ? resolved.Description
                    : ours.GetType().Name;
                return true;
            }

            var type = candidate.GetType();
            if (type.FullName == AwsPsCredentialsTypeName)
            {
                // AWS Tools keeps everything non-public: Credentials, Name and Source (an internal enum).
                var inner = ReadNonPublic(candidate, "Credentials");
                if (inner == null || !IsAwsCredentials(inner.GetType())) return false;
                var name = ReadNonPublic(candidate, "Name") as string;
                var source = ReadNonPublic(candidate, "Source")?.ToString();
                credentials = new ForeignAWSCredentials(inner);
                description = $"AWSPSCredentials ({inner.GetType().Name}{(string.IsNullOrEmpty(source) ? "" : ", " + source)}{(string.IsNullOrEmpty(name) ? "" : $", '{name}'")})";
                return true;
            }

            if (IsAwsCredentials(type))
            {
                credentials = new ForeignAWSCredentials(candidate);
                description = type.Name;
                return true;
            }
            return false;
        }

        /// <summary>True when the type derives from an Amazon.Runtime.AWSCredentials of any SDK copy.</summary>
        internal static bool IsAwsCredentials(Type type)
        {
            for (var t = type; t != null; t = t.BaseType)
                if (t.FullName == AwsCredentialsTypeName) return true;
            return false;
        }

        private static object? ReadNonPublic(object target, string name)
        {
            for (var t = target.GetType(); t != null; t = t.BaseType)
            {
                var property = t.GetProperty(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly);
                if (property != null && property.GetIndexParameters().Length == 0) return property.GetValue(target);
            }
            return null;
        }
    }

    /// <summary>
    /// Our SDK's view of an AWSCredentials object of another SDK copy. It keeps the foreign object and asks
    /// it for its current keys every time a request is signed, never copying them once: assumed-role, SSO
    /// and instance credentials refresh themselves, and a long batch must go on past their expiry.
    /// </summary>
    internal sealed class ForeignAWSCredentials : AWSCredentials
    {
        private static readonly ConcurrentDictionary<Type, Accessors> Cache = new ConcurrentDictionary<Type, Accessors>();
        private readonly object _foreign;
        private readonly Accessors _accessors;

        public ForeignAWSCredentials(object foreign)
        {
            _foreign = foreign ?? throw new ArgumentNullException(nameof(foreign));
            _accessors = Cache.GetOrAdd(foreign.GetType(), t => new Accessors(t));
            if (_accessors.Get == null)
            {
                throw new KmsImportException(ErrorIds.CredentialNotSupported, ErrorKind.InvalidArgument,
                    $"The credentials object ({foreign.GetType().Name}) has no GetCredentials() method. Pass an AWSCredentials object (Get-AWSCredential, (Use-STSRole ...).Credentials) or use -ProfileName.");
            }
        }

        /// <summary>The foreign object, for tests.</summary>
        internal object Foreign => _foreign;

        public override ImmutableCredentials GetCredentials()
        {
            try
            {
                return Convert(_accessors.Get!.Invoke(_foreign, null));
            }
            catch (Exception ex) when (ex is not KmsImportException)
            {
                throw Unavailable(ex);
            }
        }

        public override async Task<ImmutableCredentials> GetCredentialsAsync()
        {
            if (_accessors.GetAsync == null) return GetCredentials();
            object? result;
            try
            {
                var task = (Task?)_accessors.GetAsync.Invoke(_foreign, null) ?? throw new InvalidOperationException("GetCredentialsAsync() returned no task");
                await task.ConfigureAwait(false);
                result = _accessors.TaskResult(task.GetType())?.GetValue(task);
            }
            catch (Exception ex) when (ex is not KmsImportException)
            {
                throw Unavailable(ex);
            }
            return Convert(result);
        }

        private ImmutableCredentials Convert(object? immutable)
        {
            if (immutable == null) throw Unavailable(null);
            var type = immutable.GetType();
            string? Read(string name) => type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(immutable) as string;
            var access = Read("AccessKey");
            var secret = Read("SecretKey");
            if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret)) throw Unavailable(null);
            return new ImmutableCredentials(access, secret, Read("Token"));
        }

        /// <summary>The message names the object's type only: its keys must never reach a message.</summary>
        private KmsImportException Unavailable(Exception? inner)
        {
            if (inner is TargetInvocationException tie && tie.InnerException != null) inner = tie.InnerException;
            return new KmsImportException(ErrorIds.CredentialsUnavailable, ErrorKind.AuthenticationError,
                $"The credentials object ({_foreign.GetType().Name}) gave no keys{(inner == null ? "" : $" ({inner.GetType().Name})")}. Renew them (Set-AWSCredential, Use-STSRole, aws sso login) and run the command again.",
                inner);
        }

        public override string ToString() => "ForeignAWSCredentials(" + _foreign.GetType().Name + ")";

        /// <summary>The foreign type's members, found once per type by name.</summary>
        private sealed class Accessors
        {
            private readonly ConcurrentDictionary<Type, PropertyInfo?> _results = new ConcurrentDictionary<Type, PropertyInfo?>();

            public Accessors(Type type)
            {
                Get = type.GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, null, Type.EmptyTypes, null);
                var async = type.GetMethod("GetCredentialsAsync", BindingFlags.Public | BindingFlags.Instance, null, Type.EmptyTypes, null);
                GetAsync = async != null && typeof(Task).IsAssignableFrom(async.ReturnType) ? async : null;
            }

            public MethodInfo? Get { get; }
            public MethodInfo? GetAsync { get; }

            public PropertyInfo? TaskResult(Type taskType) =>
                _results.GetOrAdd(taskType, t => t.GetProperty("Result", BindingFlags.Public | BindingFlags.Instance));
        }
    }
}
