using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class Conv2dTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 50)];

    private Conv2d Launcher => fixture.Get(a => new Conv2d(a));

    internal static ConvParams RandomShape(Random rng, int seed, bool depthwise)
    {
        int n = rng.Next(1, 3);
        int k = KernelTest.Pick(rng, 1, 3, 5, 7);
        int stride = rng.Next(1, 3);
        int h = rng.Next(1, 14), w = KernelTest.Pick(rng, 1, 3, 5, 7, 9, 11, 2, 6);
        int cin, cout, groups;
        if (depthwise)
        {
            cin = cout = groups = KernelTest.Pick(rng, 1, 2, 3, 8, 25, 37);
        }
        else
        {
            groups = KernelTest.Pick(rng, 1, 1, 2, 3, 8);
            cin = groups * KernelTest.Pick(rng, 1, 2, 3, 5);
            cout = groups * KernelTest.Pick(rng, 1, 2, 4, 5);
            if (groups == 1 && rng.Next(3) == 0)
            {
                cin = KernelTest.Pick(rng, 1, 3, 25, 37);
                cout = KernelTest.Pick(rng, 1, 3, 25, 37);
            }
        }
        var (map, inTotal) = KernelTest.RandomInputMap(rng, cin, seed);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, cout);
        return ConvParams.Create(n, cin, h, w, cout, k, stride, groups, map, inTotal, outTotal, outOffset);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesReference(int seed)
    {
        var rng = new Random(1000 + seed);
        var p = RandomShape(rng, seed, depthwise: false);
        var act = KernelTest.ActivationFor(seed);
        Check(Launcher, rng, p, act);
    }

    [Fact]
    public void EveryActivationOnEveryMap()
    {
        var rng = new Random(7);
        for (int kind = 0; kind < 5; kind++)
        foreach (var act in ActivationExtensions.All)
        {
            var (map, total) = KernelTest.RandomInputMap(rng, 12, kind);
            var p = ConvParams.Create(1, 12, 5, 3, 6, 3, 2, 3, map, total, 9, 2);
            Check(Launcher, rng, p, act);
        }
    }

    private void Check(Conv2d launcher, Random rng, ConvParams p, Activation act)
    {
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, p.WeightLength, 1f / MathF.Sqrt(p.Cin / p.Groups * p.K * p.K));
        var bias = KernelTest.Random(rng, p.Cout, 0.5f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        Conv2d.Reference(input, weight, bias, expected, p, act);
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input, weight, bias],
            (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        string what = $"Conv2d {act} {p}";
        KernelTest.Close(expected, actual, what, i => KernelTest.Nchw(i, p.OutTotalChannels, p.Ho * p.Wo, p.Wo));
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.Cout, p.Ho * p.Wo, what);
    }
}
