using System.CommandLine;
using ShuffleNetGpu.Networks;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Cli.Commands;

static class InitCommand
{
    public static Command Create(TextWriter output)
    {
        var id = new Argument<string>("id") { Description = "A released configuration: " + string.Join(", ", ModelZoo.Ids) };
        var outPath = new Option<string>("--output", "-o") { Description = "The .safetensors file to write.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed gives the same file).", DefaultValueFactory = _ => 0 };
        var classes = new Option<int>("--classes") { Description = "Classifier outputs.", DefaultValueFactory = _ => ModelZoo.ImageNetClasses };
        var command = new Command("init", "Write a configuration with deterministic random weights (activations of order 1 through the depth).")
        {
            id, outPath, seed, classes,
        };
        command.SetAction(parse =>
        {
            var config = ModelZoo.Get(parse.GetValue(id)!, parse.GetValue(classes));
            var weights = WeightGenerator.Generate(config, parse.GetValue(seed));
            string path = parse.GetValue(outPath)!;
            weights.Save(path, new Dictionary<string, string> { ["model_id"] = parse.GetValue(id)! });
            output.WriteLine($"{path}: {parse.GetValue(id)} with generated weights (seed {parse.GetValue(seed)})");
            return 0;
        });
        return command;
    }
}
