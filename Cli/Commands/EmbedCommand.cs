using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Cli.Progress;
using ShuffleNetGpu.Runtime.Features;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>The pooled embedding of every image in a folder: one .npy row per image, the file list beside it.</summary>
static class EmbedCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint, a zoo id or a candidate string (generated weights).", Required = true };
        var dir = new Argument<string>("dir") { Description = "A folder of images (searched recursively, sorted, the extensions classify reads), or a float32 .npy of N x 3 x H x W." };
        var outPath = new Option<string>("--output", "-o") { Description = "The .npy to write (rows x D); the file of each row goes to the same name with .txt. Both appear together, or neither.", Required = true };
        var batch = NumberOption.Create("--batch", "Images per forward pass.", defaultValue: 32, min: 1);
        var backend = BackendOption.Create();
        var devices = DevicesOption.Create();
        var shard = ShardOption.Create();
        var quiet = QuietOption.Create();
        var sizing = new InputSizeOptions();
        var command = new Command("embed", "Export the pooled embedding (the vector the classifier reads) of every image in a folder, or of a .npy batch of any size; unreadable images are listed and make the exit code 1 (none readable: nothing is written).")
        {
            model, dir, outPath, batch, backend, devices, quiet, shard,
        };
        foreach (var option in sizing.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string root = parse.GetValue(dir)!, path = ShardPath.For(parse.GetValue(outPath)!, parse.GetValue(shard)), modelName = parse.GetValue(model)!;
            OutputPath.Check("--output", path, ".npy", modelName);
            OutputPath.RefuseInput("--output", EmbeddingExport.FileListPath(path), modelName);
            var preprocessing = sizing.Read(parse);
            if (root.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            {
                if (preprocessing is not null) throw new UsageException("the size options apply to images; a .npy batch is taken as it is");
                OutputPath.RefuseInput("--output", path, root);
                using var batchNet = DevicesOption.Load(ModelSource.Weights(modelName), parse.GetValue(backend), 0, parse.GetValue(devices));
                var written = EmbeddingExport.WriteBatch(batchNet, root, path);
                output.WriteLine($"{path}: {written.Rows} x {written.EmbeddingSize} embeddings; rows named in {EmbeddingExport.FileListPath(path)}");
                return 0;
            }
            var files = ImageFolder.NonEmpty(root, parse.GetValue(shard));
            using var net = DevicesOption.Load(ModelSource.Weights(modelName), parse.GetValue(backend), 0, parse.GetValue(devices));
            using var progress = ProgressReport.Start(error, parse.GetValue(quiet), "embed", files.Count);
            var result = EmbeddingExport.Write(net, root, files, path, parse.GetValue(batch), done => progress.Report(done), (_, message) => error.WriteLine($"error: {message}"),
                sizing: preprocessing);
            output.WriteLine($"{path}: {result.Rows} x {result.EmbeddingSize} embeddings; files in {EmbeddingExport.FileListPath(path)}");
            if (result.Unreadable.Count == 0) return 0;
            error.WriteLine($"error: {result.Unreadable.Count} of {files.Count} images could not be read");
            return 1;
        });
        return command;
    }
}
