using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Cli.Merging;

/// <summary>Joins <c>features --shard</c> folders: each map (<c>c2.npy</c> ... <c>embedding.npy</c>) concatenated along
/// its first (batch) axis in shard order, written as features writes it (<see cref="NpyFile"/>, one
/// <see cref="AtomicFileWriter"/> group); maps of an earlier run that the shards do not hold are removed, as features does.</summary>
static class FeatureMapMerge
{
    static readonly string[] Maps = ["c2", "c3", "c4", "c5", "embedding"];

    /// <summary>Writes the merged maps into <paramref name="output"/>; returns the shard count and each map's name and shape.</summary>
    public static (int Shards, List<(string Path, int[] Shape)> Maps) Write(string output)
    {
        var shards = ShardSet.Find(output, folders: true);
        var names = Maps.Where(m => File.Exists(Path.Combine(shards[0], m + ".npy"))).ToList();
        if (names.Count == 0) throw new ShardFileException($"{shards[0]}: holds no feature maps ({string.Join(", ", Maps.Select(m => m + ".npy"))})");
        foreach (var shard in shards.Skip(1))
            foreach (var m in Maps)
                if (File.Exists(Path.Combine(shard, m + ".npy")) != names.Contains(m))
                    throw new ShardFileException($"{Path.Combine(shard, m + ".npy")}: {(names.Contains(m) ? "missing, but" : "present, but not in")} {shards[0]}{(names.Contains(m) ? " has it" : "")}");
        Directory.CreateDirectory(output);
        var written = new List<(string, int[])>();
        using (var group = new AtomicFileWriter())
        {
            foreach (var m in names)
            {
                int[]? shape = null;
                var data = new List<float>();
                foreach (var shard in shards)
                {
                    string path = Path.Combine(shard, m + ".npy");
                    var (s, d) = NpyFile.Read(path);
                    if (shape is null) shape = [.. s];
                    else if (s.Length != shape.Length || !s.AsSpan(1).SequenceEqual(shape.AsSpan(1)))
                        throw new ShardFileException($"{path}: shape ({string.Join(", ", s)}) does not match {Path.Combine(shards[0], m + ".npy")}'s ({string.Join(", ", shape)}) after the batch axis");
                    else shape[0] += s[0];
                    data.AddRange(d);
                }
                string target = Path.Combine(output, m + ".npy");
                NpyFile.Write(group, target, shape!, data.ToArray());
                written.Add((target, shape!));
            }
            group.Commit();
        }
        foreach (var stale in Maps.Except(names).Select(m => Path.Combine(output, m + ".npy")).Where(File.Exists)) File.Delete(stale);
        return (shards.Count, written);
    }
}
