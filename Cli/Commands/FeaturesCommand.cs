using System.CommandLine;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>Backbone feature maps C2..C5 (and the pooled embedding) of an image or a batch, one .npy per map.</summary>
static class FeaturesCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint, a zoo id or a candidate string (generated weights).", Required = true };
        var input = new Argument<string>("input") { Description = "An image file (preprocessed as upstream evaluation does) or a float32 .npy of N x 3 x 224 x 224." };
        var stages = new Option<string>("--stages") { Description = "Which maps, comma-separated: 2..5 = C2..C5 at strides 4, 8, 16, 32.", DefaultValueFactory = _ => "2,3,4,5" };
        var embedding = new Option<bool>("--embedding") { Description = "Also write embedding.npy: the N x D vector the classifier reads." };
        var outDir = new Option<string>("--output", "-o") { Description = "The folder to write c2.npy ... c5.npy (N x C x H x W) and embedding.npy into (created if absent).", Required = true };
        var backend = new Option<string>("--backend") { Description = $"One of {string.Join(", ", BackendNames.ValidNames)}.", DefaultValueFactory = _ => "auto" };
        var command = new Command("features", "Write the backbone feature maps C2..C5 (strides 4..32) and optionally the pooled embedding, for detection or retrieval.")
        {
            model, input, stages, embedding, outDir, backend,
        };
        command.SetAction(parse =>
        {
            int[] wanted = StageOutputs.Parse(parse.GetValue(stages)!);
            bool withEmbedding = parse.GetValue(embedding);
            if (wanted.Length == 0 && !withEmbedding) throw new ShuffleNetException("features: --stages is empty and --embedding is not given: nothing to write");
            var kind = BackendNames.Parse(parse.GetValue(backend)!);
            var weights = ModelSource.Weights(parse.GetValue(model)!);
            var (_, batch) = NetworkInput.Load(parse.GetValue(input)!, weights.Config.Family);
            using var net = ShuffleNet.FromWeights(weights, kind);
            var maps = net.Features(batch, wanted, withEmbedding);
            string dir = parse.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            foreach (var map in maps.All)
            {
                string path = Path.Combine(dir, map.Name + ".npy");
                NpyFile.Write(path, map.Shape, map.Data);
                output.WriteLine($"{path}: {string.Join(" x ", map.Shape)}");
            }
            return 0;
        });
        return command;
    }
}
