using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cost;

/// <summary>
/// What one op of a forward pass must do at a batch size: multiply-adds, and the bytes it must read from and write to
/// global memory at the least (every input element, weight and bias read once, every output element written once, fp32),
/// with its lower bound on an <see cref="H100"/>. Shapes are read from the graph's tensors, whatever the input size.
/// </summary>
/// <param name="Index">The op's position in the graph.</param>
/// <param name="Name">The op's name (a convolution's or linear layer's module name, else its kind and output tensor).</param>
/// <param name="Kernel">The launcher that runs it (as profiles name it).</param>
/// <param name="Macs">Multiply-adds.</param>
/// <param name="BytesRead">Bytes read at the least.</param>
/// <param name="BytesWritten">Bytes written.</param>
public sealed record OpCost(int Index, string Name, string Kernel, long Macs, long BytesRead, long BytesWritten)
{
    /// <summary>Bytes moved: read plus written.</summary>
    public long Bytes => BytesRead + BytesWritten;

    /// <summary>The bytes its kernel moves as written (<see cref="KernelTraffic"/>), or null where that model does not
    /// cover the kernel.</summary>
    public long? KernelBytes { get; init; }

    /// <summary>Seconds at the fp32 FMA peak.</summary>
    public double ComputeSeconds => Macs / H100.FmaPerSecond;

    /// <summary>Seconds at the memory bandwidth.</summary>
    public double MemorySeconds => Bytes / H100.BytesPerSecond;

    /// <summary>The roofline bound: the larger of the two (launch overhead not included; the model adds it per kernel).</summary>
    public double BoundSeconds => Math.Max(ComputeSeconds, MemorySeconds);

    /// <summary>Whether memory, not arithmetic, bounds it.</summary>
    public bool MemoryBound => MemorySeconds >= ComputeSeconds;

    /// <summary>The cost of <paramref name="op"/> (op number <paramref name="index"/> of <paramref name="graph"/>) at batch <paramref name="n"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is below 1.</exception>
    public static OpCost Of(NetworkGraph graph, int index, GraphOp op, int n, string kernel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        const long F = sizeof(float);
        var dst = graph.Tensors[op.Output.Tensor];
        long outPlane = (long)dst.Height * dst.Width;
        long Plane(TensorRead r) => (long)graph.Tensors[r.Tensor].Height * graph.Tensors[r.Tensor].Width;
        switch (op)
        {
            case ConvOp c:
            {
                long weights = (long)c.OutChannels * (c.InChannels / c.Groups) * c.Kernel * c.Kernel + c.OutChannels;
                return new(index, c.Name, kernel, n * c.Macs(graph),
                    (n * c.InChannels * Plane(c.Input) + weights) * F, n * c.OutChannels * outPlane * F);
            }
            case LinearOp l:
                return new(index, l.Name, kernel, n * l.Macs(graph),
                    ((long)n * l.InFeatures + (long)l.InFeatures * l.OutFeatures + (l.HasBias ? l.OutFeatures : 0)) * F,
                    (long)n * l.OutFeatures * F);
            case PoolOp p:
                return new(index, $"{p.Kind} -> t{op.Output.Tensor}", kernel, 0, n * p.Channels * Plane(p.Input) * F,
                    n * p.Channels * outPlane * F);
            case ScaleOp s:
            {
                long plane = n * s.Channels * Plane(s.Input);
                long read = plane + (long)n * s.Channels + (s.Residual is { } r ? n * s.Channels * Plane(r) : 0);
                return new(index, $"Scale -> t{op.Output.Tensor}", kernel, 0, read * F, n * s.Channels * outPlane * F);
            }
            case AddOp a:
                return new(index, $"Add -> t{op.Output.Tensor}", kernel, 0,
                    n * a.Channels * (Plane(a.A) + Plane(a.B)) * F, n * a.Channels * outPlane * F);
            case CopyOp c:
                return new(index, $"Copy -> t{op.Output.Tensor}", kernel, 0, n * c.Channels * Plane(c.Input) * F,
                    n * c.Channels * outPlane * F);
            default:
                throw new NotSupportedException($"no cost model for {op.GetType().Name}");
        }
    }
}
