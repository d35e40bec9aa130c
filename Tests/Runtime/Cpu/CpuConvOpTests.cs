using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cpu;
using static ShuffleNetGpu.Tests.Runtime.Cpu.CpuOpHarness;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>
/// The CPU convolutions (1x1 GEMM, depthwise, general im2col) against the kernels' scalar references, on every path:
/// random shapes with widths that are not a multiple of the vector length, odd channel counts, every channel view,
/// every activation, output slices with sentinels around them, 1 and 3 threads.
/// </summary>
public class CpuConvOpTests
{
    public static TheoryData<CpuPath> Paths => PathData();

    /// <summary>One convolution through the CPU op and the reference; returns the CPU output.</summary>
    static float[] Check(Random rng, CpuPath path, int threads, int n, int cin, int cout, int h, int w, int k, int stride, int groups,
        ChannelView view, int sourceChannels, Activation act, int outTotal, int outOffset, string what)
    {
        int ho = (h + 2 * (k / 2) - k) / stride + 1, wo = (w + 2 * (k / 2) - k) / stride + 1;
        var tensors = new[] { new TensorInfo(0, sourceChannels, h, w), new TensorInfo(1, outTotal, ho, wo) };
        var op = new ConvOp("c", null, false, new TensorRead(0, view), new TensorWrite(1, outOffset), cin, cout, k, stride, groups, act);
        var weight = CpuOpHarness.Random(rng, (long)cout * (cin / groups) * k * k, 1f / MathF.Sqrt(cin / groups * k * k) * 2);
        var bias = CpuOpHarness.Random(rng, cout, 1f);
        var input = CpuOpHarness.Random(rng, (long)n * sourceChannels * h * w, 3f);
        var expected = Filled((long)n * outTotal * ho * wo);
        var p = ConvParams.Create(n, cin, h, w, cout, k, stride, groups, Map(view), sourceChannels, outTotal, outOffset);
        if (op.IsPointwise) PointwiseConv2d.Reference(input, weight, bias, expected, p, Kind(act));
        else if (op.IsDepthwise) DepthwiseConv2d.Reference(input, weight, bias, expected, p, Kind(act));
        else Conv2d.Reference(input, weight, bias, expected, p, Kind(act));
        var actual = Filled(expected.Length);
        Run(op, tensors, new Dictionary<string, float[]> { ["c.weight"] = weight, ["c.bias"] = bias }, [input, actual], n, path, threads);
        AssertSliceClose(actual, expected, n, outTotal, outOffset, cout, ho * wo, what: $"{path} t{threads} {what}");
        return actual;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PointwiseMatchesTheReference(CpuPath path)
    {
        var rng = new Random(11);
        // (cin, cout, groups, h, w): HW of 1, 7, 49, 196 (not multiples of 16), odd channels, groups 3 and 8, a wide image.
        var shapes = new (int Cin, int Cout, int G, int H, int W)[]
        {
            (5, 7, 1, 7, 7), (24, 58, 1, 13, 11), (58, 58, 1, 14, 14), (17, 33, 1, 1, 1), (24, 60, 3, 9, 5),
            (48, 64, 8, 7, 9), (116, 116, 1, 7, 7), (9, 12, 3, 28, 29), (40, 81, 1, 3, 17),
        };
        int i = 0;
        foreach (var (cin, cout, g, h, w) in shapes)
            foreach (var (name, view, source) in Views(cin, g))
            {
                var act = (Activation)(i++ % 5);
                int n = 1 + i % 3, threads = 1 + 2 * (i % 2);
                Check(rng, path, threads, n, cin, cout, h, w, 1, 1, g, view, source, act, cout + 4, 3, $"pw {cin}->{cout} g{g} {h}x{w} {name} {act} n{n}");
            }
    }

    /// <summary>Split over 2 and 3 threads, a 1x1 convolution gives the bits of 1 thread, on maps whose last column
    /// tile is a sliver (merged into the column part before it), a whole tile, or short, in every group.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void PointwiseGivesTheSameBitsOnEveryThreadCount(CpuPath path)
    {
        // (cin, cout, groups, h, w, n): 49 and 98 columns (a 7x7 map, one and two images), 50, 196, 73, 120 (whole
        // tiles on every path), grouped, and enough work to split.
        var shapes = new (int Cin, int Cout, int G, int H, int W, int N)[]
        {
            (116, 116, 1, 7, 7, 1), (96, 200, 1, 7, 7, 2), (64, 72, 1, 5, 10, 1), (60, 240, 3, 14, 14, 1), (120, 96, 3, 1, 73, 1),
            (80, 64, 1, 8, 15, 1), (240, 60, 3, 7, 7, 1),
        };
        foreach (var (cin, cout, g, h, w, n) in shapes)
        {
            var one = Check(new Random(cin + cout), path, 1, n, cin, cout, h, w, 1, 1, g, ChannelView.Identity, cin, Activation.Relu, cout, 0, $"pw {cin}->{cout} g{g} {h}x{w} n{n}");
            foreach (int threads in new[] { 2, 3 })
            {
                var split = Check(new Random(cin + cout), path, threads, n, cin, cout, h, w, 1, 1, g, ChannelView.Identity, cin, Activation.Relu, cout, 0, $"pw {cin}->{cout} g{g} {h}x{w} n{n}");
                AssertSameBits(one, split, $"{path} pw {cin}->{cout} g{g} {h}x{w} n{n}", "1 thread", $"{threads} threads");
            }
        }
    }

    /// <summary>The column tiles a 1x1 convolution's split divides: a sliver last tile goes with the part before it.</summary>
    [Theory]
    [InlineData(49, 24, 8, 2)]    // 24 + 24 + 1: the 49th column is a sliver
    [InlineData(50, 24, 8, 2)]    // 2 columns are a sliver on 8 lanes
    [InlineData(51, 24, 8, 3)]    // 3 are not
    [InlineData(196, 24, 8, 9)]   // 8 tiles + 4 columns
    [InlineData(48, 24, 8, 2)]
    [InlineData(1, 24, 8, 1)]     // one tile, however narrow
    [InlineData(49, 48, 16, 1)]   // AVX-512: 48 + 1
    [InlineData(52, 48, 16, 1)]   // 48 + 4: a sliver on 16 lanes
    [InlineData(49, 4, 1, 13)]    // the scalar path has no slivers
    public void ASliverTileIsNotAPartOfItsOwn(int columns, int width, int vector, int tiles) =>
        Assert.Equal(tiles, CpuPointwiseConv.SplitTiles(columns, width, vector));

    /// <summary>A group shuffle seen by a convolution with other groups: rows within a group are not evenly spaced,
    /// so the op copies them to scratch first.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void PointwiseGathersRowsAViewScatters(CpuPath path)
    {
        var rng = new Random(12);
        Check(rng, path, 1, 2, 24, 30, 2, 7, 5, 1, 1, ChannelView.GroupShuffle(4, 24), 24, Activation.Relu, 30, 0, "shuffle4 seen by groups 2");
        Check(rng, path, 3, 1, 24, 36, 1, 13, 13, 1, 1, ChannelView.GroupShuffle(3, 24), 24, Activation.None, 40, 2, "shuffle3 seen by 1 group");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DepthwiseMatchesTheReference(CpuPath path)
    {
        var rng = new Random(13);
        var shapes = new (int C, int H, int W)[] { (7, 7, 7), (5, 14, 14), (3, 28, 28), (4, 13, 9), (2, 1, 1), (3, 2, 3), (2, 56, 33), (3, 5, 40), (2, 57, 61), (2, 9, 113) };
        int i = 0;
        foreach (var (c, h, w) in shapes)
            foreach (int k in new[] { 3, 5, 7 })
                foreach (int s in new[] { 1, 2 })
                {
                    var (name, view, source) = Views(c, 1).ElementAt(i % 4);
                    var act = (Activation)(i++ % 5);
                    Check(rng, path, 1 + 2 * (i % 2), 1 + i % 2, c, c, h, w, k, s, c, view, source, act, c + 3, 1, $"dw {c} {h}x{w} k{k} s{s} {name} {act}");
                }
    }

    /// <summary>The depthwise convolution's two kernels (in place with masked loads; on padded phase planes with plain
    /// loads) give the same bits on every shape, kernel size, stride, activation, path and thread count, the sentinels
    /// around the output slice included: the engine may pick either by speed alone.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void DepthwiseKernelsGiveTheSameBits(CpuPath path)
    {
        var rng = new Random(16);
        // Maps of 7, 14, 28 and 56 rows (blocks of seven or eight rows), odd sizes, a single pixel, rows shorter than a
        // vector, more planes than a chunk.
        var shapes = new (int C, int H, int W)[] { (3, 7, 7), (2, 14, 14), (2, 13, 9), (2, 28, 28), (2, 57, 61), (2, 5, 40), (2, 1, 1), (2, 2, 3), (9, 56, 56) };
        int i = 0;
        foreach (var (c, h, w) in shapes)
            foreach (int k in new[] { 3, 5, 7 })
                foreach (int s in new[] { 1, 2 })
                {
                    int n = 1 + i % 2, threads = 1 + 2 * (i % 2), ho = (h - 1) / s + 1, wo = (w - 1) / s + 1, outTotal = c + 3;
                    var (name, view, source) = Views(c, 1).ElementAt(i % 4);
                    var act = (Activation)(i++ % 5);
                    var tensors = new[] { new TensorInfo(0, source, h, w), new TensorInfo(1, outTotal, ho, wo) };
                    var op = new ConvOp("c", null, false, new TensorRead(0, view), new TensorWrite(1, 1), c, c, k, s, c, act);
                    var weights = new Dictionary<string, float[]>
                    {
                        ["c.weight"] = CpuOpHarness.Random(rng, (long)c * k * k, 2f / k),
                        ["c.bias"] = CpuOpHarness.Random(rng, c, 1f),
                    };
                    var input = CpuOpHarness.Random(rng, (long)n * source * h * w, 3f);
                    float[] Run(bool padded)
                    {
                        using var dw = new CpuDepthwiseConv(op, tensors, weights, path, paddedPlanes: padded);
                        var output = Filled((long)n * outTotal * ho * wo);
                        CpuOpHarness.Run(dw, [input, output], n, threads);
                        return output;
                    }
                    var inPlace = Run(false);
                    var onPlanes = Run(true);
                    AssertSameBits(inPlace, onPlanes, $"{path} dw {c} {h}x{w} k{k} s{s} {name} {act} n{n} t{threads}", "in place", "on planes");
                    Assert.DoesNotContain(inPlace.Where((v, j) => j % (outTotal * ho * wo) >= ho * wo && j % (outTotal * ho * wo) < (c + 1) * ho * wo), v => v == Sentinel);
                }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void GeneralConvolutionMatchesTheReference(CpuPath path)
    {
        var rng = new Random(14);
        // The stems (3 -> 24, 3x3 stride 2, a 224 image is covered by the network tests; 133 wide: B gathered by output
        // row instead of the pitch grid), Large's dense and grouped 3x3.
        var cases = new (int Cin, int Cout, int H, int W, int K, int S, int G)[]
        {
            (3, 24, 30, 31, 3, 2, 1), (3, 16, 17, 17, 3, 2, 1), (8, 12, 9, 11, 3, 1, 1), (12, 12, 10, 7, 3, 2, 4),
            (6, 9, 13, 13, 5, 1, 3), (4, 8, 8, 8, 7, 2, 2), (16, 20, 15, 15, 3, 1, 1), (3, 5, 1, 1, 3, 1, 1), (3, 16, 21, 133, 3, 2, 1),
        };
        int i = 0;
        foreach (var (cin, cout, h, w, k, s, g) in cases)
        {
            var (name, view, source) = Views(cin, 1).ElementAt(i % 4);
            var act = (Activation)(i++ % 5);
            Check(rng, path, 1 + 2 * (i % 2), 1 + i % 3, cin, cout, h, w, k, s, g, view, source, act, cout + 2, 2, $"conv {cin}->{cout} k{k} s{s} g{g} {h}x{w} {name} {act}");
        }
    }

    /// <summary>Each output's reduction runs on one thread in a fixed order, and the paths share the element-wise
    /// formula (fused multiply-adds in k order): the same bits whatever the thread count or path.</summary>
    [Fact]
    public void ConvolutionsGiveTheSameBitsOnEveryPathAndThreadCount()
    {
        var cases = new (int Cin, int Cout, int H, int W, int K, int S, int G)[]
        {
            (58, 58, 28, 28, 1, 1, 1), (232, 232, 7, 7, 1, 1, 1), (24, 60, 14, 15, 1, 1, 3), (58, 58, 28, 28, 3, 1, 58),
            (58, 58, 28, 28, 5, 2, 58), (3, 24, 45, 40, 3, 2, 1), (3, 16, 9, 141, 3, 2, 1),
        };
        foreach (var (cin, cout, h, w, k, s, g) in cases)
        {
            float[]? first = null;
            foreach (var path in Paths)
                foreach (int threads in new[] { 1, 2, 3, 5 })
                {
                    var result = Check(new Random(15), path, threads, 2, cin, cout, h, w, k, s, g, ChannelView.Identity, cin, Activation.HardSwish, cout, 0, $"{cin}->{cout} k{k}");
                    if (first is null) first = result;
                    else Assert.True(first.AsSpan().SequenceEqual(result), $"{cin}->{cout} k{k} s{s} g{g}: {path} with {threads} threads differs");
                }
        }
    }
}
