using ShuffleNetGpu.Networks.Config;
namespace ShuffleNetGpu.Networks.Graph;

/// <summary>Name and shape of one tensor of a weights file (converted) or checkpoint (upstream).</summary>
public sealed record TensorSpec(string Name, int[] Shape)
{
    /// <summary>Values in the tensor: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
    /// <summary>The shape as text, e.g. <c>[24, 3, 3, 3]</c> (for messages).</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// A network as a list of ops over tensors of known per-image shape, built from a <see cref="ModelConfig"/> by
/// <see cref="ShuffleNetGpu.Networks.Families.GraphFactory"/>. Tensor 0 is the input [3, 224, 224]. Parameter and multiply-add counts come from here.
/// </summary>
public sealed class NetworkGraph
{
    /// <summary>The configuration the graph was built from.</summary>
    public required ModelConfig Config { get; init; }
    /// <summary>Every tensor, indexed by <see cref="TensorInfo.Id"/>; shapes are per image.</summary>
    public required IReadOnlyList<TensorInfo> Tensors { get; init; }
    /// <summary>The ops in execution order.</summary>
    public required IReadOnlyList<GraphOp> Ops { get; init; }
    /// <summary>The tensor holding the logits ([classes, 1, 1] per image).</summary>
    public required int OutputTensor { get; init; }

    /// <summary>Upstream module names whose outputs are graph tensors (<c>first_conv</c>, <c>features.3</c>, ...), in evaluation order.</summary>
    public required IReadOnlyList<KeyValuePair<string, int>> NamedTensors { get; init; }

    /// <summary>Upstream checkpoint names that hold the same tensor as another name (Large/ExLarge <c>se_block.*</c>).</summary>
    public required IReadOnlyDictionary<string, string> UpstreamAliases { get; init; }

    /// <summary>The stem's output, then each stage's output, in order (marked by the builders; see <see cref="StageOutputs"/>).</summary>
    public IReadOnlyList<int> StageEnds { get; init; } = [];

    /// <summary>The id of the input tensor.</summary>
    public const int InputTensor = 0;
    /// <summary>The input image: <see cref="InputChannels"/> (B, G, R) planes of <see cref="InputSize"/> x <see cref="InputSize"/> pixels.</summary>
    public const int InputChannels = 3, InputSize = 224;

    /// <summary>The logits tensor (<see cref="OutputTensor"/>).</summary>
    public TensorInfo Output => Tensors[OutputTensor];

    /// <summary>The tensor that upstream module <paramref name="name"/> outputs (see <see cref="NamedTensors"/>), or null.</summary>
    public int? FindNamed(string name)
    {
        foreach (var (k, v) in NamedTensors) if (k == name) return v;
        return null;
    }

    /// <summary>Multiply-adds of convolutions and linear layers per 224x224 image.</summary>
    public long Macs => Ops.Sum(o => o.Macs(this));

    /// <summary>Parameters of the upstream model (batch-norm weight and bias counted, running statistics not).</summary>
    public long Parameters => Ops.Sum(ParametersOf);

    /// <summary>Parameters of one op in the upstream model (see <see cref="Parameters"/>; ops without weights have none).</summary>
    public static long ParametersOf(GraphOp op) => op switch
    {
        ConvOp c => c.WeightShape.Aggregate(1L, (a, b) => a * b) + (c.BatchNorm is null ? 0 : 2L * c.OutChannels) + (c.HasOwnBias ? c.OutChannels : 0),
        LinearOp l => (long)l.InFeatures * l.OutFeatures + (l.HasBias ? l.OutFeatures : 0),
        _ => 0L,
    };

    /// <summary>The tensors of a converted weights file, in graph order: every convolution has a (folded) bias.</summary>
    public IEnumerable<TensorSpec> WeightSpecs()
    {
        foreach (var op in Ops)
        {
            switch (op)
            {
                case ConvOp c:
                    yield return new(c.Name + ".weight", c.WeightShape);
                    yield return new(c.Name + ".bias", [c.OutChannels]);
                    break;
                case LinearOp l:
                    yield return new(l.Name + ".weight", [l.OutFeatures, l.InFeatures]);
                    if (l.HasBias) yield return new(l.Name + ".bias", [l.OutFeatures]);
                    break;
            }
        }
    }

    /// <summary>The tensors an upstream state dict holds for this graph (without <c>module.</c>, aliases and training-only heads).</summary>
    public IEnumerable<TensorSpec> UpstreamSpecs(bool includeBatchCounters = false)
    {
        foreach (var op in Ops)
        {
            switch (op)
            {
                case ConvOp c:
                    yield return new(c.Name + ".weight", c.WeightShape);
                    if (c.HasOwnBias) yield return new(c.Name + ".bias", [c.OutChannels]);
                    if (c.BatchNorm is { } bn)
                    {
                        foreach (var part in BatchNormParts) yield return new(bn + part, [c.OutChannels]);
                        if (includeBatchCounters) yield return new(bn + ".num_batches_tracked", []);
                    }
                    break;
                case LinearOp l:
                    yield return new(l.Name + ".weight", [l.OutFeatures, l.InFeatures]);
                    if (l.HasBias) yield return new(l.Name + ".bias", [l.OutFeatures]);
                    break;
            }
        }
    }

    /// <summary>Suffixes of a batch norm's tensors in an upstream state dict (running statistics included).</summary>
    public static readonly string[] BatchNormParts = [".weight", ".bias", ".running_mean", ".running_var"];

    /// <summary>Batch-norm epsilon of the family (ShuffleNetV2.Large uses 1e-9).</summary>
    public double BatchNormEpsilon => Config.Family == ModelFamily.Large ? 1e-9 : 1e-5;
}
