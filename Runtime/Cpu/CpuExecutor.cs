using System.Diagnostics;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// The SIMD CPU engine (<c>--backend cpu</c>): runs a <see cref="NetworkGraph"/> with its own vectorised ops
/// (<see cref="CpuOp"/>; AVX-512, AVX2 or scalar, see <see cref="CpuFeatures"/>) on a persistent worker pool, in
/// NCHW like the graph, intermediates in one native arena laid out by a <see cref="MemoryPlan"/> (plans cached per
/// batch size and output set). Weights are repacked once at load. A warmed-up run allocates only the arrays it
/// returns: the input is read in place, the arena and scratch are reused.
/// Not thread-safe: one caller at a time (the public <see cref="ShuffleNet"/> serialises calls).
/// </summary>
internal sealed unsafe class CpuExecutor : INetworkExecutor
{
    readonly NetworkGraph _graph;
    readonly Dictionary<GraphOp, CpuOp> _ops = new(ReferenceEqualityComparer.Instance);
    readonly List<(int Batch, int[] Outputs, MemoryPlan Plan, CpuOp[] Ops)> _plans = [];
    readonly CpuWorkerPool _pool;
    readonly NativeBuffer _pointers;
    readonly long _weightBytes;
    NativeBuffer? _arena;
    int _arenaBatch;
    bool _disposed;

    /// <param name="weights">The network.</param>
    /// <param name="threads">Threads to run on, the caller included; 0 for <see cref="Environment.ProcessorCount"/>.</param>
    public CpuExecutor(ModelWeights weights, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _graph = weights.Graph;
        Path = CpuFeatures.Current;
        var watch = Stopwatch.StartNew();
        try
        {
            foreach (var op in _graph.Ops)
            {
                var cpu = Create(op, _graph.Tensors, weights.Tensors, Path);
                _ops[op] = cpu;
                _weightBytes += cpu.WeightBytes;
            }
            _pool = new CpuWorkerPool(threads == 0 ? Environment.ProcessorCount : threads);
            _pool.EnsureScratch(_ops.Values.Max(o => o.ScratchFloats));
            _pointers = new NativeBuffer(_graph.Tensors.Count * (long)(sizeof(nint) / sizeof(float)));
        }
        catch
        {
            foreach (var op in _ops.Values) op.Dispose();
            _pool?.Dispose();
            throw;
        }
        CompileTime = watch.Elapsed;
        PeakAllocatedBytes = AllocatedBytes;
    }

    /// <summary>The op implementing <paramref name="op"/> on <paramref name="path"/>.</summary>
    internal static CpuOp Create(GraphOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path) => op switch
    {
        ConvOp c when c.IsPointwise => new CpuPointwiseConv(c, tensors, weights, path),
        ConvOp c when c.IsDepthwise => new CpuDepthwiseConv(c, tensors, weights, path),
        ConvOp c => new CpuConv(c, tensors, weights, path),
        LinearOp l => new CpuLinear(l, tensors, weights, path),
        PoolOp { Kind: PoolKind.GlobalAverage } p => new CpuGlobalAvgPool(p, tensors, path),
        PoolOp p => new CpuPool3x3(p, tensors, path),
        ScaleOp s => new CpuScale(s, tensors, path),
        AddOp a => new CpuAdd(a, tensors, path),
        CopyOp c => new CpuCopy(c, tensors, path),
        _ => throw new NotSupportedException($"the CPU engine has no op for {op.GetType().Name}"),
    };

    /// <summary>The instruction path the ops run on.</summary>
    public CpuPath Path { get; }

    /// <summary>Threads a run uses, the caller included.</summary>
    public int Threads => _pool.Threads;

    /// <summary>Processor, vector path and threads, e.g. <c>CPU SIMD engine: Intel Xeon ..., AVX-512 (Vector512, 16 floats), 2 threads</c>.</summary>
    public string Description => $"CPU SIMD engine: {CpuFeatures.Describe(Path)}, {Threads} thread{(Threads == 1 ? "" : "s")}";

    /// <summary>Repacking the weights (the CPU engine compiles nothing ahead of time).</summary>
    public TimeSpan CompileTime { get; }

    public OpProfile? Profile { get; set; }
    public long AllocatedBytes => _weightBytes + (_arena?.Bytes ?? 0) + _pool.ScratchBytes + _pointers.Bytes;
    public long PeakAllocatedBytes { get; private set; }
    public int LastRunOps { get; private set; }

