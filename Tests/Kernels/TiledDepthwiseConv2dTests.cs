using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Kernels;

internal static class TiledDepthwiseCases
{
    /// <summary>A random depthwise shape the tiled kernel takes: K 3/5/7, stride 1/2, odd sizes (up to several
    /// tiles on each axis), every kind of input map and an output slice with channels either side.</summary>
    public static ConvParams RandomShape(Random rng, int seed)
    {
        int n = rng.Next(1, 3);
        int k = KernelTest.Pick(rng, 3, 5, 7);
        int stride = 1 + seed % 2;
        int h = KernelTest.Pick(rng, 1, 2, 3, 7, 13, 19), w = KernelTest.Pick(rng, 1, 3, 5, 7, 9, 14, 23, 37);
        int c = KernelTest.Pick(rng, 1, 2, 3, 8, 9, 25);
        var (map, inTotal) = KernelTest.RandomInputMap(rng, c, seed);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, c);
        return ConvParams.Create(n, c, h, w, c, k, stride, c, map, inTotal, outTotal, outOffset);
    }

    /// <summary>
    /// The tiled kernel against the scalar reference and against today's one-thread-per-output kernel
    /// (<see cref="DepthwiseConv2d"/>) on the same device, with sentinels around the output slice.
    /// </summary>
    public static void Check(Accelerator accelerator, TiledDepthwiseConv2d launcher, DepthwiseConv2d reference,
        Random rng, ConvParams p, Activation act)
    {
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, p.WeightLength, 1f / p.K);
        var bias = KernelTest.Random(rng, p.Cout, 0.5f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        DepthwiseConv2d.Reference(input, weight, bias, expected, p, act);
        var actual = KernelTest.Run(accelerator, p.OutputBufferLength, [input, weight, bias],
            (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        var direct = KernelTest.Run(accelerator, p.OutputBufferLength, [input, weight, bias],
            (v, o) => reference.Launch(null, v[0], v[1], v[2], o, p, act));
        string what = $"TiledDepthwiseConv2d[{launcher.ChooseTile(p).Name}] {act} {p}";
        Func<int, string> where = i => KernelTest.Nchw(i, p.OutTotalChannels, p.Ho * p.Wo, p.Wo);
        KernelTest.Close(expected, actual, what, where);
        KernelTest.Close(direct, actual, what + " vs DepthwiseConv2d", where);
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.Cout, p.Ho * p.Wo, what);
    }
}

/// <summary>The 16-thread tile on ILGPU's default CPU accelerator at O2 (the level OpenCL ships).</summary>
public sealed class TiledDepthwiseSmallTileTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 24)];

    private TiledDepthwiseConv2d Launcher => fixture.Get(a => new TiledDepthwiseConv2d(a));

    [Fact]
    public void OnlyTheSmallTileFits() => Assert.Equal([DepthwiseTile.D16x4], Launcher.Tiles);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(8000 + seed);
        TiledDepthwiseCases.Check(fixture.Accelerator, Launcher, fixture.Get(a => new DepthwiseConv2d(a)), rng,
            TiledDepthwiseCases.RandomShape(rng, seed), KernelTest.ActivationFor(seed));
    }

    /// <summary>Every size and stride on one shape spanning several tiles on both axes, with a ragged edge.</summary>
    [Theory]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 1)]
    [InlineData(5, 2)]
    [InlineData(7, 1)]
    [InlineData(7, 2)]
    public void EverySizeAndStride(int k, int stride)
    {
        var rng = new Random(81 * k + stride);
        var p = ConvParams.Create(2, 5, 11, 35, 5, k, stride, 5, ChannelMap.SplitOdd, 11, 8, 3);
        TiledDepthwiseCases.Check(fixture.Accelerator, Launcher, fixture.Get(a => new DepthwiseConv2d(a)), rng, p, Activation.Relu);
    }

    [Fact]
    public void RejectsWhatItDoesNotTake()
    {
        Assert.False(TiledDepthwiseConv2d.Supports(ConvParams.Create(1, 4, 9, 9, 4, 1, 1, 4)));
        Assert.False(TiledDepthwiseConv2d.Supports(ConvParams.Create(1, 4, 9, 9, 4, 9, 1, 4)));
        Assert.False(TiledDepthwiseConv2d.Supports(ConvParams.Create(1, 4, 9, 9, 4, 3, 3, 4)));
        Assert.False(TiledDepthwiseConv2d.Supports(ConvParams.Create(1, 4, 9, 9, 8, 3, 1, 4)));
        Assert.True(TiledDepthwiseConv2d.Supports(ConvParams.Create(1, 4, 9, 9, 4, 7, 2, 4)));
        var p = ConvParams.Create(1, 4, 9, 9, 4, 3, 3, 4);
        using var buf = fixture.Accelerator.Allocate1D<float>(4096);
        var v = buf.View;
        Assert.Throws<ArgumentException>(() => Launcher.Launch(null, v, v.SubView(0, 36), v.SubView(0, 4), v, p, Activation.None));
        Assert.Throws<ArgumentException>(() => Launcher.Prepare(Activation.None, 9));
        Assert.Throws<NotSupportedException>(() => new TiledDepthwiseConv2d(fixture.Accelerator, [DepthwiseTile.D64x16]));
    }
}

