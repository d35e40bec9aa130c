using System.CommandLine;
using System.Text.Json;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Cli.Commands;

static class ClassifyCommand
{
    static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tga", ".tif", ".tiff"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint or a zoo id (generated weights).", Required = true };
        var images = new Argument<string[]>("images") { Description = "Image files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top") { Description = "How many classes to show per image.", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 8 };
        var threads = CpuThreadsOption.Create();
        var backend = new Option<string>("--backend") { Description = $"One of {string.Join(", ", BackendNames.ValidNames)}.", DefaultValueFactory = _ => "auto" };
        var json = new Option<bool>("--json") { Description = "One JSON object per image on stdout." };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Refuse images larger than this (decompression-bomb limit).", DefaultValueFactory = _ => ImagePreprocessor.DefaultMaxPixels };
        var command = new Command("classify", "Classify image files: exact upstream preprocessing, softmax probabilities, top-K ImageNet labels.")
        {
            model, images, top, batch, backend, threads, json, maxPixels,
        };
        command.SetAction(parse =>
        {
            int k = parse.GetValue(top), batchSize = parse.GetValue(batch);
            if (k < 1) throw new ShuffleNetException($"--top must be >= 1, got {k}");
            if (batchSize < 1) throw new ShuffleNetException($"--batch must be >= 1, got {batchSize}");
            var files = Expand(parse.GetValue(images)!);
            using var net = ShuffleNet.FromWeights(ModelSource.Weights(parse.GetValue(model)!), BackendNames.Parse(parse.GetValue(backend)!), parse.GetValue(threads));
            bool large = net.Config.Family == ModelFamily.Large;
            var failed = new List<string>();
            var progress = new ProgressLine(error, files.Count);
            for (int start = 0; start < files.Count; start += batchSize)
            {
                var chunk = files.Skip(start).Take(batchSize).ToList();
                var loaded = new List<(string File, float[] Input)>();
                foreach (var file in chunk)
                {
                    try { loaded.Add((file, ImagePreprocessor.Load(file, large, parse.GetValue(maxPixels)))); }
                    catch (Exception e) when (e is ShuffleNetException or FileNotFoundException) { failed.Add(e.Message); error.WriteLine($"error: {e.Message}"); }
                }
                if (loaded.Count > 0)
                {
                    var logits = net.Run(loaded.SelectMany(l => l.Input).ToArray());
                    int classes = logits.Length / loaded.Count;
                    for (int i = 0; i < loaded.Count; i++)
                        Print(output, loaded[i].File, Softmax.TopK(logits.AsSpan(i * classes, classes), k), parse.GetValue(json));
                }
                progress.Report(Math.Min(start + batchSize, files.Count));
            }
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
            if (Directory.Exists(p)) files.AddRange(ImageFiles(p));
            else files.Add(p); // a missing or unreadable file is reported by the loader, naming it
        }
        return files;
    }

    /// <summary>The image files below <paramref name="folder"/> (by extension, recursively), in ordinal order.</summary>
    public static IEnumerable<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal);

    static void Print(TextWriter output, string file, IReadOnlyList<(int Class, double Probability)> best, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                file,
                top = best.Select(b => new { @class = b.Class, label = ImageNetLabels.Of(b.Class), probability = Math.Round(b.Probability, 6) }),
            }));
            return;
        }
        output.WriteLine(file);
        foreach (var (c, prob) in best) output.WriteLine($"  {prob,8:P2}  {c,4}  {ImageNetLabels.Of(c)}");
    }
}

/// <summary>Softmax in double and the K most probable classes (ties: lower index first).</summary>
public static class Softmax
{
    public static IReadOnlyList<(int Class, double Probability)> TopK(ReadOnlySpan<float> logits, int k)
    {
        double max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += p[i] = Math.Exp(logits[i] - max);
        return p.Select((v, i) => (Class: i, Probability: v / sum)).OrderByDescending(x => x.Probability).ThenBy(x => x.Class).Take(k).ToList();
    }
}
