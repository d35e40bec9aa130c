using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cost;

namespace ShuffleNetGpu.Tests.Runtime.Cost;

/// <summary>The kernels' own byte counts against figures computed by hand, and the memory-bound kernels of the issue's
/// models within 2x of the bytes they must move.</summary>
public sealed class KernelTrafficTests
{
    [Fact]
    public void WindowLoadsCountEachElementOncePerGroup()
    {
        // 4x4 -> 2x2 max pool: one group, whose windows cover all 16 inputs.
        Assert.Equal(16, KernelTraffic.WindowLoads(1, 4, 4, 2, 2, 3, 2, 1));
        // 64x64 -> 32x32: four groups of 8 output rows; group g reads input rows 16g-1 .. 16g+15 clipped:
        // 16 + 17 + 17 + 17 rows of 64.
        Assert.Equal(67 * 64, KernelTraffic.WindowLoads(1, 64, 64, 32, 32, 3, 2, 1));
    }

    [Fact]
    public void TiledDepthwiseCountsItsClippedTileWindows()
    {
        // One 28x28 plane, 3x3, stride 1: tile D32x16, 2 row tiles x 1 column tile. Each stages 18 rows of
        // 4 x ceil((31 + 3) / 4) = 36 columns from (-1 + 16 y, -1): 17 x 28 and 13 x 28 inside the image (840), plus
        // 9 weights and a bias per tile (20), plus 784 outputs.
        var p = ConvParams.Create(1, 1, 28, 28, 1, 3, 1, 1);
        Assert.Equal("D32x16", ShuffleNetGpu.Kernels.TiledDepthwiseConv2d.ChooseTile(p, ShuffleNetGpu.Kernels.TiledDepthwiseConv2d.GpuTiles).Name);
        Assert.Equal((840 + 20 + 784) * 4, KernelTraffic.TiledDepthwise(p));
    }

    public static TheoryData<string> IssueModels() =>
        ["shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m"];

    /// <summary>Every pool, scale, add, copy and depthwise op of the issue's models moves at most twice its least bytes.</summary>
    [Theory]
    [MemberData(nameof(IssueModels))]
    public void MemoryBoundKernelsMoveAtMostTwiceTheLeastBytes(string model)
    {
        var graph = GraphFactory.Build(ModelZoo.Get(model));
        var cost = ModelCost.Of(graph, 2);
        var covered = cost.Ops.Where(o => o.KernelBytes is not null).ToList();
        Assert.Contains(covered, o => o.Kernel == "DepthwiseConv2d");
        Assert.All(covered, o => Assert.True(o.KernelBytes <= 2 * o.Bytes,
            $"{model} op {o.Index} {o.Name} ({o.Kernel}): kernel moves {o.KernelBytes} B, least {o.Bytes} B"));
        Assert.All(cost.Ops.Where(o => !o.Kernel.StartsWith("PointwiseConv2d", StringComparison.Ordinal) && o.Kernel is not ("Conv2d" or "Linear")), o => Assert.NotNull(o.KernelBytes));
    }
}
