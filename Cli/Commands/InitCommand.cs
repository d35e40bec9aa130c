using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Cli.Commands;

static class InitCommand
{
    public static Command Create(TextWriter output)
    {
        var id = new Argument<string?>("model")
        {
            Description = "A released configuration (" + string.Join(", ", ModelZoo.Ids) + ") or a candidate string (FAMILY:CHOICES[:key=value]..., see README).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var family = new Option<string?>("--family") { Description = "A searched family for a candidate given by parts: v2plus, oneshot or detnas." };
        var arch = new Option<string?>("--arch") { Description = "With --family: one block choice per block, comma-separated (0/1/2 = shuffle 3x3/5x5/7x7, 3 = Xception)." };
        var scales = new Option<string?>("--scales") { Description = "With --family oneshot: one channel scale per block (0.2, 0.4, ..., 1.6)." };
        var width = new Option<string?>("--width") { Description = "With --family: v2plus small|medium|large; detnas 300m (20 choices) or 1.3g|3.8g (40 choices)." };
        var outPath = new Option<string>("--output", "-o") { Description = "The .safetensors file to write.", Required = true };
        var seed = NumberOption.Create("--seed", "Random seed (the same seed gives the same file).", defaultValue: 0, min: int.MinValue);
        var classes = NumberOption.Create("--classes", "Classifier outputs.", defaultValue: ModelZoo.ImageNetClasses, min: 1, max: ModelConfig.MaxClasses);
        var command = new Command("init", "Write a released configuration or a search-space candidate with deterministic random weights (activations of order 1 through the depth).")
        {
            id, family, arch, scales, width, outPath, seed, classes,
        };
        command.SetAction(parse =>
        {
            string? name = parse.GetValue(id), familyName = parse.GetValue(family);
            int numClasses = parse.GetValue(classes);
            if ((name is null) == (familyName is null))
                throw new UsageException("init: give either a MODEL (id or candidate string) or --family with --arch");
            if (familyName is null && new[] { arch, scales, width }.Any(o => parse.GetResult(o) is not null))
                throw new UsageException("init: --arch, --scales and --width go with --family");
            string path = parse.GetValue(outPath)!;
            OutputPath.Check("--output", path, ".safetensors");
            ModelConfig config;
            if (familyName is not null)
            {
                string choices = parse.GetValue(arch) ?? throw new UsageException("init: --family needs --arch (one block choice per block)");
                var parts = new List<string> { familyName, choices };
                if (parse.GetValue(scales) is { } s) parts.Add("scales=" + s);
                if (parse.GetValue(width) is { } w) parts.Add("width=" + w);
                if (numClasses != ModelZoo.ImageNetClasses) parts.Add($"classes={numClasses}");
                var candidate = CandidateSpec.Parse(string.Join(":", parts));
                (name, config) = (candidate.Text, candidate.Config);
            }
            else if (CandidateSpec.IsCandidate(name!))
            {
                bool classesGiven = parse.GetResult(classes) is { Implicit: false };
                var candidate = CandidateSpec.Parse(classesGiven ? $"{name}:classes={numClasses}" : name!);
                (name, config) = (candidate.Text, candidate.Config);
            }
            else config = ModelZoo.Get(name!, numClasses);
            var weights = WeightGenerator.Generate(config, parse.GetValue(seed));
            weights.Save(path, new Dictionary<string, string> { ["model_id"] = name! });
            output.WriteLine($"{path}: {name} with generated weights (seed {parse.GetValue(seed)})");
            return 0;
        });
        return command;
    }
}
