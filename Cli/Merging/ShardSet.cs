using System.Globalization;
using System.Text.RegularExpressions;
using ShuffleNetGpu.Cli.Options;

namespace ShuffleNetGpu.Cli.Merging;

/// <summary>The shard outputs beside an unsharded output's path (<see cref="ShardPath"/>'s names), checked to be
/// one complete set: one shard count, every index from 0 to N-1 exactly once.</summary>
static class ShardSet
{
    /// <summary>The shard files (or folders, when <paramref name="folders"/>) of <paramref name="output"/>, in index order.</summary>
    /// <exception cref="ShardFileException">none found, counts that differ, an index twice, out of range or missing.</exception>
    public static List<string> Find(string output, bool folders)
    {
        output = Path.TrimEndingDirectorySeparator(output);
        string parent = Path.GetDirectoryName(output) ?? "";
        string stem = Path.GetFileNameWithoutExtension(output), extension = Path.GetExtension(output);
        var pattern = new Regex($"^{Regex.Escape(stem)}\\.shard-([0-9]+)-of-([0-9]+){Regex.Escape(extension)}$");
        string search = parent.Length == 0 ? "." : parent;
        IEnumerable<string> names = !Directory.Exists(search) ? []
            : (folders ? Directory.EnumerateDirectories(search) : Directory.EnumerateFiles(search)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal);
        var found = new List<(string Path, int Index, int Count)>();
        foreach (var name in names)
        {
            if (pattern.Match(name) is not { Success: true } m) continue;
            string path = Path.Combine(parent, name);
            if (!Integer(m.Groups[1].Value, out int index) || !Integer(m.Groups[2].Value, out int count) || index >= count)
                throw new ShardFileException($"{path}: not a shard name (K from 0 to N-1 in {stem}.shard-K-of-N{extension})");
            found.Add((path, index, count));
        }
        string expected = ShardPath.For(output, new Shard(0, 1)).Replace(".shard-0-of-1", ".shard-K-of-N");
        if (found.Count == 0) throw new ShardFileException($"{output}: no shard outputs to merge (expected {expected})");
        var first = found[0];
        if (found.FirstOrDefault(f => f.Count != first.Count) is { Path: not null } other)
            throw new ShardFileException($"{other.Path}: one of {other.Count} shards, but {first.Path} is one of {first.Count}");
        var byIndex = new string?[first.Count];
        foreach (var f in found)
        {
            if (byIndex[f.Index] is { } twice) throw new ShardFileException($"{f.Path}: shard {f.Index} twice (also {twice})");
            byIndex[f.Index] = f.Path;
        }
        for (int k = 0; k < byIndex.Length; k++)
            if (byIndex[k] is null)
                throw new ShardFileException($"{ShardPath.For(output, new Shard(k, first.Count))}: missing (shard {k} of {first.Count})");
        return [.. byIndex.Select(p => p!)];
    }

    static bool Integer(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 0;
}
