using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace KmsImport.Infrastructure
{
    /// <summary>
    /// Loads the module's private assemblies (KmsImport.Core, the AWS SDK and BouncyCastle) from the
    /// dependencies/ folder so they cannot clash with AWS Tools for PowerShell or AWSPowerShell in the
    /// same session. On PowerShell 7 they go into a module-private AssemblyLoadContext (created by
    /// reflection: this assembly targets netstandard2.0); on Windows PowerShell 5.1 they are loaded
    /// with Assembly.LoadFrom from a resolve handler. KmsImport.Model (the types scripts name) sits at
    /// the module root and is loaded into the default context by the manifest's RequiredAssemblies;
    /// Core binds to that one copy, so its objects are of the types scripts see.
    /// Pattern from PowerShell/PSResourceGet's ModuleInitAndCleanup.cs: the initializer lives in the
    /// cmdlet assembly itself. That works because PowerShell's cmdlet discovery (before OnImport)
    /// only loads the cmdlet types and their attributes: base classes, parameter and output types are
    /// this assembly's, Model's or PowerShell's, and KmsImport.Core appears only in method bodies and
    /// fields, which are resolved when a command first runs. That first resolve is also when the
    /// private context is made and filled: Import-Module itself loads nothing from dependencies/.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".";
        private static readonly string DependencyFolder = Path.Combine(ModuleFolder, "dependencies");
        private const string CoreAssemblyName = "KmsImport.Core";
        private const string ModelAssemblyName = "KmsImport.Model";
        private static PrivateLoadContext? s_context;
        private static Dictionary<string, string>? s_privateAssemblies;

        public void OnImport()
        {
            // Nothing is loaded here: the private context and its assemblies are made on the first
            // resolve of one of them, i.e. when a cmdlet first runs code that needs KmsImport.Core.
            // Import-Module pays only for hooking the handler (issue 17: KmsImport's own share of
            // Import-Module; the preload used to take most of it).
            // The handler is hooked on every import: OnRemove unhooks it, and Import-Module after
            // Remove-Module (or Import-Module -Force) must hook it again, or KmsImport.dll can no
            // longer find KmsImport.Core.
            lock (Gate)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
            }
        }

        /// <summary>
        /// The private assemblies and (on .NET) the private context, made once per process on the
        /// first resolve that needs them. Everything is preloaded into the context at that moment,
        /// before any of it runs, so the isolation is the same as a preload at import.
        /// </summary>
        private static Dictionary<string, string> EnsurePrivateAssemblies()
        {
            lock (Gate)
            {
                if (s_privateAssemblies == null)
                {
                    var paths = Directory.Exists(DependencyFolder)
                        ? Directory.EnumerateFiles(DependencyFolder, "*.dll")
                            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => f, StringComparer.OrdinalIgnoreCase)
                        : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    s_context = PrivateLoadContext.TryCreate("KmsImport.Private", paths);
                    s_privateAssemblies = paths;
                }
                return s_privateAssemblies;
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
        }

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            // Core asks for Model: always the default-context copy at the module root (LoadFrom of a
            // path already loaded returns that assembly), never a second one: objects made by Core
            // must be of the types scripts name.
            if (string.Equals(name, ModelAssemblyName, StringComparison.OrdinalIgnoreCase))
            {
                var model = Path.Combine(ModuleFolder, ModelAssemblyName + ".dll");
                return File.Exists(model) ? Assembly.LoadFrom(model) : null;
            }
            // Names that are not in dependencies/ are none of our business: answered without making the
            // context (other modules' resolves must neither pay for nor trigger our loading).
            if (string.IsNullOrEmpty(name) || name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ||
                !File.Exists(Path.Combine(DependencyFolder, name + ".dll"))) return null;
            // KmsImport.Core is always ours to give. Other names only to our own assemblies: a copy of
            // AWSSDK.Core that AWS Tools failed to find is not ours to hand out. (On .NET Framework
            // the requester may be unknown.)
            if (!string.Equals(name, CoreAssemblyName, StringComparison.OrdinalIgnoreCase) &&
                args.RequestingAssembly != null && !IsOurs(args.RequestingAssembly)) return null;
            if (!EnsurePrivateAssemblies().TryGetValue(name!, out var path)) return null;
            return s_context != null ? s_context.Load(name!) : Assembly.LoadFrom(path);
        }

        /// <summary>
        /// An assembly is ours when it was loaded from the module folder or dependencies/. Never by
        /// name: AWS Tools ships an AWSSDK.KeyManagementService.dll too, and handing it our
        /// AWSSDK.Core 4.0.0.0 when it asks for 3.3.0.0 breaks it ("Could not load type ...
        /// from assembly 'AWSSDK.Core, Version=4.0.0.0'"). Never throws: a resolve handler that
        /// throws breaks loads that are none of our business (dynamic assemblies have no
        /// Location; on .NET Framework asking for it throws).
        /// </summary>
        private static bool IsOurs(Assembly requester)
        {
            if (requester == typeof(ModuleInitializer).Assembly) return true;
            if (requester.IsDynamic) return false;
            try
            {
                var folder = Path.GetDirectoryName(requester.Location);
                return !string.IsNullOrEmpty(folder) &&
                    (string.Equals(folder, ModuleFolder, StringComparison.OrdinalIgnoreCase) ||
                     string.Equals(folder, DependencyFolder, StringComparison.OrdinalIgnoreCase));
            }
            catch (Exception)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// A module-private AssemblyLoadContext driven by reflection. Every private assembly is loaded
    /// into it up front, so references between them bind inside the context before the default
    /// context (where another copy of AWSSDK.Core may already sit) is ever asked.
    /// The preloading is what makes a plain (not subclassed) context enough: it answers a reference
    /// from what it already holds, and only then falls back to the default context. Checked by
    /// tests/Pester/Isolation.Tests.ps1; with AWSSDK.Core left out of the preload, an AWSSDK.Core
    /// 4.0.0.0 of another build loaded first wins, and New-KmsExternalKey fails with "Virtual static
    /// method 'CreateDefaultClientConfig' is not implemented".
    /// </summary>
    internal sealed class PrivateLoadContext
    {
        private readonly object _context;
        private readonly MethodInfo _loadFromPath;
        private readonly Dictionary<string, string> _paths;
        private readonly Dictionary<string, Assembly> _loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);

        private PrivateLoadContext(object context, MethodInfo loadFromPath, Dictionary<string, string> paths)
        {
            _context = context;
            _loadFromPath = loadFromPath;
            _paths = paths;
        }

        public static PrivateLoadContext? TryCreate(string name, Dictionary<string, string> paths)
        {
            var alcType = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext");
            if (alcType == null) return null; // .NET Framework
            var ctor = alcType.GetConstructor(new[] { typeof(string), typeof(bool) });
            var load = alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
            if (ctor == null || load == null) return null;
            var context = new PrivateLoadContext(ctor.Invoke(new object[] { name, false }), load, paths);
            context.Preload();
            return context;
        }

        /// <summary>Loads every private assembly the default context does not already provide.</summary>
        private void Preload()
        {
            var platform = new HashSet<string>(
                (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator).Select(Path.GetFileNameWithoutExtension),
                StringComparer.OrdinalIgnoreCase);
            foreach (var entry in _paths)
            {
                if (platform.Contains(entry.Key)) continue; // e.g. System.Text.Json: the runtime's newer copy serves
                _loaded[entry.Key] = (Assembly)_loadFromPath.Invoke(_context, new object[] { entry.Value })!;
            }
        }

        public Assembly? Load(string name)
        {
            lock (_loaded)
            {
                if (_loaded.TryGetValue(name, out var assembly)) return assembly;
                if (!_paths.TryGetValue(name, out var path)) return null;
                assembly = (Assembly)_loadFromPath.Invoke(_context, new object[] { path })!;
                _loaded[name] = assembly;
                return assembly;
            }
        }
    }
}
