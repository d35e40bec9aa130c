using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Devices;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Devices;

/// <summary>One ilgpu-cpu network on one device and one over two (two contexts on ILGPU's CPU device), shared by the
/// tests of <see cref="Collection"/> (each network compiles its kernels once), and the one-device results of a batch of three.</summary>
public sealed class TwoDeviceNetworks : IDisposable
{
    /// <summary>The test collection that shares them (the runtime tests and the serving test).</summary>
    public const string Collection = "two ilgpu-cpu devices";

    public TwoDeviceNetworks()
    {
        Tiny = Fixtures.Load("tiny-shufflenetv1-g3");   // the fastest tiny model on ilgpu-cpu
        Two = ShuffleNet.FromWeights(Tiny.Weights, DeviceSelection.Of(BackendKind.IlgpuCpu, 0, 0));
        // One device: Two's device 0 shared (its kernels are already compiled there; CI time, issue 16). Its calls take
        // turns with Two's, which hold the same gate.
        One = ShuffleNet.FromWeights(Tiny.Weights, Two.DeviceAt(0));
        Batch = TinyBatches.Of(Tiny, 3);
        var graph = Tiny.Weights.Graph;
        Tensors = [.. StageOutputs.All.Select(k => StageOutputs.Tensor(graph, k)), StageOutputs.EmbeddingTensor(graph), graph.OutputTensor];
        // Stage maps, embedding and logits of the three images from one forward pass on one device: what two must give.
        Expected = One.RunTensors(Batch, Tensors);
    }

    public TinyCase Tiny { get; }
    public ShuffleNet One { get; }
    public ShuffleNet Two { get; }
    public float[] Batch { get; }
    public int[] Tensors { get; }
    public float[][] Expected { get; }
    public float[] Logits => Expected[^1];

    /// <summary>Images [first, first + count) of <see cref="Batch"/>.</summary>
    public float[] Images(int first, int count) => Batch.AsSpan(first * ShuffleNet.ImageElements, count * ShuffleNet.ImageElements).ToArray();

    /// <summary>Their logits, from <see cref="Expected"/>.</summary>
    public float[] LogitsOf(int first, int count) => Logits.AsSpan(first * One.Classes, count * One.Classes).ToArray();

    public void Dispose()
    {
        One.Dispose();
        Two.Dispose();
    }
}

/// <summary>
/// A network over several devices (issue 16 item 3), tested on two ILGPU CPU accelerators: a batch split unevenly
/// (2 + 1 images) gives the bits of one device for logits, stage maps and embedding; async calls and streams give
/// one-by-one <see cref="ShuffleNet.Run(float[])"/>'s results in order; a device's failure is a
/// <see cref="DeviceFailureException"/> after which the network still works; a device memory limit refuses a batch on
/// every device before any launch, naming the largest batch that fits.
/// </summary>
[CollectionDefinition(TwoDeviceNetworks.Collection)]
public sealed class TwoDeviceCollection : ICollectionFixture<TwoDeviceNetworks>;

[Collection(TwoDeviceNetworks.Collection)]
public class MultiDeviceTests(TwoDeviceNetworks nets, ITestOutputHelper log)
{
    [Fact]
    public void TwoDevicesGiveTheBitsOfOneForABatchSplitUnevenly()
    {
        Assert.Equal(2, nets.Two.DeviceCount);
        Assert.Equal(2, nets.Two.Devices.Count);
        Assert.StartsWith("2 devices: [0] ILGPU CPU accelerator", nets.Two.DeviceDescription);
        // Several outputs at once (each device fills its own arrays, copied into place), then logits alone (each device
        // writes its rows straight into the caller's array).
        var together = nets.Two.RunTensors(nets.Batch, nets.Tensors);
        for (int i = 0; i < nets.Tensors.Length; i++) Assert.Equal(nets.Expected[i], together[i]);
        Assert.Equal(nets.Logits, nets.Two.Run(nets.Batch));
    }

