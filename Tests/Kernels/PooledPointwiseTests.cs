using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Tests.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Kernels;

internal static class PooledPointwiseCases
{
    /// <summary>
    /// The fused convolution + global average pool (<see cref="BlockedPointwiseConv2d.LaunchPooled"/>) against the
    /// unfused path on the same device (the blocked kernel, then <see cref="GlobalAvgPool"/>) and against the two
    /// references; the pooled output is a channel slice of a larger [N, total] buffer, sentinels around it.
    /// </summary>
    public static void Check(Accelerator accelerator, BlockedPointwiseConv2d launcher, GlobalAvgPool pool, Random rng,
        int n, int cin, int h, int w, int cout, ChannelMap map, int inTotal, int outTotal, int outOffset, Activation act)
    {
        var conv = ConvParams.Create(n, cin, h, w, cout, 1, 1, 1, map, inTotal);
        var pooled = conv with { OutTotalChannels = outTotal, OutChannelOffset = outOffset };
        var gap = GlobalAvgPoolParams.Create(n, cout, h, w);
        var input = KernelTest.Random(rng, conv.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, conv.WeightLength, 1f / MathF.Sqrt(cin));
        var bias = KernelTest.Random(rng, cout, 0.5f);
        var packed = BlockedPointwiseConv2d.PackWeights(weight, conv);

        // References: the convolution, then the pool, both scalar; placed into the slice of the [N, total] buffer.
        var convOut = new float[conv.OutputBufferLength];
        PointwiseConv2d.Reference(input, weight, bias, convOut, conv, act);
        var means = new float[n * cout];
        GlobalAvgPool.Reference(convOut, means, gap);
        var expected = KernelTest.SentinelArray((long)n * outTotal);
        for (int i = 0; i < n; i++)
            Array.Copy(means, i * cout, expected, i * outTotal + outOffset, cout);

        var actual = KernelTest.Run(accelerator, (long)n * outTotal, [input, packed, bias],
            (v, o) => launcher.LaunchPooled(null, v[0], v[1], v[2], o, pooled, act));
        // The unfused path on the device: blocked convolution into a scratch tensor, then the pool kernel.
        var unfusedMeans = KernelTest.Run(accelerator, (long)n * cout, [input, packed, bias, new float[conv.OutputBufferLength]],
            (v, o) =>
            {
                launcher.Launch(null, v[0], v[1], v[2], v[3], conv, act);
                pool.Launch(null, v[3], o, gap);
            });
        var unfused = KernelTest.SentinelArray((long)n * outTotal);
        for (int i = 0; i < n; i++)
            Array.Copy(unfusedMeans, i * cout, unfused, i * outTotal + outOffset, cout);

        string what = $"BlockedPointwiseConv2d pooled {act} n={n} {cin}->{cout} {h}x{w} out [{outOffset}, +{cout}) of {outTotal}";
        Func<int, string> where = i => $"(n={i / outTotal}, c={i % outTotal})";
        KernelTest.Close(expected, actual, what, where);
        KernelTest.Close(unfused, actual, what + " vs unfused", where);
        KernelTest.OnlySliceWritten(actual, n, outTotal, outOffset, cout, 1, what);
    }
}

/// <summary>The pooled epilogue in the 16-thread tile (16 pixels) on ILGPU's CPU accelerator at O2.</summary>
public sealed class PooledPointwiseSmallTileTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    private BlockedPointwiseConv2d Launcher => fixture.Get(a => new BlockedPointwiseConv2d(a));

    [Theory]
    [InlineData(1, 5, 1, 1, 3, 0)]
    [InlineData(2, 19, 4, 4, 21, 1)]
    [InlineData(3, 37, 3, 5, 33, 2)]
    [InlineData(2, 8, 2, 7, 70, 3)]
    public void MatchesUnfusedPath(int n, int cin, int h, int w, int cout, int seed)
    {
        var rng = new Random(300 + seed);
        var (map, total) = KernelTest.RandomInputMap(rng, cin, seed % 4);
        PooledPointwiseCases.Check(fixture.Accelerator, Launcher, fixture.Get(a => new GlobalAvgPool(a)), rng,
            n, cin, h, w, cout, map, total, cout + seed, seed % 3, KernelTest.ActivationFor(seed + 1));
    }

    [Fact]
    public void RefusesAnImageLargerThanTheTile()
    {
        var p = ConvParams.Create(1, 4, 4, 5, 4, 1);
        Assert.False(Launcher.SupportsPooled(p));
        using var buf = fixture.Accelerator.Allocate1D<float>(4096);
        var v = buf.View;
        Assert.Throws<ArgumentException>(() => Launcher.LaunchPooled(null, v, v.SubView(0, 16 * 64), v.SubView(0, 4), v, p, Activation.None));
    }
}

