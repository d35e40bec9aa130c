using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Cli.Pictures;
using ShuffleNetGpu.Cli.Progress;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Classes;
using ShuffleNetGpu.Imaging.Pipeline;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>Top-1/top-5 accuracy over an ImageNet-style folder: one sub-folder per class.</summary>
static class EvalCommand
{
    static readonly string[] LabelKinds = ["index", "synsets"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint or a zoo id.", Required = true };
        var dir = new Argument<string>("dir") { Description = "One sub-folder per class holding that class's images." };
        var labels = ChoiceOption.Create("--labels",
            "How sub-folders name classes: 'index' (the class number) or 'synsets' (ImageNet-1k WordNet ids such as n01440764, each mapped to its class; any subset of the 1000 classes).",
            LabelKinds, defaultValue: "synsets");
        var batch = NumberOption.Create("--batch", "Images per forward pass.", defaultValue: 16, min: 1);
        var threads = CpuThreadsOption.Create();
        var backend = BackendOption.Create();
        var devices = DevicesOption.Create();
        var shard = ShardOption.Create();
        var json = new Option<bool>("--json") { Description = "One JSON object on stdout: top-1/top-5 overall and per class, images/s, the misclassified and unreadable files." };
        var confusion = new Option<string?>("--confusion") { Description = $"Also draw the confusion matrix of the class folders into this .png (at most {ConfusionPlot.MaxClasses} classes)." };
        var quiet = QuietOption.Create();
        var precision = PrecisionOption.Create();
        var command = new Command("eval", "Top-1 and top-5 accuracy (overall and per class), images per second, misclassified and unreadable files, over an ImageNet-style folder.")
        {
            model, dir, labels, batch, backend, devices, threads, json, confusion, quiet, shard, precision,
        };
        command.SetAction(parse =>
        {
            string root = parse.GetValue(dir)!;
            if (!Directory.Exists(root)) throw new ShuffleNetException($"{root}: not a folder");
            int batchSize = parse.GetValue(batch);
            bool asJson = parse.GetValue(json);
            string modelName = parse.GetValue(model)!;
            var weights = ModelSource.Weights(modelName);
            if (weights.IsGenerated) error.WriteLine($"warning: {modelName}: {ModelSource.GeneratedWarning}");
            using var net = DevicesOption.Load(weights, parse.GetValue(backend), parse.GetValue(threads), parse.GetValue(devices), parse.GetValue(precision));
            int classes = net.Config.NumClasses;
            var names = ClassLabels.For(classes, null);
            var (classFolders, allSamples) = Samples(root, parse.GetValue(labels)!, classes, modelName, names);
            var samples = Shard.Select(parse.GetValue(shard), allSamples);
            string? confusionPath = parse.GetValue(confusion);
            if (confusionPath is not null)
            {
                PngFile.CheckName("--confusion", confusionPath);
                if (classFolders.Count > ConfusionPlot.MaxClasses)
                    throw new UsageException($"--confusion: {classFolders.Count} class folders; the matrix is drawn for at most {ConfusionPlot.MaxClasses}");
            }
            bool large = net.Config.Family == ModelFamily.Large;

            var tally = new EvalTally(classFolders, names.Of);
            double seconds;
            var pool = new PreprocessingPool(batch: batchSize);
            StreamedBatches.Timing timing;
            using (var progress = ProgressReport.Start(error, parse.GetValue(quiet), "eval", samples.Count))
            {
                var files = samples.Select(s => s.File).ToList();
                // Decoding, the engine and the copies overlap: the stream takes the next batch while this one runs.
                timing = StreamedBatches.Run(net, pool.Load(files, large).Select((item, i) => (Item: item, samples[i].Label)), c => c.Item, batchSize,
                    c => tally.Unreadable.Add(c.Item.Error!.Message),
                    (loaded, logits) =>
                    {
                        for (int i = 0; i < loaded.Count; i++)
                            tally.Add(loaded[i].Item.Path, loaded[i].Label, Softmax.TopK(logits.AsSpan(i * classes, classes), Math.Min(5, classes)));
                    },
                    seen => progress.Report(seen, tally.Images > 0 ? $"top-1 {100.0 * tally.Top1 / tally.Images:F2}%" : ""));
                seconds = timing.Wall.TotalSeconds;
            }
            if (confusionPath is not null)
                ConfusionPlot.Save(classFolders.Select(c => (c.Index, c.Label)).ToList(), tally.Predictions, confusionPath);
            if (asJson) output.WriteLine(tally.ToJson(modelName, net.DeviceDescription, seconds).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else tally.WriteText(output, seconds, net.DeviceDescription);
            // Decode and engine speeds apart (stdout keeps pure JSON under --json).
            if (tally.Images > 0) (asJson ? error : output).WriteLine(PipelineSpeed.Describe(pool, tally.Images, timing, net.DeviceDescription));
            return tally.Unreadable.Count == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>The class of each sub-folder of <paramref name="root"/>, and (file, class index) for every image below
    /// them, in a stable order.</summary>
    static (List<EvalClass> Classes, List<(string File, int Label)> Samples) Samples(string root, string labels, int classes, string model, ClassLabels names)
    {
        var folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length == 0) throw new ShuffleNetException($"{root}: has no class sub-folders");
        var found = new List<EvalClass>();
        switch (labels)
        {
            case "index":
                foreach (var f in folders)
                {
                    string name = Path.GetFileName(f);
                    if (!int.TryParse(name, out int index) || index < 0 || index >= classes)
                        throw new ShuffleNetException($"{f}: folder name '{name}' is not a class index 0..{classes - 1}");
                    found.Add(new EvalClass(index, f, names.Of(index), classes == ImageNetLabels.Count ? ImageNetLabels.SynsetOf(index) : null));
                }
                break;
            case "synsets":
                if (classes != ImageNetLabels.Count)
                    throw new ShuffleNetException($"{model}: has {classes} classes; synset folders name ImageNet-1k's {ImageNetLabels.Count} (use --labels index for class-number folders)");
                foreach (var f in folders)
                {
                    string name = Path.GetFileName(f);
                    int index = ImageNetLabels.IndexOf(name)
                        ?? throw new ShuffleNetException($"{f}: folder name '{name}' is not an ImageNet-1k WordNet id such as n01440764 (use --labels index for class-number folders)");
                    found.Add(new EvalClass(index, f, names.Of(index), name));
                }
                break;
            default:
                throw new UsageException(ChoiceOption.Check("--labels", labels, LabelKinds)!);
        }
        var duplicate = found.GroupBy(c => c.Index).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ShuffleNetException($"{root}: folders {string.Join(" and ", duplicate.Select(c => Path.GetFileName(c.Folder)))} name the same class {duplicate.Key}");
        return (found, found.SelectMany(c => ImageFolder.Files(c.Folder).Select(file => (file, c.Index))).ToList());
    }
}
