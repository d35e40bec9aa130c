using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;
using System.Runtime.InteropServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// Runs a <see cref="NetworkGraph"/> on one accelerator: weights uploaded once, kernels compiled once (at construction),
/// intermediates in one device arena laid out by a <see cref="MemoryPlan"/> (cached per input size, batch size and
/// output set; every launch takes its shapes from the plan's graph, so any input size runs on the same kernels),
/// each op a kernel launch on one compute stream (a CUDA graph replay per plan on CUDA, see <see cref="Cuda.CudaGraphLaunches"/>;
/// batches streamed through a <see cref="BatchPipeline"/> overlap their copies with it).
/// Not thread-safe: one caller at a time (the public <see cref="ShuffleNet"/> serialises calls).
/// </summary>
sealed partial class GraphExecutor : INetworkExecutor, IPipelinedExecutor
{
    readonly Accelerator _accelerator;
    readonly NetworkGraph _graph;
    readonly KernelSet _kernels;
    readonly Dictionary<string, MemoryBuffer1D<float, Stride1D.Dense>> _weights = [];
    readonly PlanCache _plans;
    readonly long _weightBytes;
    MemoryBuffer1D<float, Stride1D.Dense>? _arena;
    MemoryPlan? _plan;

    public GraphExecutor(Accelerator accelerator, ModelWeights weights, Precision precision = Precision.Fp32, bool emulateTf32 = false)
    {
        _accelerator = accelerator;
        _graph = weights.Graph;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _kernels = new KernelSet(accelerator, prepareAll: false);
        _tf32 = Tf32Launcher(accelerator, precision, emulateTf32);
        _computeStream = accelerator.CreateStream();
        _graphs = Cuda.CudaGraphLaunches.Create(accelerator, out _graphsAbsent);
        foreach (var op in _graph.Ops) Prepare(op);
        foreach (var l in PointwisePoolFusion.Launches(_graph, _graph.Ops, [_graph.OutputTensor], _kernels.BlockedPointwise.Tiles))
            if (l.Pool is not null) _kernels.BlockedPointwise.PreparePooled(((ConvOp)l.Op).Activation);
        CompileTime = watch.Elapsed;
        // The blocked 1x1 kernel reads its weights re-laid out ([G][K][M], padded): packed once, here, and only the
        // packed copy goes to the device.
        var packedOps = _graph.Ops.OfType<ConvOp>().Where(DeviceWeights.IsPacked).ToList();
        var unpacked = packedOps.Select(c => c.Name + ".weight").ToHashSet();
        foreach (var spec in _graph.WeightSpecs().Where(s => !unpacked.Contains(s.Name)))
        {
            _weights[spec.Name] = accelerator.Allocate1D(weights[spec.Name]);
            _weightBytes += spec.Elements * sizeof(float);
        }
        foreach (var c in packedOps)
        {
            var packed = BlockedPointwiseConv2d.PackWeights(weights[c.Name + ".weight"], DeviceWeights.PointwiseShape(_graph, c));
            _weights[c.Name + PackedSuffix] = accelerator.Allocate1D(packed);
            _weightBytes += packed.LongLength * sizeof(float);
        }
        _plans = new PlanCache();
        PeakAllocatedBytes = AllocatedBytes;
    }

    public long AllocatedBytes => _weightBytes + (_arena?.LengthInBytes ?? 0);
    public long PeakAllocatedBytes { get; private set; }
    public int LastRunOps { get; private set; }

    /// <summary>When set, every op is synchronised and timed into it (see <see cref="OpProfile"/>).</summary>
    public OpProfile? Profile { get; set; }

    /// <summary>The launcher an op runs on, as profiles name it.</summary>
    public static string KernelName(GraphOp op) => op switch
    {
        ConvOp c when c.IsPointwise => "PointwiseConv2d",
        ConvOp c when c.IsDepthwise => "DepthwiseConv2d",
        ConvOp => "Conv2d",
        PoolOp p => p.Kind.ToString(),
        LinearOp => "Linear",
        ScaleOp => "ScaleChannels",
        AddOp => "AddActivation",
        CopyOp => "CopyChannels",
        _ => op.GetType().Name,
    };