    [Fact]
    public async Task AsyncCallsAndStreamsOverTwoDevicesGiveOneByOneResultsInOrder()
    {
        Assert.Equal(nets.LogitsOf(0, 2), await nets.Two.RunAsync(nets.Images(0, 2)));
        // Batches of 1, 2 and 1 images: the first two run at once, one a device, then the third.
        var sizes = new[] { (0, 1), (1, 2), (0, 1) };
        var results = new List<float[]>();
        await foreach (var logits in nets.Two.RunStreamAsync(Source(sizes))) results.Add(logits);
        Assert.Equal(sizes.Length, results.Count);
        for (int i = 0; i < sizes.Length; i++) Assert.Equal(nets.LogitsOf(sizes[i].Item1, sizes[i].Item2), results[i]);
    }

    async IAsyncEnumerable<float[]> Source((int First, int Count)[] batches, [EnumeratorCancellation] CancellationToken token = default)
    {
        foreach (var (first, count) in batches)
        {
            await Task.Yield();
            token.ThrowIfCancellationRequested();
            yield return nets.Images(first, count);
        }
    }

    [Fact]
    public async Task AFailureOnOneDeviceIsTypedAndLeavesTheNetworkUsable()
    {
        var lanes = nets.Two.Lanes;
        lanes.BeforeShare = d => { if (d == 1) throw new InvalidOperationException("injected fault on device 1"); };
        try
        {
            var e = Assert.Throws<DeviceFailureException>(() => nets.Two.Run(nets.Images(0, 2)));
            log.WriteLine(e.Message);
            Assert.Equal(1, e.DeviceIndex);
            Assert.IsType<InvalidOperationException>(e.InnerException);
            Assert.Contains("device 1 of 2", e.Message);
            Assert.Contains("images 1..1 of the batch", e.Message);
            // In a stream the batch dealt to the failing device ends it, after the batch before it.
            var results = new List<float[]>();
            var streamed = await Assert.ThrowsAsync<DeviceFailureException>(async () =>
            {
                await foreach (var logits in nets.Two.RunStreamAsync(Source([(0, 1), (1, 1)]))) results.Add(logits);
            });
            Assert.Equal(1, streamed.DeviceIndex);
            Assert.Single(results);
            Assert.Equal(nets.LogitsOf(0, 1), results[0]);
        }
        finally { lanes.BeforeShare = null; }
        Assert.Equal(nets.LogitsOf(0, 2), nets.Two.Run(nets.Images(0, 2)));
    }

    [Fact]
    public void ADeviceMemoryLimitRefusesTheBatchOnEveryDeviceBeforeAnyLaunchAndNamesTheLargestThatFits()
    {
        var graph = nets.Tiny.Weights.Graph;
        long weights = nets.Two.Lanes.Budget(0).WeightBytes;
        long arenaOfOne = MemoryPlanner.Plan(graph, 1, [graph.OutputTensor]).ArenaBytes;
        long arenaOfTwo = MemoryPlanner.Plan(graph, 2, [graph.OutputTensor]).ArenaBytes;
        Assert.True(arenaOfTwo > arenaOfOne);
        // Each device holds one image's arena, not two: a batch of 3 (shares 2 + 1) is refused; 2 (1 + 1) is the most.
        var launches = Enumerable.Range(0, 2).Select(d => ((GraphExecutor)nets.Two.Lanes.Lane(d)).Launches).ToArray();
        long held = nets.Two.AllocatedBytes;
        nets.Two.DeviceMemoryLimitBytes = weights + arenaOfOne;
        try
        {
            var e = Assert.Throws<ArenaMemoryException>(() => nets.Two.Run(nets.Batch));
            log.WriteLine(e.Message);
            Assert.Equal(3, e.Batch);
            Assert.Equal(2, e.MaxBatch);
            Assert.Contains("the largest batch that fits is 2", e.Message);
            Assert.Contains("device 0 of 2", e.Message);
            Assert.Contains("ShuffleNet.DeviceMemoryLimitBytes", e.Message);
            for (int d = 0; d < 2; d++) Assert.Equal(launches[d], ((GraphExecutor)nets.Two.Lanes.Lane(d)).Launches);
            Assert.True(nets.Two.AllocatedBytes <= held);
            Assert.Equal(nets.LogitsOf(0, 2), nets.Two.Run(nets.Images(0, 2)));
        }
        finally { nets.Two.DeviceMemoryLimitBytes = null; }
    }
}

