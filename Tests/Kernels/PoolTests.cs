using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class PoolTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 30)];

    private static PoolParams RandomShape(Random rng, int seed)
    {
        int c = KernelTest.Pick(rng, 1, 3, 4, 12, 25, 37);
        var (map, inTotal) = KernelTest.RandomInputMap(rng, c, seed);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, c);
        return PoolParams.Create(rng.Next(1, 3), c, rng.Next(1, 14), KernelTest.Pick(rng, 1, 2, 3, 5, 7, 8, 11), map,
            inTotal, outTotal, outOffset);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MaxPoolMatchesReference(int seed)
    {
        var rng = new Random(5000 + seed);
        var p = RandomShape(rng, seed);
        // Strictly negative inputs: a max that let the zero padding win would show.
        var input = KernelTest.Random(rng, p.InputBufferLength, 1f).Select(v => v - 1.5f).ToArray();
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        MaxPool3x3s2.Reference(input, expected, p);
        var launcher = fixture.Get(a => new MaxPool3x3s2(a));
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input],
            (v, o) => launcher.Launch(null, v[0], o, p));
        Verify(expected, actual, p, $"MaxPool3x3s2 {p}");
        // Padding never wins: every output is negative.
        for (int i = 0; i < p.OutputBufferLength; i++)
            Assert.True(actual[i] < 0f);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AvgPoolMatchesReference(int seed)
    {
        var rng = new Random(6000 + seed);
        var p = RandomShape(rng, seed);
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        AvgPool3x3s2.Reference(input, expected, p);
        var launcher = fixture.Get(a => new AvgPool3x3s2(a));
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input],
            (v, o) => launcher.Launch(null, v[0], o, p));
        Verify(expected, actual, p, $"AvgPool3x3s2 {p}");
    }

    [Fact]
    public void AvgPoolCountsPaddingZeros()
    {
        // A 2x2 map of ones: output (0, 0) sees 4 in-range taps, so it is 4 / 9, not 1.
        var p = PoolParams.Create(1, 1, 2, 2);
        var output = new float[1];
        AvgPool3x3s2.Reference(new float[] { 1, 1, 1, 1 }, output, p);
        Assert.Equal(4f / 9f, output[0]);
        var launcher = fixture.Get(a => new AvgPool3x3s2(a));
        var actual = KernelTest.Run(fixture.Accelerator, 1, [[1f, 1f, 1f, 1f]], (v, o) => launcher.Launch(null, v[0], o, p));
        Assert.Equal(4f / 9f, actual[0]);
    }

    [Fact]
    public void MaxPoolPropagatesNaN()
    {
        var p = PoolParams.Create(1, 1, 3, 3);
        var input = new float[] { 1, 2, 3, 4, float.NaN, 6, 7, 8, 9 };
        var launcher = fixture.Get(a => new MaxPool3x3s2(a));
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input], (v, o) => launcher.Launch(null, v[0], o, p));
        var expected = new float[p.OutputBufferLength];
        MaxPool3x3s2.Reference(input, expected, p);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsNaN(expected[i]));
            Assert.True(float.IsNaN(actual[i]), $"output {i} is {actual[i]}, expected NaN");
        }
    }

    private static void Verify(float[] expected, float[] actual, PoolParams p, string what)
    {
        KernelTest.Close(expected, actual, what, i => KernelTest.Nchw(i, p.OutTotalChannels, p.Ho * p.Wo, p.Wo));
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.C, p.Ho * p.Wo, what);
    }
}
