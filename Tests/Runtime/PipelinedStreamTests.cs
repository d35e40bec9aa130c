using System.Runtime.CompilerServices;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// The pipelined stream of the ILGPU backends (<see cref="BatchPipeline"/>): the same bits and order as one-by-one
/// <see cref="ShuffleNet.Run(float[])"/> while batch sizes change (the arena grows under a batch in flight); a source
/// that is ready is read one batch ahead (batch k+1 is submitted before batch k is yielded: that is what lets its upload
/// run under batch k's kernels; a source that is not ready gets finished batches yielded meanwhile, which
/// <see cref="AsyncRunTests"/>' pausing source checks); the network is free between batches (a synchronous call inside the loop body runs, in order);
/// cancelled with a batch in flight, the stream waits for it, frees its page-locked buffers, and the network gives the
/// same bits again, by Run and by a new stream.
/// </summary>
public abstract class PipelinedStreamHarness(ITestOutputHelper log)
{
    static async IAsyncEnumerable<float[]> Batches(TinyCase tiny, int[] sizes, List<int> pulled, bool hang = false,
        [EnumeratorCancellation] CancellationToken token = default)
    {
        for (int i = 0; i < sizes.Length; i++)
        {
            // Ready at once (no yield to the scheduler): the stream then always reads ahead, so the test is deterministic.
            await Task.CompletedTask;
            pulled.Add(i);
            yield return TinyBatches.Of(tiny, sizes[i]);
        }
        if (hang) await Task.Delay(Timeout.Infinite, token);
    }

    protected Task StreamsLikeRun(BackendKind backend) => StreamsLikeRun(tiny => ShuffleNet.FromWeights(tiny.Weights, backend), backend.ToString());

    /// <summary>The same on the network <paramref name="load"/> makes (e.g. on a shared device, whose kernels are compiled once).</summary>
    protected async Task StreamsLikeRun(Func<TinyCase, ShuffleNet> load, string backend)
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");   // the cheapest fixture: ilgpu-cpu runs seconds an image
        using var net = load(tiny);
        // Batch 2 (two images) after batch 1; fewer batches than one might like: ilgpu-cpu takes seconds an image.
        int[] sizes = [1, 2];
        var expected = sizes.Distinct().ToDictionary(n => n, n => net.Run(TinyBatches.Of(tiny, n)));

        // Batch 2 (two images) after batch 1: the plan and the arena grow while batch 1 is still in flight.
        var pulled = new List<int>();
        var results = new List<float[]>();
        await foreach (var logits in net.RunStreamAsync(Batches(tiny, sizes, pulled)))
        {
            int k = results.Count;
            // Read ahead: batch k+1 was taken (and submitted) before batch k came out.
            Assert.Equal(Math.Min(k + 2, sizes.Length), pulled.Count);
            results.Add(logits);
            // The network is free between batches: a call here runs between the stream's batches, in order.
            if (k == 0) Assert.Equal(expected[1], net.Run(TinyBatches.Of(tiny, 1)));
        }
        Assert.Equal(sizes.Length, results.Count);
        for (int i = 0; i < sizes.Length; i++) Assert.Equal(expected[sizes[i]], results[i]);

        // Cancelled after the first result, with the second batch in flight.
        using var cts = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var logits in net.RunStreamAsync(Batches(tiny, [1, 1], [], hang: true), cts.Token))
            {
                Assert.Equal(expected[1], logits);
                received++;
                cts.Cancel();
            }
        });
        Assert.Equal(1, received);
        Assert.Equal(expected[1], net.Run(TinyBatches.Of(tiny, 1)));
        var again = new List<float[]>();
        await foreach (var logits in net.RunStreamAsync(Batches(tiny, [1], []))) again.Add(logits);
        Assert.Equal(expected[1], Assert.Single(again));
        log.WriteLine($"{backend}: {net.DeviceDescription}");
    }
}

