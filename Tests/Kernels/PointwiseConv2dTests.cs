using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

internal static class PointwiseCases
{
    /// <summary>A random 1x1 shape; <paramref name="shuffles"/> false keeps to input maps that do not shuffle.</summary>
    public static ConvParams RandomShape(Random rng, int seed, bool shuffles = true)
    {
        int n = rng.Next(1, 3);
        int h = KernelTest.Pick(rng, 1, 2, 7, 13, 5), w = KernelTest.Pick(rng, 1, 3, 7, 11, 4);
        int groups = KernelTest.Pick(rng, 1, 1, 1, 3, 8);
        int cin, cout;
        if (groups == 1)
        {
            cin = KernelTest.Pick(rng, 1, 3, 16, 17, 25, 37, 40);
            cout = KernelTest.Pick(rng, 1, 3, 16, 25, 37, 70);
        }
        else
        {
            cin = groups * KernelTest.Pick(rng, 1, 2, 3, 5, 6);
            cout = groups * KernelTest.Pick(rng, 1, 2, 4, 9);
        }
        var (map, inTotal) = KernelTest.RandomInputMap(rng, cin, shuffles ? seed : seed % 4);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, cout);
        return ConvParams.Create(n, cin, h, w, cout, 1, 1, groups, map, inTotal, outTotal, outOffset);
    }

    public static void Check(CpuAcceleratorFixture fixture, PointwiseConv2d launcher, Random rng, ConvParams p,
        Activation act)
    {
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, p.WeightLength, 1f / MathF.Sqrt(p.Cin / p.Groups));
        var bias = KernelTest.Random(rng, p.Cout, 0.5f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        PointwiseConv2d.Reference(input, weight, bias, expected, p, act);

        // The pointwise reference agrees with the general convolution reference.
        var general = KernelTest.SentinelArray(p.OutputBufferLength);
        Conv2d.Reference(input, weight, bias, general, p, act);
        Assert.Equal(general, expected);

        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input, weight, bias],
            (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        string what = $"PointwiseConv2d[{launcher.Tile}] {act} {p}";
        KernelTest.Close(expected, actual, what, i => KernelTest.Nchw(i, p.OutTotalChannels, p.H * p.W, p.W));
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.Cout, p.H * p.W, what);
    }
}

/// <summary>The small tile (16 threads per group) on ILGPU's default CPU accelerator.</summary>
public sealed class PointwiseConv2dSmallTileTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 50)];

    private PointwiseConv2d Launcher => fixture.Get(a => new PointwiseConv2d(a));

    [Fact]
    public void AutoPicksSmallTileOnDefaultCpu() => Assert.Equal(PointwiseTile.Small, Launcher.Tile);

    [Fact]
    public void LargeTileIsRefusedWhereGroupsAreTooSmall() =>
        Assert.Throws<NotSupportedException>(() => new PointwiseConv2d(fixture.Accelerator, PointwiseTile.Large));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(2000 + seed);
        PointwiseCases.Check(fixture, Launcher, rng, PointwiseCases.RandomShape(rng, seed),
            KernelTest.ActivationFor(seed));
    }

    [Fact]
    public void RejectsNonPointwiseShapes()
    {
        var p = ConvParams.Create(1, 4, 5, 5, 4, 3);
        using var buf = fixture.Accelerator.Allocate1D<float>(1000);
        var v = buf.View;
        Assert.Throws<ArgumentException>(() => Launcher.Launch(null, v, v.SubView(0, 4 * 4 * 9), v.SubView(0, 4), v, p, Activation.None));
    }
}

/// <summary>Kernels that size their groups by the device: the large 64x64 pointwise tile and the 256-thread
/// global average pool, on a CPU accelerator that allows 256 threads per group.</summary>
public sealed class WideGroupKernelTests(WideCpuAcceleratorFixture fixture) : IClassFixture<WideCpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 15)];

    private PointwiseConv2d Launcher => fixture.Get(a => new PointwiseConv2d(a));

    [Fact]
    public void AutoPicksLargeTile() => Assert.Equal(PointwiseTile.Large, Launcher.Tile);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void PointwiseMatchesReference(int seed)
    {
        var rng = new Random(3000 + seed);
        PointwiseCases.Check(fixture, Launcher, rng, PointwiseCases.RandomShape(rng, seed), KernelTest.ActivationFor(seed));
    }

    /// <summary>Several tiles on every axis: 5 K tiles, 3 channel tiles, 5 pixel tiles, with ragged edges.</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(8, 1)]
    public void PointwiseSpansSeveralTiles(int groups, int mapKind)
    {
        var rng = new Random(31 + groups);
        int cin = groups == 1 ? 70 : 8 * 9, cout = groups == 1 ? 130 : 8 * 17;
        var (map, total) = KernelTest.RandomInputMap(rng, cin, mapKind);
        var p = ConvParams.Create(2, cin, 13, 11, cout, 1, 1, groups, map, total, cout + 3, 2);
        PointwiseCases.Check(fixture, Launcher, rng, p, Activation.HardSwish);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 7, 7)]
    [InlineData(1, 13, 11)]
    [InlineData(1, 28, 28)]
    public void GlobalAvgPoolWithFullGroups(int n, int h, int w)
    {
        var launcher = fixture.Get(a => new GlobalAvgPool(a));
        Assert.Equal(GlobalAvgPool.MaxThreads, launcher.Threads);
        var rng = new Random(h * 100 + w);
        var p = GlobalAvgPoolParams.Create(n, 5, h, w, ChannelMap.SplitOdd, 10);
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        long outLength = (long)p.N * p.C;
        var expected = KernelTest.SentinelArray(outLength);
        GlobalAvgPool.Reference(input, expected, p);
        var actual = KernelTest.Run(fixture.Accelerator, outLength, [input], (v, o) => launcher.Launch(null, v[0], o, p));
        KernelTest.Close(expected, actual, $"GlobalAvgPool {p}", i => $"(n={i / p.C}, c={i % p.C})", 1e-5f, 1e-6f);
    }
}
