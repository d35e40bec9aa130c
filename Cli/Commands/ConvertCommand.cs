using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Cli.Progress;
using ShuffleNetGpu.Converter;

namespace ShuffleNetGpu.Cli.Commands;

static class ConvertCommand
{
    /// <summary>Checkpoints smaller than this convert in about a second: no progress (and a failure stays one line).</summary>
    public const long ProgressBytes = 64L << 20;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A released PyTorch checkpoint (.pth.tar/.pkl, legacy or zip format)." };
        var outPath = new Option<string>("--output", "-o") { Description = "The converted .safetensors file to write.", Required = true };
        var model = new Option<string?>("--model") { Description = "Also assert that the checkpoint is this released configuration (a zoo id)." };
        var allowNonFinite = new Option<bool>("--allow-nonfinite") { Description = "Convert even if a weight holds NaN or infinity." };
        var quiet = QuietOption.Create();
        var command = new Command("convert", "Convert a checkpoint into the weights format (batch norm folded, configuration inferred and stored).")
        {
            checkpoint, outPath, model, allowNonFinite, quiet,
        };
        command.SetAction(parse =>
        {
            OutputPath.Check("--output", parse.GetValue(outPath)!, ".safetensors", parse.GetValue(checkpoint));
            var steps = CheckpointConverter.Steps;
            string source = parse.GetValue(checkpoint)!;
            bool small = !File.Exists(source) || new FileInfo(source).Length < ProgressBytes;
            using var progress = ProgressReport.Start(error, parse.GetValue(quiet) || small, "convert", steps.Count, "steps", handful: 0);
            var options = new ConvertOptions
            {
                ExpectedModelId = parse.GetValue(model), AllowNonFinite = parse.GetValue(allowNonFinite),
                StepDone = done => progress.Report(done, done < steps.Count ? $"({steps[done]})" : ""),
            };
            var weights = CheckpointConverter.ConvertToFile(parse.GetValue(checkpoint)!, parse.GetValue(outPath)!, options);
            output.WriteLine($"{parse.GetValue(outPath)}: {ShuffleNetGpu.Networks.Weights.ModelWeights.JsonFamilyName(weights.Config.Family)}, {weights.Graph.Parameters:N0} parameters, {weights.Graph.Macs:N0} multiply-adds");
            return 0;
        });
        return command;
    }
}
