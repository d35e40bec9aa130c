using System.Diagnostics;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// <see cref="ShuffleNet.RunAsync(float[], CancellationToken)"/> and <see cref="ShuffleNet.RunStreamAsync"/> on any backend:
/// the bits of <see cref="ShuffleNet.Run(float[])"/>, in order; a call cancelled while queued or a stream cancelled
/// mid-way ends with <see cref="OperationCanceledException"/> and leaves the network giving the same bits.
/// </summary>
public abstract class AsyncRunHarness(ITestOutputHelper log)
{
    /// <summary>The test's output.</summary>
    protected ITestOutputHelper Log => log;

    /// <summary>The batch sizes streamed on cpu; the ILGPU backends stream two single images.</summary>
    protected static readonly int[] CpuSizes = [1, 3, 2], IlgpuSizes = [1, 1];

    /// <summary>Batches of the sizes given, then (when <paramref name="hang"/>) a wait for more that only cancellation ends;
    /// <paramref name="disposed"/> is set when the enumeration is disposed.</summary>
    static async IAsyncEnumerable<float[]> Source(TinyCase tiny, int[] sizes, bool hang, StrongBox<bool> disposed,
        [EnumeratorCancellation] CancellationToken token = default)
    {
        try
        {
            foreach (int n in sizes)
            {
                await Task.Yield();
                yield return TinyBatches.Of(tiny, n);
            }
            if (hang) await Task.Delay(Timeout.Infinite, token);
        }
        finally { disposed.Value = true; }
    }

    /// <summary>The stream yields each batch's logits in order; cancelled after two results while the source waits, it
    /// ends with <see cref="OperationCanceledException"/>, disposes the source, and the network then gives the same bits.
    /// <paramref name="sizes"/>: the batch sizes streamed (the ILGPU backends take seconds an image: keep them small).</summary>
    protected Task StreamsInOrderAndSurvivesCancellation(BackendKind backend, int[] sizes) =>
        StreamsInOrderAndSurvivesCancellation(tiny => ShuffleNet.FromWeights(tiny.Weights, backend, 2), backend.ToString(), sizes);

    /// <summary>The same on the network <paramref name="load"/> makes for <paramref name="fixture"/> (<paramref name="name"/>
    /// names it in the log), disposed at the end when <paramref name="disposeNet"/>.</summary>
    protected async Task StreamsInOrderAndSurvivesCancellation(Func<TinyCase, ShuffleNet> load, string name, int[] sizes,
        string fixture = "tiny-shufflenetv2", bool disposeNet = true)
    {
        var tiny = Fixtures.Load(fixture);
        var net = load(tiny);
        try { await StreamsInOrderAndSurvivesCancellation(net, tiny, name, sizes); }
        finally { if (disposeNet) net.Dispose(); }
    }

    async Task StreamsInOrderAndSurvivesCancellation(ShuffleNet net, TinyCase tiny, string name, int[] sizes)
    {
        var expected = sizes.Distinct().ToDictionary(n => n, n => net.Run(TinyBatches.Of(tiny, n)));

        var results = new List<float[]>();
        var disposed = new StrongBox<bool>();
        await foreach (var logits in net.RunStreamAsync(Source(tiny, sizes, hang: false, disposed))) results.Add(logits);
        Assert.Equal(sizes.Length, results.Count);
        for (int i = 0; i < sizes.Length; i++) Assert.Equal(expected[sizes[i]], results[i]);
        Assert.True(disposed.Value);

        // Cancelled while the source waits for more, after the first two results.
        using var cts = new CancellationTokenSource();
        var hanging = new StrongBox<bool>();
        int received = 0;
        var watch = Stopwatch.StartNew();
        async Task Consume()
        {
            await foreach (var logits in net.RunStreamAsync(Source(tiny, sizes[..2], hang: true, hanging), cts.Token))
            {
                Assert.Equal(expected[sizes[received]], logits);
                if (++received == 2) cts.CancelAfter(50);
            }
        }
        // The watchdog: a stream that ignored its token would wait for the source forever (a TimeoutException fails the test).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Consume().WaitAsync(TimeSpan.FromMinutes(3)));
        Log.WriteLine($"{name}: cancelled after {received} batches, {watch.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(2, received);
        Assert.True(hanging.Value, "the source was not disposed");

        // Cancelled between batches: a source that never waits, the token cancelled after the first result.
        using var early = new CancellationTokenSource();
        int got = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in net.RunStreamAsync(Source(tiny, sizes, hang: false, new()), early.Token))
            {
                got++;
                early.Cancel();
            }
        });
        Assert.Equal(1, got);

        Assert.Equal(expected[sizes[^1]], await net.RunAsync(TinyBatches.Of(tiny, sizes[^1])));
    }

    /// <summary>The async forms give the bits of the synchronous ones; the buffer form checks the output length.</summary>
    protected async Task RunAsyncGivesTheBitsOfRun(BackendKind backend)
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        using var net = ShuffleNet.FromWeights(tiny.Weights, backend, 2);
        var input = TinyBatches.Of(tiny, 3);
        var expected = net.Run(input);
        Assert.Equal(expected, await net.RunAsync(input));
        var output = new float[expected.Length];
        await net.RunAsync(input, output);
        Assert.Equal(expected, output);
        var e = await Assert.ThrowsAsync<ShuffleNetException>(() => net.RunAsync(input, new float[expected.Length + 1]));
        Assert.Contains($"expected {expected.Length}", e.Message);
        await Assert.ThrowsAsync<ShuffleNetException>(() => net.RunAsync(new float[5]));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => net.RunAsync(input, new CancellationToken(canceled: true)));
        net.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => net.RunAsync(input));
    }
}

