using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class GlobalAvgPoolTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 25)];

    private GlobalAvgPool Launcher => fixture.Get(a => new GlobalAvgPool(a));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(7000 + seed);
        int c = KernelTest.Pick(rng, 1, 3, 8, 25, 37);
        var (map, total) = KernelTest.RandomInputMap(rng, c, seed);
        // Include maps larger than a group so threads loop, and 1x1 maps (V2+'s LastSE).
        int h = KernelTest.Pick(rng, 1, 2, 7, 13, 19), w = KernelTest.Pick(rng, 1, 3, 7, 11, 17);
        var p = GlobalAvgPoolParams.Create(rng.Next(1, 3), c, h, w, map, total);
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        long outLength = (long)p.N * p.C;
        var expected = KernelTest.SentinelArray(outLength);
        GlobalAvgPool.Reference(input, expected, p);
        var actual = KernelTest.Run(fixture.Accelerator, outLength, [input], (v, o) => Launcher.Launch(null, v[0], o, p));
        // The kernel sums in a tree: a different order, so a looser absolute floor.
        KernelTest.Close(expected, actual, $"GlobalAvgPool {p}", i => $"(n={i / p.C}, c={i % p.C})", 1e-5f, 1e-6f);
    }
}

public sealed class LinearTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 25)];

    private Linear Launcher => fixture.Get(a => new Linear(a));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(8000 + seed);
        int n = rng.Next(1, 3);
        int inFeatures = KernelTest.Pick(rng, 1, 3, 25, 37, 64, 130);
        int outFeatures = KernelTest.Pick(rng, 1, 3, 10, 25, 37);
        bool hasBias = seed % 2 == 0;
        var act = KernelTest.ActivationFor(seed);
        var input = KernelTest.Random(rng, (long)n * inFeatures, 2f);
        var weight = KernelTest.Random(rng, (long)outFeatures * inFeatures, 1f / MathF.Sqrt(inFeatures));
        var bias = hasBias ? KernelTest.Random(rng, outFeatures, 0.5f) : [];
        long outLength = (long)n * outFeatures;
        var expected = KernelTest.SentinelArray(outLength);
        Linear.Reference(input, weight, bias, expected, n, inFeatures, outFeatures, act);
        var actual = KernelTest.Run(fixture.Accelerator, outLength, [input, weight, bias],
            (v, o) => Launcher.Launch(null, v[0], v[1], v[2], o, n, inFeatures, outFeatures, act));
        KernelTest.Close(expected, actual, $"Linear {act} N={n} In={inFeatures} Out={outFeatures} bias={hasBias}",
            i => $"(n={i / outFeatures}, o={i % outFeatures})");
    }

    [Fact]
    public void BiasIsAdded()
    {
        var output = new float[2];
        Linear.Reference(new float[] { 1, 2 }, new float[] { 1, 1, 2, 0 }, new float[] { 10, 20 }, output, 1, 2, 2, Activation.None);
        Assert.Equal(new float[] { 13, 22 }, output);
        Linear.Reference(new float[] { 1, 2 }, new float[] { 1, 1, 2, 0 }, ReadOnlySpan<float>.Empty, output, 1, 2, 2, Activation.None);
        Assert.Equal(new float[] { 3, 2 }, output);
    }
}
