using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Cli.Pictures;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// Backbone feature maps C2..C5 (and the pooled embedding) of an image or a batch, one .npy per map. The folder then
/// holds exactly this run's maps: the maps are committed together (<see cref="AtomicFileWriter"/>), and the maps this
/// command writes but this run did not ask for (an earlier run's <c>c4.npy</c> beside a new <c>c3.npy</c>) are removed,
/// since a reader could not tell them from this run's. Other files in the folder are left alone.
/// </summary>
static class FeaturesCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint, a zoo id or a candidate string (generated weights).", Required = true };
        var input = new Argument<string>("input") { Description = "An image file (preprocessed as upstream evaluation does, or at its own size with --own-size/--resize-short) or a float32 .npy of N x 3 x H x W (any H, W >= 32)." };
        var stages = new Option<int[]>("--stages")
        {
            Description = "Which maps, comma-separated: 2..5 = C2..C5 at strides 4, 8, 16, 32.",
            DefaultValueFactory = _ => [.. StageOutputs.All],
            CustomParser = result =>
            {
                try { return StageOutputs.Parse(result.Tokens.Count > 0 ? result.Tokens[^1].Value : ""); }
                catch (InvalidStageException e) { result.AddError($"--stages: {e.Message}"); return []; }
            },
        };
        var embedding = new Option<bool>("--embedding") { Description = "Also write embedding.npy: the N x D vector the classifier reads." };
        var outDir = new Option<string>("--output", "-o")
        {
            Description = "The folder to write c2.npy ... c5.npy (N x C x H x W) and embedding.npy into (created if absent); those of them not asked for this time are removed.",
            Required = true,
        };
        var backend = BackendOption.Create();
        var shard = ShardOption.Create();
        var png = new Option<string?>("--png")
        {
            Description = "Also draw each stage map (channel mean) as a heat map over the input image into this folder: c2.png ... (c2-1.png ... for image 1 of a batch).",
        };
        var sizing = new InputSizeOptions();
        var command = new Command("features", "Write the backbone feature maps C2..C5 (strides 4..32) and optionally the pooled embedding, for detection or retrieval, at any input size.")
        {
            model, input, stages, embedding, outDir, backend, png, shard,
        };
        foreach (var option in sizing.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            int[] wanted = parse.GetValue(stages)!;
            bool withEmbedding = parse.GetValue(embedding);
            if (wanted.Length == 0 && !withEmbedding) throw new UsageException("--stages: empty, and --embedding is not given: nothing to write");
            string dir = ShardPath.For(parse.GetValue(outDir)!, parse.GetValue(shard)), inputPath = parse.GetValue(input)!, modelName = parse.GetValue(model)!;
            var owned = StageOutputs.All.Select(k => $"c{k}").Append("embedding").Select(name => Path.Combine(dir, name + ".npy")).ToList();
            foreach (var path in owned) OutputPath.RefuseInput("--output", path, inputPath, modelName);
            var preprocessing = sizing.Read(parse);
            var weights = ModelSource.Weights(modelName);
            var (rows, height, width, all) = NetworkInput.LoadAnySize(inputPath, weights.Config.Family, preprocessing);
            var batch = Shard.SelectRows(parse.GetValue(shard), rows, all); // a shard: its slice of the batch's rows
            int n = batch.Length / (3 * height * width);
            using var net = ShuffleNet.FromWeights(weights, parse.GetValue(backend));
            var maps = net.Features(batch, height, width, wanted, withEmbedding);
            output.WriteLine($"input: {n} x 3 x {height} x {width}");
            Directory.CreateDirectory(dir);
            using (var group = new AtomicFileWriter())
            {
                foreach (var map in maps.All) NpyFile.Write(group, Path.Combine(dir, map.Name + ".npy"), map.Shape, map.Data);
                group.Commit();
            }
            foreach (var map in maps.All) output.WriteLine($"{Path.Combine(dir, map.Name + ".npy")}: {string.Join(" x ", map.Shape)}");
            if (parse.GetValue(png) is string pictures)
                foreach (var picture in FeaturePictures.Write(pictures, batch, height, width, maps, Path.GetFileName(inputPath), modelName)) output.WriteLine($"{picture}: heat map");
            var written = maps.All.Select(m => Path.Combine(dir, m.Name + ".npy")).ToHashSet();
            foreach (var stale in owned.Where(p => !written.Contains(p) && File.Exists(p)))
            {
                File.Delete(stale);
                output.WriteLine($"{stale}: removed (an earlier run's, not asked for this time)");
            }
            return 0;
        });
        return command;
    }
}
