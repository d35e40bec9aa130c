namespace ShuffleNetGpu.Networks.Graph;

/// <summary>
/// Every tensor's shape for an input of any height and width: the graph's ops are the same at every size, only the
/// spatial sizes change, and they follow upstream's convolutions and pools, <c>floor((H + 2p - k) / s) + 1</c>
/// (p = k / 2; 3x3 pools with stride 2 and padding 1). Global pools and linear layers give 1x1.
/// </summary>
public static class InputShapes
{
    /// <summary>The smallest input side taken: 32 pixels (C5, at stride 32, is then 1x1).</summary>
    public const int MinSize = 32;

    /// <summary>The largest input side taken (a bound well above detection inputs that keeps every plane's index in an int).</summary>
    public const int MaxSize = 16384;

    /// <summary>Throws <see cref="InputSizeException"/> unless both sides are <see cref="MinSize"/>..<see cref="MaxSize"/>.</summary>
    public static void Check(int height, int width)
    {
        if (height < MinSize || width < MinSize)
            throw new InputSizeException($"input {height}x{width} is too small: height and width must be at least {MinSize} pixels", height, width);
        if (height > MaxSize || width > MaxSize)
            throw new InputSizeException($"input {height}x{width} is too large: height and width must be at most {MaxSize} pixels", height, width);
    }

    /// <summary>The output side of a k x k window with stride s and padding k / 2 over <paramref name="size"/> pixels.</summary>
    public static int OutSize(int size, int kernel, int stride) => (size + 2 * (kernel / 2) - kernel) / stride + 1;

    /// <summary>The graph's tensors for an input of <paramref name="height"/> x <paramref name="width"/> (tensor ids,
    /// channels and ops unchanged).</summary>
    /// <exception cref="InputSizeException">a side outside <see cref="MinSize"/>..<see cref="MaxSize"/>.</exception>
    public static TensorInfo[] Propagate(NetworkGraph graph, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Check(height, width);
        var tensors = graph.Tensors.ToArray();
        var sized = new bool[tensors.Length];
        tensors[NetworkGraph.InputTensor] = tensors[NetworkGraph.InputTensor] with { Height = height, Width = width };
        sized[NetworkGraph.InputTensor] = true;
        foreach (var op in graph.Ops)
        {
            var src = tensors[op.Inputs.First().Tensor];
            (int h, int w) = op switch
            {
                ConvOp c => (OutSize(src.Height, c.Kernel, c.Stride), OutSize(src.Width, c.Kernel, c.Stride)),
                PoolOp { Kind: PoolKind.GlobalAverage } or LinearOp => (1, 1),
                PoolOp => (OutSize(src.Height, 3, 2), OutSize(src.Width, 3, 2)),
                _ => (src.Height, src.Width),
            };
            int t = op.Output.Tensor;
            if (sized[t] && (tensors[t].Height != h || tensors[t].Width != w))
                throw new InvalidOperationException($"graph bug: tensor {t} is written at {tensors[t].Height}x{tensors[t].Width} and at {h}x{w}");
            tensors[t] = tensors[t] with { Height = h, Width = w };
            sized[t] = true;
        }
        return tensors;
    }
}