    /// <summary>How long compiling the kernels this graph uses took.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>Compiles the kernel specialisation an op will launch.</summary>
    void Prepare(GraphOp op)
    {
        switch (op)
        {
            case ConvOp c when c.IsPointwise && c.Input.View.ShuffleGroups > 1: _kernels.Pointwise.Prepare(c.Activation); break;
            case ConvOp c when c.IsPointwise && _tf32 is not null: _tf32.Prepare(c.Activation); break;
            case ConvOp c when c.IsPointwise: _kernels.BlockedPointwise.Prepare(c.Activation); break;
            case ConvOp c when c.IsDepthwise && TiledDepthwiseConv2d.Supports(c.Kernel, c.Stride): _kernels.TiledDepthwise.Prepare(c.Activation, c.Kernel); break;
            case ConvOp c when c.IsDepthwise: _kernels.Depthwise.Prepare(c.Activation); break;
            case ConvOp c: _kernels.Conv2d.Prepare(c.Activation); break;
            case LinearOp l: _kernels.Linear.Prepare(l.Activation); break;
            case ScaleOp s: _kernels.ScaleChannels.Prepare(s.Activation); break;
            case AddOp a: _kernels.AddActivation.Prepare(a.Activation); break;
            case CopyOp c: _kernels.CopyChannels.Prepare(c.Activation); break;
        }
    }

    public long? ArenaLimitBytes { get; set; }

