using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Execution;

namespace ShuffleNetGpu.Runtime.Cost;

/// <summary>
/// The cost model of a forward pass: every op's <see cref="OpCost"/> at one batch size, summed, and a lower bound on
/// an <see cref="H100"/> (the ops' roofline bounds plus one launch overhead per kernel). Each op is one kernel
/// launch on the ILGPU backends, so <see cref="Kernels"/> is the kernels per forward pass.
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

    /// <summary>Kernel launches per forward pass (one per op).</summary>
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

    /// <summary>The cost of a forward pass of <paramref name="graph"/> at batch <paramref name="batch"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is below 1.</exception>
    public static ModelCost Of(NetworkGraph graph, int batch)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        return new(batch, graph.Ops.Select((op, i) => OpCost.Of(graph, i, op, batch, GraphExecutor.KernelName(op))).ToList());
    }

    /// <summary>The cost of the ops a run for <paramref name="outputs"/> launches (the memory plan's ops): e.g. the
    /// backbone up to C5 at an input size where the head does not run (<see cref="NetworkGraph.HeadPoolCoversMap"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is below 1.</exception>
    public static ModelCost Of(NetworkGraph graph, int batch, IReadOnlyList<int> outputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var run = Planning.MemoryPlanner.Plan(graph, batch, outputs).Ops.ToHashSet();
        return new(batch, graph.Ops.Select((op, i) => (op, i)).Where(x => run.Contains(x.op))
            .Select(x => OpCost.Of(graph, x.i, x.op, batch, GraphExecutor.KernelName(x.op))).ToList());
    }
}
