using System;
using System.IO;
using KmsImport.Core.Crypto;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>Step 3 of the workflow: material, and the one place generated material is escrowed.</summary>
    public sealed partial class ImportWorkflow
    {
        /// <summary>
        /// Reads or generates the material for one key. Generated material comes back with its
        /// escrow copy still to be written (<see cref="CommitEscrow"/>, called by <see cref="Wrap"/>
        /// once every local check has passed). Returns null only for a key that already holds
        /// material when the plan is to generate (nothing to import).
        /// A replica takes its primary's material: with -Generate it reads the primary's escrow file.
        /// </summary>
        public ObtainedMaterial? ObtainMaterial(MaterialPlan plan, KeySpec spec, KmsKeyDescription key, bool keyHoldsMaterial)
        {
            switch (plan.Origin)
            {
                case MaterialOrigin.File:
                    plan.CheckLocally();
                    return new ObtainedMaterial(Forced(plan, key.KeyId, allow => KeyMaterial.FromFile(spec, plan.File!, plan.Password, allow, plan.EscrowKeys)), null, false);
                case MaterialOrigin.Bytes:
                    return new ObtainedMaterial(Forced(plan, key.KeyId, allow => KeyMaterial.FromBytes(spec, plan.Bytes!, plan.Password, allow)), null, false);
                case MaterialOrigin.Directory:
                    var file = MaterialFileIn(plan.Path!, key.KeyId, plan.EscrowKeys.Count > 0);
                    return new ObtainedMaterial(Forced(plan, key.KeyId, allow => KeyMaterial.FromFile(spec, file, plan.Password, allow, plan.EscrowKeys)), null, false);
                case MaterialOrigin.Components:
                    return ObtainComponents(plan, spec, key.KeyId);
            }

            var isReplica = key.MultiRegionKeyType == MultiRegionKeyTypes.Replica;
            var escrow = EscrowFile(plan, key.KeyId);
            if (plan.ComponentCount > 0 || (escrow != null && escrow.EndsWith(".components.json", StringComparison.Ordinal)))
            {
                // Components are never resumed from: combining them needs the custodians (-ComponentPath).
                if (escrow != null && (File.Exists(escrow) || UntrustedFile.IsLink(escrow))) throw ComponentsExist(escrow, key.KeyId);
                if (keyHoldsMaterial) return null;
                if (isReplica) throw ReplicaComponents(key);
                return Generated(KeyMaterial.Generate(spec), escrow, plan);
            }
            // A dangling link counts as there: it is refused by the escrow checks, never replaced.
            if (escrow != null && (File.Exists(escrow) || UntrustedFile.IsLink(escrow)))
            {
                // A re-run of a batch, or a replica: the escrowed file is this key's material, checked as
                // strictly as it was written (a planted link or a file others can read is refused).
                if (plan.ResumeFromEscrow || isReplica)
                    return new ObtainedMaterial(KeyMaterial.FromEscrowFile(spec, escrow, null, plan.EscrowKeys), escrow, false);
                throw EscrowExists(escrow, key.KeyId);
            }
            if (keyHoldsMaterial) return null;
            if (isReplica)
                throw new KmsImportException(ErrorIds.ReplicaNeedsPrimaryMaterial, ErrorKind.InvalidOperation,
                    $"Key '{key.KeyId}' in {key.Region} is a multi-Region replica: it takes exactly its primary's material, so none is generated for it"
                    + (escrow == null ? "" : $", and there is no escrow file '{escrow}' of the primary's")
                    + ". Wrap the primary's material for it: Protect-KeyMaterial -Path <the primary's escrow file>, or Invoke-KmsKeyImport -MaterialDirectory <escrow folder>.")
                { TargetObject = key.KeyId };
            return Generated(KeyMaterial.Generate(spec), escrow, plan);
        }

        private static ObtainedMaterial Generated(KeyMaterial material, string? escrow, MaterialPlan plan) =>
            new ObtainedMaterial(material, escrow, escrow != null) { Generated = true, Recipients = plan.EscrowRecipients, ComponentCount = plan.ComponentCount };

        /// <summary>-Force: weak raw material is loaded anyway, with a warning naming the key (the message names no byte).</summary>
        private static KeyMaterial Forced(MaterialPlan plan, string keyId, Func<bool, KeyMaterial> load)
        {
            try
            {
                return load(false);
            }
            catch (KmsImportException e) when (plan.AllowLowEntropy && e.ErrorId == ErrorIds.KeyMaterialLowEntropy)
            {
                plan.Warn?.Invoke($"{keyId}: {LowEntropyWarning(e)}");
                return load(true);
            }
        }

        /// <summary>The warning -Force gives instead of the KeyMaterialLowEntropy error.</summary>
        public static string LowEntropyWarning(KmsImportException e) =>
            "-Force: importing material that is plainly not random. " + e.Message.Split(new[] { " Imported HMAC" }, StringSplitOptions.None)[0]
            + " Anyone who guesses it can use the key; HMAC and asymmetric material can never be replaced.";

        /// <summary>The escrow file for a key: the file named, or &lt;folder&gt;/&lt;KeyId&gt;.bin in an existing folder; null for no escrow.</summary>
        public static string? EscrowFile(string? escrowPath, string keyId) =>
            escrowPath == null ? null : Directory.Exists(escrowPath) ? KeyFileNames.MaterialFile(escrowPath, keyId) : escrowPath;

        /// <summary>
        /// The escrow file of a Generate plan for a key: with components, the manifest &lt;folder&gt;/&lt;KeyId&gt;.components.json;
        /// with recipients, &lt;KeyId&gt;.cms in a folder (or the file named); else as <see cref="EscrowFile(string, string)"/>.
        /// </summary>
        public static string? EscrowFile(MaterialPlan plan, string keyId)
        {
            if (plan.Path == null) return null;
            if (plan.ComponentCount > 0) return ComponentManifest.PathFor(plan.Path, keyId);
            if (!Directory.Exists(plan.Path)) return plan.Path;
            // A key's escrow in the folder, whatever this run's options: components (their manifest), CMS, plaintext.
            var manifest = ComponentManifest.PathFor(plan.Path, keyId);
            var cms = Path.Combine(plan.Path, KeyFileNames.ForKeyId(keyId) + ".cms");
            var bin = KeyFileNames.MaterialFile(plan.Path, keyId);
            if (File.Exists(manifest) || UntrustedFile.IsLink(manifest)) return manifest;
            if (File.Exists(cms) || UntrustedFile.IsLink(cms)) return cms;
            if (File.Exists(bin) || UntrustedFile.IsLink(bin)) return bin;
            return plan.EscrowRecipients.Count > 0 ? cms : bin;
        }

        /// <summary>The material file of a key in a folder: &lt;KeyId&gt;.cms when there is one and escrow keys are given (or no .bin), else &lt;KeyId&gt;.bin.</summary>
        public static string MaterialFileIn(string folder, string keyId, bool haveEscrowKeys)
        {
            var bin = KeyFileNames.MaterialFile(folder, keyId);
            var cms = Path.Combine(folder, KeyFileNames.ForKeyId(keyId) + ".cms");
            return File.Exists(cms) && (haveEscrowKeys || !File.Exists(bin)) ? cms : bin;
        }

        /// <summary>Writes the pending escrow copy (owner-only, never overwriting); returns the escrow path, or null when there is none.</summary>
        public string? CommitEscrow(ObtainedMaterial material, string keyId)
        {
            if (!material.EscrowPending) return material.EscrowPath;
            if (material.ComponentCount > 0 || material.Recipients.Count > 0) return CommitCmsEscrow(material, keyId);
            var bytes = material.Material.ExportForImport();
            try
            {
                SecretFile.CreateNew(material.EscrowPath!, bytes);
            }
            catch (KmsImportException ex) when (ex.ErrorId == ErrorIds.SecretFileExists)
            {
                throw EscrowExists(material.EscrowPath!, keyId, ex);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
            material.EscrowPending = false;
            return material.EscrowPath;
        }

        private static KmsImportException EscrowExists(string escrow, string keyId, Exception? inner = null) =>
            new KmsImportException(ErrorIds.SecretFileExists, ErrorKind.ResourceExists,
                $"The escrow file '{escrow}' already exists; escrow files are never overwritten and no new material was generated. "
                + $"If it holds key '{keyId}''s material from an earlier run, import that material: Protect-KeyMaterial -Path '{escrow}' "
                + "(or Invoke-KmsKeyImport -Generate -EscrowPath <its folder>, which resumes from it). Otherwise choose another -EscrowPath.", inner)
            { TargetObject = escrow };
    }
}
