using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Cli.Pictures;
using ShuffleNetGpu.Cli.Progress;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cost;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// Throughput of one model on one backend: for each batch size, warm-up runs, then the median of timed runs, measured
/// two ways: end to end (what a caller of <see cref="ShuffleNet.Run"/> waits for: input upload, every kernel, logits
/// download, device synchronised) and resident (<see cref="ShuffleNet.TimeResident"/>: every kernel on an input already
/// on the device, synchronised; what GPU frameworks such as PyTorch usually report). <c>--size HxW</c> times another
/// input size: the logits where the network classifies at that size, otherwise (or with <c>--backbone</c>) the backbone
/// maps C2..C5, what a detector reads; a backbone run has no resident figure (its maps are read back as they are made).
/// </summary>
static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A zoo id (generated weights), a .safetensors file or a checkpoint.", Required = true };
        var backend = BackendOption.Create();
        var devices = DevicesOption.Create();
        var batches = NumberOption.List("--batch", "Comma-separated batch sizes.", "1,64,256", min: 1, max: 4096);
        var runs = NumberOption.Create("--runs", "Timed runs per batch size (the median is reported).", defaultValue: 20, min: 1);
        var warmup = NumberOption.Create("--warmup", "Untimed runs first (kernel JIT, caches, arena).", defaultValue: 3, min: 0);
        var json = new Option<bool>("--json") { Description = "One JSON object per batch size, one per line." };
        var plot = new Option<string?>("--plot") { Description = "Also draw images/s against batch size into this .png, one line per model and backend." };
        var compare = new Option<string[]>("--compare")
        {
            Description = "Earlier 'bench --json' outputs to draw beside this run in --plot (other models or backends).",
            AllowMultipleArgumentsPerToken = true,
        };
        var size = SizeOption.Create("Input height and width in pixels (default 224x224), e.g. 800x1216: times the backbone (C2..C5) where the network does not classify at that size.");
        var backbone = new Option<bool>("--backbone") { Description = "Time the backbone maps C2..C5 instead of the logits (at any size)." };
        var quiet = QuietOption.Create();
        var precision = PrecisionOption.Create();
        var stream = new Option<bool>("--stream")
        {
            Description = "Also time RunStreamAsync over --runs batches (uploads and downloads overlapped with the kernels on the GPU backends): stream_images_per_s.",
        };
        var command = new Command("bench", "Images/s and milliseconds per batch (median of timed runs after warm-up), peak memory, kernels per forward pass.")
            { model, backend, devices, batches, runs, warmup, json, plot, compare, size, backbone, quiet, precision, stream };
        command.SetAction(parse =>
        {
            var kind = parse.GetValue(backend);
            var (height, width) = parse.GetValue(size) ?? (ShuffleNet.ImageSize, ShuffleNet.ImageSize);
            bool otherSize = height != ShuffleNet.ImageSize || width != ShuffleNet.ImageSize;
            // 64 and 256 images of 800x1216 would take gigabytes: at another size the default is one image.
            var sizes = otherSize && parse.GetResult(batches) is not { Implicit: false } ? [1] : parse.GetValue(batches)!;
            int timed = parse.GetValue(runs), untimed = parse.GetValue(warmup);
            string name = parse.GetValue(model)!;
            string? plotPath = parse.GetValue(plot);
            if (plotPath is not null) PngFile.CheckName("--plot", plotPath);
            var points = (parse.GetValue(compare) ?? []).SelectMany(ComparedPoints).ToList();
            using var net = DevicesOption.Load(ModelSource.Weights(name), kind, 0, parse.GetValue(devices), parse.GetValue(precision));
            var sized = net.Graph.AtInputSize(height, width);
            bool maps = parse.GetValue(backbone) || !sized.HeadPoolCoversMap;
            string timedOutput = maps ? "backbone C2..C5" : "logits";
            long macs = ModelCost.Of(sized, 1, maps ? StageOutputs.All.Select(k => StageOutputs.Tensor(sized, k)).ToList() : [sized.OutputTensor]).Macs;
            bool asJson = parse.GetValue(json);
            if (!asJson)
            {
                output.WriteLine($"model: {name} ({macs / 1e6:F1}M multiply-adds per image)");
                output.WriteLine($"input: {height}x{width}, timed: {timedOutput}");
                output.WriteLine($"device: {net.DeviceDescription}");
                output.WriteLine($"kernels compiled in {net.CompileTime.TotalSeconds:F2} s");
                output.WriteLine($"{"batch",6} {"median ms",10} {"min ms",9} {"images/s",10} {"resident ms",12} {"images/s",10} {"peak MB",9} {"kernels",8}");
            }
            using var progress = ProgressReport.Start(error, parse.GetValue(quiet), "bench", sizes.Length * (untimed + 2 * timed), "runs");
            int runsDone = 0;
            foreach (int n in sizes)
            {
                var input = SyntheticBatch(n, height, width);
                void Pass() { if (maps) net.Features(input, height, width, 2, 3, 4, 5); else net.Run(input, height, width); }
                for (int i = 0; i < untimed; i++) { Pass(); progress.Report(++runsDone, $"batch {n}"); }
                var times = new double[timed];
                for (int i = 0; i < timed; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    Pass();
                    times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    progress.Report(++runsDone, $"batch {n}");
                }
                double median = Median(times);
                double imagesPerSecond = n * 1000.0 / median;
                double? resident = maps ? null : Median(net.TimeResident(input, height, width, timed).Select(t => t.TotalMilliseconds).ToArray());
                double? residentPerSecond = n * 1000.0 / resident;
                progress.Report(runsDone += timed, $"batch {n}");
                double? streamed = parse.GetValue(stream) ? StreamImagesPerSecond(net, input, n, timed) : null;
                points.Add(new BenchPoint(name, net.Backend.ToName(), n, imagesPerSecond));
                if (asJson)
                {
                    output.WriteLine(new JsonObject
                    {
                        ["model"] = name, ["backend"] = net.Backend.ToName(), ["device"] = net.DeviceDescription,
                        ["height"] = height, ["width"] = width, ["output"] = maps ? "backbone" : "logits",
                        ["batch"] = n, ["median_ms"] = Math.Round(median, 4), ["min_ms"] = Math.Round(times.Min(), 4),
                        ["images_per_s"] = imagesPerSecond, ["resident_median_ms"] = resident is { } r ? Math.Round(r, 4) : null,
                        ["resident_images_per_s"] = residentPerSecond, ["runs"] = timed, ["warmup"] = untimed,
                        ["peak_bytes"] = net.PeakAllocatedBytes, ["kernels_per_forward"] = net.LastRunOps,
                        ["stream_images_per_s"] = streamed,
                    }.ToJsonString());
                }
                else
                {
                    string residentText = resident is { } r ? $"{r,12:F3} {residentPerSecond,10:F1}" : $"{"-",12} {"-",10}";
                    output.WriteLine($"{n,6} {median,10:F3} {times.Min(),9:F3} {imagesPerSecond,10:F1} {residentText} {net.PeakAllocatedBytes / 1e6,9:F1} {net.LastRunOps,8}");
                    if (streamed is { } rate) output.WriteLine($"{"",6} stream of {timed} batches: {rate:F1} images/s");
                }
            }
            if (plotPath is not null)
            {
                BenchPlot.Save(points, plotPath, net.DeviceDescription);
                if (!asJson) output.WriteLine($"plot: {plotPath}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Images/s of <see cref="ShuffleNet.RunStreamAsync"/> over <paramref name="batches"/> copies of one batch
    /// (one warm-up stream of two batches first, so page-locked buffers and graphs exist).</summary>
    static double StreamImagesPerSecond(ShuffleNet net, float[] input, int n, int batches)
    {
        static async IAsyncEnumerable<float[]> Repeat(float[] input, int count)
        {
            for (int i = 0; i < count; i++)
            {
                await Task.Yield();
                yield return input;
            }
        }
        async Task Drain(int count)
        {
            await foreach (var _ in net.RunStreamAsync(Repeat(input, count))) { }
        }
        Drain(2).GetAwaiter().GetResult();
        long start = Stopwatch.GetTimestamp();
        Drain(batches).GetAwaiter().GetResult();
        return (double)n * batches / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>The points of an earlier <c>bench --json</c> output (one object per line).</summary>
    static IEnumerable<BenchPoint> ComparedPoints(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: --compare file not found", path);
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#')) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(text); }
            catch (System.Text.Json.JsonException e) { throw new BenchFileException($"{path}:{line}: not a 'bench --json' line ({e.Message})"); }
            if (node?["model"]?.GetValue<string>() is not string m || node["backend"]?.GetValue<string>() is not string b
                || node["batch"]?.GetValue<int>() is not int n || node["images_per_s"]?.GetValue<double>() is not double rate)
                throw new BenchFileException($"{path}:{line}: expected a 'bench --json' object with model, backend, batch and images_per_s");
            yield return new BenchPoint(m, b, n, rate);
        }
    }

    static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /// <summary>A deterministic batch of pixel-like values (0..255): the speed does not depend on the values.</summary>
    static float[] SyntheticBatch(int n, int height, int width)
    {
        var data = new float[checked(n * 3 * height * width)];
        var random = new Random(n);
        for (int i = 0; i < data.Length; i++) data[i] = random.Next(256);
        return data;
    }
}
