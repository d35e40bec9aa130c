using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Tests.Runtime.Planning;

/// <summary>
/// The arena rule across input sizes (issue 13): plans are made per size, and the arena holds the largest of the last
/// <see cref="ArenaSizing.Window"/> plans whatever their size: kept while a smaller size runs, shrunk once the large
/// size has left the window, grown again at once. Sizes beyond the CPU engine's kept op sets still run.
/// </summary>
public sealed class ArenaAcrossSizesTests
{
    // The rule is ArenaSizing's, which both executors call with each run's plan; the ILGPU executor's plans per size
    // are exercised by the fixture tests (two sizes, then the first again).
    [Fact]
    public void TheArenaFollowsTheLargestRecentSize()
    {
        using var net = ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2")), BackendKind.Cpu);
        long weights = net.AllocatedBytes;
        float[] Input(int h, int w) => new float[3 * h * w];
        long Arena(int h, int w)
        {
            net.Features(Input(h, w), h, w, 5);
            return net.AllocatedBytes - weights;
        }

        long large = Arena(160, 192);
        long small = Arena(64, 64);
        Assert.Equal(large, small);   // kept: it fits and is the recent peak
        // The window holds the last 16 runs, this one included: 15 small runs after the large one keep it.
        for (int i = 0; i < ArenaSizing.Window - 2; i++) Assert.Equal(large, Arena(64, 64));
        long shrunk = Arena(64, 64);   // the 16th small run: the large plan has left the window
        Assert.True(shrunk < large / 4, $"arena {shrunk} bytes after the large size left the window, {large} before");
        Assert.Equal(large, Arena(160, 192));

        // More sizes than the CPU engine keeps op sets for, odd ones too, then the first again: each runs and gives upstream's shapes.
        foreach (var (h, w) in new[] { (33, 35), (47, 200), (101, 64), (224, 97), (65, 65), (160, 192) })
            Assert.Equal([1, 128, (h + 31) / 32, (w + 31) / 32], net.Features(Input(h, w), h, w, 5)[5].Shape);
    }
}
