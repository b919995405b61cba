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
                    return new ObtainedMaterial(KeyMaterial.FromFile(spec, plan.Path!, plan.Password), null, false);
                case MaterialOrigin.Bytes:
                    return new ObtainedMaterial(KeyMaterial.FromBytes(spec, plan.Bytes!, plan.Password), null, false);
                case MaterialOrigin.Directory:
                    return new ObtainedMaterial(KeyMaterial.FromFile(spec, KeyFileNames.MaterialFile(plan.Path!, key.KeyId), plan.Password), null, false);
            }

            var isReplica = key.MultiRegionKeyType == MultiRegionKeyTypes.Replica;
            var escrow = EscrowFile(plan.Path, key.KeyId);
            if (escrow != null && File.Exists(escrow))
            {
                // A re-run of a batch, or a replica: the escrowed file is this key's material.
                if (plan.ResumeFromEscrow || isReplica)
                    return new ObtainedMaterial(KeyMaterial.FromFile(spec, escrow), escrow, false);
                throw EscrowExists(escrow, key.KeyId);
            }
            if (keyHoldsMaterial) return null;
            if (isReplica)
                throw new KmsImportException(ErrorIds.ReplicaNeedsPrimaryMaterial, ErrorKind.InvalidOperation,
                    $"Key '{key.KeyId}' in {key.Region} is a multi-Region replica: it takes exactly its primary's material, so none is generated for it"
                    + (escrow == null ? "" : $", and there is no escrow file '{escrow}' of the primary's")
                    + ". Wrap the primary's material for it: Protect-KeyMaterial -Path <the primary's escrow file>, or Invoke-KmsKeyImport -MaterialDirectory <escrow folder>.")
                { TargetObject = key.KeyId };
            return new ObtainedMaterial(KeyMaterial.Generate(spec), escrow, escrow != null) { Generated = true };
        }

        /// <summary>The escrow file for a key: the file named, or &lt;folder&gt;/&lt;KeyId&gt;.bin in an existing folder; null for no escrow.</summary>
        public static string? EscrowFile(string? escrowPath, string keyId) =>
            escrowPath == null ? null : Directory.Exists(escrowPath) ? KeyFileNames.MaterialFile(escrowPath, keyId) : escrowPath;

        /// <summary>Writes the pending escrow copy (owner-only, never overwriting); returns the escrow path, or null when there is none.</summary>
        public string? CommitEscrow(ObtainedMaterial material, string keyId)
        {
            if (!material.EscrowPending) return material.EscrowPath;
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