/// <summary>Streams over two devices keep <see cref="ShuffleNet.RunStreamAsync"/>'s rules (issue 15's harness, on the
/// shared two-device network): in order, cancelled while the source waits or between batches with
/// <see cref="OperationCanceledException"/>, the source disposed, the network then giving the same bits.</summary>
[Collection(TwoDeviceNetworks.Collection)]
public class MultiDeviceStreamTests(TwoDeviceNetworks nets, ITestOutputHelper log) : AsyncRunHarness(log)
{
    /// <summary>Long (about a minute of ilgpu-cpu compute on 2 loaded cores): the stream loop is the same code for one
    /// device and several, and its rules are checked in CI on one device (<see cref="AsyncRunTests"/>,
    /// <see cref="PipelinedStreamTests"/>) and over two by <see cref="MultiDeviceTests"/>' stream and failure tests.</summary>
    [LongFact]
    public Task AStreamOverTwoDevicesYieldsInOrderAndSurvivesCancellation() =>
        StreamsInOrderAndSurvivesCancellation(_ => nets.Two, "ilgpu-cpu x2", IlgpuSizes, nets.Tiny.Id, disposeNet: false);
}

/// <summary>PoCL has one OpenCL device: a network over two contexts on it splits a batch of two, one image a context,
/// and each image's logits equal those of the image alone (which runs on the first context only).</summary>
[Collection(SharedDeviceCollection.Name)]
public class OpenCLMultiDeviceTests(SharedDevices devices)
{
    [OpenCLFact]
    public void TwoContextsOnTheOpenCLDeviceGiveTheBitsOfOne()
    {
        OpenCLEnvironment.AssertPresent();
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        // Context 0 is the collection's shared PoCL device (kernels compiled once per test run), context 1 its own
        // (CI time, issue 16: one PoCL build instead of two).
        using var second = ComputeDevice.Create(BackendKind.OpenCL, 0, null);
        using var net = ShuffleNet.FromDevices(tiny.Weights, [devices.Get(BackendKind.OpenCL), second]);
        Assert.Equal(2, net.DeviceCount);
        var batch = TinyBatches.Of(tiny, 2);
        var both = net.Run(batch);
        for (int i = 0; i < 2; i++)
            Assert.Equal(net.Run(batch.AsSpan(i * ShuffleNet.ImageElements, ShuffleNet.ImageElements).ToArray()),
                both.AsSpan(i * net.Classes, net.Classes).ToArray());
    }
}

/// <summary>The CUDA paths (skipped without a CUDA device, with the reason): two contexts on device 0 give the bits of
/// one; the device reports its free memory (cuMemGetInfo), and a device memory limit refuses a batch on both contexts
/// naming the largest that fits.</summary>
public class CudaMultiDeviceTests
{
    [CudaTheory]
    [InlineData("tiny-shufflenetv2")]
    public void TwoContextsOnACudaDeviceGiveTheBitsOfOneWithinItsMemory(string id)
    {
        var tiny = Fixtures.Load(id);
        using var one = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cuda);
        using var two = ShuffleNet.FromWeights(tiny.Weights, DeviceSelection.Of(BackendKind.Cuda, 0, 0));
        var batch = TinyBatches.Of(tiny, 3);
        Assert.Equal(one.Run(batch), two.Run(batch));

        var budget = two.Lanes.Budget(0);
        long? free = budget.Memory.AvailableForArena(budget.WeightBytes, 0, out string why);
        Assert.NotNull(free);
        Assert.True(free > 0, why);
        Assert.Contains("free on the device", why);

        var graph = tiny.Weights.Graph;
        two.DeviceMemoryLimitBytes = budget.WeightBytes + MemoryPlanner.Plan(graph, 1, [graph.OutputTensor]).ArenaBytes;
        var e = Assert.Throws<ArenaMemoryException>(() => two.Run(TinyBatches.Of(tiny, 3)));
        Assert.Equal(2, e.MaxBatch);
        var pair = TinyBatches.Of(tiny, 2);
        Assert.Equal(one.Run(pair), two.Run(pair));
    }
}
