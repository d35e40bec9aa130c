using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Runtime.InteropServices;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// The SIMD CPU engine (<c>--backend cpu</c>): runs a <see cref="NetworkGraph"/> with its own vectorised ops
/// (<see cref="CpuOp"/>; AVX-512, AVX2 or scalar, see <see cref="CpuFeatures"/>) on a persistent worker pool, in
/// NCHW like the graph, intermediates in one native arena laid out by a <see cref="MemoryPlan"/> (plans cached per
/// input size, batch size and output set, at most 16; the input has no place in it, see <see cref="Run"/>). Weights are
/// repacked once at load and shared by the ops of every input size (<see cref="CpuShape"/>: ops made per size, at most
/// <see cref="MaxShapes"/> sizes kept). A warmed-up run allocates only the arrays it
/// returns (nothing, through the span API): the input is read in place, the arena and scratch are reused.
/// Not thread-safe: one caller at a time (the public <see cref="ShuffleNet"/> serialises calls).
/// </summary>
internal sealed unsafe class CpuExecutor : INetworkExecutor
{
    readonly NetworkGraph _graph;
    readonly ModelWeights _weightsSource;
    readonly PackedWeights _packed = new();
    readonly List<CpuShape> _shapes = [];   // most recently used last
    readonly CpuWorkerPool _pool;
    readonly NativeBuffer _pointers;
    readonly long _weightBytes;
    readonly ArenaSizing _sizing = new();
    readonly Dictionary<MemoryPlan, CpuLaneSplit> _splits = new(ReferenceEqualityComparer.Instance);
    NativeBuffer? _arena;
    double? _peakGmacs;
    bool _disposed;

    /// <param name="weights">The network.</param>
    /// <param name="threads">Threads to run on, the caller included; 0 for <see cref="Environment.ProcessorCount"/>.</param>
    public CpuExecutor(ModelWeights weights, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _graph = weights.Graph;
        _weightsSource = weights;
        Path = CpuFeatures.Current;
        var watch = Stopwatch.StartNew();
        try
        {
            var shape = new CpuShape(_graph, weights.Tensors, Path, _packed);
            _shapes.Add(shape);
            _weightBytes = shape.Ops.Values.Sum(o => o.WeightBytes);
            _pool = new CpuWorkerPool(threads == 0 ? Environment.ProcessorCount : threads);
            _pool.EnsureScratch(shape.ScratchFloats);
            _pointers = new NativeBuffer(_graph.Tensors.Count * (long)(sizeof(nint) / sizeof(float)));
        }
        catch
        {
            foreach (var shape in _shapes) shape.Dispose();
            _packed.Dispose();
            _pool?.Dispose();
            throw;
        }
        CompileTime = watch.Elapsed;
        PeakAllocatedBytes = AllocatedBytes;
    }

    /// <summary>The op implementing <paramref name="op"/> on <paramref name="path"/>.</summary>
    /// <param name="op">The graph op.</param>
    /// <param name="tensors">The graph's tensors at the input size the op is made for.</param>
    /// <param name="weights">The converted weights.</param>
    /// <param name="path">The instruction path.</param>
    /// <param name="packed">Repacked weights shared with the ops of other input sizes (null: the op owns its own).</param>
    internal static CpuOp Create(GraphOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path,
        PackedWeights? packed = null) => op switch
    {
        ConvOp c when c.IsPointwise => new CpuPointwiseConv(c, tensors, weights, path, packed),
        ConvOp c when c.IsDepthwise => new CpuDepthwiseConv(c, tensors, weights, path, packed),
        ConvOp c => new CpuConv(c, tensors, weights, path, packed),
        LinearOp l => new CpuLinear(l, tensors, weights, path, packed),
        PoolOp { Kind: PoolKind.GlobalAverage } p => new CpuGlobalAvgPool(p, tensors, path),
        PoolOp p => new CpuPool3x3(p, tensors, path),
        ScaleOp s => new CpuScale(s, tensors, path),
        AddOp a => new CpuAdd(a, tensors, path),
        CopyOp c => new CpuCopy(c, tensors, path),
        _ => throw new NotSupportedException($"the CPU engine has no op for {op.GetType().Name}"),
    };

