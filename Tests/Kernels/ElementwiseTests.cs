using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class ElementwiseTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 30)];

    private static (int N, int C, int H, int W) RandomShape(Random rng) =>
        (rng.Next(1, 3), KernelTest.Pick(rng, 1, 2, 3, 6, 12, 25, 37), rng.Next(1, 14), KernelTest.Pick(rng, 1, 3, 4, 7, 11));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ScaleChannelsMatchesReference(int seed)
    {
        var rng = new Random(9000 + seed);
        var (n, c, h, w) = RandomShape(rng);
        var (xMap, xTotal) = KernelTest.RandomInputMap(rng, c, seed);
        var (rMap, rTotal) = KernelTest.RandomInputMap(rng, c, seed / 5 + 3);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, c);
        bool hasResidual = seed % 3 != 0;
        var p = ScaleChannelsParams.Create(n, c, h, w, xMap, xTotal, hasResidual, rMap, rTotal, outTotal, outOffset);
        var act = KernelTest.ActivationFor(seed);
        var x = KernelTest.Random(rng, p.XBufferLength, 2f);
        var s = KernelTest.Random(rng, (long)n * c, 1f);
        var r = hasResidual ? KernelTest.Random(rng, p.RBufferLength, 2f) : [];
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        ScaleChannels.Reference(x, s, r, expected, p, act);
        var launcher = fixture.Get(a => new ScaleChannels(a));
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [x, s, r],
            (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        Verify(expected, actual, n, c, h, w, outTotal, outOffset, $"ScaleChannels {act} {p}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AddActivationMatchesReference(int seed)
    {
        var rng = new Random(10000 + seed);
        var (n, c, h, w) = RandomShape(rng);
        var (aMap, aTotal) = KernelTest.RandomInputMap(rng, c, seed / 5);
        var (bMap, bTotal) = KernelTest.RandomInputMap(rng, c, seed);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, c);
        var p = AddActivationParams.Create(n, c, h, w, aMap, aTotal, bMap, bTotal, outTotal, outOffset);
        var act = KernelTest.ActivationFor(seed);
        var a = KernelTest.Random(rng, p.ABufferLength, 4f);
        var b = KernelTest.Random(rng, p.BBufferLength, 4f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        AddActivation.Reference(a, b, expected, p, act);
        var launcher = fixture.Get(acc => new AddActivation(acc));
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [a, b],
            (v, o) => launcher.Launch(null, v[0], v[1], o, p, act));
        Verify(expected, actual, n, c, h, w, outTotal, outOffset, $"AddActivation {act} {p}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void CopyChannelsMatchesReference(int seed)
    {
        var rng = new Random(11000 + seed);
        var (n, c, h, w) = RandomShape(rng);
        var (map, total) = KernelTest.RandomInputMap(rng, c, seed);
        var (outTotal, outOffset) = KernelTest.RandomOutputSlice(rng, c);
        var p = CopyChannelsParams.Create(n, c, h, w, map, total, outTotal, outOffset);
        var act = KernelTest.ActivationFor(seed);
        var input = KernelTest.Random(rng, p.InputBufferLength, 5f);
        var expected = KernelTest.SentinelArray(p.OutputBufferLength);
        CopyChannels.Reference(input, expected, p, act);
        var launcher = fixture.Get(acc => new CopyChannels(acc));
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input],
            (v, o) => launcher.Launch(null, v[0], o, p, act));
        Verify(expected, actual, n, c, h, w, outTotal, outOffset, $"CopyChannels {act} {p}");
    }

    /// <summary>Every activation on the device equals the host scalar bit for bit, at the interesting points.</summary>
    [Fact]
    public void ActivationsOnDeviceMatchHost()
    {
        float[] values = [-1000f, -90f, -20f, -3.5f, -3f, -2.999f, -1f, -0.5f, -0f, 0f, 1e-30f, 0.25f, 1f, 2.999f,
            3f, 3.5f, 6f, 20f, 90f, 1000f, float.NaN];
        var p = CopyChannelsParams.Create(1, 1, 1, values.Length);
        var launcher = fixture.Get(acc => new CopyChannels(acc));
        foreach (var act in ActivationExtensions.All)
        {
            var actual = KernelTest.Run(fixture.Accelerator, values.Length, [values],
                (v, o) => launcher.Launch(null, v[0], o, p, act));
            for (int i = 0; i < values.Length; i++)
            {
                float expected = act.Apply(values[i]);
                Assert.True(expected.Equals(actual[i]) || Math.Abs(expected - actual[i]) <= 1e-7f * Math.Abs(expected),
                    $"{act}({values[i]}): host {expected:G9}, device {actual[i]:G9}");
            }
        }
    }

    /// <summary>The SE forms the networks use, spelt out against the formulas in SPEC.md.</summary>
    [Fact]
    public void ScaleChannelsCoversTheSeVariants()
    {
        // x (2 channels, 1x2), s, x_in as the odd half of a 4-channel input.
        float[] x = [1, -2, 3, -4];
        float[] s = [0.5f, 2f];
        float[] input = [10, 20, 30, 40, 50, 60, 70, 80];
        var launcher = fixture.Get(acc => new ScaleChannels(acc));

        var v2Plus = ScaleChannelsParams.Create(1, 2, 1, 2);
        var got = KernelTest.Run(fixture.Accelerator, 4, [x, s, []], (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, v2Plus, Activation.None));
        Assert.Equal(new float[] { 0.5f, -1f, 6f, -8f }, got[..4]);

        // ReLU(x * s + x_in), x_in = channels 1 and 3 of the input (SplitOdd), written into channels 1..2 of 3.
        var large = ScaleChannelsParams.Create(1, 2, 1, 2, hasResidual: true, rMap: ChannelMap.SplitOdd, rTotalChannels: 4,
            outTotalChannels: 3, outChannelOffset: 1);
        float[] negative = [-100, -100, -100, -100];
        got = KernelTest.Run(fixture.Accelerator, 6, [negative, s, input], (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, large, Activation.Relu));
        Assert.Equal(new float[] { KernelTest.Sentinel, KernelTest.Sentinel, 0f, 0f, 0f, 0f }, got[..6]);
        got = KernelTest.Run(fixture.Accelerator, 6, [x, s, input], (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, large, Activation.Relu));
        Assert.Equal(new float[] { KernelTest.Sentinel, KernelTest.Sentinel, 30.5f, 39f, 76f, 72f }, got[..6]);
    }

    private static void Verify(float[] expected, float[] actual, int n, int c, int h, int w, int outTotal, int outOffset,
        string what)
    {
        KernelTest.Close(expected, actual, what, i => KernelTest.Nchw(i, outTotal, h * w, w));
        KernelTest.OnlySliceWritten(actual, n, outTotal, outOffset, c, h * w, what);
    }
}
