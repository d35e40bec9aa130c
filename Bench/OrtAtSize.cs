using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// ONNX Runtime alone on a <c>export-onnx --dynamic-size</c> backbone at one input size (issue 13's speed table, run by
/// <c>scripts/size-speed.sh</c> in a process of its own, so the two engines never share the cores):
/// <c>dotnet Bench.dll ort-size MODEL.onnx --size 800x1216 [--batch 1] [--runs 10] [--warmup 3] [--threads N]</c>.
/// One JSON line: the median and minimum milliseconds per batch and images/s, the same fields as <c>bench --json</c>.
/// </summary>
public static class OrtAtSize
{
    public static int Run(string[] args)
    {
        string? model = null;
        int height = 800, width = 1216, batch = 1, runs = 10, warmup = 3, threads = Environment.ProcessorCount;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--size":
                    var parts = args[++i].Split('x');
                    (height, width) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
                    break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: model = args[i]; break;
            }
        }
        if (model is null || !File.Exists(model))
        {
            Console.Error.WriteLine("usage: ort-size MODEL.onnx --size HxW [--batch N] [--runs N] [--warmup N] [--threads N]");
            return 2;
        }
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        using var session = new InferenceSession(model, options);
        var input = new float[batch * 3 * height * width];
        var random = new Random(batch);
        for (int i = 0; i < input.Length; i++) input[i] = random.Next(256);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, height, width]);
        var inputs = new Dictionary<string, OrtValue> { [session.InputNames[0]] = value };
        using var runOptions = new RunOptions();
        void Pass() { using var outputs = session.Run(runOptions, inputs, session.OutputNames); }
        for (int i = 0; i < warmup; i++) Pass();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Pass();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var sorted = times.Order().ToArray();
        double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
        Console.WriteLine(new JsonObject
        {
            ["model"] = Path.GetFileNameWithoutExtension(model), ["engine"] = $"onnxruntime {OrtEnv.Instance().GetVersionString()}",
            ["threads"] = threads, ["height"] = height, ["width"] = width, ["batch"] = batch,
            ["median_ms"] = Math.Round(median, 3), ["min_ms"] = Math.Round(sorted[0], 3), ["images_per_s"] = batch * 1000.0 / median,
            ["runs"] = runs, ["warmup"] = warmup,
        }.ToJsonString());
        return 0;
    }
}