/// <summary>The cpu and ilgpu-cpu backends, and what only the cpu backend is fast enough to show: calls cancelled while queued.</summary>
public class AsyncRunTests(ITestOutputHelper log) : AsyncRunHarness(log)
{
    [Fact]
    public Task TheCpuStreamYieldsInOrderAndSurvivesCancellation() => StreamsInOrderAndSurvivesCancellation(BackendKind.Cpu, CpuSizes);

    [Fact]
    public Task TheIlgpuCpuStreamYieldsInOrderAndSurvivesCancellation() => StreamsInOrderAndSurvivesCancellation(BackendKind.IlgpuCpu, IlgpuSizes);

    /// <summary>The async path is the same on every backend (it calls the executor the synchronous path calls): cpu only.</summary>
    [Fact]
    public Task RunAsyncGivesTheBitsOfRunAndHonoursItsToken() => RunAsyncGivesTheBitsOfRun(BackendKind.Cpu);

    /// <summary>While another caller keeps the network busy with large batches, async calls whose tokens fire within a
    /// few milliseconds give up while queued (without waiting for their turn); those that got their turn return the right
    /// bits; calls queued when the network is disposed end with <see cref="ObjectDisposedException"/>; and the network
    /// gives the same bits afterwards.</summary>
    [Fact]
    public async Task CallsCancelledWhileQueuedGiveUpAndLeaveTheNetworkUsable()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 1);
        var small = TinyBatches.Of(tiny, 1);
        var large = TinyBatches.Of(tiny, 64);
        var expected = net.Run(small);
        var busy = Stopwatch.StartNew();
        net.Run(large);
        Log.WriteLine($"one batch of 64: {busy.Elapsed.TotalMilliseconds:F0} ms");

        using var stop = new CancellationTokenSource();
        var hog = Task.Run(() =>
        {
            try { while (!stop.IsCancellationRequested) net.Run(large); }
            catch (ObjectDisposedException) { }
        });
        int cancelled = 0, completed = 0;
        var random = new Random(16);
        for (int i = 0; i < 20; i++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(1, 5)));
            try
            {
                Assert.Equal(expected, await net.RunAsync(small, cts.Token));
                completed++;
            }
            catch (OperationCanceledException) { cancelled++; }
        }
        Log.WriteLine($"{cancelled} calls gave up while queued, {completed} ran");
        Assert.True(cancelled > 0, "no queued call gave up when its token fired");
        Assert.Equal(expected, net.Run(small));

        var queued = Enumerable.Range(0, 4).Select(_ => net.RunAsync(small)).ToList();
        net.Dispose();
        foreach (var call in queued)
        {
            try { Assert.Equal(expected, await call); }
            catch (ObjectDisposedException) { }
        }
        stop.Cancel();
        await hog;

        using var fresh = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 1);
        Assert.Equal(expected, await fresh.RunAsync(small));
    }
}

/// <summary>The same on PoCL (or any OpenCL device); skipped without OpenCL unless <c>SHUFFLENET_REQUIRE_OPENCL=1</c>.</summary>
public class OpenCLAsyncRunTests(ITestOutputHelper log) : AsyncRunHarness(log)
{
    [OpenCLFact]
    public Task TheStreamYieldsInOrderAndSurvivesCancellationOnOpenCL()
    {
        OpenCLEnvironment.AssertPresent();
        return StreamsInOrderAndSurvivesCancellation(BackendKind.OpenCL, IlgpuSizes);
    }
}
