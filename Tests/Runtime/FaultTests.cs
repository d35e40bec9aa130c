using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Planning;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>What a service meets besides bad input: a network disposed under a running call, a failing worker, a batch
/// too large for the memory it may use. Each ends in a typed exception and leaves what remains usable.</summary>
public class FaultTests(ITestOutputHelper log)
{
    /// <summary>Dispose from another thread while calls are in flight, 50 times at random moments: each call finishes with
    /// the right bits or throws <see cref="ObjectDisposedException"/>; never an access violation or another error.</summary>
    [Fact]
    public void DisposeDuringARunEndsItCleanly()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        var input = TinyBatches.Of(tiny, 3);
        float[] expected;
        using (var reference = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2)) expected = reference.Run(input);
        var random = new Random(15);
        int finished = 0, refused = 0;
        for (int round = 0; round < 50; round++)
        {
            var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
            Exception? unexpected = null;
            var output = new float[expected.Length];
            using var started = new ManualResetEventSlim();
            var runner = new Thread(() =>
            {
                started.Set();
                try
                {
                    while (true)
                    {
                        if (round % 2 == 0) net.Run(input, output);
                        else output = net.Run(input);
                        if (!output.AsSpan().SequenceEqual(expected)) throw new InvalidDataException("a finished run has other bits");
                        Interlocked.Increment(ref finished);
                    }
                }
                catch (ObjectDisposedException) { Interlocked.Increment(ref refused); }
                catch (Exception e) { unexpected = e; }
            }) { IsBackground = true };
            runner.Start();
            started.Wait();
            Thread.Sleep(random.Next(0, 4));
            if (random.Next(4) == 0) Thread.SpinWait(random.Next(1, 20_000));
            net.Dispose();
            Assert.True(runner.Join(TimeSpan.FromSeconds(10)), $"round {round}: the caller still runs after Dispose");
            Assert.Null(unexpected);
        }
        log.WriteLine($"{finished} runs finished, {refused} callers saw ObjectDisposedException");
        Assert.Equal(50, refused);
    }

    /// <summary>Failing chunks, on the workers or the caller, again and again: each failure reaches the caller with its
    /// cause, and the next job runs every chunk.</summary>
    [Fact]
    public void WorkerFailuresAreReportedAndThePoolKeepsWorking()
    {
        using var pool = new CpuWorkerPool(3);
        for (int job = 0; job < 200; job++)
        {
            var failing = new FailingWork(job % 3);
            var e = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 12));
            Assert.IsType<ArithmeticException>(e.InnerException);
            var counted = new CountingWork(12);
            pool.Run(counted, 12);
            Assert.All(counted.Runs, r => Assert.Equal(1, r));
        }
    }

    /// <summary>Mode 0: every chunk throws; 1: chunk 0 (usually the caller's) throws; 2: the last chunk throws after a pause.</summary>
    sealed class FailingWork(int mode) : IParallelWork
    {
        public void Execute(int chunk, int worker)
        {
            if (mode == 0 || (mode == 1 && chunk == 0)) throw new ArithmeticException($"chunk {chunk} on worker {worker}");
            if (mode == 2 && chunk == 11)
            {
                Thread.SpinWait(5_000);
                throw new ArithmeticException("the last chunk");
            }
        }
    }

    sealed class CountingWork(int chunks) : IParallelWork
    {
        public readonly int[] Runs = new int[chunks];
        public void Execute(int chunk, int worker) => Interlocked.Increment(ref Runs[chunk]);
    }

    /// <summary>With an arena limit, a batch whose plan needs more is refused before anything runs, naming the batch;
    /// a smaller batch then runs with the bits of an unlimited network.</summary>
    [Fact]
    public void ABatchOverTheArenaLimitIsATypedErrorAndASmallerOneWorks()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var unlimited = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        long held = unlimited.AllocatedBytes;
        unlimited.Run(TinyBatches.Of(tiny, 1));
        long arenaOfOne = unlimited.AllocatedBytes - held;
        Assert.True(arenaOfOne > 0);

        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        net.MaxArenaBytes = 3 * arenaOfOne;
        long before = net.AllocatedBytes;
        var e = Assert.Throws<ArenaMemoryException>(() => net.Run(TinyBatches.Of(tiny, 8)));
        log.WriteLine(e.Message);
        Assert.Equal(8, e.Batch);
        Assert.Contains("batch 8", e.Message);
        Assert.Contains($"limit of {3 * arenaOfOne:N0} bytes", e.Message);
        Assert.Equal(before, net.AllocatedBytes);
        Assert.Equal(0, net.LastRunOps);

        var two = TinyBatches.Of(tiny, 2);
        Assert.Equal(unlimited.Run(two), net.Run(two));
        Assert.Throws<ArenaMemoryException>(() => net.Embed(TinyBatches.Of(tiny, 8), new float[8 * net.EmbeddingSize]));
        net.MaxArenaBytes = null;
        Assert.Equal(unlimited.Run(TinyBatches.Of(tiny, 8)), net.Run(TinyBatches.Of(tiny, 8)));
        Assert.Throws<ShuffleNetException>(() => net.MaxArenaBytes = -1);
    }
}
