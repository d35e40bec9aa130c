using System.Security.Cryptography;
using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Converter;

/// <summary>Options of <see cref="CheckpointConverter.Convert"/>.</summary>
public sealed record ConvertOptions
{
    /// <summary>When set, the checkpoint must be this released configuration (a zoo id); the first disagreeing tensor is named.</summary>
    public string? ExpectedModelId { get; init; }

    /// <summary>Accept NaN/Inf weights (some released files hold them); refused by default, naming the tensor.</summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>Called as each of <see cref="CheckpointConverter.Steps"/> finishes, with how many are done (for progress displays).</summary>
    public Action<int>? StepDone { get; init; }
}

/// <summary>
/// Turns an upstream PyTorch checkpoint into the converted weights format: read safely, infer the configuration,
/// check every tensor against the graph, fold batch norm into the convolution before it, drop training-only heads.
/// </summary>
public static class CheckpointConverter
{
    /// <summary>What a conversion does, in order (<see cref="ConvertOptions.StepDone"/> counts them; the last only when writing a file).</summary>
    public static readonly IReadOnlyList<string> Steps = ["read", "check", "fold", "hash", "write"];

    /// <summary>Converts the checkpoint at <paramref name="checkpointPath"/> (nothing is written).</summary>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="checkpointPath"/>.</exception>
    /// <exception cref="ShuffleNetException">the checkpoint cannot be read, or is not a known architecture (a subclass names which).</exception>
    public static ModelWeights Convert(string checkpointPath, ConvertOptions? options = null)
    {
        options ??= new ConvertOptions();
        var checkpoint = TorchCheckpointReader.Read(checkpointPath);
        options.StepDone?.Invoke(1);
        string source = Path.GetFileName(checkpointPath);
        var byName = new Dictionary<string, TorchTensor>();
        foreach (var t in checkpoint.Tensors) byName[t.Name] = t;
        var shapes = byName.Where(kv => !TrainingOnlyTensors.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value.Shape);

        if (options.ExpectedModelId is { } id) CheckReleased(id, shapes, source);
        var config = ArchitectureInference.Infer(shapes, source);
        var graph = GraphFactory.Build(config);
        CheckpointMatcher.Check(graph, byName, source);
        options.StepDone?.Invoke(2);

        var tensors = Fold(graph, byName);
        if (!options.AllowNonFinite)
            foreach (var spec in graph.WeightSpecs())
            {
                var data = tensors[spec.Name];
                int bad = Array.FindIndex(data, v => !float.IsFinite(v));
                if (bad >= 0)
                    throw new NonFiniteWeightException(spec.Name,
                        $"{source}: weight {spec.Name} holds {data[bad]} at index {bad} (after batch-norm folding); pass --allow-nonfinite to convert anyway");
            }
        options.StepDone?.Invoke(3);

        var metadata = new Dictionary<string, string>
        {
            ["source_file"] = source,
            ["source_sha256"] = Sha256(checkpointPath),
            ["source_layout"] = checkpoint.Layout,
        };
        if (options.ExpectedModelId is { } modelId) metadata["model_id"] = modelId;
        options.StepDone?.Invoke(4);
        return new ModelWeights(config, tensors, metadata, source);
    }

    /// <summary>Converts and writes <paramref name="outputPath"/> atomically; a failed conversion leaves no file.</summary>
    public static ModelWeights ConvertToFile(string checkpointPath, string outputPath, ConvertOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        if (string.IsNullOrWhiteSpace(outputPath)) throw new ShuffleNetException("the output path is empty, expected a .safetensors file name");
        if (Directory.Exists(outputPath)) throw new ShuffleNetException($"{outputPath}: is a directory, expected a .safetensors file name");
        var dir = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        if (!Directory.Exists(dir)) throw new ShuffleNetException($"{outputPath}: output folder {dir} does not exist");
        var weights = Convert(checkpointPath, options);
        weights.Save(outputPath);
        options?.StepDone?.Invoke(5);
        return weights;
    }

    /// <summary>The <c>predict_56/28/14</c> heads of Large and ExLarge are used only in training
    /// (the rule lives in <see cref="TrainingOnlyTensors"/>, which inference uses too).</summary>
    public static bool IsTrainingOnly(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TrainingOnlyTensors.Contains(name);
    }

    static void CheckReleased(string id, IReadOnlyDictionary<string, int[]> shapes, string source)
    {
        var released = GraphFactory.Build(ModelZoo.Get(id));
        foreach (var spec in released.UpstreamSpecs())
        {
            if (!shapes.TryGetValue(spec.Name, out var shape))
                throw new ArchitectureException($"{source}: is not {id}: it lacks tensor {spec.Name} {spec.ShapeText}");
            if (!shape.SequenceEqual(spec.Shape))
                throw new ArchitectureException($"{source}: is not {id}: tensor {spec.Name} has shape [{string.Join(", ", shape)}], {id} has {spec.ShapeText}");
        }
    }

    /// <summary>
    /// Batch norm after a convolution becomes a per-output-channel scale of the weights and a bias:
    /// <c>s = gamma / sqrt(var + eps)</c>, <c>W' = W s</c>, <c>b' = (b - mean) s + beta</c> (computed in double).
    /// </summary>
    static Dictionary<string, float[]> Fold(NetworkGraph graph, IReadOnlyDictionary<string, TorchTensor> t)
    {
        var result = new Dictionary<string, float[]>();
        double eps = graph.BatchNormEpsilon;
        foreach (var op in graph.Ops)
        {
            switch (op)
            {
                case ConvOp c:
                {
                    var w = t[c.Name + ".weight"].Data;
                    var ownBias = c.HasOwnBias ? t[c.Name + ".bias"].Data : null;
                    var weight = new float[w.Length];
                    var bias = new float[c.OutChannels];
                    int perOut = w.Length / c.OutChannels;
                    for (int o = 0; o < c.OutChannels; o++)
                    {
                        double scale = 1, shift = ownBias?[o] ?? 0;
                        if (c.BatchNorm is { } bn)
                        {
                            double gamma = t[bn + ".weight"].Data[o], beta = t[bn + ".bias"].Data[o];
                            double mean = t[bn + ".running_mean"].Data[o], variance = t[bn + ".running_var"].Data[o];
                            scale = gamma / Math.Sqrt(variance + eps);
                            shift = (shift - mean) * scale + beta;
                        }
                        for (int i = 0; i < perOut; i++) weight[o * perOut + i] = (float)(w[o * perOut + i] * scale);
                        bias[o] = (float)shift;
                    }
                    result[c.Name + ".weight"] = weight;
                    result[c.Name + ".bias"] = bias;
                    break;
                }
                case LinearOp l:
                    result[l.Name + ".weight"] = t[l.Name + ".weight"].Data;
                    if (l.HasBias) result[l.Name + ".bias"] = t[l.Name + ".bias"].Data;
                    break;
            }
        }
        return result;
    }

    static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return System.Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
