using System.Security.Cryptography;
using System.Text.Json;

namespace LocalKms.State;

/// <summary>Loads and atomically saves <see cref="KmsState"/> (JSON). The file holds key material: keep it private.</summary>
internal static class StateStore
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static KmsState LoadOrCreate(string? path)
    {
        KmsState? state = null;
        if (path is not null && File.Exists(path))
        {
            using FileStream fs = File.OpenRead(path);
            state = JsonSerializer.Deserialize<KmsState>(fs, Options)
                ?? throw new InvalidDataException($"State file {path} is empty.");
            if (state.Version != 1)
            {
                throw new InvalidDataException($"State file {path} has unsupported version {state.Version}.");
            }
        }

        state ??= new KmsState();
        if (state.TokenKey.Length != 32)
        {
            state.TokenKey = RandomNumberGenerator.GetBytes(32);
        }

        return state;
    }

    public static void Save(KmsState state, string path)
    {
        string dir = Path.GetDirectoryName(path) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId + ".tmp");
        var fso = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var fs = new FileStream(tmp, fso))
        {
            JsonSerializer.Serialize(fs, state, Options);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
