using System.CommandLine;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Classes;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Runtime.Verification;

using ShuffleNetGpu.Cli.Options;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// The whole pipeline on files shipped inside the tool (<see cref="DemoFiles"/>), no download and no repository:
/// convert a fixture checkpoint, check its logits against PyTorch's on every backend present, classify the sample images.
/// </summary>
static class DemoCommand
{
    public static Command Create(TextWriter output)
    {
        var backends = BackendListOption.Create();
        var command = new Command("demo", "Convert a shipped checkpoint, check it against PyTorch's logits and classify sample images on every backend present.")
        {
            backends,
        };
        command.SetAction(parse =>
        {
            var kinds = BackendListOption.Select(parse.GetValue(backends)!, output);
            using var files = new DemoFiles();
            output.WriteLine("Model: tiny-shufflenetv2 (shipped with the tool)");
            output.WriteLine("  a tiny ShuffleNetV2 (10 classes) made with the upstream PyTorch code for testing. Its weights are NOT");
            output.WriteLine("  ImageNet-trained: the classes below show the pipeline working, not a real prediction. For real use:");
            output.WriteLine("    shufflenet convert ShuffleNetV2.1.0x.pth.tar -o v2.safetensors --model shufflenetv2-1.0x");
            output.WriteLine("    shufflenet classify --model v2.safetensors photo.jpg");
            output.WriteLine();

            var weights = CheckpointConverter.ConvertToFile(files.Checkpoint, files.Converted);
            output.WriteLine($"1. convert: {Networks.Weights.ModelWeights.JsonFamilyName(weights.Config.Family)}, {weights.Graph.Parameters:N0} parameters, config inferred from tensor shapes; batch norm folded");
            var (_, input) = NpyFile.Read(files.Input);
            var (_, expected) = NpyFile.Read(files.Logits);
            var names = ClassLabels.For(weights.Config.NumClasses, labelsFile: null);
            bool allMatch = true;
            foreach (var kind in kinds)
            {
                using var net = ShuffleNet.Load(files.Converted, kind);
                output.WriteLine($"\n{kind.ToName()}: {net.DeviceDescription}");
                var logits = net.Run(input);
                double error = RelativeError.L2(logits, expected);
                bool ok = error <= 1e-4;
                allMatch &= ok;
                output.WriteLine($"2. logits vs PyTorch float64 reference: relative L2 error {error:E2} ({(ok ? "match" : "MISMATCH")}, tolerance 1e-4)");
                output.WriteLine("3. classify sample images (exact upstream preprocessing):");
                var batch = files.Images.SelectMany(f => ImagePreprocessor.Load(f)).ToArray();
                var scores = net.Run(batch);
                int classes = scores.Length / files.Images.Count;
                for (int i = 0; i < files.Images.Count; i++)
                {
                    var best = Softmax.TopK(scores.AsSpan(i * classes, classes), 5);
                    output.WriteLine($"   {Path.GetFileName(files.Images[i]),-24} " + string.Join(", ", best.Select(b => $"{names.Of(b.Class)} {b.Probability:P0}")));
                }
            }
            return allMatch ? 0 : 1;
        });
        return command;
    }
}
