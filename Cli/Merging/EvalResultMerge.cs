using System.Text;
using System.Text.RegularExpressions;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Cli.Merging;

/// <summary>
/// Joins the saved standard output of <c>eval --shard</c> runs: the counts are summed and top-1/top-5 recomputed from
/// them in eval's own format, and the <c>unreadable:</c> lines follow in shard order, so the result is what one
/// unsharded run prints except the <c>speed:</c> line, which is left out: each shard timed its own machine, and no
/// images/s figure of the whole job can be computed from theirs.
/// </summary>
static partial class EvalResultMerge
{
    [GeneratedRegex(@"^images: ([0-9]+) evaluated, ([0-9]+) unreadable$")] private static partial Regex ImagesLine();
    [GeneratedRegex(@"^top-([15]): [0-9.,]+% \(([0-9]+)/([0-9]+)\)$")] private static partial Regex TopLine();

    /// <summary>Writes the merged result to <paramref name="output"/>; returns (shards, evaluated, unreadable).</summary>
    public static (int Shards, int Evaluated, int Unreadable) Write(string output)
    {
        var shards = ShardSet.Find(output, folders: false);
        int done = 0, top1 = 0, top5 = 0;
        var unreadable = new List<string>();
        foreach (var shard in shards)
        {
            int? evaluated = null, failed = null, shardTop1 = null, shardTop5 = null;
            int lineNumber = 0, listed = unreadable.Count;
            foreach (var line in File.ReadLines(shard))
            {
                lineNumber++;
                if (ImagesLine().Match(line) is { Success: true } images)
                {
                    if (evaluated is not null) throw new ShardFileException($"{shard}: line {lineNumber}: a second 'images:' line (two results in one file?)");
                    evaluated = int.Parse(images.Groups[1].Value);
                    failed = int.Parse(images.Groups[2].Value);
                }
                else if (TopLine().Match(line) is { Success: true } top)
                {
                    if (int.Parse(top.Groups[3].Value) != evaluated)
                        throw new ShardFileException($"{shard}: line {lineNumber}: counts out of {top.Groups[3].Value} images, but {evaluated?.ToString() ?? "no"} were evaluated");
                    if (top.Groups[1].Value == "1") shardTop1 = int.Parse(top.Groups[2].Value);
                    else shardTop5 = int.Parse(top.Groups[2].Value);
                }
                else if (line.StartsWith("unreadable: ", StringComparison.Ordinal)) unreadable.Add(line);
                else if (!line.StartsWith("speed: ", StringComparison.Ordinal))
                    throw new ShardFileException($"{shard}: line {lineNumber} is not part of eval's result: '{line}'");
            }
            if (evaluated is not { } n) throw new ShardFileException($"{shard}: not an eval result (no 'images: N evaluated, M unreadable' line)");
            if (n > 0 && (shardTop1 is null || shardTop5 is null)) throw new ShardFileException($"{shard}: {n} images evaluated but no top-1/top-5 counts");
            done += n;
            top1 += shardTop1 ?? 0;
            top5 += shardTop5 ?? 0;
            if (unreadable.Count - listed != failed)
                throw new ShardFileException($"{shard}: says {failed} unreadable but lists {unreadable.Count - listed}");
        }
        // The same lines, in the same format, as EvalCommand prints (speed left out).
        var text = new StringWriter();
        text.WriteLine($"images: {done} evaluated, {unreadable.Count} unreadable");
        if (done > 0)
        {
            text.WriteLine($"top-1: {100.0 * top1 / done:F2}% ({top1}/{done})");
            text.WriteLine($"top-5: {100.0 * top5 / done:F2}% ({top5}/{done})");
        }
        foreach (var u in unreadable) text.WriteLine(u);
        AtomicFileWriter.Write(output, s => s.Write(Encoding.UTF8.GetBytes(text.ToString())));
        return (shards.Count, done, unreadable.Count);
    }
}
