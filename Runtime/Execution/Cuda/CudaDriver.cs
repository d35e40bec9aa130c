using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Runtime.Execution.Cuda;

/// <summary>
/// The CUDA driver entry points ILGPU 1.5.3 does not expose: events between streams (<c>cuStreamWaitEvent</c>) and
/// CUDA graphs (stream capture, instantiate, launch). Resolved from the driver library at first use, through
/// <see cref="NativeLibrary"/> (not a <c>DllImport</c>, so ILGPU's own resolver is not involved); every call returns the
/// driver's <c>CUresult</c>, 0 for success. Only compiled on machines without a GPU: these run only on CUDA.
/// </summary>
static unsafe class CudaDriver
{
    /// <summary>cuEventCreate flag: no timing (the cheapest event, what stream ordering needs).</summary>
    public const uint EventDisableTiming = 2;

    /// <summary>cuStreamBeginCapture mode: only this thread's unsafe calls invalidate the capture.</summary>
    public const int CaptureModeThreadLocal = 1;

    static readonly Lazy<Table?> Functions = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Null when the entry points resolved; otherwise why not (no driver, or one older than CUDA 11.4).</summary>
    public static string? AbsentReason => Functions.Value is null ? _loadError ?? "the CUDA driver library was not found" : null;

    static string? _loadError;

    sealed class Table
    {
        public delegate* unmanaged<IntPtr*, uint, int> EventCreate;
        public delegate* unmanaged<IntPtr, int> EventDestroy;
        public delegate* unmanaged<IntPtr, IntPtr, int> EventRecord;
        public delegate* unmanaged<IntPtr, int> EventSynchronize;
        public delegate* unmanaged<IntPtr, IntPtr, uint, int> StreamWaitEvent;
        public delegate* unmanaged<IntPtr, int, int> StreamBeginCapture;
        public delegate* unmanaged<IntPtr, IntPtr*, int> StreamEndCapture;
        public delegate* unmanaged<IntPtr*, IntPtr, ulong, int> GraphInstantiate;
        public delegate* unmanaged<IntPtr, IntPtr, int> GraphLaunch;
        public delegate* unmanaged<IntPtr, int> GraphExecDestroy;
        public delegate* unmanaged<IntPtr, int> GraphDestroy;
    }

    static Table? Load()
    {
        IntPtr library = IntPtr.Zero;
        foreach (var name in new[] { "libcuda.so.1", "libcuda.so", "nvcuda.dll" })
            if (NativeLibrary.TryLoad(name, out library)) break;
        if (library == IntPtr.Zero) { _loadError = "libcuda.so.1 not found"; return null; }
        try
        {
            return new Table
            {
                EventCreate = (delegate* unmanaged<IntPtr*, uint, int>)NativeLibrary.GetExport(library, "cuEventCreate"),
                EventDestroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "cuEventDestroy_v2"),
                EventRecord = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibrary.GetExport(library, "cuEventRecord"),
                EventSynchronize = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "cuEventSynchronize"),
                StreamWaitEvent = (delegate* unmanaged<IntPtr, IntPtr, uint, int>)NativeLibrary.GetExport(library, "cuStreamWaitEvent"),
                StreamBeginCapture = (delegate* unmanaged<IntPtr, int, int>)NativeLibrary.GetExport(library, "cuStreamBeginCapture_v2"),
                StreamEndCapture = (delegate* unmanaged<IntPtr, IntPtr*, int>)NativeLibrary.GetExport(library, "cuStreamEndCapture"),
                GraphInstantiate = (delegate* unmanaged<IntPtr*, IntPtr, ulong, int>)NativeLibrary.GetExport(library, "cuGraphInstantiateWithFlags"),
                GraphLaunch = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibrary.GetExport(library, "cuGraphLaunch"),
                GraphExecDestroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "cuGraphExecDestroy"),
                GraphDestroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "cuGraphDestroy"),
            };
        }
        catch (EntryPointNotFoundException e)
        {
            _loadError = $"the CUDA driver lacks an entry point (CUDA 11.4 or later is needed): {e.Message}";
            return null;
        }
    }

    static Table Api => Functions.Value ?? throw new CudaDriverException("load", AbsentReason ?? "no driver", 0);

    public static IntPtr CreateEvent()
    {
        IntPtr e;
        Check(Api.EventCreate(&e, EventDisableTiming), "cuEventCreate");
        return e;
    }

    public static void DestroyEvent(IntPtr e) => _ = Api.EventDestroy(e);   // teardown: nothing to do on failure

    public static void Record(IntPtr e, IntPtr stream) => Check(Api.EventRecord(e, stream), "cuEventRecord");

    public static void Synchronize(IntPtr e) => Check(Api.EventSynchronize(e), "cuEventSynchronize");

    public static void Wait(IntPtr stream, IntPtr e) => Check(Api.StreamWaitEvent(stream, e, 0), "cuStreamWaitEvent");

    public static int BeginCapture(IntPtr stream) => Api.StreamBeginCapture(stream, CaptureModeThreadLocal);

    /// <summary>Ends a capture; the graph (or zero when the capture was invalidated) and the driver's result.</summary>
    public static (IntPtr Graph, int Result) EndCapture(IntPtr stream)
    {
        IntPtr graph = IntPtr.Zero;
        int result = Api.StreamEndCapture(stream, &graph);
        return (graph, result);
    }

    public static (IntPtr Exec, int Result) Instantiate(IntPtr graph)
    {
        IntPtr exec = IntPtr.Zero;
        int result = Api.GraphInstantiate(&exec, graph, 0);
        return (exec, result);
    }

    public static void Launch(IntPtr exec, IntPtr stream) => Check(Api.GraphLaunch(exec, stream), "cuGraphLaunch");

    public static void DestroyGraph(IntPtr graph) { if (graph != IntPtr.Zero) _ = Api.GraphDestroy(graph); }

    public static void DestroyExec(IntPtr exec) { if (exec != IntPtr.Zero) _ = Api.GraphExecDestroy(exec); }

    static void Check(int result, string call)
    {
        if (result != 0) throw new CudaDriverException(call, $"CUresult {result}", result);
    }
}
