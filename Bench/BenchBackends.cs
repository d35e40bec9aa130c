using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// The backends a benchmark run covers: every backend present here, or the comma-separated list in
/// <c>SHUFFLENET_BENCH_BACKENDS</c>. <c>ilgpu-cpu</c> emulates GPU threads (thousands of times slower than the
/// others) and joins only when named there.
/// </summary>
public static class BenchBackends
{
    public static IEnumerable<string> Present()
    {
        var named = Environment.GetEnvironmentVariable("SHUFFLENET_BENCH_BACKENDS");
        if (!string.IsNullOrWhiteSpace(named))
            return named.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => BackendNames.Parse(n).ToName()).ToArray();
        return ComputeDevice.Probe().Where(b => b.IsPresent && b.Kind != BackendKind.IlgpuCpu).Select(b => b.Name).ToArray();
    }

    /// <summary>The present ILGPU backends (the kernel benchmarks launch ILGPU kernels directly).</summary>
    public static IEnumerable<string> PresentIlgpu() =>
        Present().Where(n => BackendNames.Parse(n) is BackendKind.Cuda or BackendKind.OpenCL or BackendKind.IlgpuCpu);
}
