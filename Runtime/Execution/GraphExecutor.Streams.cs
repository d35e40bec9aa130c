using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>The executor's streams: the compute stream every arena use is ordered on, the pipeline of streamed
/// batches beside it, CUDA graph replay of a plan's launches, and the TF32 pointwise kernel when asked for.</summary>
sealed partial class GraphExecutor
{
    // One compute stream for every use of the arena (Run, TimeResident, pipelined batches): work on it is in order, so
    // a synchronous Run between two streamed batches needs no other fence. A created stream, not the default one:
    // CUDA cannot capture a graph on the legacy default stream.
    readonly AcceleratorStream _computeStream;
    readonly Cuda.CudaGraphLaunches? _graphs;
    readonly string? _graphsAbsent;
    readonly Tf32PointwiseConv2d? _tf32;
    BatchPipeline? _pipeline;

    /// <summary>The stream the kernels run on.</summary>
    internal AcceleratorStream ComputeStream => _computeStream;

    internal bool IsDisposed { get; private set; }

    /// <summary>The precision the pointwise GEMMs run in.</summary>
    public Precision Precision => _tf32 is null ? Precision.Fp32 : Precision.Tf32;

    /// <summary>How launches are issued, for the device description: CUDA graph replay or plain launches, and why.</summary>
    public string LaunchDescription => _graphs?.Description ?? $"plain launches ({_graphsAbsent})";

    /// <summary>The TF32 pointwise kernel for <see cref="Precision.Tf32"/> on CUDA (tests: on any accelerator with
    /// <paramref name="emulate"/>, where the kernel emulates the tensor-core step); null for fp32.</summary>
    static Tf32PointwiseConv2d? Tf32Launcher(Accelerator accelerator, Precision precision, bool emulate)
    {
        if (precision == Precision.Fp32) return null;
        if (accelerator.AcceleratorType != AcceleratorType.Cuda && !emulate)
            throw new PrecisionException(precision, $"the {accelerator.AcceleratorType} accelerator");
        return new Tf32PointwiseConv2d(accelerator);
    }

    /// <summary>The plan's launches on <paramref name="stream"/>: a CUDA graph replay when graphs are on (captured at a
    /// plan's first run), else one launch per op. Profiling times ops one by one, so it never replays.</summary>
    void LaunchPlan(AcceleratorStream stream, MemoryPlan plan, int n)
    {
        if (_graphs is not null && Profile is null && _graphs.TryRun(stream, plan, _arena!, () => LaunchOps(stream, plan, n))) return;
        LaunchOps(stream, plan, n);
    }

    void LaunchOps(AcceleratorStream stream, MemoryPlan plan, int n)
    {
        foreach (var l in LaunchesOf(plan)) Launch(stream, l, n);
    }

    public BatchPipeline BeginPipeline()
    {
        _pipeline?.Dispose();
        return _pipeline = new BatchPipeline(this, _accelerator);
    }

    internal void PipelineEnded(BatchPipeline pipeline)
    {
        if (ReferenceEquals(_pipeline, pipeline)) _pipeline = null;
    }

    /// <summary>Enqueues one pipelined batch on the compute stream, after <paramref name="uploaded"/>: the input copied
    /// from its staging buffer into the arena, the plan's launches, the outputs copied back to back into
    /// <paramref name="output"/> (so the next batch may reuse the arena while this one downloads).</summary>
    internal void EnqueueCompute(MemoryPlan plan, int n, ArrayView<float> input, IReadOnlyList<int> outputs, ArrayView<float> output,
        StreamEvent uploaded)
    {
        EnsureArena(plan);
        _plan = plan;
        uploaded.MakeWait(_computeStream);
        input.CopyTo(_computeStream, View(NetworkGraph.InputTensor));
        LaunchPlan(_computeStream, plan, n);
        LastRunOps = LaunchesOf(plan).Count;
        long offset = 0;
        foreach (int tensor in outputs)
        {
            long length = plan.ElementsOf(tensor);
            View(tensor).CopyTo(_computeStream, output.SubView(offset, length));
            offset += length;
        }
    }
}