    /// <summary>The instruction path the ops run on.</summary>
    public CpuPath Path { get; }

    /// <summary>The worker pool (tests watch its threads).</summary>
    internal CpuWorkerPool Pool => _pool;

    /// <summary>Threads a run uses, the caller included.</summary>
    public int Threads => _pool.Threads;

    /// <summary>Processor, vector path and threads, e.g. <c>CPU SIMD engine: Intel Xeon ..., AVX-512 (Vector512, 16 floats), 2 threads</c>.</summary>
    public string Description => $"CPU SIMD engine: {CpuFeatures.Describe(Path)}, {Threads} thread{(Threads == 1 ? "" : "s")}";

    /// <summary>Repacking the weights (the CPU engine compiles nothing ahead of time).</summary>
    public TimeSpan CompileTime { get; }

    public OpProfile? Profile { get; set; }
    public long AllocatedBytes => _weightBytes + (_arena?.Bytes ?? 0) + _pool.ScratchBytes + _pointers.Bytes + LaneBytes;

    long LaneBytes
    {
        get
        {
            long sum = 0;
            foreach (var shape in _shapes) sum += shape.Lanes?.AllocatedBytes ?? 0;
            return sum;
        }
    }
    public long PeakAllocatedBytes { get; private set; }
    public int LastRunOps { get; private set; }

    public long? ArenaLimitBytes { get; set; }

