using System;
using KmsImport.Core.Crypto;

namespace KmsImport.Core.Import
{
    /// <summary>Where a run's key material comes from: one file, bytes, a folder of &lt;KeyId&gt;.bin files, or generation.</summary>
    public enum MaterialOrigin
    {
        File,
        Bytes,
        Directory,
        Generate,
    }

    /// <summary>
    /// Where material comes from, given once per command with provider paths already resolved.
    /// The workflow reads or generates it per key (<see cref="ImportWorkflow.ObtainMaterial"/>).
    /// The password array belongs to the caller, who clears it when the command ends.
    /// </summary>
    public sealed class MaterialPlan : IDisposable
    {
        private KeyMaterialFile? _file;

        private MaterialPlan(MaterialOrigin origin) => Origin = origin;

        public MaterialOrigin Origin { get; }
        /// <summary>The file (File), the folder (Directory), or the escrow file or folder (Generate; null with no escrow).</summary>
        public string? Path { get; private set; }
        public byte[]? Bytes { get; private set; }
        public char[]? Password { get; private set; }
        /// <summary>Generate: an escrow file that exists already is this key's material from an earlier run (batches resume).</summary>
        public bool ResumeFromEscrow { get; private set; }
        /// <summary>-Force: raw material that is plainly not random is accepted, with a warning (<see cref="Warn"/>), instead of KeyMaterialLowEntropy.</summary>
        public bool AllowLowEntropy { get; set; }
        /// <summary>Where the -Force warnings go (per key); null for none (Test-KmsKeyState proves, it imports nothing).</summary>
        public Action<string>? Warn { get; set; }

        /// <summary>The fingerprint of the material <see cref="ImportWorkflow.Verify"/> last proved with this plan (Test-KmsKeyState's evidence line).</summary>
        public string? ProvedFingerprint { get; internal set; }
        public string? ProvedFingerprintAlgorithm { get; internal set; }

        /// <summary>The file of a File plan, read once (<see cref="CheckLocally"/>): a pipe cannot be read twice.</summary>
        internal KeyMaterialFile? File => _file;

        public static MaterialPlan FromFile(string path, char[]? password = null) => new MaterialPlan(MaterialOrigin.File) { Path = path, Password = password };

        public static MaterialPlan FromBytes(byte[] bytes, char[]? password = null) => new MaterialPlan(MaterialOrigin.Bytes) { Bytes = bytes, Password = password };

        public static MaterialPlan FromDirectory(string directory, char[]? password = null) => new MaterialPlan(MaterialOrigin.Directory) { Path = directory, Password = password };

        /// <summary>
        /// Generate: <paramref name="escrowPath"/> is a new file or an existing folder (one &lt;KeyId&gt;.bin per key), null for no
        /// escrow copy; <paramref name="resumeFromEscrow"/> (batches) imports an existing escrow file instead of new material.
        /// </summary>
        public static MaterialPlan Generate(string? escrowPath, bool resumeFromEscrow = false) =>
            new MaterialPlan(MaterialOrigin.Generate) { Path = escrowPath, ResumeFromEscrow = resumeFromEscrow };

        /// <summary>Clears the bytes of a file read by <see cref="CheckLocally"/>.</summary>
        public void Dispose() => _file?.Dispose();

        /// <summary>What needs no key spec, checked before any call: the file exists, is a regular file and is read (once); the folder exists.</summary>
        public void CheckLocally()
        {
            switch (Origin)
            {
                case MaterialOrigin.File:
                    if (_file == null)
                    {
                        _file = KeyMaterialFile.Read(Path!);
                        Path = _file.FullPath;
                    }
                    break;
                case MaterialOrigin.Directory:
                    ImportRules.CheckMaterialDirectory(Path!);
                    break;
            }
        }
    }

    /// <summary>Material for one key, and where its escrow copy is (or is still to be written, after every local check).</summary>
    public sealed class ObtainedMaterial : IDisposable
    {
        internal ObtainedMaterial(KeyMaterial material, string? escrowPath, bool escrowPending)
        {
            Material = material;
            EscrowPath = escrowPath;
            EscrowPending = escrowPending;
        }

        public KeyMaterial Material { get; }
        /// <summary>The escrow file: written (or read) already, or to be written when <see cref="EscrowPending"/>.</summary>
        public string? EscrowPath { get; }
        /// <summary>Generated material whose escrow copy is not written yet.</summary>
        public bool EscrowPending { get; internal set; }
        /// <summary>True when the material was generated in this run (not read).</summary>
        public bool Generated { get; internal set; }

        public void Dispose() => Material.Dispose();
    }
}
