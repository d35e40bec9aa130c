using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Execution;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>A cpu-backend network its caller forgets to dispose must not keep its worker threads and native memory
/// for the life of the process: once it is collected its threads end and its buffers are freed.</summary>
public class CpuLifetimeTests
{
    [Fact]
    public void ANativeBufferSpanAfterDisposeThrows()
    {
        var buffer = new NativeBuffer(8);
        buffer.Span[3] = 2.5f;
        Assert.Equal(2.5f, buffer.Span[3]);
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        buffer.Dispose();   // twice is harmless
    }

    [Fact]
    public void AbandonedCpuNetworksAreCollectedAndTheirThreadsEnd()
    {
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3"));
        int workersBefore = CpuWorkerPool.LiveWorkers;
        long bytesBefore = NativeBuffer.LiveBytes;
        var (nets, pools, threads) = Abandon(weights, count: 4, threadsEach: 3);
        Assert.Equal(8, threads.Length);   // 2 workers each (a GC during the loop may already have ended some)

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && (nets.Any(n => n.IsAlive) || pools.Any(p => p.IsAlive) || threads.Any(t => t.IsAlive)))
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            foreach (var t in threads) t.Join(20);
        }
        Assert.All(nets, n => Assert.False(n.IsAlive, "an abandoned ShuffleNet was not collected"));
        Assert.All(pools, p => Assert.False(p.IsAlive, "an abandoned network's worker pool was not collected"));
        Assert.All(threads, t => Assert.False(t.IsAlive, $"{t.Name} still runs after its network was collected"));
        // Other tests may have abandoned pools and buffers too: at most as many as before, never more.
        Assert.True(CpuWorkerPool.LiveWorkers <= workersBefore, $"{CpuWorkerPool.LiveWorkers} live workers, {workersBefore} before");
        Assert.True(NativeBuffer.LiveBytes <= bytesBefore, $"{NativeBuffer.LiveBytes} native bytes live, {bytesBefore} before");
    }

    /// <summary>Creates and runs networks, then drops them without Dispose; returns weak references and their worker
    /// threads (a Thread object does not keep its pool alive).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static (WeakReference[] Nets, WeakReference[] Pools, Thread[] Threads) Abandon(ModelWeights weights, int count, int threadsEach)
    {
        var executorField = typeof(ShuffleNet).GetField("_executor", BindingFlags.NonPublic | BindingFlags.Instance);
        Assert.NotNull(executorField);
        var nets = new List<WeakReference>();
        var pools = new List<WeakReference>();
        var threads = new List<Thread>();
        for (int i = 0; i < count; i++)
        {
            var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, threadsEach);
            net.Run(new float[ShuffleNet.ImageElements]);
            var pool = ((CpuExecutor)((MultiDeviceExecutor)executorField.GetValue(net)!).Lane(0)).Pool;
            threads.AddRange(pool.WorkerThreads);
            nets.Add(new WeakReference(net));
            pools.Add(new WeakReference(pool));
        }
        return (nets.ToArray(), pools.ToArray(), threads.ToArray());
    }
}
