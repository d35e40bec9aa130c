using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Planning;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Devices;

/// <summary>
/// The one memory rule (issue 16 item 5) on the cpu backend, where it is fast: the arena budget is the smallest of
/// <see cref="ShuffleNet.MaxArenaBytes"/>, <see cref="ShuffleNet.DeviceMemoryLimitBytes"/> less the weights, and the
/// device's reported memory; a batch over it is an <see cref="ArenaMemoryException"/> naming the largest batch that fits,
/// that batch runs with the bits of an unlimited network and one more image is refused.
/// </summary>
public class DeviceMemoryLimitTests(ITestOutputHelper log)
{
    /// <summary>The largest batch whose cpu plan (the input read in place) fits <paramref name="bytes"/>, by counting up.</summary>
    static int LargestByScan(NetworkGraph graph, long bytes)
    {
        int b = 0;
        while (MemoryPlanner.Plan(graph, b + 1, [graph.OutputTensor], inputInArena: false).ArenaBytes <= bytes) b++;
        return b;
    }

    [Fact]
    public void ADeviceMemoryLimitNamesTheLargestBatchThatFitsAndThatBatchRuns()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var unlimited = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var graph = tiny.Weights.Graph;
        long weights = net.Lanes.Budget(0).WeightBytes;
        long arenaOfThree = MemoryPlanner.Plan(graph, 3, [graph.OutputTensor], inputInArena: false).ArenaBytes;
        int expectedMax = LargestByScan(graph, arenaOfThree + 100);
        Assert.InRange(expectedMax, 3, 4);

        net.DeviceMemoryLimitBytes = weights + arenaOfThree + 100;
        long before = net.AllocatedBytes;
        var e = Assert.Throws<ArenaMemoryException>(() => net.Run(TinyBatches.Of(tiny, 8)));
        log.WriteLine(e.Message);
        Assert.Equal(8, e.Batch);
        Assert.Equal(expectedMax, e.MaxBatch);
        Assert.Contains($"the largest batch that fits is {expectedMax}", e.Message);
        Assert.Contains("ShuffleNet.DeviceMemoryLimitBytes", e.Message);
        Assert.Equal(before, net.AllocatedBytes);
        Assert.Equal(0, net.LastRunOps);

        var fits = TinyBatches.Of(tiny, expectedMax);
        Assert.Equal(unlimited.Run(fits), net.Run(fits));
        Assert.Throws<ArenaMemoryException>(() => net.Run(TinyBatches.Of(tiny, expectedMax + 1)));

        // The arena limit below the device's: it binds, and the error names it, with its own largest batch.
        long arenaOfOne = MemoryPlanner.Plan(graph, 1, [graph.OutputTensor], inputInArena: false).ArenaBytes;
        net.MaxArenaBytes = arenaOfOne;
        var arena = Assert.Throws<ArenaMemoryException>(() => net.Run(TinyBatches.Of(tiny, 2)));
        Assert.Equal(1, arena.MaxBatch);
        Assert.Contains("ShuffleNet.MaxArenaBytes", arena.Message);
        Assert.Equal(unlimited.Run(TinyBatches.Of(tiny, 1)), net.Run(TinyBatches.Of(tiny, 1)));

        // Not even one image: MaxBatch 0.
        net.MaxArenaBytes = null;
        net.DeviceMemoryLimitBytes = weights;
        var none = Assert.Throws<ArenaMemoryException>(() => net.Run(TinyBatches.Of(tiny, 1)));
        Assert.Equal(0, none.MaxBatch);
        Assert.Contains("not even one image fits", none.Message);
        net.DeviceMemoryLimitBytes = null;
        Assert.Equal(unlimited.Run(TinyBatches.Of(tiny, 8)), net.Run(TinyBatches.Of(tiny, 8)));
        Assert.Throws<ShuffleNetException>(() => net.DeviceMemoryLimitBytes = -1);
    }

    /// <summary>What the device reports (CUDA's free memory, OpenCL's global memory) limits the arena the same way; the
    /// figure is replaced here by a fixed one, as no GPU is present.</summary>
    [Fact]
    public void TheDevicesReportedMemoryLimitsTheArenaTheSameWay()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var graph = tiny.Weights.Graph;
        var budget = net.Lanes.Budget(0);
        long arenaOfTwo = MemoryPlanner.Plan(graph, 2, [graph.OutputTensor], inputInArena: false).ArenaBytes;
        budget.Memory = new DeviceMemory.Total(budget.WeightBytes + arenaOfTwo, "the test device's memory");
        var e = Assert.Throws<ArenaMemoryException>(() => net.Run(TinyBatches.Of(tiny, 5)));
        log.WriteLine(e.Message);
        Assert.Equal(LargestByScan(graph, arenaOfTwo), e.MaxBatch);
        Assert.Contains("the test device's memory", e.Message);
        using var unlimited = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var two = TinyBatches.Of(tiny, 2);
        Assert.Equal(unlimited.Run(two), net.Run(two));
    }
}
