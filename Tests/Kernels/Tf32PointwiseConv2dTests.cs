using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>
/// TF32 rounding as PTX <c>cvt.rna.tf32.f32</c> defines it (nearest, ties away from zero, 10 mantissa bits), computed here
/// independently of <see cref="Tf32.RoundBits"/>: scale by a power of two, <see cref="Math.Round(double, MidpointRounding)"/>, scale back.
/// </summary>
internal static class Tf32Reference
{
    public static float Round(float x)
    {
        if (float.IsNaN(x) || float.IsInfinity(x) || x == 0) return x;
        int exponent = Math.Max(Math.ILogB((double)x), -126);   // subnormals keep the quantum of the smallest normal
        double scale = Math.ScaleB(1.0, 10 - exponent);
        return (float)(Math.Round(x * scale, MidpointRounding.AwayFromZero) / scale);
    }

    /// <summary>The 1x1 convolution with both operands rounded to TF32 and sums in double: what the tensor cores compute,
    /// but for the order and width of their float32 sums.</summary>
    public static void Pointwise(float[] input, float[] weight, float[] bias, float[] output, ConvParams p, Activation act)
    {
        int kg = p.Cin / p.Groups, mg = p.Cout / p.Groups, hw = p.H * p.W;
        for (int n = 0; n < p.N; n++)
        for (int co = 0; co < p.Cout; co++)
        for (int s = 0; s < hw; s++)
        {
            int g = co / mg;
            double sum = 0;
            for (int k = 0; k < kg; k++)
            {
                int c = p.InMap.Source(g * kg + k);
                sum += (double)Round(weight[co * kg + k]) * Round(input[(n * p.InTotalChannels + c) * hw + s]);
            }
            output[(n * p.OutTotalChannels + p.OutChannelOffset + co) * hw + s] = act.Apply((float)(sum + bias[co]));
        }
    }
}

public sealed class Tf32RoundingTests
{
    [Fact]
    public void RoundsToTenMantissaBitsTiesAwayFromZero()
    {
        float one = 1f, ulp10 = MathF.Pow(2, -10), half = MathF.Pow(2, -11);
        Assert.Equal(one + ulp10, Tf32.RoundBits(one + half));                    // a tie goes away from zero
        Assert.Equal(-(one + ulp10), Tf32.RoundBits(-(one + half)));
        Assert.Equal(one, Tf32.RoundBits(one + half - MathF.Pow(2, -23)));        // just below the tie
        Assert.Equal(float.PositiveInfinity, Tf32.RoundBits(float.MaxValue));   // rounds past the largest TF32
        Assert.True(float.IsNaN(Tf32.RoundBits(float.NaN)));
        Assert.Equal(float.NegativeInfinity, Tf32.RoundBits(float.NegativeInfinity));
        var rng = new Random(16);
        for (int i = 0; i < 20000; i++)
        {
            float x = BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31));
            if (float.IsNaN(x)) continue;
            Assert.Equal(Tf32Reference.Round(x), Tf32.RoundBits(x));
        }
    }
}

/// <summary>The TF32 kernel on a 256-thread CPU accelerator (its tensor-core step emulated from shared memory): against the
/// independent TF32 reference (tight) and the float32 reference (the TF32 rule's 1e-2), only its output slice written.</summary>
public sealed class Tf32PointwiseConv2dTests(WideCpuAcceleratorFixture fixture) : IClassFixture<WideCpuAcceleratorFixture>
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 6)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesTheTf32Reference(int seed)
    {
        var rng = new Random(1600 + seed);
        Check(rng, PointwiseCases.RandomShape(rng, seed, shuffles: false), KernelTest.ActivationFor(seed));
    }

    /// <summary>Several tiles on every axis: 3 K steps (one ragged), 3 channel tiles, 4 pixel tiles, a strided input map.</summary>
    [Fact]
    public void SpansSeveralTiles()
    {
        var rng = new Random(1616);
        var p = ConvParams.Create(2, 37, 13, 9, 150, 1, 1, 1, ChannelMap.SplitOdd, 2 * 37, 153, 2);
        Check(rng, p, Activation.HardSwish);
    }

    [Fact]
    public void RefusesShuffledMapsAndSmallGroups()
    {
        var launcher = new Tf32PointwiseConv2d(fixture.Accelerator);
        var shuffled = ConvParams.Create(1, 6, 3, 3, 4, 1, inMap: ChannelMap.GroupShuffle(2, 6));
        using var buf = fixture.Accelerator.Allocate1D<float>(4096);
        var v = buf.View;
        Assert.Throws<ArgumentException>(() => launcher.Launch(null, v, v.SubView(0, 16 * 64), v.SubView(0, 4), v, shuffled, Activation.None));
        using var narrow = new CpuAcceleratorFixture();
        Assert.Throws<NotSupportedException>(() => new Tf32PointwiseConv2d(narrow.Accelerator));
    }

    void Check(Random rng, ConvParams p, Activation act)
    {
        var input = KernelTest.Random(rng, p.InputBufferLength, 2f);
        var weight = KernelTest.Random(rng, p.WeightLength, 1f / MathF.Sqrt(p.Cin / p.Groups));
        var bias = KernelTest.Random(rng, p.Cout, 0.5f);
        var tf32 = KernelTest.SentinelArray(p.OutputBufferLength);
        Tf32Reference.Pointwise(input, weight, bias, tf32, p, act);
        var fp32 = KernelTest.SentinelArray(p.OutputBufferLength);
        PointwiseConv2d.Reference(input, weight, bias, fp32, p, act);

        var launcher = fixture.Get(a => new Tf32PointwiseConv2d(a));
        var packed = BlockedPointwiseConv2d.PackWeights(weight, p);
        var actual = KernelTest.Run(fixture.Accelerator, p.OutputBufferLength, [input, packed, bias],
            (v, o) => launcher.Launch(null, v[0], v[1], v[2], o, p, act));
        string what = $"Tf32PointwiseConv2d {act} {p}";
        Func<int, string> where = i => KernelTest.Nchw(i, p.OutTotalChannels, p.H * p.W, p.W);
        KernelTest.Close(tf32, actual, what, where);
        KernelTest.Close(fp32, actual, what + " vs float32", where, relTol: 1e-2f, absTol: 1e-2f);
        KernelTest.OnlySliceWritten(actual, p.N, p.OutTotalChannels, p.OutChannelOffset, p.Cout, p.H * p.W, what);
    }
}
