using ShuffleNetGpu.Kernels.Common;
using BenchmarkDotNet.Attributes;
using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Bench.Kernels;

/// <summary>
/// Shared set-up of the ILGPU kernel benchmarks: one device and its compiled <see cref="KernelSet"/> per backend,
/// buffers filled once. Each benchmark launches one kernel and synchronises, so the time includes the launch.
/// Shapes are the ones ShuffleNetV2 1.0x / V1 g3 1.0x run (stage widths 116/232/464 at 28/14/7 pixels).
/// </summary>
public abstract class IlgpuKernelBenchmark
{
    public static IEnumerable<string> Backends => BenchBackends.PresentIlgpu();

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "opencl";

    [Params(1, 32)]
    public int Batch { get; set; } = 1;

    protected ComputeDevice Device = null!;
    protected KernelSet Kernels = null!;
    protected AcceleratorStream Stream = null!;
    readonly List<MemoryBuffer> _buffers = [];

    [GlobalSetup]
    public void Setup()
    {
        Device = ComputeDevice.Create(BackendNames.Parse(Backend));
        Kernels = new KernelSet(Device.Accelerator, prepareAll: false);
        Stream = Device.Accelerator.DefaultStream;
        Allocate();
    }

    /// <summary>Allocates and fills the buffers of the benchmark's shape (and prepares its kernel).</summary>
    protected abstract void Allocate();

    protected ArrayView<float> Buffer(long elements, int seed)
    {
        var host = new float[elements];
        var random = new Random(seed);
        for (int i = 0; i < host.Length; i++) host[i] = (float)(random.NextDouble() - 0.5);
        var buffer = Device.Accelerator.Allocate1D(host);
        _buffers.Add(buffer);
        return buffer.View.AsContiguous();
    }

    /// <summary>Input, weight, bias and output buffers of a convolution.</summary>
    protected (ArrayView<float> Input, ArrayView<float> Weight, ArrayView<float> Bias, ArrayView<float> Output) ConvBuffers(in ConvParams p) =>
        (Buffer(p.InputBufferLength, 1), Buffer(p.WeightLength, 2), Buffer(p.Cout, 3), Buffer(p.OutputBufferLength, 4));

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in _buffers) b.Dispose();
        Device.Dispose();
    }

    /// <summary>Parses <c>CxHxW</c>.</summary>
    protected static (int C, int H, int W) Dims(string shape)
    {
        var p = shape.Split('x').Select(int.Parse).ToArray();
        return (p[0], p[1], p[2]);
    }
}
