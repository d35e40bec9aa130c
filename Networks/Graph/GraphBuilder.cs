using ShuffleNetGpu.Networks.Config;
namespace ShuffleNetGpu.Networks.Graph;

/// <summary>Upstream names of one convolution and the batch norm after it.</summary>
internal readonly record struct ConvNames(string Conv, string? BatchNorm);

/// <summary>Appends ops and tensors; shapes are computed here so every builder gets them right the same way.</summary>
internal sealed class GraphBuilder
{
    readonly List<TensorInfo> _tensors = [];
    readonly List<GraphOp> _ops = [];
    readonly List<KeyValuePair<string, int>> _named = [];
    readonly Dictionary<string, string> _aliases = [];
    readonly List<int> _stageEnds = [];

    public GraphBuilder()
    {
        NewTensor(NetworkGraph.InputChannels, NetworkGraph.InputSize, NetworkGraph.InputSize);
    }

    public TensorInfo this[int tensor] => _tensors[tensor];

    public int NewTensor(int channels, int height, int width)
    {
        _tensors.Add(new TensorInfo(_tensors.Count, channels, height, width));
        return _tensors.Count - 1;
    }

    /// <summary>Records that <paramref name="tensor"/> is the output of upstream module <paramref name="module"/>.</summary>
    public int Name(int tensor, string module)
    {
        _named.Add(new(module, tensor));
        return tensor;
    }

    int? _headPool;

    /// <summary>Records that <paramref name="tensor"/> is the classification head's fixed-window average pool.</summary>
    public int HeadPool(int tensor)
    {
        _headPool = tensor;
        return tensor;
    }

    public void Alias(string upstreamName, string canonicalName) => _aliases[upstreamName] = canonicalName;

    /// <summary>
    /// Records that <paramref name="tensor"/> ends the stem or a stage (the backbone outputs a detector would tap);
    /// builders call it after the stem and after each stage, in order. See <see cref="StageOutputs"/>.
    /// </summary>
    public int StageEnd(int tensor)
    {
        _stageEnds.Add(tensor);
        return tensor;
    }

    static int OutSize(int size, int kernel, int stride) => InputShapes.OutSize(size, kernel, stride);

    /// <summary>A convolution; writes into <paramref name="into"/> or, when null, into a new tensor. Returns the tensor written.</summary>
    public int Conv(ConvNames names, TensorRead input, int inChannels, int outChannels, int kernel, int stride,
        int groups, Activation activation, TensorWrite? into = null, bool ownBias = false)
    {
        var src = _tensors[input.Tensor];
        // ModelConfig.Validate keeps configurations from reaching here with these; this is the last guard, not the check.
        if (groups < 1 || inChannels < 1 || outChannels < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArchitectureException($"{names.Conv}: {inChannels} -> {outChannels} channels do not divide into {groups} groups");
        int h = OutSize(src.Height, kernel, stride), w = OutSize(src.Width, kernel, stride);
        var output = into ?? NewTensor(outChannels, h, w);
        CheckWrite(names.Conv, output, outChannels, h, w);
        _ops.Add(new ConvOp(names.Conv, names.BatchNorm, ownBias, input, output, inChannels, outChannels, kernel, stride, groups, activation));
        return output.Tensor;
    }

    public int Depthwise(ConvNames names, TensorRead input, int channels, int kernel, int stride, Activation activation = Activation.None) =>
        Conv(names, input, channels, channels, kernel, stride, channels, activation);

    public int Pool(PoolKind kind, TensorRead input, int channels, TensorWrite? into = null)
    {
        var src = _tensors[input.Tensor];
        (int h, int w) = kind == PoolKind.GlobalAverage ? (1, 1) : (OutSize(src.Height, 3, 2), OutSize(src.Width, 3, 2));
        var output = into ?? NewTensor(channels, h, w);
        CheckWrite(kind.ToString(), output, channels, h, w);
        _ops.Add(new PoolOp(kind, input, output, channels));
        return output.Tensor;
    }

    public int Linear(string name, bool bias, TensorRead input, int inFeatures, int outFeatures, Activation activation)
    {
        var output = NewTensor(outFeatures, 1, 1);
        _ops.Add(new LinearOp(name, bias, input, output, inFeatures, outFeatures, activation));
        return output;
    }

    public int Scale(TensorRead input, TensorRead gate, TensorRead? residual, int channels, Activation activation, TensorWrite? into = null)
    {
        var src = _tensors[input.Tensor];
        var output = into ?? NewTensor(channels, src.Height, src.Width);
        CheckWrite("scale", output, channels, src.Height, src.Width);
        _ops.Add(new ScaleOp(input, gate, residual, output, channels, activation));
        return output.Tensor;
    }

    public int Add(TensorRead a, TensorRead b, int channels, Activation activation, TensorWrite? into = null)
    {
        var src = _tensors[a.Tensor];
        var output = into ?? NewTensor(channels, src.Height, src.Width);
        CheckWrite("add", output, channels, src.Height, src.Width);
        _ops.Add(new AddOp(a, b, output, channels, activation));
        return output.Tensor;
    }

    public int Copy(TensorRead input, int channels, TensorWrite into, Activation activation = Activation.None)
    {
        var src = _tensors[input.Tensor];
        CheckWrite("copy", into, channels, src.Height, src.Width);
        _ops.Add(new CopyOp(input, into, channels, activation));
        return into.Tensor;
    }

    void CheckWrite(string what, TensorWrite output, int channels, int h, int w)
    {
        var t = _tensors[output.Tensor];
        if (t.Height != h || t.Width != w || output.ChannelOffset + channels > t.Channels)
            throw new InvalidOperationException(
                $"graph bug: {what} writes {channels}x{h}x{w} at channel {output.ChannelOffset} of a {t.Channels}x{t.Height}x{t.Width} tensor");
    }

    public NetworkGraph Build(ModelConfig config, int output) => new()
    {
        Config = config,
        Tensors = _tensors.ToArray(),
        Ops = _ops.ToArray(),
        OutputTensor = output,
        NamedTensors = _named.ToArray(),
        UpstreamAliases = new Dictionary<string, string>(_aliases),
        StageEnds = _stageEnds.ToArray(),
        HeadPoolTensor = _headPool,
    };
}
