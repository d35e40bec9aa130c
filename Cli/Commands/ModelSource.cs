using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Networks;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>What a <c>--model</c>/<c>MODEL</c> argument names: a zoo id, a converted weights file, or a PyTorch checkpoint.</summary>
static class ModelSource
{
    public static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>Weights: a converted file, a checkpoint converted in memory, or a zoo id with generated weights (seed 0).</summary>
    public static ModelWeights Weights(string model)
    {
        if (ModelZoo.TryGet(model, out var config)) return WeightGenerator.Generate(config);
        if (!File.Exists(model))
            throw new ShuffleNetException($"'{model}' is neither a model id ({string.Join(", ", ModelZoo.Ids)}) nor an existing file");
        return IsSafetensors(model) ? ModelWeights.Load(model) : CheckpointConverter.Convert(model);
    }

    /// <summary>The configuration only (no weights needed for a zoo id; a checkpoint is read and inferred).</summary>
    public static ModelConfig Config(string model)
    {
        if (ModelZoo.TryGet(model, out var config)) return config;
        if (!File.Exists(model))
            throw new ShuffleNetException($"'{model}' is neither a model id ({string.Join(", ", ModelZoo.Ids)}) nor an existing file");
        if (IsSafetensors(model)) return ModelWeights.Load(model).Config;
        var checkpoint = TorchCheckpointReader.Read(model);
        var shapes = checkpoint.Tensors.Where(t => !CheckpointConverter.IsTrainingOnly(t.Name)).ToDictionary(t => t.Name, t => t.Shape);
        return ArchitectureInference.Infer(shapes, Path.GetFileName(model));
    }
}
