using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// What a <c>--model</c>/<c>MODEL</c> argument names: a zoo id, a search-space candidate (<see cref="CandidateSpec"/>,
/// e.g. <c>oneshot:0,0,3,...:scales=...</c>), a converted weights file, or a PyTorch checkpoint. Ids and candidates
/// get generated weights (seed 0).
/// </summary>
static class ModelSource
{
    public static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>What commands print, on stderr and in JSON, about outputs of generated weights (a zoo id, a candidate,
    /// or a file written by <c>init</c>: <see cref="ModelWeights.IsGenerated"/>).</summary>
    public const string GeneratedWarning = "generated weights: not a prediction";

    static readonly AsyncLocal<TextWriter?> notes = new();

    /// <summary>Where one-line notes about a loaded file go: the command's stderr, set by <see cref="ShuffleNetCli.Run"/>
    /// for the command it runs (async-local, so in-process runs on several threads keep their own).</summary>
    public static TextWriter? Notes { get => notes.Value; set => notes.Value = value; }

    /// <summary>A converted file; one without digests (written by another tool, or before files recorded them) still
    /// loads, and the note says once that its data could not be checked.</summary>
    static ModelWeights LoadFile(string path)
    {
        var weights = ModelWeights.Load(path);
        if (!weights.DigestsChecked)
            Notes?.WriteLine($"note: {path} records no tensor digests (written by another tool or an older shufflenet): damage to its data cannot be detected");
        return weights;
    }

    /// <summary>Weights: a converted file, a checkpoint converted in memory, or a zoo id with generated weights (seed 0).</summary>
    public static ModelWeights Weights(string model)
    {
        if (ModelZoo.TryGet(model, out var config)) return WeightGenerator.Generate(config);
        if (CandidateSpec.IsCandidate(model)) return WeightGenerator.Generate(CandidateSpec.Parse(model).Config);
        if (!File.Exists(model)) throw NotFound(model);
        return IsSafetensors(model) ? LoadFile(model) : CheckpointConverter.Convert(model);
    }

    /// <summary>The configuration only (no weights needed for a zoo id; a checkpoint is read and inferred).</summary>
    public static ModelConfig Config(string model)
    {
        if (ModelZoo.TryGet(model, out var config)) return config;
        if (CandidateSpec.IsCandidate(model)) return CandidateSpec.Parse(model).Config;
        if (!File.Exists(model)) throw NotFound(model);
        if (IsSafetensors(model)) return LoadFile(model).Config;
        var checkpoint = TorchCheckpointReader.Read(model);
        var shapes = checkpoint.Tensors.Where(t => !CheckpointConverter.IsTrainingOnly(t.Name)).ToDictionary(t => t.Name, t => t.Shape);
        return ArchitectureInference.Infer(shapes, Path.GetFileName(model));
    }

    static ShuffleNetException NotFound(string model) => new(
        $"'{model}' is neither a model id ({string.Join(", ", ModelZoo.Ids)}), a candidate (v2plus:..., oneshot:..., detnas:...) nor an existing file");
}
