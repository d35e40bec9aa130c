using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Cli.Merging;

/// <summary>
/// Joins the saved outputs of <c>eval --json --shard</c> runs into what one unsharded <c>eval --json</c> prints: images and
/// top-1/top-5 counts summed overall and per class and the ratios recomputed from them, misclassified and unreadable
/// files in shard order (the unsharded order). <c>seconds</c> and <c>images_per_s</c> are null: each shard timed its
/// own machine, and no figure of the whole job follows from theirs. The text form is refused: its per-class table
/// is for people, and summing numbers read back from it would be fragile.
/// </summary>
static class EvalJsonMerge
{
    /// <summary>Writes the merged result to <paramref name="output"/>; returns (shards, evaluated, unreadable).</summary>
    public static (int Shards, int Evaluated, int Unreadable) Write(string output)
    {
        var shards = ShardSet.Find(output, folders: false);
        JsonObject? merged = null;
        foreach (var shard in shards)
        {
            var result = Read(shard);
            if (merged is null) { merged = result; continue; }
            if (Text(result, "model", shard) != Text(merged, "model", shards[0]))
                throw new ShardFileException($"{shard}: model '{Text(result, "model", shard)}', but {shards[0]} has '{Text(merged, "model", shards[0])}'");
            // Shards of an array job may run on different machines: then every device is named, in shard order.
            var devices = Text(merged, "device", shards[0]).Split("; ");
            if (!devices.Contains(Text(result, "device", shard))) merged["device"] = string.Join("; ", devices.Append(Text(result, "device", shard)));
            Add(merged, result, shard);
            var classes = Array(merged, "classes", shards[0]);
            var more = Array(result, "classes", shard);
            if (more.Count != classes.Count)
                throw new ShardFileException($"{shard}: {more.Count} classes, but {shards[0]} has {classes.Count} (shards of different folders?)");
            for (int i = 0; i < classes.Count; i++)
            {
                var (mine, theirs) = (classes[i]!.AsObject(), more[i]!.AsObject());
                if (Count(mine, "class", shards[0]) != Count(theirs, "class", shard))
                    throw new ShardFileException($"{shard}: class entry {i} is class {Count(theirs, "class", shard)}, but {shards[0]} has {Count(mine, "class", shards[0])}");
                Add(mine, theirs, shard);
            }
            foreach (var list in new[] { "misclassified", "unreadable" })
                foreach (var item in Array(result, list, shard).ToList()) Array(merged, list, shards[0]).Add(item!.DeepClone());
        }
        merged!["seconds"] = null;
        merged["images_per_s"] = null;
        string text = merged.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
        AtomicFileWriter.Write(output, s => s.Write(Encoding.UTF8.GetBytes(text)));
        return (shards.Count, Count(merged, "images", output), Array(merged, "unreadable", output).Count);
    }

    /// <summary>Adds <paramref name="more"/>'s images and top-1/top-5 counts to <paramref name="into"/> and recomputes its ratios.</summary>
    static void Add(JsonObject into, JsonObject more, string shard)
    {
        int images = Count(into, "images", shard) + Count(more, "images", shard);
        int top1 = Count(into, "top1_correct", shard) + Count(more, "top1_correct", shard);
        int top5 = Count(into, "top5_correct", shard) + Count(more, "top5_correct", shard);
        into["images"] = images;
        into["top1_correct"] = top1;
        into["top5_correct"] = top5;
        into["top1"] = images == 0 ? null : (double)top1 / images;
        into["top5"] = images == 0 ? null : (double)top5 / images;
    }

    static JsonObject Read(string shard)
    {
        string text = File.ReadAllText(shard);
        if (!text.TrimStart().StartsWith('{'))
            throw new ShardFileException($"{shard}: not the output of 'eval --json' (merge eval joins the JSON results; run each shard with --json)");
        try
        {
            var result = JsonNode.Parse(text) as JsonObject ?? throw new ShardFileException($"{shard}: not a JSON object");
            // Every field the merge reads, checked before anything is summed.
            foreach (var key in new[] { "model", "device" }) Text(result, key, shard);
            foreach (var key in new[] { "images", "top1_correct", "top5_correct" }) Count(result, key, shard);
            foreach (var key in new[] { "classes", "misclassified", "unreadable" }) Array(result, key, shard);
            return result;
        }
        catch (JsonException e)
        {
            throw new ShardFileException($"{shard}: not valid JSON ({e.Message})");
        }
    }

    static int Count(JsonObject o, string key, string shard) =>
        o[key] is JsonValue v && v.TryGetValue(out int n) && n >= 0 ? n : throw new ShardFileException($"{shard}: '{key}' is not a count");

    static string Text(JsonObject o, string key, string shard) =>
        o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ShardFileException($"{shard}: '{key}' is not a string");

    static JsonArray Array(JsonObject o, string key, string shard) =>
        o[key] as JsonArray ?? throw new ShardFileException($"{shard}: '{key}' is not a list");
}
