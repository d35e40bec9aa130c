using System.CommandLine;
using System.Globalization;

namespace ShuffleNetGpu.Cli.Options;

/// <summary>One shard of a batch job: the <see cref="Index"/>-th (0-based) of <see cref="Count"/> contiguous slices of
/// the sorted file list, so the shards' outputs, joined in index order, are what one unsharded run writes.</summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>This shard's slice of <paramref name="sorted"/>: items [Index*L/Count, (Index+1)*L/Count).</summary>
    public IReadOnlyList<T> Slice<T>(IReadOnlyList<T> sorted)
    {
        int start = (int)((long)Index * sorted.Count / Count), end = (int)((long)(Index + 1) * sorted.Count / Count);
        return [.. sorted.Skip(start).Take(end - start)];
    }

    /// <summary><paramref name="all"/> itself when <paramref name="shard"/> is null (an unsharded run), else the shard's slice.</summary>
    public static List<T> Select<T>(Shard? shard, List<T> all) => shard is { } s ? [.. s.Slice(all)] : all;

    /// <summary>The shard's slice of the <paramref name="rows"/> equal rows of <paramref name="data"/> (all of it when unsharded).</summary>
    public static float[] SelectRows(Shard? shard, int rows, float[] data)
    {
        if (shard is not { } s) return data;
        int size = data.Length / rows, start = (int)((long)s.Index * rows / s.Count), end = (int)((long)(s.Index + 1) * rows / s.Count);
        return data.AsSpan(start * size, (end - start) * size).ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>
/// <c>--shard K/N</c> (K from 0 to N-1), or <c>--shard N</c> with K read from the array job's index:
/// <c>JOB_COMPLETION_INDEX</c> (a Kubernetes Indexed Job) or else <c>SLURM_ARRAY_TASK_ID</c> (a Slurm array).
/// Checked at parse time: a bad value is a usage error naming it.
/// </summary>
public static class ShardOption
{
    public static readonly string[] IndexVariables = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

    public static Option<Shard?> Create() => new("--shard")
    {
        Description = "Process only shard K of N (K/N, K from 0), a contiguous slice of the sorted files; "
                      + "with N alone, K is $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID.",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (Parse(text, Environment.GetEnvironmentVariable, out var shard) is { } error) { result.AddError(error); return null; }
            return shard;
        },
    };

    /// <summary>Null if <paramref name="text"/> names a shard (K from <paramref name="environment"/> when only N is given), else the error.</summary>
    public static string? Parse(string text, Func<string, string?> environment, out Shard shard)
    {
        shard = default;
        var parts = text.Split('/');
        if (parts.Length > 2 || !Integer(parts[^1], out int count) || count < 1)
            return $"--shard: expected K/N or N with N >= 1, got '{text}'";
        string? indexText = parts.Length == 2 ? parts[0] : null;
        string source = "K";
        if (indexText is null)
        {
            foreach (var variable in IndexVariables)
                if (environment(variable) is { Length: > 0 } value) { indexText = value; source = variable; break; }
            if (indexText is null)
                return $"--shard {text}: no shard index: give K/N, or set {string.Join(" or ", IndexVariables)}";
        }
        if (!Integer(indexText, out int index) || index < 0 || index >= count)
            return $"--shard {text}: {source} is '{indexText}', expected 0 to {count - 1}";
        shard = new Shard(index, count);
        return null;
    }

    static bool Integer(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