    /// <summary>The input is read in place (pinned for the call, never copied): no op writes it. Allocates nothing once
    /// this batch size and output set have a plan and the arena is large enough.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> outputs, RunOutputs destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (plan, steps) = PlanFor(n, sized, outputs);
        if (input.Length < plan.ElementsOf(NetworkGraph.InputTensor))
            throw new ArgumentException($"input holds {input.Length} values, {plan.ElementsOf(NetworkGraph.InputTensor)} needed", nameof(input));
        if (n >= 2 && n >= _pool.Threads && Profile is null && LanesFor(sized, plan, steps, outputs) is ({ } lanes, { } split))
        {
            RunImages(lanes, split, plan, steps, input, n, sized, outputs, destination);
            _runsWithoutLanes = 0;
            return;
        }
        // The lanes follow the arena rule (ArenaSizing): kept while one of the last Window runs used them.
        if (_runsWithoutLanes < ArenaSizing.Window && ++_runsWithoutLanes == ArenaSizing.Window) FreeLanes();
        EnsureArena(plan);
        var tensors = (float**)_pointers.Pointer;
        fixed (float* x = input)
        {
            BindTensors(plan, _arena!.Pointer, x, tensors);
            if (Profile is { } profile)
            {
                // Every op rewrites its output from its inputs (the plan never overlaps them), so it can run again.
                profile.PeakGmacs ??= _peakGmacs ??= CpuPeak.MeasureGmacs(_pool, Path);
                if (Path == CpuPath.Vector256) profile.MaskedLoadRatio = MaskedLoadCost.Ratio(Path);
                if (profile.Passes > 1 && profile.Repetitions <= 1)
                {
                    ProfileInContext(profile, steps, tensors, n, sized);
                }
                else foreach (var step in steps)
                {
                    var fastest = TimeSpan.MaxValue;
                    for (int r = 0; r < Math.Max(1, profile.Repetitions); r++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        step.Run(_pool, tensors, n);
                        var time = Stopwatch.GetElapsedTime(start);
                        if (time < fastest) fastest = time;
                    }
                    profile.Add(profile.RowFor(step.Kernel, step.Op.Op, sized), fastest, n * step.Op.Op.Macs(sized));
                }
            }
            else
            {
                foreach (var step in steps) step.Run(_pool, tensors, n);
            }
            long offset = 0;
            for (int i = 0; i < outputs.Count; i++)
            {
                long length = plan.ElementsOf(outputs[i]);
                new ReadOnlySpan<float>(tensors[outputs[i]], checked((int)length)).CopyTo(destination.Slot(i, offset, length));
                offset += length;
            }
        }
        LastRunOps = steps.Length;
    }

    /// <summary>The lanes that run a batch image by image at this size (<see cref="CpuImageLanes"/>: one per thread,
    /// made on first use) and where they hand over to the whole batch (<see cref="CpuLaneSplit"/>), or null when their
    /// one-image arenas together exceed <see cref="ArenaLimitBytes"/> (the whole-batch path then applies the limit).
    /// With a limit the whole-batch arena exceeds, the lanes run every step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    (CpuImageLanes Lanes, CpuLaneSplit Split)? LanesFor(NetworkGraph sized, MemoryPlan plan, Step[] steps, IReadOnlyList<int> outputs)
    {
        var shape = ShapeFor(sized);
        shape.Lanes ??= new CpuImageLanes(sized, _weightsSource.Tensors, Path, _packed, _pool.Threads);
        if (!_splits.TryGetValue(plan, out var split))
        {
            bool tailAllowed = ArenaLimitBytes is not { } cap || plan.ArenaBytes <= cap;
            if (_splits.Count >= 64) _splits.Clear();
            _splits[plan] = split = new CpuLaneSplit(plan, steps, outputs, tailAllowed);
        }
        if (ArenaLimitBytes is not { } limit) return (shape.Lanes, split);
        // The limit may have changed since the split was made: without the whole-batch arena the lanes run every step.
        if (split.HasTail(steps.Length) && shape.Lanes.ArenaBytesFor(split.LaneOutputs) + plan.ArenaBytes > limit)
            split = new CpuLaneSplit(plan, steps, outputs, tailAllowed: false);
        if (shape.Lanes.ArenaBytesFor(split.LaneOutputs) + (split.HasTail(steps.Length) ? plan.ArenaBytes : 0) > limit) return null;
        return (shape.Lanes, split);
    }

    int _runsWithoutLanes = ArenaSizing.Window;

    /// <summary>Frees every size's lanes (remade on the next batch that needs them).</summary>
    void FreeLanes()
    {
        foreach (var shape in _shapes)
        {
            shape.Lanes?.Dispose();
            shape.Lanes = null;
        }
    }

    /// <summary>A batch image by image, one per thread (<see cref="CpuImageLanes"/>), into the caller's memory (pinned for
    /// the call); then the classifier's tail, if any, over the whole batch (<see cref="CpuLaneSplit"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void RunImages(CpuImageLanes lanes, CpuLaneSplit split, MemoryPlan plan, Step[] steps, ReadOnlySpan<float> input, int n,
        NetworkGraph sized, IReadOnlyList<int> outputs, RunOutputs destination)
    {
        Span<nint> requested = stackalloc nint[outputs.Count];
        Span<GCHandle> pins = stackalloc GCHandle[outputs.Count];
        Span<nint> laneDestinations = stackalloc nint[split.LaneOutputs.Length];
        Span<nint> bridges = stackalloc nint[split.LaneOutputs.Length];
        bool tail = split.HasTail(steps.Length);
        if (tail) EnsureArena(plan);
        fixed (float* x = input)
        fixed (float* packed = destination.Packed)
        {
            try
            {
                long offset = 0;
                for (int i = 0; i < outputs.Count; i++)
                {
                    long length = n * sized.Tensors[outputs[i]].ElementsPerImage;
                    destination.Slot(i, offset, length);   // checks the room
                    if (destination.Array(i) is { } array)
                    {
                        pins[i] = GCHandle.Alloc(array, GCHandleType.Pinned);
                        requested[i] = pins[i].AddrOfPinnedObject();
                    }
                    else requested[i] = (nint)(packed + offset);
                    offset += length;
                }
                for (int j = 0; j < split.LaneOutputs.Length; j++)
                {
                    laneDestinations[j] = split.Requested[j] >= 0 ? requested[split.Requested[j]] : 0;
                    bridges[j] = split.IsBridge[j] ? (nint)(_arena!.Pointer + plan.OffsetOf(split.LaneOutputs[j])) : 0;
                }
                lanes.Run(_pool, x, n, split.LaneOutputs, laneDestinations, bridges, sized);
                if (tail)
                {
                    var tensors = (float**)_pointers.Pointer;
                    BindTensors(plan, _arena!.Pointer, x, tensors);
                    for (int s = split.TailStart; s < steps.Length; s++) steps[s].Run(_pool, tensors, n);
                    foreach (int i in split.TailOutputs)
                    {
                        long bytes = plan.ElementsOf(outputs[i]) * sizeof(float);
                        Buffer.MemoryCopy(tensors[outputs[i]], (float*)requested[i], bytes, bytes);
                    }
                }
            }
            finally
            {
                foreach (var pin in pins) if (pin.IsAllocated) pin.Free();
            }
        }
        LastRunOps = lanes.LastRunOps + steps.Length - split.TailStart;
        PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, AllocatedBytes);
    }

    /// <summary>Runs <see cref="OpProfile.Passes"/> whole passes timing each op once per pass, and records each op's
    /// median (see <see cref="OpProfile.Passes"/>). Allocates: a diagnostic.</summary>
    void ProfileInContext(OpProfile profile, Step[] steps, float** tensors, int n, NetworkGraph sized)
    {
        var times = new long[steps.Length, profile.Passes];
        for (int p = 0; p < profile.Passes; p++)
            for (int i = 0; i < steps.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                steps[i].Run(_pool, tensors, n);
                times[i, p] = Stopwatch.GetTimestamp() - start;
            }
        for (int i = 0; i < steps.Length; i++)
        {
            var row = Enumerable.Range(0, profile.Passes).Select(p => times[i, p]).Order().ToArray();
            profile.Add(profile.RowFor(steps[i].Kernel, steps[i].Op.Op, sized), Stopwatch.GetElapsedTime(0, row[row.Length / 2]), n * steps[i].Op.Op.Macs(sized));
        }
    }

    /// <summary>For the CPU "resident" only means no output copy: the input is read in place by <see cref="Run"/> too.</summary>
    public TimeSpan[] TimeResident(float[] input, int n, NetworkGraph sized, int runs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (plan, steps) = PlanFor(n, sized, [_graph.OutputTensor]);
        if (input.Length < plan.ElementsOf(NetworkGraph.InputTensor))
            throw new ArgumentException($"input holds {input.Length} values, {plan.ElementsOf(NetworkGraph.InputTensor)} needed", nameof(input));
        EnsureArena(plan);
        var tensors = (float**)_pointers.Pointer;
        var times = new TimeSpan[runs];
        fixed (float* x = input)
        {
            BindTensors(plan, _arena!.Pointer, x, tensors);
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                foreach (var step in steps) step.Run(_pool, tensors, n);
                times[i] = Stopwatch.GetElapsedTime(start);
            }
        }
        LastRunOps = steps.Length;
        return times;
    }

    /// <summary>Points <paramref name="tensors"/>[t] at tensor t's place in <paramref name="arena"/> under
    /// <paramref name="plan"/> (null where the plan has none), and the input at <paramref name="input"/>, read in place: no
    /// op writes the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BindTensors(MemoryPlan plan, float* arena, float* input, float** tensors)
    {
        int count = plan.Graph.Tensors.Count;
        for (int t = 0; t < count; t++) tensors[t] = plan.Uses(t) ? arena + plan.OffsetOf(t) : null;
        tensors[NetworkGraph.InputTensor] = input;
    }

    /// <summary>The most input sizes whose ops are kept (a detector usually feeds one or a few sizes; the least
    /// recently used size's ops are freed, the shared weights stay).</summary>
    public const int MaxShapes = 4;

    /// <summary>The cached plan and steps for this batch size and output set at the 224x224 input (tests).</summary>
    internal (MemoryPlan Plan, Step[] Steps) PlanFor(int n, IReadOnlyList<int> outputs) => PlanFor(n, _graph, outputs);

    /// <summary>The cached plan and steps for this input size, batch size and output set (found without allocating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal (MemoryPlan Plan, Step[] Steps) PlanFor(int n, NetworkGraph sized, IReadOnlyList<int> outputs)
    {
        // The ops index with long (or int products bounded by the input, itself one array); what limits the batch is
        // that the input and each requested tensor are one .NET array.
        return ShapeFor(sized).PlanFor(n, outputs, static (plan, outputs, n) =>
            BatchLimit.Check(plan.Graph, plan.Ops, outputs, n, long.MaxValue, "the cpu backend"));
    }

    /// <summary>The ops of <paramref name="sized"/>'s input size, made (sharing the packed weights) when it is new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    CpuShape ShapeFor(NetworkGraph sized)
    {
        for (int i = _shapes.Count - 1; i >= 0; i--)
        {
            var s = _shapes[i];
            if (s.Height != sized.InputHeight || s.Width != sized.InputWidth) continue;
            if (i != _shapes.Count - 1)
            {
                _shapes.RemoveAt(i);
                _shapes.Add(s);
            }
            return s;
        }
        var shape = new CpuShape(sized, _weightsSource.Tensors, Path, _packed);
        if (_shapes.Count >= MaxShapes)
        {
            _shapes[0].Dispose();
            _shapes.RemoveAt(0);
        }
        _shapes.Add(shape);
        _pool.EnsureScratch(shape.ScratchFloats);
        return shape;
    }

    /// <summary>One op of a pass, or a 1x1 convolution fused with the residual add after it.</summary>
    internal readonly record struct Step(CpuOp Op, ResidualAdd? Fused)
    {
        public string Kernel => Fused is null ? Op.Kernel : Op.Kernel + "+Add";

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(CpuWorkerPool pool, float** tensors, int n)
        {
            if (Fused is { } add) ((CpuPointwiseConv)Op).RunFused(pool, tensors, n, add);
            else Op.Run(pool, tensors, n);
        }
    }

    /// <summary>One arena, sized by <see cref="ArenaSizing"/> (the largest of the recent plans), within
    /// <see cref="ArenaLimitBytes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void EnsureArena(MemoryPlan plan)
    {
        ArenaMemoryException.Check(plan, ArenaLimitBytes, "the cpu backend");
        long target = Math.Max(1, _sizing.Target(plan.ArenaElements, _arena?.Length ?? 0));
        if (_arena is not null && _arena.Length == target) return;
        _arena?.Dispose();
        _arena = null;
        try
        {
            _arena = new NativeBuffer(target, zero: false);
        }
        catch (OutOfMemoryException e)
        {
            _sizing.Reset();
            throw ArenaMemoryException.OutOfMemory(plan, target * sizeof(float), "the cpu backend", e);
        }
        PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, AllocatedBytes);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.Dispose();
        foreach (var shape in _shapes) shape.Dispose();
        _packed.Dispose();
        _arena?.Dispose();
        _pointers.Dispose();
    }
}

/// <summary>A 1x1 convolution and the residual add after it, as one op of the CPU engine's planning graph.</summary>
internal sealed record FusedConvAddOp(ConvOp Conv, AddOp Add, TensorRead Residual) : GraphOp(Add.Output)
{
    public override IEnumerable<TensorRead> Inputs => [Conv.Input, Residual];
    public override int OutputChannels => Add.Channels;
    public override long Macs(NetworkGraph g) => Conv.Macs(g);
}
