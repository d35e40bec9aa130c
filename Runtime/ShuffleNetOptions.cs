using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Devices;

namespace ShuffleNetGpu.Runtime;

/// <summary>How <see cref="ShuffleNet.Load(string, ShuffleNetOptions)"/> sets a network up: where (one device of a
/// backend, or several: <see cref="Devices"/>), cpu threads, precision.</summary>
public sealed record ShuffleNetOptions
{
    /// <summary>Where to run (<see cref="BackendKind.Auto"/>: CUDA, an OpenCL GPU, else the SIMD CPU engine).</summary>
    public BackendKind Backend { get; init; } = BackendKind.Auto;

    /// <summary>Several devices (or a chosen one) of a backend, e.g. <c>DeviceSelection.All(BackendKind.Cuda)</c>; null
    /// (the default): <see cref="Backend"/>'s one device. When set, its backend is the one used: leave
    /// <see cref="Backend"/> auto or name the same backend.</summary>
    public DeviceSelection? Devices { get; init; }

    /// <summary>Threads of the cpu backend, 0 for every processor.</summary>
    public int CpuThreads { get; init; }

    /// <summary><see cref="Runtime.Precision.Fp32"/> (the default) or, on CUDA only, <see cref="Runtime.Precision.Tf32"/>;
    /// the other backends refuse tf32 with <see cref="PrecisionException"/> rather than run fp32 unasked.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;
}
