using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Cli.Progress;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Classes;
using ShuffleNetGpu.Imaging.Pipeline;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu.Cli.Commands;

static class ClassifyCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint or a zoo id (generated weights: not a prediction).", Required = true };
        var images = new Argument<string[]>("images") { Description = "Image files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var top = NumberOption.Create("--top", "How many classes to show per image.", defaultValue: 5, min: 1);
        var batch = NumberOption.Create("--batch", "Images per forward pass.", defaultValue: 8, min: 1);
        var threads = CpuThreadsOption.Create();
        var backend = BackendOption.Create();
        var devices = DevicesOption.Create();
        var json = new Option<bool>("--json") { Description = "One JSON object per image on stdout." };
        var maxPixels = NumberOption.Create("--max-pixels", "Refuse images larger than this (decompression-bomb limit).", ImagePreprocessor.DefaultMaxPixels, min: 1L);
        var labels = new Option<string?>("--labels")
        {
            Description = "A text file naming the classes, one label per line, as many lines as the model has classes (default: ImageNet's names for a 1000-class model, else class numbers).",
        };
        var shard = ShardOption.Create();
        var quiet = QuietOption.Create();
        var precision = PrecisionOption.Create();
        var command = new Command("classify", "Classify image files: exact upstream preprocessing, softmax probabilities, top-K labels.")
        {
            model, images, top, batch, backend, devices, threads, json, maxPixels, labels, quiet, shard, precision,
        };
        command.SetAction(parse =>
        {
            int k = parse.GetValue(top), batchSize = parse.GetValue(batch);
            bool asJson = parse.GetValue(json);
            var files = Shard.Select(parse.GetValue(shard), Expand(parse.GetValue(images)!));
            string modelName = parse.GetValue(model)!;
            var weights = ModelSource.Weights(modelName);
            using var net = DevicesOption.Load(weights, parse.GetValue(backend), parse.GetValue(threads), parse.GetValue(devices), parse.GetValue(precision));
            var names = ClassLabels.For(net.Config.NumClasses, parse.GetValue(labels));
            string? warning = weights.IsGenerated ? ModelSource.GeneratedWarning : null;
            if (warning is not null) error.WriteLine($"warning: {modelName}: {warning}");
            bool large = net.Config.Family == ModelFamily.Large;
            var failed = new List<string>();
            using var progress = ProgressReport.Start(error, parse.GetValue(quiet), "classify", files.Count);
            var pool = new PreprocessingPool(batch: batchSize);
            int ran = 0;
            // Decoding, the engine and the copies overlap: the stream takes the next batch while this one runs.
            var timing = StreamedBatches.Run(net, pool.Load(files, large, parse.GetValue(maxPixels)), item => item, batchSize,
                item => { failed.Add(item.Error!.Message); error.WriteLine($"error: {item.Error.Message}"); },
                (loaded, logits) =>
                {
                    ran += loaded.Count;
                    int classes = logits.Length / loaded.Count;
                    for (int i = 0; i < loaded.Count; i++)
                        Print(output, loaded[i].Path, Softmax.TopK(logits.AsSpan(i * classes, classes), k), names, asJson, warning);
                },
                seen => progress.Report(seen));
            if (!parse.GetValue(quiet)) error.WriteLine(PipelineSpeed.Describe(pool, ran, timing, net.DeviceDescription));
            if (failed.Count == 0) return 0;
            error.WriteLine($"error: {failed.Count} of {files.Count} images could not be read");
            return 1;
        });
        return command;
    }

    static List<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p)) files.AddRange(ImageFolder.NonEmpty(p));
            else files.Add(p); // a missing or unreadable file is reported by the loader, naming it
        }
        return files;
    }

    static void Print(TextWriter output, string file, IReadOnlyList<(int Class, double Probability)> best, ClassLabels names, bool json, string? warning)
    {
        if (json)
        {
            var top = best.Select(b => new { @class = b.Class, label = names.Of(b.Class), probability = Math.Round(b.Probability, 6) });
            output.WriteLine(warning is null ? JsonSerializer.Serialize(new { file, top }) : JsonSerializer.Serialize(new { file, warning, top }));
            return;
        }
        output.WriteLine(file);
        foreach (var (c, prob) in best) output.WriteLine($"  {prob,8:P2}  {c,4}  {names.Of(c)}");
    }
}
