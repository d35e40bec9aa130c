namespace ShuffleNetGpu.Cli.Options;

/// <summary>Where a shard writes: the unsharded output's name with <c>.shard-K-of-N</c> before its extension
/// (<c>emb.npy</c> -> <c>emb.shard-1-of-3.npy</c>, a folder <c>maps</c> -> <c>maps.shard-1-of-3</c>), so shards
/// writing to one shared folder never collide and <c>shufflenet merge</c> can tell which shard a file is and
/// whether one is missing. Nothing else in a shard's output differs from an unsharded run's.</summary>
public static class ShardPath
{
    /// <summary><paramref name="path"/> itself when <paramref name="shard"/> is null, else the shard's name for it.</summary>
    public static string For(string path, Shard? shard)
    {
        if (shard is not { } s) return path;
        path = Path.TrimEndingDirectorySeparator(path);
        return Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}.shard-{s.Index}-of-{s.Count}{Path.GetExtension(path)}");
    }
}
