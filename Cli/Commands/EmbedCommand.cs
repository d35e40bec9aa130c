using System.CommandLine;
using ShuffleNetGpu.Features;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>The pooled embedding of every image in a folder: one .npy row per image, the file list beside it.</summary>
static class EmbedCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint, a zoo id or a candidate string (generated weights).", Required = true };
        var dir = new Argument<string>("dir") { Description = "A folder of images (searched recursively, sorted, the extensions classify reads)." };
        var outPath = new Option<string>("--output", "-o") { Description = "The .npy to write (rows x D); the file of each row goes to the same name with .txt.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 32 };
        var backend = new Option<string>("--backend") { Description = $"One of {string.Join(", ", BackendNames.ValidNames)}.", DefaultValueFactory = _ => "auto" };
        var command = new Command("embed", "Export the pooled embedding (the vector the classifier reads) of every image in a folder; unreadable images are listed and make the exit code 1.")
        {
            model, dir, outPath, batch, backend,
        };
        command.SetAction(parse =>
        {
            string root = parse.GetValue(dir)!, path = parse.GetValue(outPath)!;
            int batchSize = parse.GetValue(batch);
            if (!Directory.Exists(root)) throw new ShuffleNetException($"{root}: not a folder");
            if (batchSize < 1) throw new ShuffleNetException($"--batch must be >= 1, got {batchSize}");
            var files = ClassifyCommand.ImageFiles(root).ToList();
            if (files.Count == 0) throw new ShuffleNetException($"{root}: holds no image files");
            using var net = ShuffleNet.FromWeights(ModelSource.Weights(parse.GetValue(model)!), BackendNames.Parse(parse.GetValue(backend)!));
            var progress = new ProgressLine(error, files.Count);
            var result = EmbeddingExport.Write(net, root, files, path, batchSize, done => progress.Report(done), (_, message) => error.WriteLine($"error: {message}"));
            output.WriteLine($"{path}: {result.Rows} x {result.EmbeddingSize} embeddings; files in {EmbeddingExport.FileListPath(path)}");
            if (result.Unreadable.Count == 0) return 0;
            error.WriteLine($"error: {result.Unreadable.Count} of {files.Count} images could not be read");
            return 1;
        });
        return command;
    }
}