    public float[][] Run(float[] input, int n, IReadOnlyList<int> outputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (plan, ops) = PlanFor(n, outputs);
        if (input.Length < plan.ElementsOf(NetworkGraph.InputTensor))
            throw new ArgumentException($"input holds {input.Length} values, {plan.ElementsOf(NetworkGraph.InputTensor)} needed", nameof(input));
        EnsureArena(plan);
        var tensors = (float**)_pointers.Pointer;
        var results = new float[outputs.Count][];
        fixed (float* x = input)
        {
            for (int t = 0; t < _graph.Tensors.Count; t++) tensors[t] = plan.Uses(t) ? _arena!.Pointer + plan.OffsetOf(t) : null;
            tensors[NetworkGraph.InputTensor] = x;   // read in place: no op writes the input
            if (Profile is { } profile)
            {
                foreach (var op in ops)
                {
                    long start = Stopwatch.GetTimestamp();
                    op.Run(_pool, tensors, n);
                    profile.Add(op.Kernel, Stopwatch.GetElapsedTime(start));
                }
            }
            else
            {
                foreach (var op in ops) op.Run(_pool, tensors, n);
            }
            for (int i = 0; i < outputs.Count; i++)
            {
                var host = new float[plan.ElementsOf(outputs[i])];
                new ReadOnlySpan<float>(tensors[outputs[i]], host.Length).CopyTo(host);
                results[i] = host;
            }
        }
        LastRunOps = ops.Length;
        return results;
    }

    /// <summary>For the CPU "resident" only means no output copy: the input is read in place by <see cref="Run"/> too.</summary>
    public TimeSpan[] TimeResident(float[] input, int n, int runs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (plan, ops) = PlanFor(n, [_graph.OutputTensor]);
        if (input.Length < plan.ElementsOf(NetworkGraph.InputTensor))
            throw new ArgumentException($"input holds {input.Length} values, {plan.ElementsOf(NetworkGraph.InputTensor)} needed", nameof(input));
        EnsureArena(plan);
        var tensors = (float**)_pointers.Pointer;
        var times = new TimeSpan[runs];
        fixed (float* x = input)
        {
            for (int t = 0; t < _graph.Tensors.Count; t++) tensors[t] = plan.Uses(t) ? _arena!.Pointer + plan.OffsetOf(t) : null;
            tensors[NetworkGraph.InputTensor] = x;
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                foreach (var op in ops) op.Run(_pool, tensors, n);
                times[i] = Stopwatch.GetElapsedTime(start);
            }
        }
        LastRunOps = ops.Length;
        return times;
    }

    /// <summary>The cached plan and op list for this batch size and output set (found without allocating).</summary>
    (MemoryPlan Plan, CpuOp[] Ops) PlanFor(int n, IReadOnlyList<int> outputs)
    {
        foreach (var entry in _plans)
        {
            if (entry.Batch != n || entry.Outputs.Length != outputs.Count) continue;
            bool same = true;
            for (int i = 0; i < outputs.Count && same; i++) same = entry.Outputs[i] == outputs[i];
            if (same) return (entry.Plan, entry.Ops);
        }
        // Keep the cache small: plans of other batch sizes are rarely reused once a caller settles on one.
        if (_plans.Count >= 16) _plans.Clear();
        var plan = MemoryPlanner.Plan(_graph, n, outputs);
        var ops = plan.Ops.Select(op => _ops[op]).ToArray();
        _plans.Add((n, outputs.ToArray(), plan, ops));
        return (plan, ops);
    }

    /// <summary>One arena, grown when a plan needs more and replaced when the batch size changes, so memory follows
    /// the current batch (as the GPU executor does).</summary>
    void EnsureArena(MemoryPlan plan)
    {
        if (_arena is not null && _arena.Length >= plan.ArenaElements && _arenaBatch == plan.Batch) return;
        _arena?.Dispose();
        _arena = null;
        _arena = new NativeBuffer(Math.Max(plan.ArenaElements, 1), zero: false);
        _arenaBatch = plan.Batch;
        PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, AllocatedBytes);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.Dispose();
        foreach (var op in _ops.Values) op.Dispose();
        _arena?.Dispose();
        _pointers.Dispose();
    }
}
