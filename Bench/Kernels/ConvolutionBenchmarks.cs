using ShuffleNetGpu.Kernels.Common;
using BenchmarkDotNet.Attributes;
using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Bench.Kernels;

/// <summary>1x1 convolutions (most of the multiply-adds): Cin = Cout = C at H x W; V1's grouped ones with groups 3.</summary>
public class PointwiseConvBenchmarks : IlgpuKernelBenchmark
{
    [Params("116x28x28", "232x14x14", "464x7x7", "240x28x28/g3")]
    public string Shape { get; set; } = "116x28x28";

    ArrayView<float> _in, _w, _b, _out;
    ConvParams _p;

    protected override void Allocate()
    {
        var parts = Shape.Split("/g");
        var (c, h, w) = Dims(parts[0]);
        int groups = parts.Length > 1 ? int.Parse(parts[1]) : 1;
        _p = ConvParams.Create(Batch, c, h, w, c, 1, groups: groups);
        (_in, _w, _b, _out) = ConvBuffers(_p);
        Kernels.Pointwise.Prepare(Activation.Relu);
    }

    [Benchmark]
    public void Pointwise()
    {
        Kernels.Pointwise.Launch(Stream, _in, _w, _b, _out, _p, Activation.Relu);
        Stream.Synchronize();
    }
}

/// <summary>Depthwise k x k convolutions, stride 1 and 2 (V2's branch_main middle conv; OneShot's 5x5/7x7 choices).</summary>
public class DepthwiseConvBenchmarks : IlgpuKernelBenchmark
{
    [Params("116x28x28/k3s1", "232x28x28/k3s2", "232x14x14/k5s1", "464x7x7/k7s1")]
    public string Shape { get; set; } = "116x28x28/k3s1";

    ArrayView<float> _in, _w, _b, _out;
    ConvParams _p;

    protected override void Allocate()
    {
        var parts = Shape.Split("/k");
        var (c, h, w) = Dims(parts[0]);
        var ks = parts[1].Split('s').Select(int.Parse).ToArray();
        _p = ConvParams.Create(Batch, c, h, w, c, ks[0], ks[1], groups: c);
        (_in, _w, _b, _out) = ConvBuffers(_p);
        Kernels.Depthwise.Prepare(Activation.None);
    }

    [Benchmark]
    public void Depthwise()
    {
        Kernels.Depthwise.Launch(Stream, _in, _w, _b, _out, _p, Activation.None);
        Stream.Synchronize();
    }
}

/// <summary>The stem: 3x3 stride-2 convolution of the 3 x 224 x 224 image to 24 channels (V2, V1 g3 use 24).</summary>
public class StemConvBenchmarks : IlgpuKernelBenchmark
{
    ArrayView<float> _in, _w, _b, _out;
    ConvParams _p;

    protected override void Allocate()
    {
        _p = ConvParams.Create(Batch, 3, 224, 224, 24, 3, 2);
        (_in, _w, _b, _out) = ConvBuffers(_p);
        Kernels.Conv2d.Prepare(Activation.Relu);
    }

    [Benchmark]
    public void Stem()
    {
        Kernels.Conv2d.Launch(Stream, _in, _w, _b, _out, _p, Activation.Relu);
        Stream.Synchronize();
    }
}
