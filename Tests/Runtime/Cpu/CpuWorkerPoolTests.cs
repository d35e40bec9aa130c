using ShuffleNetGpu.Runtime.Cpu;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

public class CpuWorkerPoolTests
{
    sealed class Counter(int chunks) : IParallelWork
    {
        public readonly int[] Runs = new int[chunks];
        public readonly int[] Workers = new int[chunks];
        public void Execute(int chunk, int worker)
        {
            Interlocked.Increment(ref Runs[chunk]);
            Workers[chunk] = worker;
            if (chunk % 7 == 0) Thread.SpinWait(2000);   // uneven chunks
        }
    }

    /// <summary>Thousands of back-to-back jobs of every size: each chunk runs exactly once, on a valid thread index.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void EveryChunkRunsExactlyOnce(int threads)
    {
        using var pool = new CpuWorkerPool(threads);
        var rng = new Random(threads);
        for (int job = 0; job < 3000; job++)
        {
            int chunks = job % 50 == 0 ? rng.Next(1, 3000) : rng.Next(1, 24);
            var work = new Counter(chunks);
            pool.Run(work, chunks, parallel: job % 5 != 0);
            Assert.All(work.Runs, r => Assert.Equal(1, r));
            Assert.All(work.Workers, w => Assert.InRange(w, 0, threads - 1));
            if (job % 1000 == 999) Thread.Sleep(5);   // workers go to sleep and must wake up for the next job
        }
    }

    /// <summary>The caller claims from the front and the workers from the back, so the caller's chunks are always the
    /// first ones of a job (the engine's ops number chunks in channel order: each thread keeps its channels).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TheCallerRunsTheFirstChunksAndTheWorkersTheLast(int threads)
    {
        using var pool = new CpuWorkerPool(threads);
        int shared = 0;
        for (int job = 0; job < 2000; job++)
        {
            int chunks = 2 + job % 23;
            var work = new Counter(chunks);
            pool.Run(work, chunks);
            int callerChunks = work.Workers.Count(w => w == 0);
            Assert.All(work.Workers.Take(callerChunks), w => Assert.Equal(0, w));
            Assert.All(work.Workers.Skip(callerChunks), w => Assert.NotEqual(0, w));
            if (callerChunks < chunks) shared++;
        }
        Assert.True(shared > 100, $"the workers took part in only {shared} of 2000 jobs");
    }

    [Fact]
    public void AFailingChunkIsReportedAndThePoolKeepsWorking()
    {
        using var pool = new CpuWorkerPool(3);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Run(new Failing(), 10));
        Assert.IsType<FormatException>(e.InnerException);
        var work = new Counter(10);
        pool.Run(work, 10);
        Assert.All(work.Runs, r => Assert.Equal(1, r));
    }

    sealed class Failing : IParallelWork
    {
        public void Execute(int chunk, int worker)
        {
            if (chunk == 4) throw new FormatException("chunk 4");
        }
    }

    [Fact]
    public void ScratchIsPerThreadAlignedAndGrows()
    {
        using var pool = new CpuWorkerPool(2);
        pool.EnsureScratch(100);
        pool.EnsureScratch(10);
        Assert.Equal(100, pool.ScratchFloats);
        unsafe
        {
            Assert.Equal(0, (long)pool.Scratch(0) % 64);
            Assert.Equal(0, (long)pool.Scratch(1) % 64);
            Assert.NotEqual((long)pool.Scratch(0), (long)pool.Scratch(1));
        }
        Assert.Equal(2 * 100 * sizeof(float), pool.ScratchBytes);
    }
}
