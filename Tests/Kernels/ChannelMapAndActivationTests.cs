using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class ChannelMapAndActivationTests
{
    [Fact]
    public void DefaultIsIdentity()
    {
        Assert.Equal(ChannelMap.Identity, default);
        Assert.Equal(1, default(ChannelMap).Stride);
        for (int c = 0; c < 10; c++)
            Assert.Equal(c, default(ChannelMap).Source(c));
    }

    [Fact]
    public void SplitHalves()
    {
        Assert.Equal([0, 2, 4, 6], Enumerable.Range(0, 4).Select(ChannelMap.SplitEven.Source));
        Assert.Equal([1, 3, 5, 7], Enumerable.Range(0, 4).Select(ChannelMap.SplitOdd.Source));
        Assert.Equal([5, 6, 7], Enumerable.Range(0, 3).Select(ChannelMap.Slice(5).Source));
    }

    [Theory]
    [InlineData(3, 12)]
    [InlineData(8, 24)]
    [InlineData(2, 2)]
    public void GroupShuffleMatchesTheSpec(int g, int channels)
    {
        // SPEC: output channel j * n + i = input channel i * g + j.
        int n = channels / g;
        var map = ChannelMap.GroupShuffle(g, channels);
        for (int i = 0; i < n; i++)
        for (int j = 0; j < g; j++)
            Assert.Equal(i * g + j, map.Source(j * n + i));
        Assert.Equal(Enumerable.Range(0, channels), Enumerable.Range(0, channels).Select(map.Source).Order());
    }

    [Fact]
    public void GroupShuffleOfOneGroupIsIdentity() => Assert.Equal(ChannelMap.Identity, ChannelMap.GroupShuffle(1, 7));

    /// <summary>Kernels evaluate <see cref="ChannelMap.Source"/> for every map, and PoCL evaluates the shuffled branch even
    /// for an unshuffled one: a zero divisor there costs a trapped SIGFPE per work-item (92 s instead of 0.5 s for the
    /// tiny ExLarge fixture). Every kind of map must divide by at least 1.</summary>
    [Fact]
    public void NoMapDividesByZero()
    {
        ChannelMap[] maps = [default, ChannelMap.Identity, ChannelMap.Slice(5), ChannelMap.SplitEven, ChannelMap.SplitOdd,
            ChannelMap.GroupShuffle(1, 7), ChannelMap.GroupShuffle(3, 12), new ChannelMap(0, 1, 2, 1)];
        foreach (var map in maps)
            Assert.True(map.ShuffleDivisor >= 1, $"{map} divides by {map.ShuffleDivisor}");
        Assert.Equal(4, ChannelMap.GroupShuffle(3, 12).ShuffleDivisor);
    }

    [Fact]
    public void ValidateRejectsBadMaps()
    {
        Assert.Null(ChannelMap.SplitOdd.Validate(4, 8));
        Assert.NotNull(ChannelMap.SplitOdd.Validate(4, 7));
        Assert.NotNull(ChannelMap.GroupShuffle(3, 12).Validate(9, 12));
        Assert.NotNull(ChannelMap.Slice(2).Validate(5, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelMap(0, 0));
        Assert.Throws<ArgumentException>(() => ChannelMap.GroupShuffle(5, 12));
    }

    [Fact]
    public void ActivationFormulas()
    {
        Assert.Equal(0f, Activation.Relu.Apply(-2f));
        Assert.Equal(2f, Activation.Relu.Apply(2f));
        Assert.True(float.IsNaN(Activation.Relu.Apply(float.NaN)));
        Assert.Equal(0f, Activation.HardSwish.Apply(-3f));
        Assert.Equal(4f, Activation.HardSwish.Apply(4f));
        Assert.Equal(1f * 4f / 6f, Activation.HardSwish.Apply(1f));
        Assert.Equal(0.5f, Activation.HardSigmoid.Apply(0f));
        Assert.Equal(1f, Activation.HardSigmoid.Apply(5f));
        Assert.Equal(0f, Activation.HardSigmoid.Apply(-5f));
        Assert.Equal(0.5f, Activation.Sigmoid.Apply(0f));
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), Activation.Sigmoid.Apply(2f));
        Assert.Equal(-1.5f, Activation.None.Apply(-1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((Activation)9).Apply(1f));
    }
}

public sealed class KernelMathTests
{
    [Fact]
    public void ExpIsWithinTwoUlpOverTheNormalRange()
    {
        double worst = 0;
        float worstX = 0;
        for (float x = -87.3f; x <= 88.7f; x += 0.00137f)
            Check(x, ref worst, ref worstX);
        foreach (float x in new[] { 0f, -0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 1f, -1f, 88.72f, -87.33f, 0.3465736f, -0.3465736f })
            Check(x, ref worst, ref worstX);
        Assert.True(worst <= 2.0, $"worst error {worst:F2} ulp at x = {worstX:G9}");
    }

    private static void Check(float x, ref double worst, ref float worstX)
    {
        double exact = Math.Exp(x);
        float got = KernelMath.Exp(x);
        float rounded = (float)exact;
        double ulp = MathF.BitIncrement(rounded) - rounded;
        double err = Math.Abs(got - exact) / ulp;
        if (err > worst)
        {
            worst = err;
            worstX = x;
        }
    }

    [Fact]
    public void ExpEdgeCases()
    {
        Assert.True(float.IsNaN(KernelMath.Exp(float.NaN)));
        Assert.Equal(float.PositiveInfinity, KernelMath.Exp(89f));
        Assert.Equal(float.PositiveInfinity, KernelMath.Exp(float.PositiveInfinity));
        Assert.Equal(0f, KernelMath.Exp(-88f));
        Assert.Equal(0f, KernelMath.Exp(float.NegativeInfinity));
        Assert.Equal(1f, KernelMath.Exp(0f));
        Assert.True(float.IsFinite(KernelMath.Exp(88.7228f)));
    }

    [Fact]
    public void SigmoidIsCloseToDoublePrecision()
    {
        for (float x = -30f; x <= 30f; x += 0.01f)
        {
            double exact = 1.0 / (1.0 + Math.Exp(-x));
            float got = Activation.Sigmoid.Apply(x);
            Assert.True(Math.Abs(got - exact) <= 3e-7 * exact + 1e-30, $"sigmoid({x}) = {got:G9}, exact {exact:G9}");
        }
        Assert.Equal(0f, Activation.Sigmoid.Apply(-100f));
        Assert.Equal(1f, Activation.Sigmoid.Apply(100f));
    }
}
