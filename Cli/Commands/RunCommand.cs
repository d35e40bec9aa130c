using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Cli.Commands;

static class RunCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "A .safetensors file, a checkpoint (converted in memory) or a zoo id (generated weights, seed 0).", Required = true };
        var input = new Option<string>("--input") { Description = "float32 NCHW .npy: N x 3 x 224 x 224, BGR 0..255.", Required = true };
        var outPath = new Option<string>("--output") { Description = "The .npy to write: N x classes logits, or the --layer activation.", Required = true };
        var threads = CpuThreadsOption.Create();
        var backend = BackendOption.Create();
        var devices = DevicesOption.Create();
        var layer = new Option<string?>("--layer") { Description = "Write this module's output instead (e.g. features.3, first_conv), for debugging." };
        var profile = new Option<bool>("--profile") { Description = "After a warm-up run, time each kernel (synchronising after every op) and print the table: ms, GMAC/s and, on the cpu backend, the share of the measured FMA peak." };
        var repeat = NumberOption.Create("--profile-repeat", "With --profile on the cpu backend: run each op this many times and keep the fastest (the op's own cost on a busy machine).", defaultValue: 20, min: 1);
        var passes = NumberOption.Create("--profile-passes", "With --profile on the cpu backend: instead of repeating each op, run this many whole passes and keep each op's median, timed in its place in the pass (what it costs with the caches as a real pass leaves them).", defaultValue: 1, min: 1);
        var byShape = new Option<bool>("--profile-shapes") { Description = "With --profile on the cpu backend: one row per kernel and output map size (kernel size and stride for convolutions) instead of one per kernel." };
        var command = new Command("run", "Run a network on a batch of preprocessed images.") { model, input, outPath, backend, devices, threads, layer, profile, repeat, passes, byShape };
        command.SetAction(parse =>
        {
            var kind = parse.GetValue(backend);
            OutputPath.Check("--output", parse.GetValue(outPath)!, ".npy", parse.GetValue(input), parse.GetValue(model));
            var (shape, data) = NpyFile.Read(parse.GetValue(input)!);
            if (shape.Length != 4 || shape[1] != 3 || shape[2] != 224 || shape[3] != 224)
                throw new ShuffleNetException($"{parse.GetValue(input)}: shape ({string.Join(", ", shape)}) is not N x 3 x 224 x 224");
            using var net = DevicesOption.Load(ModelSource.Weights(parse.GetValue(model)!), kind, parse.GetValue(threads), parse.GetValue(devices));
            output.WriteLine($"device: {net.DeviceDescription}");
            output.WriteLine($"kernels compiled in {net.CompileTime.TotalSeconds:F2} s");
            if (parse.GetValue(profile))
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                net.Run(data);
                output.WriteLine($"warm-up run: {watch.Elapsed.TotalMilliseconds:F1} ms");
                bool cpu = net.Backend == Runtime.Backends.BackendKind.Cpu;
                int passCount = cpu ? parse.GetValue(passes) : 1;
                int repetitions = cpu && passCount == 1 ? parse.GetValue(repeat) : 1;
                net.Profile = new Runtime.Execution.OpProfile { Repetitions = repetitions, Passes = passCount, ByShape = cpu && parse.GetValue(byShape) };
                watch.Restart();
                net.Run(data);
                output.WriteLine($"profiled run: {watch.Elapsed.TotalMilliseconds:F1} ms, {net.Graph.Ops.Count} kernels per forward pass" +
                    (repetitions > 1 ? $"; each op's time is the fastest of {repetitions} repetitions" : "") +
                    (passCount > 1 ? $"; each op's time is its median over {passCount} whole passes" : ""));
                if (net.Profile.PeakGmacs is { } peak) output.WriteLine($"measured FMA peak: {peak:F1} GMAC/s on the engine's threads");
                if (net.Profile.MaskedLoadRatio is { } masked) output.WriteLine($"measured masked load: {masked:F1}x a plain load");
                output.WriteLine(net.Profile.ToString());
                net.Profile = null;
            }
            string path = parse.GetValue(outPath)!;
            if (parse.GetValue(layer) is { } name)
            {
                var (layerShape, values) = net.RunLayer(data, name);
                NpyFile.Write(path, layerShape, values);
                output.WriteLine($"{path}: {name} ({string.Join(" x ", layerShape)})");
                return 0;
            }
            var logits = net.Run(data);
            int classes = logits.Length / shape[0];
            NpyFile.Write(path, [shape[0], classes], logits);
            for (int i = 0; i < shape[0]; i++)
            {
                var top = logits.AsSpan(i * classes, classes).ToArray().Select((v, c) => (v, c)).OrderByDescending(x => x.v).Take(5);
                output.WriteLine($"image {i}: top-5 classes {string.Join(", ", top.Select(t => $"{t.c} ({t.v:F3})"))}");
            }
            output.WriteLine($"{path}: {shape[0]} x {classes} logits");
            return 0;
        });
        return command;
    }
}
