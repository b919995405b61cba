using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>Step 3 and 5 of the workflow for escrow to certificates (CMS) and key components.</summary>
    public sealed partial class ImportWorkflow
    {
        /// <summary>
        /// Writes generated material as CMS escrow: one &lt;KeyId&gt;.cms to every recipient, or -ComponentCount components,
        /// component i to recipient i, with the manifest &lt;KeyId&gt;.components.json (written last: it says the set is complete).
        /// Every file is new and owner-only; on a failure the files this call wrote are removed.
        /// </summary>
        private static string CommitCmsEscrow(ObtainedMaterial material, string keyId)
        {
            var escrow = material.EscrowPath!;
            if (material.ComponentCount == 0)
            {
                var plain = material.Material.ExportForImport();
                byte[] cms;
                try
                {
                    cms = CmsEscrow.Encrypt(plain, material.Recipients);
                }
                finally
                {
                    Array.Clear(plain, 0, plain.Length);
                }
                try
                {
                    SecretFile.CreateNew(escrow, cms);
                }
                catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.SecretFileExists)
                {
                    throw EscrowExists(escrow, keyId, ex);
                }
                material.EscrowPending = false;
                return escrow;
            }

            var folder = Path.GetDirectoryName(escrow)!;
            int count = material.ComponentCount;
            var paths = Enumerable.Range(1, count).Select(i => ComponentManifest.ComponentPath(folder, keyId, i, count)).ToList();
            foreach (var p in paths.Concat(new[] { escrow }))
                if (File.Exists(p) || Directory.Exists(p) || UntrustedFile.IsLink(p)) throw ComponentsExist(p, keyId);

            var written = new List<string>();
            using var set = KeyComponents.Split(material.Material, count);
            try
            {
                for (int i = 0; i < count; i++)
                {
                    SecretFile.CreateNew(paths[i], set.EncryptComponent(i, material.Recipients[i]));
                    written.Add(paths[i]);
                }
                var manifest = new ComponentManifest
                {
                    KeyId = keyId,
                    KeySpec = KmsNames.Name(material.Material.KeySpec),
                    Fingerprint = material.Material.Fingerprint,
                    FingerprintAlgorithm = material.Material.FingerprintAlgorithm,
                    Length = material.Material.Length,
                    CheckValueAlgorithm = set.CheckValueAlgorithm,
                    CheckValues = set.CheckValues.ToList(),
                    Files = paths.Select(Path.GetFileName).ToList()!,
                    RecipientThumbprints = material.Recipients.Select(r => r.Thumbprint).ToList(),
                };
                SecretFile.CreateNew(escrow, manifest.ToJson());
            }
            catch (Exception)
            {
                foreach (var p in written)
                {
                    try { File.Delete(p); } catch (Exception) { /* best effort: the original failure is reported */ }
                }
                throw;
            }
            material.ComponentCheckValues = set.CheckValues.ToList();
            material.ComponentCheckValueAlgorithm = set.CheckValueAlgorithm;
            material.ComponentPaths = paths;
            material.EscrowPending = false;
            return escrow;
        }

        /// <summary>
        /// Combines a key's components (read once per command, kept pinned in the plan): each component's check value is
        /// compared with its position in the manifest (when there is one), before the next host component is asked for;
        /// the combined material's fingerprint with the manifest's.
        /// </summary>
        private static ObtainedMaterial ObtainComponents(MaterialPlan plan, KeySpec spec, string keyId)
        {
            var manifestPath = plan.ComponentManifestPath
                ?? (plan.ComponentPaths.Count > 0 ? ComponentManifest.PathFor(Path.GetDirectoryName(plan.ComponentPaths[0])!, keyId) : null);
            var manifest = manifestPath != null && (plan.ComponentManifestPath != null || File.Exists(manifestPath) || UntrustedFile.IsLink(manifestPath))
                ? ComponentManifest.Read(manifestPath) : null;
            if (manifest != null)
            {
                if (manifest.KeyId != keyId && KeyFileNames.ForKeyId(manifest.KeyId) != KeyFileNames.ForKeyId(keyId))
                    throw ComponentManifest.Invalid(manifestPath!, $"is for key '{manifest.KeyId}', not '{keyId}'");
                if (!string.IsNullOrEmpty(manifest.KeySpec) && manifest.KeySpec != KmsNames.Name(spec))
                    throw ComponentManifest.Invalid(manifestPath!, $"records {KeyFileNames.Printable(manifest.KeySpec)} material, but the key is {spec}");
            }

            if (plan.Components == null) ReadComponents(plan, manifest);
            var components = plan.Components!;
            if (manifest != null && components.Count != manifest.CheckValues.Count)
                throw new KmsImportException(ErrorIds.ComponentCountMismatch, ErrorKind.InvalidArgument,
                    $"{components.Count} component(s) were given, but the manifest '{manifestPath}' records {manifest.CheckValues.Count}. Pass every component of the key.")
                { TargetObject = keyId };
            var checkValues = new string[components.Count];
            for (int i = 0; i < components.Count; i++)
            {
                checkValues[plan.ComponentIndexes[i] - 1] = KeyComponents.CheckValue(components[i]);
                if (manifest != null) CheckAgainstManifest(manifest, manifestPath!, plan.ComponentIndexes[i], components[i]);
            }

            var material = KeyComponents.Combine(spec, components);
            if (manifest != null && !string.Equals(material.Fingerprint, manifest.Fingerprint, StringComparison.OrdinalIgnoreCase))
            {
                var actual = material.Fingerprint;
                material.Dispose();
                throw new KmsImportException(ErrorIds.ComponentFingerprintMismatch, ErrorKind.SecurityError,
                    $"The combined components give material with {manifest.FingerprintAlgorithm} {actual}, not the {manifest.Fingerprint} recorded in '{manifestPath}'. "
                    + "Nothing was wrapped. Check that every custodian gave this key's component.")
                { TargetObject = keyId };
            }
            return new ObtainedMaterial(material, null, false)
            {
                ComponentCheckValues = checkValues,
                ComponentCheckValueAlgorithm = KeyComponents.CheckValueAlgorithm(components[0].Length),
                ComponentPaths = plan.ComponentPaths.Count > 0 ? plan.ComponentPaths : null,
            };
        }

        private static void ReadComponents(MaterialPlan plan, ComponentManifest? manifest)
        {
            if (plan.ReadComponent != null)
            {
                for (int i = 1; i <= plan.HostComponentCount; i++)
                {
                    var hex = plan.ReadComponent(i, plan.HostComponentCount);
                    byte[] component;
                    try
                    {
                        component = KeyComponents.FromHex(hex, i);
                    }
                    finally
                    {
                        Array.Clear(hex, 0, hex.Length);
                    }
                    try
                    {
                        // Confirmed (or refused) before the next custodian types theirs.
                        if (manifest != null) CheckAgainstManifest(manifest, plan.ComponentManifestPath!, i, component);
                        if (manifest != null && component.Length != manifest.Length) throw LengthMismatch(i, component.Length, manifest.Length);
                    }
                    catch
                    {
                        Array.Clear(component, 0, component.Length);
                        plan.Dispose();
                        throw;
                    }
                    plan.KeepComponent(component, i);
                    plan.ComponentAccepted?.Invoke(i, KeyComponents.CheckValue(component), KeyComponents.CheckValueAlgorithm(component.Length));
                }
                return;
            }
            var seen = new HashSet<int>();
            var count = plan.ComponentPaths.Count;
            for (int position = 1; position <= count; position++)
            {
                var path = plan.ComponentPaths[position - 1];
                // The file name says which component it is; a raw file is taken at its position in the list.
                var index = ComponentManifest.IndexFromName(path) ?? position;
                if (index > count || !seen.Add(index))
                {
                    plan.Dispose();
                    throw new KmsImportException(ErrorIds.ComponentCountMismatch, ErrorKind.InvalidArgument,
                        $"The component file '{path}' is component {index}, but {(index > count ? $"only {count} component(s) were given" : "that component was given already")}. "
                        + "Pass each component of the key exactly once.")
                    { TargetObject = path };
                }
                byte[] component;
                try
                {
                    component = ComponentFile.Read(path, plan.EscrowKeys);
                }
                catch
                {
                    plan.Dispose();
                    throw;
                }
                plan.KeepComponent(component, index);
            }
        }

        private static void CheckAgainstManifest(ComponentManifest manifest, string manifestPath, int index, byte[] component)
        {
            if (index > manifest.CheckValues.Count)
                throw new KmsImportException(ErrorIds.ComponentCountMismatch, ErrorKind.InvalidArgument,
                    $"Component {index} was given, but '{manifestPath}' records {manifest.CheckValues.Count} components. Pass this key's components only.")
                { TargetObject = index };
            var actual = KeyComponents.CheckValue(component);
            if (!string.Equals(actual, manifest.CheckValues[index - 1], StringComparison.OrdinalIgnoreCase))
                throw new KmsImportException(ErrorIds.ComponentCheckValueMismatch, ErrorKind.SecurityError,
                    $"Component {index} has check value {actual} ({KeyComponents.CheckValueAlgorithm(component.Length)}), but '{manifestPath}' records "
                    + $"{manifest.CheckValues[index - 1]} for component {index}. It is a wrong component or one given out of order; nothing was combined.")
                { TargetObject = index };
        }

        private static KmsImportException LengthMismatch(int index, int length, int expected) =>
            new KmsImportException(ErrorIds.ComponentLengthMismatch, ErrorKind.InvalidData,
                $"Component {index} is {length} bytes, but this key's components are {expected} bytes. Check that it was typed completely.")
            { TargetObject = index };

        private static KmsImportException ComponentsExist(string path, string keyId) =>
            new KmsImportException(ErrorIds.SecretFileExists, ErrorKind.ResourceExists,
                $"'{path}' already exists; component and escrow files are never overwritten and no new material was generated for '{keyId}'. "
                + "If the components are this key's from an earlier run, combine them: Protect-KeyMaterial -ComponentPath <component files>. Otherwise choose another -EscrowPath.")
            { TargetObject = path };

        private static KmsImportException ReplicaComponents(KmsKeyDescription key) =>
            new KmsImportException(ErrorIds.ReplicaNeedsPrimaryMaterial, ErrorKind.InvalidOperation,
                $"Key '{key.KeyId}' in {key.Region} is a multi-Region replica: it takes exactly its primary's material, which is held in components. "
                + "Combine them for it: Protect-KeyMaterial -ComponentPath <the primary's component files>.")
            { TargetObject = key.KeyId };
    }
}
