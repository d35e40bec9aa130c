using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// Runs one network's graph on one engine (an ILGPU accelerator, or the SIMD CPU engine). Each run follows a
/// <see cref="Planning.MemoryPlan"/>: only the ops the requested tensors need, intermediates in one arena.
/// Not thread-safe: <see cref="ShuffleNet"/> serialises callers.
/// </summary>
interface INetworkExecutor : IDisposable
{
    /// <summary>Runs <paramref name="n"/> images (NCHW, N x 3 x H x W with H and W the input size of
    /// <paramref name="sized"/>, at least that many floats in <paramref name="input"/>); copies the requested tensors
    /// ([n, C, H, W] each, shapes from <paramref name="sized"/>) into <paramref name="destination"/>.</summary>
    void Run(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> outputs, RunOutputs destination);

    /// <summary>The most bytes the activation arena may take (null: no limit); a plan that needs more is refused with
    /// <see cref="Planning.ArenaMemoryException"/> before anything runs.</summary>
    long? ArenaLimitBytes { get; set; }

    /// <summary>Runs the whole graph <paramref name="runs"/> times on <paramref name="input"/>, uploaded once, with no copy
    /// back, synchronising after each run; returns each run's time. This is what GPU frameworks usually report (the
    /// input already on the device), beside <see cref="Run"/>'s end-to-end time.</summary>
    TimeSpan[] TimeResident(float[] input, int n, NetworkGraph sized, int runs);

    /// <summary>How long preparing (compiling) the kernels took at load.</summary>
    TimeSpan CompileTime { get; }

    /// <summary>When set, every op is synchronised and timed into it.</summary>
    OpProfile? Profile { get; set; }

    /// <summary>Bytes held now for weights and the arena (device memory on a GPU).</summary>
    long AllocatedBytes { get; }

    /// <summary>The most bytes held at once since load.</summary>
    long PeakAllocatedBytes { get; }

    /// <summary>Ops launched by the last run (kernels per forward pass).</summary>
    int LastRunOps { get; }
}