/// <summary>The pooled epilogue in the GPU tiles on a 256-thread CPU accelerator (O1), a 7x7 map as in the models.</summary>
public sealed class PooledPointwiseWideTileTests(WideCpuAcceleratorFixture fixture) : IClassFixture<WideCpuAcceleratorFixture>
{
    [Theory]
    [InlineData("P64M64", 0)]
    [InlineData("P64M32", 1)]
    public void MatchesUnfusedPath(string tile, int seed)
    {
        var t = tile == "P64M64" ? BlockedTile.P64M64 : BlockedTile.P64M32;
        var rng = new Random(400 + seed);
        PooledPointwiseCases.Check(fixture.Accelerator, new BlockedPointwiseConv2d(fixture.Accelerator, [t]),
            fixture.Get(a => new GlobalAvgPool(a)), rng, 3, 40, 7, 7, 70, ChannelMap.Identity, 40, 75, 4, Activation.Relu);
    }
}

/// <summary>The pooled epilogue on PoCL (O2, the largest tile): one kernel, one 7x7 case.</summary>
public sealed class PooledPointwiseOpenCLTests : IDisposable
{
    private readonly ComputeDevice? device;

    public PooledPointwiseOpenCLTests()
    {
        if (OpenCLEnvironment.AbsentReason is null)
            device = ComputeDevice.Create(BackendKind.OpenCL);
    }

    public void Dispose() => device?.Dispose();

    [OpenCLFact]
    public void MatchesUnfusedPath()
    {
        OpenCLEnvironment.AssertPresent();
        var a = device!.Accelerator;
        PooledPointwiseCases.Check(a, new BlockedPointwiseConv2d(a), new GlobalAvgPool(a), new Random(5),
            2, 37, 7, 7, 70, ChannelMap.SplitOdd, 74, 72, 1, Activation.Relu);
    }
}

/// <summary>Which pairs the executor fuses (<see cref="PointwisePoolFusion"/>) on the released graphs.</summary>
public sealed class PointwisePoolFusionTests
{
    private static readonly BlockedTile[] Gpu = [BlockedTile.P64M64, BlockedTile.P32M64, BlockedTile.P64M32];

    [Theory]
    [InlineData("shufflenetv2-1.0x", 1)]
    [InlineData("shufflenetv1-g3-1.0x", 0)]   // its pool reads a residual add, not a convolution
    [InlineData("shufflenetv2plus-medium", 1)]
    [InlineData("oneshot", 1)]
    [InlineData("detnas-coco-fpn-300m", 1)]
    public void FusesTheLastConvolutionWithThePool(string model, int fused)
    {
        var g = GraphFactory.Build(ModelZoo.Get(model));
        var launches = PointwisePoolFusion.Launches(g, g.Ops, [g.OutputTensor], Gpu);
        Assert.Equal(fused, launches.Count(l => l.Pool is not null));
        Assert.Equal(g.Ops.Count - fused, launches.Count);
        Assert.All(launches.Where(l => l.Pool is not null), l => Assert.Equal(((ConvOp)l.Op).Output.Tensor, l.Pool!.Input.Tensor));
    }

    [Fact]
    public void KeepsThePairApartWhenItCannotFuse()
    {
        var g = GraphFactory.Build(ModelZoo.Get("shufflenetv2-1.0x"));
        var conv = PointwisePoolFusion.Launches(g, g.Ops, [g.OutputTensor], Gpu).Single(l => l.Pool is not null).Op;
        // The convolution's output requested (RunLayer), a 16-pixel tile for a 7x7 map, or memory shared.
        Assert.DoesNotContain(PointwisePoolFusion.Launches(g, g.Ops, [g.OutputTensor, conv.Output.Tensor], Gpu), l => l.Pool is not null);
        Assert.DoesNotContain(PointwisePoolFusion.Launches(g, g.Ops, [g.OutputTensor], [BlockedTile.P16M16]), l => l.Pool is not null);
        Assert.DoesNotContain(PointwisePoolFusion.Launches(g, g.Ops, [g.OutputTensor], Gpu, (_, _) => true), l => l.Pool is not null);
    }
}
