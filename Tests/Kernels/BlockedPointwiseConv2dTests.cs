using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Kernels;

internal static class BlockedPointwiseCases
{
    /// <summary>
    /// The blocked kernel against the scalar reference and against today's tiled kernel (<see cref="PointwiseConv2d"/>)
    /// on the same device, with sentinels around the output slice.
    /// </summary>
    public static void Check(Accelerator accelerator, BlockedPointwiseConv2d launcher, PointwiseConv2d reference,
        Random rng, ConvParams p, Activation act)
    {
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, p.WeightLength, 1f / MathF.Sqrt(p.Cin / p.Groups));
        var bias = KernelTest.Random(rng, p.Cout, 0.5f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        PointwiseConv2d.Reference(input, weight, bias, expected, p, act);

        var packed = BlockedPointwiseConv2d.PackWeights(weight, p);
        var actual = KernelTest.Run(accelerator, p.OutputBufferLength, [input, packed, bias],
            (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        var tiled = KernelTest.Run(accelerator, p.OutputBufferLength, [input, weight, bias],
            (v, o) => reference.Launch(null, v[0], v[1], v[2], o, p, act));
        string what = $"BlockedPointwiseConv2d[{launcher.ChooseTile(p).Name}] {act} {p}";
        Func<int, string> where = i => KernelTest.Nchw(i, p.OutTotalChannels, p.H * p.W, p.W);
        KernelTest.Close(expected, actual, what, where);
        KernelTest.Close(tiled, actual, what + " vs PointwiseConv2d", where);
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.Cout, p.H * p.W, what);
    }
}

/// <summary>The 16-thread tile on ILGPU's default CPU accelerator at O2.</summary>
public sealed class BlockedPointwiseSmallTileTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 30)];

    private BlockedPointwiseConv2d Launcher => fixture.Get(a => new BlockedPointwiseConv2d(a));

    [Fact]
    public void OnlyTheSmallTileFits() => Assert.Equal([BlockedTile.P16M16], Launcher.Tiles);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(5000 + seed);
        BlockedPointwiseCases.Check(fixture.Accelerator, Launcher, fixture.Get(a => new PointwiseConv2d(a)), rng,
            PointwiseCases.RandomShape(rng, seed, shuffles: false), KernelTest.ActivationFor(seed));
    }

    [Fact]
    public void RejectsShuffledMapsAndWrongPackedWeights()
    {
        var shuffled = ConvParams.Create(1, 6, 3, 3, 4, 1, inMap: ChannelMap.GroupShuffle(2, 6));
        Assert.False(BlockedPointwiseConv2d.Supports(shuffled));
        var p = ConvParams.Create(1, 6, 3, 3, 4, 1);
        Assert.True(BlockedPointwiseConv2d.Supports(p));
        using var buf = fixture.Accelerator.Allocate1D<float>(4096);
        var v = buf.View;
        Assert.Throws<ArgumentException>(() => Launcher.Launch(null, v, v.SubView(0, 16 * 64), v.SubView(0, 4), v, shuffled, Activation.None));
        // The stored layout (24 weights) is not the packed one (16 x 64).
        Assert.Throws<ArgumentException>(() => Launcher.Launch(null, v, v.SubView(0, 24), v.SubView(0, 4), v, p, Activation.None));
        Assert.Throws<NotSupportedException>(() => new BlockedPointwiseConv2d(fixture.Accelerator, [BlockedTile.P64M64]));
    }
}

/// <summary>Every tile shape on a CPU accelerator with 256 threads per group (ILGPU's default level, O1).</summary>
public sealed class BlockedPointwiseWideTileTests(WideCpuAcceleratorFixture fixture) : IClassFixture<WideCpuAcceleratorFixture>
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var t in new[] { "P64M64", "P32M64", "P64M32" })
            for (int s = 0; s < 5; s++)
                data.Add(t, s);
        return data;
    }

    private static BlockedTile Tile(string name) => name switch
    {
        "P64M64" => BlockedTile.P64M64,
        "P32M64" => BlockedTile.P32M64,
        _ => BlockedTile.P64M32,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(string tile, int seed)
    {
        var launcher = new BlockedPointwiseConv2d(fixture.Accelerator, [Tile(tile)]);
        var rng = new Random(6000 + seed);
        BlockedPointwiseCases.Check(fixture.Accelerator, launcher, fixture.Get(a => new PointwiseConv2d(a)), rng,
            PointwiseCases.RandomShape(rng, seed, shuffles: false), KernelTest.ActivationFor(seed));
    }

    /// <summary>Several tiles on every axis (3 K tiles with a ragged one, 3 channel tiles, 4 pixel tiles).</summary>
    [Theory]
    [InlineData("P64M64", 1)]
    [InlineData("P32M64", 8)]
    public void SpansSeveralTiles(string tile, int groups)
    {
        var rng = new Random(61 + groups);
        int cin = groups == 1 ? 37 : 8 * 5, cout = groups == 1 ? 150 : 8 * 17;
        var p = ConvParams.Create(2, cin, 13, 9, cout, 1, 1, groups, ChannelMap.SplitOdd, 2 * cin, cout + 3, 2);
        BlockedPointwiseCases.Check(fixture.Accelerator, new BlockedPointwiseConv2d(fixture.Accelerator, [Tile(tile)]),
            fixture.Get(a => new PointwiseConv2d(a)), rng, p, Activation.HardSwish);
    }
}

