using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Planning;
using ShuffleNetGpu.Runtime.Execution;

namespace ShuffleNetGpu.Runtime.Cost;

/// <summary>
/// The cost model of a forward pass: every op's <see cref="OpCost"/> at one batch size, summed, and a lower bound on
/// an <see cref="H100"/> (the ops' roofline bounds plus one launch overhead per kernel). Each entry is one kernel
/// launch on the ILGPU backends (an op, or a fused pair), so <see cref="Kernels"/> is the kernels per forward pass.
/// </summary>
public sealed class ModelCost
{
    private ModelCost(int batch, IReadOnlyList<OpCost> ops)
    {
        Batch = batch;
        Ops = ops;
    }

    /// <summary>The batch size the figures are for.</summary>
    public int Batch { get; }

    /// <summary>Every op, in graph order.</summary>
    public IReadOnlyList<OpCost> Ops { get; }

    /// <summary>Kernel launches per forward pass (one per entry of <see cref="Ops"/>).</summary>
    public int Kernels => Ops.Count;

    /// <summary>Total multiply-adds.</summary>
    public long Macs => Ops.Sum(o => o.Macs);

    /// <summary>Total bytes moved (read plus written).</summary>
    public long Bytes => Ops.Sum(o => o.Bytes);

    /// <summary>Sum of the ops' roofline bounds, launch overhead excluded.</summary>
    public double RooflineSeconds => Ops.Sum(o => o.BoundSeconds);

    /// <summary>Launch overhead: <see cref="Kernels"/> x <see cref="H100.LaunchSeconds"/>.</summary>
    public double LaunchSeconds => Kernels * H100.LaunchSeconds;

    /// <summary>The lower bound of a forward pass: roofline plus launch overhead.</summary>
    public double BoundSeconds => RooflineSeconds + LaunchSeconds;

    /// <summary>Kernels a pass would launch without the executor's fusion (one per op).</summary>
    public int UnfusedKernels { get; private init; }

    /// <summary>
    /// The cost of a forward pass of <paramref name="graph"/> at batch <paramref name="batch"/> as the ILGPU executor
    /// launches it on a CUDA device: one kernel per op, except a global average pool folded into the 1x1 convolution
    /// before it (<see cref="PointwisePoolFusion"/>, with the memory plan the executor uses): that pair is one entry,
    /// which reads the convolution's input and weights and writes the pool's output.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is below 1.</exception>
    public static ModelCost Of(NetworkGraph graph, int batch)
    {
        ArgumentNullException.ThrowIfNull(graph);
        // Every op of the graph is counted (as before fusion), dead ones too.
        return Of(graph, batch, [graph.OutputTensor], graph.Ops);
    }

    /// <summary>The cost of the ops a run for <paramref name="outputs"/> launches (the memory plan's ops): e.g. the
    /// backbone up to C5 at an input size where the head does not run (<see cref="NetworkGraph.HeadPoolCoversMap"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is below 1.</exception>
    public static ModelCost Of(NetworkGraph graph, int batch, IReadOnlyList<int> outputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        return Of(graph, batch, outputs, MemoryPlanner.Plan(graph, batch, outputs).Ops);
    }

    private static ModelCost Of(NetworkGraph graph, int batch, IReadOnlyList<int> outputs, IReadOnlyList<GraphOp> counted)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var plan = MemoryPlanner.Plan(graph, batch, outputs);
        // The plan tells which tensors share memory (a fused pool must not overwrite the convolution's input).
        var launches = PointwisePoolFusion.Launches(graph, counted, outputs, CudaPointwiseTiles,
            (a, b) => !plan.Uses(a) || !plan.Uses(b) ||
                      (plan.OffsetOf(a) < plan.OffsetOf(b) + plan.ElementsOf(b) && plan.OffsetOf(b) < plan.OffsetOf(a) + plan.ElementsOf(a)));
        var index = new Dictionary<GraphOp, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < graph.Ops.Count; i++)
            index[graph.Ops[i]] = i;
        var ops = new List<OpCost>(launches.Count);
        foreach (var l in launches)
        {
            int i = index[l.Op];
            var cost = OpCost.Of(graph, i, l.Op, batch, GraphExecutor.KernelName(l.Op)) with
            {
                KernelBytes = KernelTraffic.Of(graph, l.Op, batch),
            };
            if (l.Pool is { } pool)
            {
                var pooled = OpCost.Of(graph, index[pool], pool, batch, "");
                cost = cost with
                {
                    Name = $"{cost.Name} + {pooled.Name}",
                    Kernel = cost.Kernel + "+GlobalAverage",
                    BytesWritten = pooled.BytesWritten,
                };
            }
            ops.Add(cost);
        }
        return new(batch, ops) { UnfusedKernels = counted.Count };
    }

    /// <summary>The blocked 1x1 kernel's tiles on CUDA (every tile but the 16-thread one).</summary>
    private static readonly IReadOnlyList<BlockedTile> CudaPointwiseTiles = [BlockedTile.P64M64, BlockedTile.P32M64, BlockedTile.P64M32];
}
