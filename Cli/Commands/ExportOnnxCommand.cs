using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Converter.Onnx;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Cli.Commands;

static class ExportOnnxCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string>("model") { Description = "A converted .safetensors file, a checkpoint, or a zoo id (generated weights)." };
        var outPath = new Option<string>("--output", "-o") { Description = "The .onnx file to write.", Required = true };
        var batch = NumberOption.Optional("--batch", "A fixed batch size (default: a dynamic batch dimension 'N').", min: 1);
        var dynamicSize = new Option<bool>("--dynamic-size")
        {
            Description = "Export the backbone with a dynamic height and width: input 'input' [N, 3, H, W] (H, W >= 32), outputs 'c2'..'c5'. " +
                          "The classification head pools with a fixed 7x7 window, so it is left out.",
        };
        var command = new Command("export-onnx", $"Write the model as ONNX (opset {OnnxExporter.Opset}): input 'input' [N, 3, 224, 224] float32, output 'logits' [N, classes]; with --dynamic-size the backbone at any size.")
        {
            model, outPath, batch, dynamicSize,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(model)!, path = parse.GetValue(outPath)!;
            int? fixedBatch = parse.GetValue(batch);
            OutputPath.Check("--output", path, ".onnx", name);
            var weights = ModelSource.Weights(name);
            bool dynamic = parse.GetValue(dynamicSize);
            OnnxExporter.Export(weights, path, fixedBatch, dynamic);
            string origin = ModelZoo.TryGet(name, out _) ? " with generated weights" : "";
            output.WriteLine($"{path}: {ModelWeights.JsonFamilyName(weights.Config.Family)}{origin}, ONNX opset {OnnxExporter.Opset}, " +
                             $"batch {(fixedBatch is { } b ? b.ToString() : "dynamic")}, " +
                             (dynamic ? "height and width dynamic, outputs c2..c5, " : "") + $"{new FileInfo(path).Length:N0} bytes");
            return 0;
        });
        return command;
    }
}
