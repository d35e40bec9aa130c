using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class DepthwiseConv2dTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 50)];

    private DepthwiseConv2d Launcher => fixture.Get(a => new DepthwiseConv2d(a));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(4000 + seed);
        var p = Conv2dTests.RandomShape(rng, seed, depthwise: true);
        var act = KernelTest.ActivationFor(seed);
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, p.WeightLength, 1f / p.K);
        var bias = KernelTest.Random(rng, p.Cout, 0.5f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        DepthwiseConv2d.Reference(input, weight, bias, expected, p, act);
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input, weight, bias],
            (v, o) => Launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        string what = $"DepthwiseConv2d {act} {p}";
        KernelTest.Close(expected, actual, what, i => KernelTest.Nchw(i, p.OutTotalChannels, p.Ho * p.Wo, p.Wo));
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.Cout, p.Ho * p.Wo, what);
    }

    [Fact]
    public void RejectsNonDepthwiseShapes()
    {
        var p = ConvParams.Create(1, 4, 5, 5, 8, 3, groups: 4);
        Assert.Throws<ArgumentException>(() => DepthwiseConv2d.Reference(new float[100], new float[72], new float[8], new float[200], p, Activation.None));
    }
}
