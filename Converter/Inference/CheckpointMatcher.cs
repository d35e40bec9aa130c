using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Converter.Inference;

/// <summary>Checks a state dict tensor by tensor against the graph of its inferred configuration.</summary>
public static class CheckpointMatcher
{
    /// <summary>
    /// Every tensor the graph needs must be present with the graph's shape; every other tensor must be a batch counter,
    /// an alias holding the same values as its twin (Large's <c>se_block.*</c>), or a training-only head.
    /// </summary>
    public static void Check(NetworkGraph graph, IReadOnlyDictionary<string, TorchTensor> tensors, string source)
    {
        var expected = new HashSet<string>();
        var batchNorms = new HashSet<string>();
        foreach (var spec in graph.UpstreamSpecs())
        {
            expected.Add(spec.Name);
            if (!tensors.TryGetValue(spec.Name, out var t))
                throw new ArchitectureException($"{source}: lacks tensor {spec.Name} {spec.ShapeText} that the inferred {graph.Config.Family} configuration needs");
            if (!t.Shape.SequenceEqual(spec.Shape))
                throw new ArchitectureException(
                    $"{source}: tensor {spec.Name} has shape [{string.Join(", ", t.Shape)}] but the inferred {graph.Config.Family} configuration needs {spec.ShapeText}");
        }
        foreach (var op in graph.Ops)
            if (op is ConvOp { BatchNorm: { } bn }) batchNorms.Add(bn);

        foreach (var (name, tensor) in tensors)
        {
            if (expected.Contains(name) || TrainingOnlyTensors.Contains(name)) continue;
            const string counter = ".num_batches_tracked";
            if (name.EndsWith(counter, StringComparison.Ordinal) && batchNorms.Contains(name[..^counter.Length])) continue;
            if (graph.UpstreamAliases.TryGetValue(name, out var twin))
            {
                var other = tensors[twin];
                if (!tensor.Shape.SequenceEqual(other.Shape) || !tensor.Data.AsSpan().SequenceEqual(other.Data))
                    throw new ArchitectureException($"{source}: tensor {name} should hold the same values as {twin}, but differs");
                continue;
            }
            throw new ArchitectureException($"{source}: tensor {name} is not part of the inferred {graph.Config.Family} configuration");
        }
    }
}
