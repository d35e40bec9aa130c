using ShuffleNetGpu.Runtime.Cpu;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>The masked-load probe the depthwise kernel choice reads: a measured, finite ratio on the AVX2 path, the
/// same value for every engine of the process, and 1 (not measured) on the paths that need no masked vmaskmovps.</summary>
public class MaskedLoadCostTests
{
    [Fact]
    public void TheAvx2PathMeasuresAFiniteRatioOncePerProcess()
    {
        if (CpuFeatures.Best < CpuPath.Vector256) Assert.Equal(1, MaskedLoadCost.Ratio(CpuPath.Vector256));
        double ratio = MaskedLoadCost.Ratio(CpuPath.Vector256);
        Assert.True(double.IsFinite(ratio) && ratio > 0.2 && ratio < 100, $"masked/plain load time {ratio}");
        Assert.Equal(ratio, MaskedLoadCost.Ratio(CpuPath.Vector256));
        Assert.Equal(ratio >= MaskedLoadCost.SlowRatio, MaskedLoadCost.Slow(CpuPath.Vector256));
    }

    [Fact]
    public void TheOtherPathsAreNotMeasured()
    {
        Assert.Equal(1, MaskedLoadCost.Ratio(CpuPath.Scalar));
        Assert.Equal(1, MaskedLoadCost.Ratio(CpuPath.Vector512));
        Assert.False(MaskedLoadCost.Slow(CpuPath.Vector512));
    }

    [Theory]
    [InlineData(3, 1, 14, false, false)]
    [InlineData(3, 1, 14, true, true)]
    [InlineData(3, 2, 56, false, true)]
    [InlineData(3, 2, 7, true, false)]
    [InlineData(7, 1, 7, false, false)]
    [InlineData(7, 1, 7, true, true)]
    [InlineData(5, 2, 14, false, true)]
    public void DepthwisePicksPaddedPlanesByKernelMapAndMaskCost(int k, int stride, int wo, bool slow, bool padded) =>
        Assert.Equal(padded, CpuDepthwiseConv.PaddedPlanesPay(k, stride, wo, slow));
}
