using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cost;

/// <summary>
/// The global-memory bytes the kernel that runs an op moves as it is written, for the memory-bound kernels (pools,
/// squeeze-excitation scale, add, copy, depthwise), beside <see cref="OpCost"/>'s least bytes. The model: every
/// element a thread group loads counts once per group (a group reuses what it loaded, through shared memory or L1),
/// nothing is reused across groups, and every output element is written once. Computed from each kernel's index
/// arithmetic (groups of 256 consecutive outputs for the one-thread-per-output kernels, the tile windows of
/// <see cref="TiledDepthwiseConv2d"/> with the tile a CUDA device would pick), not measured.
/// </summary>
public static class KernelTraffic
{
    private const long F = sizeof(float);

    /// <summary>Group size of the one-thread-per-element kernels on a GPU (<c>KernelGeometry.ElementwiseGroupSize</c>).</summary>
    public const int ElementwiseGroup = 256;

    /// <summary>The bytes op <paramref name="op"/> of <paramref name="graph"/> moves at batch <paramref name="n"/>
    /// through its kernel, or null for the kernels this model does not cover (dense and pointwise convolutions, linear:
    /// compute-bound or weight-bound, see their SASS budgets instead).</summary>
    public static long? Of(NetworkGraph graph, GraphOp op, int n)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var dst = graph.Tensors[op.Output.Tensor];
        long outElements(int channels) => (long)n * channels * dst.Height * dst.Width;
        switch (op)
        {
            case CopyOp c:
                return 2 * outElements(c.Channels) * F;
            case AddOp a:
                return 3 * outElements(a.Channels) * F;
            case ScaleOp s:
            {
                // x, the residual and the output once each; the gate: the (n, c) rows each group of 256 elements spans.
                long elements = outElements(s.Channels);
                long planes = (long)n * s.Channels, hw = (long)dst.Height * dst.Width;
                return (elements * (s.Residual is null ? 2 : 3) + GateLoads(planes, hw)) * F;
            }
            case PoolOp { Kind: PoolKind.GlobalAverage } g:
            {
                var src = graph.Tensors[g.Input.Tensor];
                return ((long)n * g.Channels * src.Height * src.Width + (long)n * g.Channels) * F;
            }
            case PoolOp p:
            {
                var src = graph.Tensors[p.Input.Tensor];
                long reads = WindowLoads((long)n * p.Channels, src.Height, src.Width, dst.Height, dst.Width, 3, 2, 1);
                return (reads + outElements(p.Channels)) * F;
            }
            case ConvOp c when c.IsDepthwise:
            {
                var src = graph.Tensors[c.Input.Tensor];
                var p = ConvParams.Create(n, c.InChannels, src.Height, src.Width, c.OutChannels, c.Kernel, c.Stride, c.Groups);
                return TiledDepthwiseConv2d.Supports(p) ? TiledDepthwise(p) : DirectDepthwise(p);
            }
            default:
                return null;
        }
    }

    /// <summary>Bytes of <see cref="TiledDepthwiseConv2d"/> on <paramref name="p"/>: every group's clipped input
    /// window per plane, its planes' weights and biases, the outputs.</summary>
    public static long TiledDepthwise(in ConvParams p)
    {
        var t = TiledDepthwiseConv2d.ChooseTile(p, TiledDepthwiseConv2d.GpuTiles);
        int tilesY = (p.Ho + t.Height - 1) / t.Height, tilesX = (p.Wo + t.Width - 1) / t.Width;
        long perPlane = 0;
        for (int y = 0; y < tilesY; y++)
        for (int x = 0; x < tilesX; x++)
            perPlane += TiledDepthwiseConv2d.StagedElements(t, p, y, x) + p.K * p.K + 1;
        long planes = (long)p.N * p.Cout;
        return (planes * perPlane + p.OutputElements) * F;
    }

    /// <summary>Bytes of <see cref="DepthwiseConv2d"/> (one thread per output, groups of 256) on <paramref name="p"/>.</summary>
    public static long DirectDepthwise(in ConvParams p)
    {
        long planes = (long)p.N * p.Cout;
        long inputs = WindowLoads(planes, p.H, p.W, p.Ho, p.Wo, p.K, p.Stride, p.Pad);
        // Weights and bias: K x K + 1 per plane a group touches.
        long planeLoads = PlaneSpans(planes, (long)p.Ho * p.Wo);
        return (inputs + planeLoads * (p.K * p.K + 1) + p.OutputElements) * F;
    }

    /// <summary>Distinct (plane, row) gate elements touched by groups of 256 consecutive elements of planes of
    /// <paramref name="hw"/> elements.</summary>
    private static long GateLoads(long planes, long hw) => PlaneSpans(planes, hw);

    /// <summary>Sum over groups of 256 consecutive elements of the number of planes (of <paramref name="planeSize"/>
    /// elements) each spans.</summary>
    private static long PlaneSpans(long planes, long planeSize)
    {
        long total = planes * planeSize, spans = 0;
        for (long g0 = 0; g0 < total; g0 += ElementwiseGroup)
        {
            long last = Math.Min(total, g0 + ElementwiseGroup) - 1;
            spans += last / planeSize - g0 / planeSize + 1;
        }
        return spans;
    }

    /// <summary>
    /// Input loads of a one-thread-per-output window kernel (K x K, stride, padding; windows clipped to the image) in
    /// groups of 256 consecutive outputs (flat plane, row, column order), each distinct element once per group.
    /// </summary>
    public static long WindowLoads(long planes, int h, int w, int ho, int wo, int k, int stride, int pad)
    {
        var stamp = new long[(long)h * w];
        long generation = 0, loads = 0, planeOutputs = (long)ho * wo, total = planes * planeOutputs;
        for (long g0 = 0; g0 < total; g0 += ElementwiseGroup)
        {
            long g1 = Math.Min(total, g0 + ElementwiseGroup), plane = -1;
            for (long i = g0; i < g1; i++)
            {
                long pl = i / planeOutputs;
                if (pl != plane)
                {
                    plane = pl;
                    generation++;
                }
                int r = (int)(i - pl * planeOutputs), oy = r / wo, ox = r - oy * wo;
                int y0 = Math.Max(0, oy * stride - pad), y1 = Math.Min(h, oy * stride - pad + k);
                int x0 = Math.Max(0, ox * stride - pad), x1 = Math.Min(w, ox * stride - pad + k);
                for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                {
                    ref long s = ref stamp[y * w + x];
                    if (s != generation)
                    {
                        s = generation;
                        loads++;
                    }
                }
            }
        }
        return loads;
    }
}
