namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>What <see cref="ComputeDevice.Probe"/> found for one backend.</summary>
/// <param name="Kind">The backend (never <see cref="BackendKind.Auto"/>).</param>
/// <param name="IsPresent">True if <see cref="ComputeDevice.Create(BackendKind, ILGPU.OptimizationLevel?)"/> can create it on this machine.</param>
/// <param name="Detail">When present: the device(s) it would use; when absent: why not
/// (e.g. <c>libcuda.so.1 not found</c>, <c>no platform</c>).</param>
public sealed record BackendInfo(BackendKind Kind, bool IsPresent, string Detail)
{
    /// <summary>The user-facing name (<c>cuda</c>, <c>opencl</c>, <c>cpu</c>, <c>ilgpu-cpu</c>).</summary>
    public string Name => Kind.ToName();

    /// <summary>One log line, e.g. <c>cuda: libcuda.so.1 not found (looked for libcuda.so, libcuda.so.1)</c>.</summary>
    public override string ToString() => $"{Name}: {(IsPresent ? "present: " : "")}{Detail}";
}