    /// <summary>Runs <paramref name="n"/> images; copies the requested tensors ([n, C, H, W] each, NCHW) into
    /// <paramref name="destination"/>. The input is copied from the caller's span to the device, the outputs from the
    /// device into the caller's memory (the host cannot lend its memory to a kernel here).</summary>
    public void Run(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> outputs, RunOutputs destination)
    {
        var plan = PlanFor(n, sized, outputs);
        EnsureArena(plan);
        var stream = _computeStream;
        var inputView = View(NetworkGraph.InputTensor);
        inputView.CopyFromCPU(stream, ref MemoryMarshal.GetReference(input), inputView.Length);
        if (Profile is { } profile)
        {
            // Diagnostic mode: synchronise after every op to time it (slower; never on by default).
            foreach (var l in LaunchesOf(plan))
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                Launch(stream, l, n);
                stream.Synchronize();
                profile.Add(KernelName(l.Op), System.Diagnostics.Stopwatch.GetElapsedTime(start));
            }
        }
        else LaunchPlan(stream, plan, n);
        LastRunOps = LaunchesOf(plan).Count;
        stream.Synchronize();
        long offset = 0;
        for (int i = 0; i < outputs.Count; i++)
        {
            long length = plan.ElementsOf(outputs[i]);
            var slot = destination.Slot(i, offset, length);
            View(outputs[i]).CopyToCPU(stream, ref MemoryMarshal.GetReference(slot), length);
            offset += length;
        }
        stream.Synchronize();   // the host memory is complete only after the copies finish
    }

    public TimeSpan[] TimeResident(float[] input, int n, NetworkGraph sized, int runs)
    {
        var plan = PlanFor(n, sized, [_graph.OutputTensor]);
        EnsureArena(plan);
        var stream = _computeStream;
        var times = new TimeSpan[runs];
        for (int i = 0; i < runs; i++)
        {
            // The arena reuses the input's memory once the stem has read it, so each run starts from a fresh upload
            // of the input, done before the clock starts.
            View(NetworkGraph.InputTensor).CopyFromCPU(stream, input);
            stream.Synchronize();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            LaunchPlan(stream, plan, n);
            stream.Synchronize();
            times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        }
        LastRunOps = LaunchesOf(plan).Count;
        return times;
    }

    /// <summary>The plan for this batch and outputs, refused before any upload or launch when a kernel could not index
    /// one of its tensors (the launchers' own check, <c>Checks.FitsInt</c>, would fire only mid-pass).</summary>
    internal MemoryPlan PlanFor(int n, NetworkGraph sized, IReadOnlyList<int> outputs)
    {
        var plan = _plans.Get(sized, n, outputs);
        BatchLimit.Check(plan.Graph, plan.Ops, outputs, n, int.MaxValue, "the ILGPU backends (kernels index with int)");
        return _plan = plan;
    }

    /// <summary>Kernel launches since construction (tests: a refused batch launches nothing).</summary>
    internal int Launches { get; private set; }

    /// <summary>One arena, sized by <see cref="ArenaSizing"/> (the largest of the recent plans), within
    /// <see cref="ArenaLimitBytes"/>.</summary>
    void EnsureArena(MemoryPlan plan)
    {
        ArenaMemoryException.Check(plan, ArenaLimitBytes, "this device");
        long target = Math.Max(1, _sizing.Target(plan.ArenaElements, _arena?.Length ?? 0));
        if (_arena is not null && _arena.Length == target) return;
        _computeStream.Synchronize();   // a pipelined batch may still be reading the old arena
        FreeArena();
        try
        {
            _arena = _accelerator.Allocate1D<float>(target);
        }
        catch (Exception e) when (e is OutOfMemoryException or AcceleratorException)
        {
            _sizing.Reset();
            throw ArenaMemoryException.OutOfMemory(plan, target * sizeof(float), "this device", e);
        }
        PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, AllocatedBytes);
    }

    readonly ArenaSizing _sizing = new();

    ArrayView<float> View(int tensor) => _arena!.View.SubView(_plan!.OffsetOf(tensor), _plan.ElementsOf(tensor));
    const string PackedSuffix = ".weight.packed";

    ArrayView<float> Weight(string name) => _weights[name].View.AsContiguous();

    internal static ChannelMap Map(ChannelView v) =>
        new(v.Offset, v.Stride, v.ShuffleGroups > 1 ? v.ShuffleGroups : 0, v.ShuffleGroups > 1 ? v.ShuffleGroupSize : 0);


    readonly System.Runtime.CompilerServices.ConditionalWeakTable<MemoryPlan, IReadOnlyList<KernelLaunch>> _launches = new();

    /// <summary>The kernel launches of a plan (its ops, a global average pool folded into the 1x1 convolution before it).</summary>
    IReadOnlyList<KernelLaunch> LaunchesOf(MemoryPlan plan) =>
        _launches.GetValue(plan, p => PointwisePoolFusion.Launches(p.Graph, p.Ops, p.Outputs.ToHashSet(), _kernels.BlockedPointwise.Tiles,
            (a, b) => p.OffsetOf(a) < p.OffsetOf(b) + p.ElementsOf(b) && p.OffsetOf(b) < p.OffsetOf(a) + p.ElementsOf(a)));

    void Launch(AcceleratorStream stream, KernelLaunch l, int n)
    {
        if (l.Pool is not { } pool)
        {
            Launch(stream, l.Op, n);
            return;
        }
        Launches++;
        var c = (ConvOp)l.Op;
        var src = _plan!.Graph.Tensors[c.Input.Tensor];
        var p = ConvParams.Create(n, c.InChannels, src.Height, src.Width, c.OutChannels, 1, 1, 1, Map(c.Input.View),
            src.Channels, _plan.Graph.Tensors[pool.Output.Tensor].Channels, pool.Output.ChannelOffset);
        _kernels.BlockedPointwise.LaunchPooled(stream, View(c.Input.Tensor), Weight(c.Name + PackedSuffix), Weight(c.Name + ".bias"),
            View(pool.Output.Tensor), p, c.Activation);
    }

    void Launch(AcceleratorStream stream, GraphOp op, int n)
    {
        Launches++;
        var dst = _plan!.Graph.Tensors[op.Output.Tensor];
        var output = View(op.Output.Tensor);
        switch (op)
        {
            case ConvOp c:
            {
                var src = _plan!.Graph.Tensors[c.Input.Tensor];
                var p = ConvParams.Create(n, c.InChannels, src.Height, src.Width, c.OutChannels, c.Kernel, c.Stride, c.Groups,
                    Map(c.Input.View), src.Channels, dst.Channels, c.Output.ChannelOffset);
                var (input, bias) = (View(c.Input.Tensor), Weight(c.Name + ".bias"));
                if (c.IsPointwise && _tf32 is not null && _weights.ContainsKey(c.Name + PackedSuffix))
                    _tf32.Launch(stream, input, Weight(c.Name + PackedSuffix), bias, output, p, c.Activation);
                else if (c.IsPointwise && _weights.ContainsKey(c.Name + PackedSuffix))
                    _kernels.BlockedPointwise.Launch(stream, input, Weight(c.Name + PackedSuffix), bias, output, p, c.Activation);
                else if (c.IsPointwise) _kernels.Pointwise.Launch(stream, input, Weight(c.Name + ".weight"), bias, output, p, c.Activation);
                else if (c.IsDepthwise && TiledDepthwiseConv2d.Supports(p)) _kernels.TiledDepthwise.Launch(stream, input, Weight(c.Name + ".weight"), bias, output, p, c.Activation);
                else if (c.IsDepthwise) _kernels.Depthwise.Launch(stream, input, Weight(c.Name + ".weight"), bias, output, p, c.Activation);
                else _kernels.Conv2d.Launch(stream, input, Weight(c.Name + ".weight"), bias, output, p, c.Activation);
                break;
            }
            case LinearOp l:
                _kernels.Linear.Launch(stream, View(l.Input.Tensor), Weight(l.Name + ".weight"),
                    l.HasBias ? Weight(l.Name + ".bias") : ArrayView<float>.Empty, output, n, l.InFeatures, l.OutFeatures, l.Activation);
                break;
            case PoolOp p:
            {
                var src = _plan!.Graph.Tensors[p.Input.Tensor];
                var input = View(p.Input.Tensor);
                if (p.Kind == PoolKind.GlobalAverage)
                {
                    _kernels.GlobalAvgPool.Launch(stream, input, output,
                        GlobalAvgPoolParams.Create(n, p.Channels, src.Height, src.Width, Map(p.Input.View), src.Channels));
                    break;
                }
                var pp = PoolParams.Create(n, p.Channels, src.Height, src.Width, Map(p.Input.View), src.Channels, dst.Channels, p.Output.ChannelOffset);
                if (p.Kind == PoolKind.Max3x3S2) _kernels.MaxPool.Launch(stream, input, output, pp);
                else _kernels.AvgPool.Launch(stream, input, output, pp);
                break;
            }
            case ScaleOp s:
            {
                var src = _plan!.Graph.Tensors[s.Input.Tensor];
                var residual = s.Residual is { } r ? View(r.Tensor) : ArrayView<float>.Empty;
                int rTotal = s.Residual is { } rr ? _plan!.Graph.Tensors[rr.Tensor].Channels : 0;
                var p = ScaleChannelsParams.Create(n, s.Channels, src.Height, src.Width, Map(s.Input.View), src.Channels,
                    s.Residual is not null, s.Residual is { } r2 ? Map(r2.View) : default, rTotal, dst.Channels, s.Output.ChannelOffset);
                _kernels.ScaleChannels.Launch(stream, View(s.Input.Tensor), View(s.Gate.Tensor), residual, output, p, s.Activation);
                break;
            }
            case AddOp a:
            {
                var ta = _plan!.Graph.Tensors[a.A.Tensor];
                var p = AddActivationParams.Create(n, a.Channels, ta.Height, ta.Width, Map(a.A.View), ta.Channels,
                    Map(a.B.View), _plan!.Graph.Tensors[a.B.Tensor].Channels, dst.Channels, a.Output.ChannelOffset);
                _kernels.AddActivation.Launch(stream, View(a.A.Tensor), View(a.B.Tensor), output, p, a.Activation);
                break;
            }
            case CopyOp c:
            {
                var src = _plan!.Graph.Tensors[c.Input.Tensor];
                var p = CopyChannelsParams.Create(n, c.Channels, src.Height, src.Width, Map(c.Input.View), src.Channels, dst.Channels, c.Output.ChannelOffset);
                _kernels.CopyChannels.Launch(stream, View(c.Input.Tensor), output, p, c.Activation);
                break;
            }
            default: throw new NotSupportedException($"no kernel for {op.GetType().Name}");
        }
    }

    void FreeArena()
    {
        _arena?.Dispose();
        _arena = null;
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        _pipeline?.Dispose();
        _graphs?.Dispose();
        IsDisposed = true;
        _computeStream.Dispose();
        FreeArena();
        foreach (var w in _weights.Values) w.Dispose();
        _weights.Clear();
    }
}
