using System.CommandLine;
using System.Diagnostics;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Runtime.Imaging;
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
            "How sub-folders name classes: 'index' (the class number) or 'synsets' (WordNet ids; sorted, they are the class order, so all classes must be present).",
            LabelKinds, defaultValue: "synsets");
        var batch = NumberOption.Create("--batch", "Images per forward pass.", defaultValue: 16, min: 1);
        var threads = CpuThreadsOption.Create();
        var backend = BackendOption.Create();
        var shard = ShardOption.Create();
        var command = new Command("eval", "Top-1 and top-5 accuracy, images per second and unreadable files, over an ImageNet-style folder.")
        {
            model, dir, labels, batch, backend, threads, shard,
        };
        command.SetAction(parse =>
        {
            string root = parse.GetValue(dir)!;
            if (!Directory.Exists(root)) throw new ShuffleNetException($"{root}: not a folder");
            int batchSize = parse.GetValue(batch);
            string modelName = parse.GetValue(model)!;
            var weights = ModelSource.Weights(modelName);
            if (weights.IsGenerated) error.WriteLine($"warning: {modelName}: {ModelSource.GeneratedWarning}");
            using var net = ShuffleNet.FromWeights(weights, parse.GetValue(backend), parse.GetValue(threads));
            int classes = net.Config.NumClasses;
            var samples = Shard.Select(parse.GetValue(shard), Samples(root, parse.GetValue(labels)!, classes));
            bool large = net.Config.Family == ModelFamily.Large;

            int top1 = 0, top5 = 0, done = 0;
            var unreadable = new List<string>();
            var progress = new ProgressLine(error, samples.Count);
            var watch = Stopwatch.StartNew();
            for (int start = 0; start < samples.Count; start += batchSize)
            {
                var loaded = new List<(float[] Input, int Label)>();
                foreach (var (file, label) in samples.Skip(start).Take(batchSize))
                {
                    try { loaded.Add((ImagePreprocessor.Load(file, large), label)); }
                    catch (Exception e) when (e is ShuffleNetException or FileNotFoundException) { unreadable.Add(e.Message); }
                }
                if (loaded.Count == 0) { progress.Report(Math.Min(start + batchSize, samples.Count)); continue; }
                var logits = net.Run(loaded.SelectMany(l => l.Input).ToArray());
                for (int i = 0; i < loaded.Count; i++)
                {
                    var best = Softmax.TopK(logits.AsSpan(i * classes, classes), Math.Min(5, classes));
                    if (best[0].Class == loaded[i].Label) top1++;
                    if (best.Any(b => b.Class == loaded[i].Label)) top5++;
                }
                done += loaded.Count;
                progress.Report(Math.Min(start + batchSize, samples.Count), $"top-1 {100.0 * top1 / done:F2}%");
            }
            double seconds = watch.Elapsed.TotalSeconds;
            output.WriteLine($"images: {done} evaluated, {unreadable.Count} unreadable");
            if (done > 0)
            {
                output.WriteLine($"top-1: {100.0 * top1 / done:F2}% ({top1}/{done})");
                output.WriteLine($"top-5: {100.0 * top5 / done:F2}% ({top5}/{done})");
                output.WriteLine($"speed: {done / seconds:F1} images/s on {net.DeviceDescription} (preprocessing included)");
            }
            foreach (var u in unreadable) output.WriteLine($"unreadable: {u}");
            return unreadable.Count == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>(file, class index) for every image below <paramref name="root"/>, in a stable order.</summary>
    static List<(string File, int Label)> Samples(string root, string labels, int classes)
    {
        var folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length == 0) throw new ShuffleNetException($"{root}: has no class sub-folders");
        var labelOf = new Dictionary<string, int>();
        switch (labels)
        {
            case "index":
                foreach (var f in folders)
                {
                    string name = Path.GetFileName(f);
                    if (!int.TryParse(name, out int index) || index < 0 || index >= classes)
                        throw new ShuffleNetException($"{f}: folder name '{name}' is not a class index 0..{classes - 1}");
                    labelOf[f] = index;
                }
                break;
            case "synsets":
                if (folders.Length != classes)
                    throw new ShuffleNetException($"{root}: {folders.Length} synset folders, but the model has {classes} classes (use --labels index for a subset)");
                for (int i = 0; i < folders.Length; i++) labelOf[folders[i]] = i;
                break;
            default:
                throw new UsageException(ChoiceOption.Check("--labels", labels, LabelKinds)!);
        }
        return folders.SelectMany(f => ImageFolder.Files(f).Select(file => (file, labelOf[f]))).ToList();
    }
}
