using System.Diagnostics;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// Many warm runs: managed heap, native memory and handles stay flat after warm-up, and batch sizes changing every call
/// keep memory bounded (the arena holds the largest of the last 16 plans). The run counts come from
/// <c>SHUFFLENET_SOAK_RUNS</c> / <c>SHUFFLENET_SOAK_OPENCL_RUNS</c> (scripts/soak.sh sets 10,000 and 1,000); the
/// defaults keep each test to a few seconds.
/// </summary>
public class SoakTests(ITestOutputHelper log)
{
    static int Runs(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out int runs) && runs > 0 ? runs : fallback;

    /// <summary>Heap after a full collection, live native buffers and open handles of the process.</summary>
    static (long Heap, long Native, int Handles) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), NativeBuffer.LiveBytes, process.HandleCount);
    }

    void Soak(BackendKind backend, int runs)
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        using var net = ShuffleNet.FromWeights(tiny.Weights, backend, 2);
        var input = TinyBatches.Of(tiny, 1);
        var output = new float[net.Classes];
        var expected = net.Run(input);
        // Warm-up: 50 runs, or as many as the soak itself when it is short (a PoCL run of the tiny model takes ~2 s here).
        for (int i = 0, warmup = Math.Min(50, runs); i < warmup; i++) net.Run(input, output);
        var before = Measure();
        long held = net.AllocatedBytes;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
        {
            if (i % 2 == 0) net.Run(input, output);
            else output = net.Run(input);
        }
        var elapsed = watch.Elapsed;
        var after = Measure();
        log.WriteLine($"{backend}: {runs} warm runs in {elapsed.TotalSeconds:F1} s; managed heap {before.Heap:N0} -> {after.Heap:N0} bytes, " +
                      $"native buffers {before.Native:N0} -> {after.Native:N0} bytes, handles {before.Handles} -> {after.Handles}, " +
                      $"network holds {held:N0} -> {net.AllocatedBytes:N0} bytes");
        Assert.Equal(expected, output);
        Assert.Equal(held, net.AllocatedBytes);
        Assert.True(after.Heap - before.Heap < 1 << 20, $"the managed heap grew by {after.Heap - before.Heap:N0} bytes over {runs} runs");
        Assert.True(after.Native <= before.Native, $"native buffers grew by {after.Native - before.Native:N0} bytes over {runs} runs");
        Assert.True(after.Handles <= before.Handles + 4, $"handles grew from {before.Handles} to {after.Handles} over {runs} runs");
    }

    [Fact]
    public void WarmCpuRunsKeepMemoryAndHandlesFlat() => Soak(BackendKind.Cpu, Runs("SHUFFLENET_SOAK_RUNS", 2000));

    [OpenCLFact]
    public void WarmOpenCLRunsKeepMemoryAndHandlesFlat()
    {
        OpenCLEnvironment.AssertPresent();
        Soak(BackendKind.OpenCL, Runs("SHUFFLENET_SOAK_OPENCL_RUNS", 5));
    }

    /// <summary>A batch of 1..64 every call: the network never holds more than its weights plus the arena of the largest
    /// batch, and native memory ends where it started once the network is gone.</summary>
    [Fact]
    public void RandomBatchSizesKeepMemoryBounded()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        long nativeBefore = Measure().Native;
        using (var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2))
        {
            long weights = net.AllocatedBytes;
            var largest = TinyBatches.Of(tiny, 64);
            net.Run(largest);
            long bound = net.AllocatedBytes;
            var random = new Random(64);
            int calls = Runs("SHUFFLENET_SOAK_RANDOM_CALLS", 60);
            for (int i = 0; i < calls; i++)
            {
                int n = random.Next(1, 65);
                net.Run(largest.AsSpan(0, n * ShuffleNet.ImageElements), new float[n * net.Classes]);
                Assert.InRange(net.AllocatedBytes, weights, bound);
            }
            Assert.Equal(bound, net.PeakAllocatedBytes);
            log.WriteLine($"{calls} calls of 1..64 images: held at most {bound:N0} bytes ({weights:N0} of them weights)");
        }
        Assert.True(Measure().Native <= nativeBefore, "native buffers outlive the network");
    }

    /// <summary>The arena rule: after a large batch, small ones reuse its arena (no reallocation while batch sizes alternate);
    /// once 16 runs have passed without it, the arena shrinks to what they need.</summary>
    [Fact]
    public void TheArenaFollowsTheLargestRecentPlan()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var one = TinyBatches.Of(tiny, 1);
        var eight = TinyBatches.Of(tiny, 8);
        net.Run(one);
        long small = net.AllocatedBytes;
        net.Run(eight);
        long large = net.AllocatedBytes;
        Assert.True(large > small);
        for (int i = 0; i < 15; i++)
        {
            net.Run(one);
            Assert.Equal(large, net.AllocatedBytes);   // batch 8 is one of the last 16 plans
        }
        net.Run(one);
        Assert.Equal(small, net.AllocatedBytes);        // now it is not
    }
}
