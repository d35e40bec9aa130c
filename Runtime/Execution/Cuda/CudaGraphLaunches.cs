using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Execution.Cuda;

/// <summary>
/// A plan's launch sequence as a CUDA graph: captured once on the compute stream (<c>cuStreamBeginCapture</c>, the
/// launches, <c>cuStreamEndCapture</c>, <c>cuGraphInstantiate</c>), then replayed with one <c>cuGraphLaunch</c>
/// instead of 72-640 launches. A graph holds the addresses it was captured with, so it is kept per plan (batch size and
/// outputs: <see cref="PlanCache"/> returns the same object for the same plan) and all are dropped when the arena moves.
/// A failed capture switches this executor to plain launches for good, and the description says why.
/// Only compiled here (no GPU on the machines this was written on); exercised by the CUDA tests and gpu-check.sh.
/// </summary>
sealed class CudaGraphLaunches : IDisposable
{
    /// <summary>Set to <c>0</c> to launch plainly on CUDA (gpu-check.sh compares both).</summary>
    public const string Variable = "SHUFFLENET_CUDA_GRAPHS";

    /// <summary>Graphs kept at once (a new plan beyond it drops them all: plans rarely change mid-run).</summary>
    public const int MaxGraphs = 8;

    readonly Accelerator _accelerator;
    readonly Dictionary<MemoryPlan, (IntPtr Graph, IntPtr Exec)> _graphs = new(ReferenceEqualityComparer.Instance);
    object? _arena;

    CudaGraphLaunches(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>Graph replay for <paramref name="accelerator"/>, or null with the reason (not CUDA, turned off, no driver entry points).</summary>
    public static CudaGraphLaunches? Create(Accelerator accelerator, out string? absent)
    {
        absent = Unavailable(accelerator.AcceleratorType == AcceleratorType.Cuda, Environment.GetEnvironmentVariable(Variable),
            () => CudaDriver.AbsentReason);
        return absent is null ? new CudaGraphLaunches(accelerator) : null;
    }

    /// <summary>Why graphs are not used: null when they are.</summary>
    internal static string? Unavailable(bool isCuda, string? variable, Func<string?> driverAbsent) =>
        !isCuda ? "CUDA graphs run on the cuda backend only"
        : variable?.Trim() == "0" ? $"CUDA graphs turned off by {Variable}=0"
        : driverAbsent() is { } why ? $"CUDA graphs unavailable: {why}"
        : null;

    /// <summary>Why capture failed, once it has (plain launches from then on); null while graphs are in use.</summary>
    public string? FailedReason { get; private set; }

    /// <summary>Graphs captured and replays since load.</summary>
    public int Captures { get; private set; }
    public long Replays { get; private set; }

    public string Description => FailedReason is { } why
        ? $"plain launches (CUDA graph capture failed: {why})"
        : $"CUDA graph replay per plan ({Captures} captured, {Replays} replays)";

    /// <summary>
    /// Runs <paramref name="plan"/>'s launches on <paramref name="stream"/> as its graph, capturing it from
    /// <paramref name="launch"/> on first use. False when capture has failed (now or before): nothing was run, the caller
    /// launches plainly.
    /// </summary>
    public bool TryRun(AcceleratorStream stream, MemoryPlan plan, object arena, Action launch)
    {
        if (FailedReason is not null) return false;
        using var binding = _accelerator.BindScoped();
        if (!ReferenceEquals(arena, _arena))
        {
            DropAll();
            _arena = arena;
        }
        IntPtr streamPtr = ((CudaStream)stream).StreamPtr;
        if (!_graphs.TryGetValue(plan, out var entry))
        {
            if (_graphs.Count >= MaxGraphs) DropAll();
            if (Capture(streamPtr, launch) is not { } captured) return false;
            _graphs[plan] = entry = captured;
            Captures++;
        }
        CudaDriver.Launch(entry.Exec, streamPtr);
        Replays++;
        return true;
    }

    (IntPtr, IntPtr)? Capture(IntPtr stream, Action launch)
    {
        int begin = CudaDriver.BeginCapture(stream);
        if (begin != 0) return Fail($"cuStreamBeginCapture returned CUresult {begin}");
        try
        {
            launch();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var (partial, _) = CudaDriver.EndCapture(stream);
            CudaDriver.DestroyGraph(partial);
            return Fail($"a launch failed while capturing: {e.Message}");
        }
        var (graph, end) = CudaDriver.EndCapture(stream);
        if (end != 0 || graph == IntPtr.Zero)
        {
            CudaDriver.DestroyGraph(graph);
            return Fail($"cuStreamEndCapture returned CUresult {end}");
        }
        var (exec, instantiated) = CudaDriver.Instantiate(graph);
        if (instantiated != 0)
        {
            CudaDriver.DestroyGraph(graph);
            return Fail($"cuGraphInstantiateWithFlags returned CUresult {instantiated}");
        }
        return (graph, exec);
    }

    (IntPtr, IntPtr)? Fail(string reason)
    {
        FailedReason = reason;
        DropAll();
        return null;
    }

    void DropAll()
    {
        foreach (var (graph, exec) in _graphs.Values)
        {
            CudaDriver.DestroyExec(exec);
            CudaDriver.DestroyGraph(graph);
        }
        _graphs.Clear();
    }

    public void Dispose()
    {
        using var binding = _accelerator.BindScoped();
        DropAll();
    }
}
