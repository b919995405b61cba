using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
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
        /// <summary>Key components combined (XOR): files (CMS or raw owner-only) or typed at the host.</summary>
        Components,
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

        /// <summary>Generate: the custodians' certificates the escrow copy is encrypted to (CMS, &lt;KeyId&gt;.cms); empty for a plaintext .bin copy.</summary>
        public IReadOnlyList<EscrowRecipient> EscrowRecipients { get; set; } = Array.Empty<EscrowRecipient>();
        /// <summary>Generate: split the escrow copy into this many components (2-9), component i encrypted to recipient i; 0 for none.</summary>
        public int ComponentCount { get; set; }
        /// <summary>Private keys that open CMS escrow or component files (-EscrowCertificate, -EscrowKeyPath).</summary>
        public IReadOnlyList<EscrowKey> EscrowKeys { get; set; } = Array.Empty<EscrowKey>();
        /// <summary>Components: the component files, in the order given.</summary>
        public IReadOnlyList<string> ComponentPaths { get; private set; } = Array.Empty<string>();
        /// <summary>Components: the manifest named with -ComponentManifest; null to look for &lt;KeyId&gt;.components.json next to the first file.</summary>
        public string? ComponentManifestPath { get; private set; }
        /// <summary>Components typed at the host: how many custodians.</summary>
        public int HostComponentCount { get; private set; }
        /// <summary>Host components: reads component i of n as hex characters (the workflow clears them).</summary>
        public Func<int, int, char[]>? ReadComponent { get; private set; }
        /// <summary>Host components: component i was read and has this check value (algorithm second); called before the next one is asked for.</summary>
        public Action<int, string, string>? ComponentAccepted { get; private set; }

        private List<byte[]>? _components;
        private readonly List<GCHandle> _componentPins = new List<GCHandle>();

        /// <summary>The components once read (pinned, zeroed on Dispose), and their 1-based positions.</summary>
        internal List<byte[]>? Components => _components;
        internal List<int> ComponentIndexes { get; } = new List<int>();

        internal void KeepComponent(byte[] component, int index)
        {
            _components ??= new List<byte[]>();
            _componentPins.Add(GCHandle.Alloc(component, GCHandleType.Pinned));
            _components.Add(component);
            ComponentIndexes.Add(index);
        }

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

        /// <summary>Combine components: files (CMS to a custodian, or raw owner-only), with an optional manifest.</summary>
        public static MaterialPlan FromComponents(IReadOnlyList<string> paths, string? manifestPath) =>
            new MaterialPlan(MaterialOrigin.Components) { ComponentPaths = paths, ComponentManifestPath = manifestPath };

        /// <summary>Combine components typed at the host, one custodian after the other.</summary>
        public static MaterialPlan FromHostComponents(int count, Func<int, int, char[]> read, Action<int, string, string> accepted, string? manifestPath) =>
            new MaterialPlan(MaterialOrigin.Components) { HostComponentCount = count, ReadComponent = read, ComponentAccepted = accepted, ComponentManifestPath = manifestPath };

        /// <summary>Clears the bytes of a file read by <see cref="CheckLocally"/> and of components read.</summary>
        public void Dispose()
        {
            _file?.Dispose();
            if (_components != null)
                foreach (var c in _components) Array.Clear(c, 0, c.Length);
            foreach (var pin in _componentPins) if (pin.IsAllocated) pin.Free();
            _componentPins.Clear();
            _components = null;
            ComponentIndexes.Clear();
        }

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
        /// <summary>Generated: the certificates the escrow copy (or its components) is encrypted to.</summary>
        public IReadOnlyList<EscrowRecipient> Recipients { get; internal set; } = Array.Empty<EscrowRecipient>();
        /// <summary>Generated: how many components the escrow copy is split into (0: one copy).</summary>
        public int ComponentCount { get; internal set; }
        /// <summary>The check values of the components written or combined, in component order; null without components.</summary>
        public IReadOnlyList<string>? ComponentCheckValues { get; internal set; }
        public string? ComponentCheckValueAlgorithm { get; internal set; }
        /// <summary>The component files written or read.</summary>
        public IReadOnlyList<string>? ComponentPaths { get; internal set; }

        public void Dispose() => Material.Dispose();
    }
}