/// <remarks>The ilgpu-cpu networks are built on the collection's shared device (<see cref="SharedDevices"/>): the
/// fixture's kernels are compiled once for the whole test run (CI time, issue 16).</remarks>
[Collection(SharedDeviceCollection.Name)]
public sealed class PipelinedStreamTests(ITestOutputHelper log, SharedDevices devices) : PipelinedStreamHarness(log)
{
    /// <summary>Long (a minute of ilgpu-cpu compute on 2 loaded cores): in CI the same loop is checked on cpu
    /// (<see cref="TheCpuStreamMatchesRunAndReadsAhead"/>), the ilgpu-cpu pipeline on its own
    /// (<see cref="ThePipelineKeepsOrderAndDepth"/>) and the ilgpu-cpu stream's order and cancellation by
    /// <see cref="AsyncRunTests"/>.</summary>
    [LongFact]
    public Task TheIlgpuCpuStreamMatchesRunAndReadsAhead() =>
        StreamsLikeRun(tiny => ShuffleNet.FromWeights(tiny.Weights, devices.Get(BackendKind.IlgpuCpu)), "ilgpu-cpu (shared device)");

    /// <summary>The cpu engine streams through the same loop (issue 16: pipelined on every backend): the source read
    /// ahead while a batch runs, the network free between batches, cancellation with a batch in flight.</summary>
    [Fact]
    public Task TheCpuStreamMatchesRunAndReadsAhead() => StreamsLikeRun(BackendKind.Cpu);

    /// <summary>The pipeline on its own: two batches in flight, collected in order; out of order and a third batch are
    /// refused; disposing with a batch in flight drops it and frees the page-locked buffers.</summary>
    [Fact]
    public void ThePipelineKeepsOrderAndDepth()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        // The shared device (tests of a collection run one at a time, so nothing else uses its accelerator meanwhile).
        using var executor = new GraphExecutor(devices.Get(BackendKind.IlgpuCpu).Accelerator, tiny.Weights);
        var graph = tiny.Weights.Graph;
        int[] outputs = [graph.OutputTensor];
        var one = TinyBatches.Of(tiny, 1);
        var expected = new float[graph.Tensors[graph.OutputTensor].ElementsPerImage];
        executor.Run(one, 1, graph, outputs, new RunOutputs(expected));

        var pipeline = executor.BeginPipeline();
        var first = pipeline.Submit(one, 1, graph, outputs);
        var second = pipeline.Submit(one, 1, graph, outputs);
        Assert.Equal(2, pipeline.InFlight);
        Assert.True(pipeline.PinnedBytes >= 2 * (one.Length + expected.Length) * sizeof(float));
        Assert.Throws<InvalidOperationException>(() => pipeline.Submit(one, 1, graph, outputs));
        Assert.Throws<InvalidOperationException>(() => pipeline.Collect(second, new RunOutputs(new float[expected.Length])));
        var got = new float[expected.Length];
        pipeline.Collect(first, new RunOutputs(got));
        Assert.Equal(expected, got);
        Assert.False(pipeline.OrderedOnDevice);   // ilgpu-cpu: ILGPU has no events, the host orders the streams
        pipeline.Dispose();                       // the second batch is dropped
        Assert.Equal(0, pipeline.PinnedBytes);
        Assert.Throws<ObjectDisposedException>(() => pipeline.Submit(one, 1, graph, outputs));
        var after = new float[expected.Length];
        executor.Run(one, 1, graph, outputs, new RunOutputs(after));
        Assert.Equal(expected, after);
    }

    [Fact]
    public void TheIlgpuBackendsSayTheyLaunchPlainly()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        using var net = ShuffleNet.FromWeights(tiny.Weights, devices.Get(BackendKind.IlgpuCpu));
        Assert.Contains("plain launches (CUDA graphs run on the cuda backend only)", net.DeviceDescription);
    }
}

/// <summary>The same on PoCL (or any OpenCL device). Long (a second PoCL network build): runs with
/// <c>SHUFFLENET_LONG_TESTS=1</c>; in CI the pipelined path on PoCL is covered by <see cref="OpenCLAsyncRunTests"/>,
/// whose stream now runs through it (order and cancellation).</summary>
public sealed class OpenCLPipelinedStreamTests(ITestOutputHelper log) : PipelinedStreamHarness(log)
{
    [LongOpenCLFact]
    public Task TheOpenCLStreamMatchesRunAndReadsAhead()
    {
        OpenCLEnvironment.AssertPresent();
        return StreamsLikeRun(BackendKind.OpenCL);
    }
}
