using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// The CPU engine's ops for one input size: each graph op made for that size's tensor shapes (the packed weights are
/// shared through <see cref="PackedWeights"/>), the fused planning graph, and the plans made at this size (per batch
/// size and output set, at most 16).
/// </summary>
internal sealed class CpuShape : IDisposable
{
    readonly NetworkGraph _graph;
    readonly NetworkGraph _fusedGraph;
    readonly HashSet<int> _fusedAway = [];
    readonly Dictionary<GraphOp, ResidualAdd> _fusions = new(ReferenceEqualityComparer.Instance);
    readonly List<(int Batch, int[] Outputs, MemoryPlan Plan, CpuExecutor.Step[] Steps)> _plans = [];

    public CpuShape(NetworkGraph sized, IReadOnlyDictionary<string, float[]> weights, CpuPath path, PackedWeights packed)
    {
        _graph = sized;
        try
        {
            foreach (var op in sized.Ops) Ops[op] = CpuExecutor.Create(op, sized.Tensors, weights, path, packed);
        }
        catch
        {
            Dispose();
            throw;
        }
        _fusedGraph = Fuse(sized);
    }

    /// <summary>Input height and width these ops are made for.</summary>
    public int Height => _graph.InputHeight;

    /// <summary>Input width.</summary>
    public int Width => _graph.InputWidth;

    /// <summary>The op made for each graph op (graph ops are shared by every size's graph).</summary>
    public Dictionary<GraphOp, CpuOp> Ops { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The per-thread lanes that run a batch image by image at this size (made by the executor on first use;
    /// freed with these ops).</summary>
    public CpuImageLanes? Lanes { get; set; }

    /// <summary>Scratch floats a thread needs for any op of this size.</summary>
    public long ScratchFloats => Ops.Values.Max(o => o.ScratchFloats);

    /// <summary>The cached plan for this batch size and output set, or null (looked up without allocating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (MemoryPlan Plan, CpuExecutor.Step[] Steps)? Find(int n, IReadOnlyList<int> outputs)
    {
        foreach (var entry in _plans)
        {
            if (entry.Batch != n || entry.Outputs.Length != outputs.Count) continue;
            bool same = true;
            for (int i = 0; i < outputs.Count && same; i++) same = entry.Outputs[i] == outputs[i];
            if (same) return (entry.Plan, entry.Steps);
        }
        return null;
    }

    /// <summary>The cached plan for this batch size and output set, made and cached when new (allocation-free when
    /// found). <paramref name="check"/> sees a new plan (with the outputs and batch size) before it is cached and may
    /// refuse it by throwing: a refused plan is not kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (MemoryPlan Plan, CpuExecutor.Step[] Steps) PlanFor(int n, IReadOnlyList<int> outputs,
        Action<MemoryPlan, IReadOnlyList<int>, int>? check = null)
    {
        if (Find(n, outputs) is { } found) return found;
        var (plan, steps) = Plan(n, outputs);
        check?.Invoke(plan, outputs, n);
        Add(n, outputs, plan, steps);
        return (plan, steps);
    }

    /// <summary>A new plan and its steps (not cached until <see cref="Add"/>: a plan the caller refuses is not kept).</summary>
    public (MemoryPlan Plan, CpuExecutor.Step[] Steps) Plan(int n, IReadOnlyList<int> outputs)
    {
        bool needsBranch = false;
        foreach (int t in outputs) needsBranch |= _fusedAway.Contains(t);
        var plan = MemoryPlanner.Plan(needsBranch ? _graph : _fusedGraph, n, outputs, inputInArena: false);
        var steps = plan.Ops.Select(op => op is FusedConvAddOp f
            ? new CpuExecutor.Step(Ops[f.Conv], _fusions[f])
            : new CpuExecutor.Step(Ops[op], null)).ToArray();
        return (plan, steps);
    }

    /// <summary>Caches a plan made by <see cref="Plan"/>.</summary>
    public void Add(int n, IReadOnlyList<int> outputs, MemoryPlan plan, CpuExecutor.Step[] steps)
    {
        // Keep the cache small: plans of other batch sizes are rarely reused once a caller settles on one.
        if (_plans.Count >= 16) _plans.Clear();
        _plans.Add((n, outputs.ToArray(), plan, steps));
    }

    /// <summary>
    /// The graph with each residual add fused into the 1x1 convolution just before it (V1's residual blocks), where
    /// the convolution's output is read by that add alone: one <see cref="FusedConvAddOp"/> reading the convolution's
    /// input and the residual and writing the add's output, so the memory planner sees when that output is really
    /// written. Plans use it unless the caller asks for a fused-away tensor.
    /// </summary>
    NetworkGraph Fuse(NetworkGraph graph)
    {
        var ops = new List<GraphOp>();
        for (int i = 0; i < graph.Ops.Count; i++)
        {
            var op = graph.Ops[i];
            if (op is ConvOp conv && Ops[conv] is CpuPointwiseConv cpu && i + 1 < graph.Ops.Count && graph.Ops[i + 1] is AddOp add
                && conv.Output.Tensor != graph.OutputTensor
                && graph.Ops.Count(o => o.Inputs.Any(r => r.Tensor == conv.Output.Tensor)) == 1
                && cpu.FusableWith(add, graph.Tensors) is { } residual)
            {
                var fused = new FusedConvAddOp(conv, add, add.A.Tensor == conv.Output.Tensor ? add.B : add.A);
                _fusions[fused] = residual;
                _fusedAway.Add(conv.Output.Tensor);
                ops.Add(fused);
                i++;
                continue;
            }
            ops.Add(op);
        }
        return new NetworkGraph
        {
            Config = graph.Config, Tensors = graph.Tensors, Ops = ops, OutputTensor = graph.OutputTensor,
            NamedTensors = graph.NamedTensors, UpstreamAliases = graph.UpstreamAliases, StageEnds = graph.StageEnds,
            HeadPoolTensor = graph.HeadPoolTensor, Canonical = graph.Canonical,
        };
    }

    /// <summary>Frees this size's ops (the shared packed weights stay with their owner).</summary>
    public void Dispose()
    {
        Lanes?.Dispose();
        Lanes = null;
        foreach (var op in Ops.Values) op.Dispose();
        Ops.Clear();
    }
}
