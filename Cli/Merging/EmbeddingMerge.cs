using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Runtime.Features;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Cli.Merging;

/// <summary>Joins <c>embed --shard</c> outputs: the rows of every shard's .npy and the lines of its .txt, in shard
/// order, written the way embed writes them (<see cref="NpyRowWriter"/>, one <see cref="AtomicFileWriter"/> group),
/// so the pair is byte for byte what one unsharded run writes.</summary>
static class EmbeddingMerge
{
    /// <summary>Writes <paramref name="output"/> and its file list; returns (shards, rows, embedding size).</summary>
    public static (int Shards, int Rows, int Size) Write(string output)
    {
        var shards = ShardSet.Find(output, folders: false);
        using var group = new AtomicFileWriter();
        var list = group.Open(EmbeddingExport.FileListPath(output)); // the group owns and closes it
        NpyRowWriter? rows = null;
        int width = 0;
        foreach (var npy in shards)
        {
            string txt = EmbeddingExport.FileListPath(npy);
            if (!File.Exists(txt)) throw new ShardFileException($"{txt}: missing (the file list of {npy})");
            var (shape, data) = NpyFile.Read(npy);
            if (shape.Length != 2) throw new ShardFileException($"{npy}: shape ({string.Join(", ", shape)}) is not rows x D");
            if (rows is null) { width = shape[1]; rows = new NpyRowWriter(group, output, [width]); }
            else if (shape[1] != width) throw new ShardFileException($"{npy}: rows of {shape[1]} values, but {shards[0]} has {width}");
            var text = File.ReadAllBytes(txt);
            int lines = text.Count(b => b == (byte)'\n');
            if (lines != shape[0]) throw new ShardFileException($"{txt}: {lines} lines, but {npy} has {shape[0]} rows");
            rows.Append(data);
            list.Write(text);
        }
        rows!.Finish();
        group.Commit();
        return (shards.Count, rows.Rows, width);
    }
}
