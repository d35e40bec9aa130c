namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>Which engine runs the network: an ILGPU accelerator (CUDA, OpenCL, ILGPU's CPU emulator) or the SIMD CPU engine.</summary>
public enum BackendKind
{
    /// <summary>CUDA if present, else an OpenCL GPU, else <see cref="Cpu"/>. A CPU OpenCL device (PoCL) and
    /// <see cref="IlgpuCpu"/> are used only when named.</summary>
    Auto,

    /// <summary>NVIDIA CUDA through the driver API (<c>libcuda.so.1</c>); needs only the driver.</summary>
    Cuda,

    /// <summary>Any OpenCL device (GPU preferred), possibly in <see cref="OpenCLCompatibility">compatibility mode</see>.</summary>
    OpenCL,

    /// <summary>ILGPU's CPU accelerator: emulates GPU threads (warp 32, at most 256 threads per group), slow, meant for
    /// checking kernels.</summary>
    IlgpuCpu,

    /// <summary>The SIMD CPU engine (<c>Runtime/Cpu</c>): its own vectorised ops (AVX-512, AVX2 or scalar) on a worker
    /// pool; no ILGPU device. Always present.</summary>
    Cpu,
}

/// <summary>The user-facing names of <see cref="BackendKind"/> (<c>--backend</c> values).</summary>
public static class BackendNames
{
    private static readonly (string Name, BackendKind Kind)[] Table =
    [
        ("auto", BackendKind.Auto),
        ("cuda", BackendKind.Cuda),
        ("opencl", BackendKind.OpenCL),
        ("cpu", BackendKind.Cpu),
        ("ilgpu-cpu", BackendKind.IlgpuCpu),
    ];

    /// <summary>The valid names, in the order they are documented: auto, cuda, opencl, cpu, ilgpu-cpu.</summary>
    public static IReadOnlyList<string> ValidNames { get; } = Array.AsReadOnly(Table.Select(t => t.Name).ToArray());

    /// <summary>The user-facing name of <paramref name="kind"/> (e.g. <c>ilgpu-cpu</c>).</summary>
    public static string ToName(this BackendKind kind)
    {
        foreach (var (name, k) in Table)
        {
            if (k == kind)
                return name;
        }
        throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a BackendKind");
    }

    /// <summary>Parses a backend name (case-insensitive, surrounding blanks ignored).</summary>
    /// <exception cref="BackendException">An unknown name (the message lists the valid ones).</exception>
    public static BackendKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryParse(name, out var kind))
            return kind;
        throw new BackendException($"unknown backend '{name.Trim()}'; valid backends: {string.Join(", ", ValidNames)}");
    }

    /// <summary>Parses a backend name without throwing; unknown names give false.</summary>
    public static bool TryParse(string? name, out BackendKind kind)
    {
        var trimmed = name?.Trim();
        foreach (var (n, k) in Table)
        {
            if (string.Equals(trimmed, n, StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }
}
