namespace ShuffleNetGpu.Networks.Graph;

/// <summary>One image's shape of a graph tensor (the batch is chosen at run time). Layout NCHW float32.</summary>
public sealed record TensorInfo(int Id, int Channels, int Height, int Width)
{
    /// <summary>Floats per image: C x H x W.</summary>
    public long ElementsPerImage => (long)Channels * Height * Width;
}

/// <summary>An op input: a tensor read through a channel view.</summary>
public readonly record struct TensorRead(int Tensor, ChannelView View)
{
    /// <summary>Reads the whole of tensor <paramref name="tensor"/>, channels in order.</summary>
    public static implicit operator TensorRead(int tensor) => new(tensor, ChannelView.Identity);
}

/// <summary>An op output: channels [ChannelOffset, ChannelOffset + n) of a tensor (how concatenation costs no copy).</summary>
public readonly record struct TensorWrite(int Tensor, int ChannelOffset)
{
    /// <summary>Writes tensor <paramref name="tensor"/> from channel 0.</summary>
    public static implicit operator TensorWrite(int tensor) => new(tensor, 0);
}

/// <summary>A node of the network graph. Ops run in list order; each writes one output slice.</summary>
public abstract record GraphOp(TensorWrite Output)
{
    /// <summary>The tensors this op reads.</summary>
    public abstract IEnumerable<TensorRead> Inputs { get; }

    /// <summary>Channels this op writes into its output tensor, from <see cref="TensorWrite.ChannelOffset"/> on.</summary>
    public abstract int OutputChannels { get; }
    /// <summary>Multiply-adds per image (0 for ops that only move, pool or add values).</summary>
    public abstract long Macs(NetworkGraph g);
}

/// <summary>
/// 2-D convolution, padding k/2, with batch norm folded in (weights <c>{Name}.weight</c> [Cout, Cin/groups, k, k] and
/// <c>{Name}.bias</c> [Cout] in a converted file). <see cref="BatchNorm"/> and <see cref="HasOwnBias"/> record the upstream
/// structure (for conversion and parameter counts).
/// </summary>
public sealed record ConvOp(
    string Name, string? BatchNorm, bool HasOwnBias,
    TensorRead Input, TensorWrite Output,
    int InChannels, int OutChannels, int Kernel, int Stride, int Groups, Activation Activation) : GraphOp(Output)
{
    /// <inheritdoc/>
    public override IEnumerable<TensorRead> Inputs => [Input];
    /// <inheritdoc/>
    public override int OutputChannels => OutChannels;
    /// <summary>One group per channel (in = out = groups &gt; 1): a depthwise convolution.</summary>
    public bool IsDepthwise => Groups == InChannels && Groups == OutChannels && Groups > 1;
    /// <summary>A 1x1 convolution with stride 1.</summary>
    public bool IsPointwise => Kernel == 1 && Stride == 1;
    /// <summary>The weight tensor's shape: [Cout, Cin / groups, k, k].</summary>
    public int[] WeightShape => [OutChannels, InChannels / Groups, Kernel, Kernel];
    /// <inheritdoc/>
    public override long Macs(NetworkGraph g)
    {
        var o = g.Tensors[Output.Tensor];
        return (long)OutChannels * (InChannels / Groups) * Kernel * Kernel * o.Height * o.Width;
    }
}

/// <summary>Fully connected layer on a [C,1,1] tensor: <c>{Name}.weight</c> [Out, In], optional <c>{Name}.bias</c>.</summary>
public sealed record LinearOp(string Name, bool HasBias, TensorRead Input, TensorWrite Output,
    int InFeatures, int OutFeatures, Activation Activation) : GraphOp(Output)
{
    /// <inheritdoc/>
    public override IEnumerable<TensorRead> Inputs => [Input];
    /// <inheritdoc/>
    public override int OutputChannels => OutFeatures;
    /// <inheritdoc/>
    public override long Macs(NetworkGraph g) => (long)InFeatures * OutFeatures;
}

/// <summary>The pooling an <see cref="PoolOp"/> applies.</summary>
public enum PoolKind
{
    /// <summary>3x3, stride 2, padding 1; padding never wins.</summary>
    Max3x3S2,
    /// <summary>3x3, stride 2, padding 1; padding zeros counted (always divide by 9), as ShuffleNetV1's AvgPool2d.</summary>
    Avg3x3S2,
    /// <summary>Average over the whole map, to [C,1,1].</summary>
    GlobalAverage,
}

/// <summary>Pooling (<see cref="PoolKind"/>) of <paramref name="Channels"/> channels; no weights.</summary>
/// <param name="Kind">Which pooling.</param>
/// <param name="Input">The tensor pooled.</param>
/// <param name="Output">Where the pooled channels go.</param>
/// <param name="Channels">Channels pooled (each on its own).</param>
public sealed record PoolOp(PoolKind Kind, TensorRead Input, TensorWrite Output, int Channels) : GraphOp(Output)
{
    /// <inheritdoc/>
    public override IEnumerable<TensorRead> Inputs => [Input];
    /// <inheritdoc/>
    public override int OutputChannels => Channels;
    /// <inheritdoc/>
    public override long Macs(NetworkGraph g) => 0;
}

/// <summary>Squeeze-excitation apply: <c>out = act(x * gate[n,c] + residual)</c>; the gate is already activated.</summary>
public sealed record ScaleOp(TensorRead Input, TensorRead Gate, TensorRead? Residual, TensorWrite Output,
    int Channels, Activation Activation) : GraphOp(Output)
{
    /// <inheritdoc/>
    public override IEnumerable<TensorRead> Inputs => Residual is { } r ? [Input, Gate, r] : [Input, Gate];
    /// <inheritdoc/>
    public override int OutputChannels => Channels;
    /// <inheritdoc/>
    public override long Macs(NetworkGraph g) => 0;
}

/// <summary><c>out = act(a + b)</c> (V1's residual).</summary>
public sealed record AddOp(TensorRead A, TensorRead B, TensorWrite Output, int Channels, Activation Activation) : GraphOp(Output)
{
    /// <inheritdoc/>
    public override IEnumerable<TensorRead> Inputs => [A, B];
    /// <inheritdoc/>
    public override int OutputChannels => Channels;
    /// <inheritdoc/>
    public override long Macs(NetworkGraph g) => 0;
}

/// <summary>
/// <c>out = act(in)</c> through a channel view: the one stand-alone copy, for the <c>proj</c> half of a stride-1
/// split-shuffle block. Its producer is the previous block (whose output must exist whole for its own readers), and
/// folding it into the next block's reads would compose one more index map per block, so it stays a pass.
/// </summary>
public sealed record CopyOp(TensorRead Input, TensorWrite Output, int Channels, Activation Activation) : GraphOp(Output)
{
    /// <inheritdoc/>
    public override IEnumerable<TensorRead> Inputs => [Input];
    /// <inheritdoc/>
    public override int OutputChannels => Channels;
    /// <inheritdoc/>
    public override long Macs(NetworkGraph g) => 0;
}
