using System.CommandLine;
using ShuffleNetGpu.Cli.Merging;
using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Runtime.Features;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary><c>shufflenet merge KIND OUTPUT</c>: joins the shard outputs beside OUTPUT (<c>NAME.shard-K-of-N.EXT</c>,
/// as <c>--shard</c> names them) into OUTPUT, which is then what one unsharded run writes.</summary>
static class MergeCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("merge", "Join the outputs of a sharded job (--shard K/N) into what one unsharded run writes.");
        command.Subcommands.Add(Kind("embed", "emb.npy: joins emb.shard-K-of-N.npy and their .txt file lists.", output,
            path => { var (shards, rows, size) = EmbeddingMerge.Write(path); return $"{path}: {rows} x {size} embeddings from {shards} shards; files in {EmbeddingExport.FileListPath(path)}"; }));
        command.Subcommands.Add(Kind("features", "a folder: joins the folders FOLDER.shard-K-of-N, each map along its batch axis.", output,
            path => { var (shards, maps) = FeatureMapMerge.Write(path); return string.Join(Environment.NewLine, maps.Select(m => $"{m.Path}: {string.Join(" x ", m.Shape)}")) + $"{Environment.NewLine}{path}: {maps.Count} maps from {shards} shards"; }));
        command.Subcommands.Add(Kind("classify", "a file: joins the saved standard outputs NAME.shard-K-of-N.EXT of classify (text or --json), in shard order.", output,
            path => { var shards = ShardSet.Find(path, folders: false); AtomicFileWriter.Write(path, s => { foreach (var f in shards) s.Write(File.ReadAllBytes(f)); }); return $"{path}: {shards.Count} shards joined"; }));
        command.Subcommands.Add(Kind("eval", "a file: joins the saved outputs NAME.shard-K-of-N.EXT of eval --json: counts summed overall and per class, top-1/top-5 recomputed, seconds and images/s null.", output,
            path => { var (shards, done, unreadable) = EvalJsonMerge.Write(path); return $"{path}: {done} evaluated, {unreadable} unreadable, from {shards} shards"; }));
        return command;
    }

    static Command Kind(string name, string description, TextWriter output, Func<string, string> merge)
    {
        var target = new Argument<string>("output") { Description = "The unsharded output's path; the shards' are found beside it." };
        var command = new Command(name, $"Merge {name} shards into {description}") { target };
        command.SetAction(parse => { output.WriteLine(merge(parse.GetValue(target)!)); return 0; });
        return command;
    }
}
