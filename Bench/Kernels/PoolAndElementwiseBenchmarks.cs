using ShuffleNetGpu.Kernels.Common;
using BenchmarkDotNet.Attributes;
using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Bench.Kernels;

/// <summary>The memory-bound kernels: pooling, the split-shuffle copy, V1's residual add, SE scaling, the classifier.</summary>
public class PoolAndElementwiseBenchmarks : IlgpuKernelBenchmark
{
    ArrayView<float> _stem, _pooled, _a, _b, _out, _gate, _fcIn, _fcW, _fcB, _logits;
    PoolParams _maxPool;
    GlobalAvgPoolParams _global;
    CopyChannelsParams _copy;
    AddActivationParams _add;
    ScaleChannelsParams _scale;

    protected override void Allocate()
    {
        int n = Batch;
        _maxPool = PoolParams.Create(n, 24, 112, 112);                       // after the stem
        _stem = Buffer(_maxPool.InputBufferLength, 1);
        _pooled = Buffer(_maxPool.OutputBufferLength, 2);
        _global = GlobalAvgPoolParams.Create(n, 1024, 7, 7);                  // before V2 1.0x's classifier
        _a = Buffer(n * 232 * 28 * 28L, 3);
        _b = Buffer(n * 232 * 28 * 28L, 4);
        _out = Buffer(n * 232 * 28 * 28L, 5);
        // The proj half of a stride-1 block: even channels of a 232-channel map into the first half of the output.
        _copy = CopyChannelsParams.Create(n, 116, 28, 28, new ChannelMap(0, 2, 0, 0), 232, 232, 0);
        _add = AddActivationParams.Create(n, 232, 28, 28);
        _scale = ScaleChannelsParams.Create(n, 232, 28, 28, hasResidual: true);
        _gate = Buffer(n * 232L, 6);
        _fcIn = Buffer(n * 1024L, 7);
        _fcW = Buffer(1000 * 1024L, 8);
        _fcB = Buffer(1000, 9);
        _logits = Buffer(n * 1000L, 10);
        Kernels.CopyChannels.Prepare(Activation.None);
        Kernels.AddActivation.Prepare(Activation.Relu);
        Kernels.ScaleChannels.Prepare(Activation.HardSwish);
        Kernels.Linear.Prepare(Activation.None);
    }

    [Benchmark]
    public void MaxPool3x3s2() { Kernels.MaxPool.Launch(Stream, _stem, _pooled, _maxPool); Stream.Synchronize(); }

    [Benchmark]
    public void GlobalAvgPool() { Kernels.GlobalAvgPool.Launch(Stream, _a, _fcIn, _global); Stream.Synchronize(); }

    [Benchmark]
    public void CopyChannels() { Kernels.CopyChannels.Launch(Stream, _a, _out, _copy, Activation.None); Stream.Synchronize(); }

    [Benchmark]
    public void AddActivation() { Kernels.AddActivation.Launch(Stream, _a, _b, _out, _add, Activation.Relu); Stream.Synchronize(); }

    [Benchmark]
    public void ScaleChannels() { Kernels.ScaleChannels.Launch(Stream, _a, _gate, _b, _out, _scale, Activation.HardSwish); Stream.Synchronize(); }

    [Benchmark]
    public void Linear() { Kernels.Linear.Launch(Stream, _fcIn, _fcW, _fcB, _logits, Batch, 1024, 1000, Activation.None); Stream.Synchronize(); }
}
