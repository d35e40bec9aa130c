namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>Which ILGPU accelerator runs the kernels.</summary>
public enum BackendKind
{
    /// <summary>CUDA if present, else an OpenCL GPU, else <see cref="IlgpuCpu"/>.</summary>
    Auto,

    /// <summary>NVIDIA CUDA through the driver API (<c>libcuda.so.1</c>); needs only the driver.</summary>
    Cuda,

    /// <summary>Any OpenCL device (GPU preferred), possibly in <see cref="OpenCLCompatibility">compatibility mode</see>.</summary>
    OpenCL,

    /// <summary>ILGPU's CPU accelerator: emulates GPU threads (warp 32, at most 256 threads per group), slow, meant for
    /// checking kernels.</summary>
    IlgpuCpu,
}

/// <summary>The user-facing names of <see cref="BackendKind"/> (<c>--backend</c> values).</summary>
public static class BackendNames
{
    /// <summary>Reserved for the future SIMD CPU engine; not a valid backend yet.</summary>
    public const string ReservedCpu = "cpu";

    private static readonly (string Name, BackendKind Kind)[] Table =
    [
        ("auto", BackendKind.Auto),
        ("cuda", BackendKind.Cuda),
        ("opencl", BackendKind.OpenCL),
        ("ilgpu-cpu", BackendKind.IlgpuCpu),
    ];

    /// <summary>The valid names, in the order they are documented: auto, cuda, opencl, ilgpu-cpu.</summary>
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
    /// <exception cref="ShuffleNetException">For <c>cpu</c>: the SIMD CPU engine is not available yet.</exception>
    /// <exception cref="BackendException">For any other unknown name.</exception>
    public static BackendKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryParse(name, out var kind))
            return kind;
        var trimmed = name.Trim();
        var valid = string.Join(", ", ValidNames);
        if (string.Equals(trimmed, ReservedCpu, StringComparison.OrdinalIgnoreCase))
        {
            throw new ShuffleNetException(
                $"backend 'cpu' (the SIMD CPU engine) is not available yet; valid backends: {valid} " +
                "('ilgpu-cpu' runs the GPU kernels on the CPU, slowly)");
        }
        throw new BackendException($"unknown backend '{trimmed}'; valid backends: {valid}");
    }

    /// <summary>Parses a backend name without throwing; <c>cpu</c> and unknown names give false.</summary>
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
