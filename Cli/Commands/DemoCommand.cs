using System.CommandLine;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Runtime.Verification;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// The whole pipeline on files shipped in the repository, no download: convert a fixture checkpoint, check its
/// logits against PyTorch's on every backend present, classify the sample images.
/// </summary>
static class DemoCommand
{
    const string Fixture = "tiny-shufflenetv2";

    public static Command Create(TextWriter output)
    {
        var command = new Command("demo", "Convert a shipped checkpoint, check it against PyTorch's logits and classify sample images on every backend present.");
        command.SetAction(_ =>
        {
            string root = ShippedFixtures.FindRoot(Fixture);
            string tiny = Path.Combine(root, "fixtures", "tiny", Fixture);
            string checkpoint = Path.Combine(tiny, "checkpoint.pth.tar");
            output.WriteLine($"Model: {checkpoint}");
            output.WriteLine("  a tiny ShuffleNetV2 (10 classes) made with the upstream PyTorch code for testing. Its weights are NOT");
            output.WriteLine("  ImageNet-trained: the labels below show the pipeline working, not a real prediction. For real use:");
            output.WriteLine("    shufflenet convert ShuffleNetV2.1.0x.pth.tar -o v2.safetensors --model shufflenetv2-1.0x");
            output.WriteLine("    shufflenet classify --model v2.safetensors photo.jpg");
            output.WriteLine();

            string converted = Path.Combine(Path.GetTempPath(), $"shufflenet-demo-{Environment.ProcessId}.safetensors");
            try
            {
                var weights = CheckpointConverter.ConvertToFile(checkpoint, converted);
                output.WriteLine($"1. convert: {Networks.Weights.ModelWeights.JsonFamilyName(weights.Config.Family)}, {weights.Graph.Parameters:N0} parameters, config inferred from tensor shapes; batch norm folded -> {converted}");
                var (_, input) = NpyFile.Read(Path.Combine(tiny, "input.npy"));
                var (_, expected) = NpyFile.Read(Path.Combine(tiny, "logits.npy"));
                var images = Directory.GetFiles(Path.Combine(root, "fixtures", "images"))
                    .Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".jpg", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
                bool allMatch = true;
                foreach (var backend in ComputeDevice.Probe())
                {
                    if (!backend.IsPresent) { output.WriteLine($"\n{backend.Name}: not present ({backend.Detail})"); continue; }
                    using var net = ShuffleNet.Load(converted, backend.Kind);
                    output.WriteLine($"\n{backend.Name}: {net.DeviceDescription}");
                    var logits = net.Run(input);
                    double error = RelativeError.L2(logits, expected);
                    bool ok = error <= 1e-4;
                    allMatch &= ok;
                    output.WriteLine($"2. logits vs PyTorch float64 reference: relative L2 error {error:E2} ({(ok ? "match" : "MISMATCH")}, tolerance 1e-4)");
                    output.WriteLine("3. classify sample images (exact upstream preprocessing):");
                    var batch = images.SelectMany(f => ImagePreprocessor.Load(f)).ToArray();
                    var scores = net.Run(batch);
                    int classes = scores.Length / images.Count;
                    for (int i = 0; i < images.Count; i++)
                    {
                        var best = Softmax.TopK(scores.AsSpan(i * classes, classes), 5);
                        output.WriteLine($"   {Path.GetFileName(images[i]),-24} " + string.Join(", ", best.Select(b => $"{ImageNetLabels.Of(b.Class)} {b.Probability:P0}")));
                    }
                }
                return allMatch ? 0 : 1;
            }
            finally
            {
                if (File.Exists(converted)) File.Delete(converted);
            }
        });
        return command;
    }
}
