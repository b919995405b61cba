using System.Security.Cryptography;
using System.Text.Json;

namespace LocalKms.State;

/// <summary>Loads and atomically saves <see cref="KmsState"/> (JSON). The file holds key material: keep it private.</summary>
internal static class StateStore
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <param name="defaultAccount">The account of a version 1 file's aliases (version 1 had one account).</param>
    public static KmsState LoadOrCreate(string? path, string defaultAccount)
    {
        KmsState? state = null;
        if (path is not null && File.Exists(path))
        {
            using FileStream fs = File.OpenRead(path);
            state = JsonSerializer.Deserialize<KmsState>(fs, Options)
                ?? throw new InvalidDataException($"State file {path} is empty.");
            if (state.Version == 1)
            {
                state = FromVersion1(state, defaultAccount);
            }
            else if (state.Version != KmsState.CurrentVersion)
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

    /// <summary>Version 1 keyed Regions by name alone: each key moves to its own account's scope, aliases to the default account's.</summary>
    private static KmsState FromVersion1(KmsState old, string defaultAccount)
    {
        var state = new KmsState { TokenKey = old.TokenKey };
        RegionState ScopeOf(string account, string region)
        {
            string name = KmsState.ScopeName(account, region);
            if (!state.Regions.TryGetValue(name, out RegionState? rs))
            {
                state.Regions[name] = rs = new RegionState();
            }

            return rs;
        }

        foreach ((string region, RegionState rs) in old.Regions)
        {
            foreach (KeyRecord k in rs.Keys.Values)
            {
                ScopeOf(k.AccountId, region).Keys[k.KeyId] = k;
            }

            foreach (AliasRecord a in rs.Aliases.Values)
            {
                string account = rs.Keys.TryGetValue(a.TargetKeyId, out KeyRecord? target) ? target.AccountId : defaultAccount;
                ScopeOf(account, region).Aliases[a.AliasName] = a;
            }
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
