using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Runtime;

/// <summary>How <see cref="ShuffleNet.Load(string, ShuffleNetOptions)"/> sets a network up.</summary>
public sealed record ShuffleNetOptions
{
    /// <summary>Where to run (<see cref="BackendKind.Auto"/>: CUDA, an OpenCL GPU, else the SIMD CPU engine).</summary>
    public BackendKind Backend { get; init; } = BackendKind.Auto;

    /// <summary>Threads of the cpu backend, 0 for every processor.</summary>
    public int CpuThreads { get; init; }

    /// <summary><see cref="Runtime.Precision.Fp32"/> (the default) or, on CUDA only, <see cref="Runtime.Precision.Tf32"/>;
    /// the other backends refuse tf32 with <see cref="PrecisionException"/> rather than run fp32 unasked.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;
}