/// <summary>Every GPU tile shape on a CPU accelerator with 256 threads per group (ILGPU's default level, O1: what CUDA ships).</summary>
public sealed class TiledDepthwiseWideTileTests(WideCpuAcceleratorFixture fixture) : IClassFixture<WideCpuAcceleratorFixture>
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var t in new[] { "D64x16", "D32x16", "D16x16c2", "D8x8c8" })
            for (int s = 0; s < 3; s++)
                data.Add(t, s);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(string tile, int seed)
    {
        var launcher = new TiledDepthwiseConv2d(fixture.Accelerator, [DepthwiseTile.All.Single(t => t.Name == tile)]);
        var rng = new Random(9000 + seed);
        TiledDepthwiseCases.Check(fixture.Accelerator, launcher, fixture.Get(a => new DepthwiseConv2d(a)), rng,
            TiledDepthwiseCases.RandomShape(rng, seed), KernelTest.ActivationFor(seed));
    }
}

/// <summary>Tile choice, computed by hand.</summary>
public sealed class TiledDepthwisePlanTests
{
    [Theory]
    // Score = fill x halo ratio. 56x56, 3x3: D64x16 0.766 x (64*16)/(66*18) = 0.660; D8x8c8 fills all but stages
    // 10x10 per 8x8 (0.640), D32x16 0.766 x 512/(34*18) = 0.641: within 5%, the larger stays.
    [InlineData(1, 56, 3, 1, "D64x16")]
    // 28x28, 3x3: D32x16 0.766 x 0.837 = 0.641; D16x16c2 0.766 x 0.790 = 0.605; D64x16 0.383 x 0.862.
    [InlineData(1, 28, 3, 1, "D32x16")]
    // 14x14, 5x5: D16x16c2 0.766 x 256/400 = 0.490; D8x8c8 0.766 x 64/144 = 0.340; D32x16 0.383 x 512/720.
    [InlineData(1, 14, 5, 1, "D16x16c2")]
    // 14x14 at stride 2 -> 7x7, 7x7 taps: D8x8c8 0.766 x (16*16)/(21*21) = 0.444; D16x16c2 0.191 x ...
    [InlineData(2, 14, 7, 2, "D8x8c8")]
    public void ChoosesTheTileThatWastesLeast(int n, int size, int k, int stride, string expected)
    {
        var p = ConvParams.Create(n, 64, size, size, 64, k, stride, 64);
        using var wide = new WideCpuAcceleratorFixture();
        var tiles = DepthwiseTile.All.Where(t => t != DepthwiseTile.D16x4).ToList();
        Assert.Equal(expected, new TiledDepthwiseConv2d(wide.Accelerator, tiles).ChooseTile(p).Name);
    }
}

/// <summary>The tiled kernel on PoCL (OpenCL compatibility mode, O2): K 3 and 7 (two kernels: PoCL compiles about a
/// second each; K 5 is the same code between them, run at O2 on the CPU accelerator above), both strides.</summary>
public sealed class TiledDepthwiseOpenCLTests : IDisposable
{
    private readonly ComputeDevice? device;

    public TiledDepthwiseOpenCLTests()
    {
        if (OpenCLEnvironment.AbsentReason is null)
            device = ComputeDevice.Create(BackendKind.OpenCL);
    }

    public void Dispose() => device?.Dispose();

    [OpenCLFact]
    public void MatchesReferenceForBothStrides()
    {
        OpenCLEnvironment.AssertPresent();
        var accelerator = device!.Accelerator;
        var reference = new DepthwiseConv2d(accelerator);
        var launcher = new TiledDepthwiseConv2d(accelerator);
        Assert.Equal([DepthwiseTile.D64x16], launcher.Tiles);
        foreach (int k in new[] { 3, 7 })
        foreach (int stride in new[] { 1, 2 })
        {
            var rng = new Random(91 * k + stride);
            var p = ConvParams.Create(2, 3, 19, 70, 3, k, stride, 3, ChannelMap.SplitEven, 6, 5, 1);
            TiledDepthwiseCases.Check(accelerator, launcher, reference, rng, p, Activation.None);
        }
    }
}
