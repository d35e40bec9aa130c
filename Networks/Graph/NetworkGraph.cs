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
/// <see cref="ShuffleNetGpu.Networks.Families.GraphFactory"/>. Tensor 0 is the input, [3, 224, 224] in the graph a factory
/// builds; <see cref="AtInputSize"/> gives the same graph at any other input size. Parameter and multiply-add counts come from here.
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

    /// <summary>The output of the classification head's average pool (upstream's <c>AvgPool2d(7)</c>: a fixed 7x7
    /// window), or null for a graph without one.</summary>
    public int? HeadPoolTensor { get; init; }

    /// <summary>The window of upstream's head pool: every family's classifier reads <c>AvgPool2d(7)</c> of the last map.</summary>
    public const int HeadPoolWindow = 7;

    NetworkGraph? _canonical;

    /// <summary>The graph at 224x224 this graph was sized from (itself when it is that graph): tensor ids are shared,
    /// so per-model lookups (stage outputs, named layers) are made there once.</summary>
    public NetworkGraph Canonical { get => _canonical ?? this; init => _canonical = value; }

    /// <summary>Input height in pixels (224 unless sized by <see cref="AtInputSize"/>).</summary>
    public int InputHeight => Tensors[InputTensor].Height;

    /// <summary>Input width in pixels.</summary>
    public int InputWidth => Tensors[InputTensor].Width;

    /// <summary>
    /// This graph for an input of <paramref name="height"/> x <paramref name="width"/> pixels: the same ops and tensor
    /// ids, spatial sizes as upstream computes them (<see cref="InputShapes"/>). 224x224 gives the canonical graph.
    /// </summary>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/> or above <see cref="InputShapes.MaxSize"/>.</exception>
    public NetworkGraph AtInputSize(int height, int width)
    {
        var canonical = Canonical;
        InputShapes.Check(height, width);
        if (height == InputSize && width == InputSize) return canonical;
        if (height == InputHeight && width == InputWidth) return this;
        return new NetworkGraph
        {
            Config = Config, Tensors = InputShapes.Propagate(canonical, height, width), Ops = Ops, OutputTensor = OutputTensor,
            NamedTensors = NamedTensors, UpstreamAliases = UpstreamAliases, StageEnds = StageEnds, HeadPoolTensor = HeadPoolTensor,
            Canonical = canonical,
        };
    }

    /// <summary>Whether the head's fixed 7x7 pool covers the whole last map at this size, as at 224x224 (upstream's
    /// <c>AvgPool2d(7)</c> then equals a global average; elsewhere it pools a corner or yields a map, and the
    /// classifier's input is not what it was trained on).</summary>
    public bool HeadPoolCoversMap => HeadPoolInput is not { } t || (Tensors[t].Height == HeadPoolWindow && Tensors[t].Width == HeadPoolWindow);

    int? HeadPoolInput => HeadPoolTensor is { } head
        ? Ops.OfType<PoolOp>().First(p => p.Output.Tensor == head).Input.Tensor : null;

    /// <summary>Throws <see cref="InputSizeException"/> when logits are asked for at a size the head's fixed 7x7 pool
    /// does not fit (<see cref="HeadPoolCoversMap"/>): the message names the sizes that classify.</summary>
    public void CheckClassifierSize()
    {
        if (HeadPoolCoversMap) return;
        var (low, high) = ClassifierSizes();
        throw new InputSizeException(
            $"input {InputHeight}x{InputWidth}: the {Config.Family} classifier pools the last map with a fixed {HeadPoolWindow}x{HeadPoolWindow} " +
            $"window (upstream AvgPool2d({HeadPoolWindow})), so logits need a height and width of {low}..{high} pixels (a {HeadPoolWindow}x{HeadPoolWindow} last map); " +
            $"backbone maps and embeddings work at any size of at least {InputShapes.MinSize}", InputHeight, InputWidth);
    }

    /// <summary>The input sides (from..to, the same for height and width) at which the head's pool reads a 7x7 map.</summary>
    public (int From, int To) ClassifierSizes()
    {
        var canonical = Canonical;
        if (canonical.HeadPoolInput is not { } input) return (InputShapes.MinSize, InputShapes.MaxSize);
        int from = 0, to = 0;
        for (int size = InputShapes.MinSize; size <= 4 * InputSize; size++)
        {
            if (InputShapes.Propagate(canonical, size, InputShapes.MinSize)[input].Height != HeadPoolWindow) continue;
            if (from == 0) from = size;
            to = size;
        }
        return (from, to);
    }

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

    /// <summary>Multiply-adds of convolutions and linear layers per image (at this graph's input size).</summary>
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