/// <summary>Packing and tile choice, computed by hand.</summary>
public sealed class BlockedPointwisePlanTests
{
    [Fact]
    public void PacksWeightsAsGroupKChannelWithZeroPadding()
    {
        // Cout 4, Cin 6, 2 groups: Kg 3, Mg 2 -> [2][16][64]; w[co, k] = 10 co + k.
        var p = ConvParams.Create(1, 6, 1, 1, 4, 1, groups: 2);
        float[] w = [.. Enumerable.Range(0, 12).Select(i => (float)(10 * (i / 3) + i % 3))];
        var packed = BlockedPointwiseConv2d.PackWeights(w, p);
        Assert.Equal(2 * 16 * 64, packed.Length);
        Assert.Equal(2 * 16 * 64, BlockedPointwiseConv2d.PackedWeightLength(p));
        Assert.Equal(0f, packed[0 * 64 + 0]);     // g 0, k 0, m 0: co 0, k 0
        Assert.Equal(11f, packed[1 * 64 + 1]);    // g 0, k 1, m 1: co 1, k 1
        Assert.Equal(22f, packed[(16 + 2) * 64 + 0]); // g 1, k 2, m 0: co 2, k 2
        Assert.Equal(31f, packed[(16 + 1) * 64 + 1]); // g 1, k 1, m 1: co 3, k 1
        Assert.Equal(12, packed.Count(x => x != 0f) + 1); // every weight but w[0, 0] = 0, and nothing else
    }

    [Theory]
    // 7x7 at batch 1, 256 channels: 49 pixels fill a 64- and a 32-pixel tile alike (77%): the large tile stays.
    [InlineData(1, 7, 7, 256, "P64M64")]
    // The same with 464 channels: 8 tiles of 64 hold 512 slots, 15 tiles of 32 hold 480: 74% against 69% fill.
    [InlineData(1, 7, 7, 464, "P64M32")]
    // 24 channels per group fill a 64-channel tile 38%, a 32-channel tile 75%.
    [InlineData(8, 28, 28, 24, "P64M32")]
    // 2 x 4 x 4 = 32 pixels: half of a 64-pixel tile, all of a 32-pixel one.
    [InlineData(2, 4, 4, 128, "P32M64")]
    public void ChoosesTheTileThatWastesLeast(int n, int h, int w, int cout, string expected)
    {
        var p = ConvParams.Create(n, 64, h, w, cout, 1);
        var tiles = new[] { BlockedTile.P64M64, BlockedTile.P32M64, BlockedTile.P64M32 };
        using var wide = new WideCpuAcceleratorFixture();
        Assert.Equal(expected, new BlockedPointwiseConv2d(wide.Accelerator, tiles).ChooseTile(p).Name);
    }
}

/// <summary>The blocked kernel on PoCL (OpenCL compatibility mode, O2): skipped without OpenCL unless required.</summary>
public sealed class BlockedPointwiseOpenCLTests : IDisposable
{
    private readonly ComputeDevice? device;

    public BlockedPointwiseOpenCLTests()
    {
        if (OpenCLEnvironment.AbsentReason is null)
            device = ComputeDevice.Create(BackendKind.OpenCL);
    }

    public void Dispose() => device?.Dispose();

    [OpenCLFact]
    public void MatchesReferenceOnEveryTile()
    {
        OpenCLEnvironment.AssertPresent();
        var accelerator = device!.Accelerator;
        var reference = new PointwiseConv2d(accelerator);
        var largest = new BlockedPointwiseConv2d(accelerator);
        Assert.Equal([BlockedTile.P64M64], largest.Tiles);
        for (int seed = 0; seed < 6; seed++)
        {
            var rng = new Random(7000 + seed);
            BlockedPointwiseCases.Check(accelerator, largest, reference, rng, PointwiseCases.RandomShape(rng, seed, shuffles: false), Activation.HardSwish);
        }
        foreach (var tile in new[] { BlockedTile.P32M64, BlockedTile.P64M32 })
        {
            var rng = new Random(71);
            var p = ConvParams.Create(2, 37, 13, 9, 150, 1, 1, 1, ChannelMap.SplitOdd, 74, 153, 2);
            BlockedPointwiseCases.Check(accelerator, new BlockedPointwiseConv2d(accelerator, [tile]), reference, rng, p, Activation.HardSwish);
        }
    }
}
