using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Work split into numbered chunks; each chunk writes its own outputs, so chunks run in any order on any thread.</summary>
internal interface IParallelWork
{
    /// <summary>Runs chunk <paramref name="chunk"/> on thread <paramref name="worker"/> (0 = the caller; each worker
    /// index owns its scratch buffer).</summary>
    void Execute(int chunk, int worker);
}

/// <summary>
/// A small persistent pool for the CPU engine: <see cref="Threads"/> - 1 worker threads plus the calling thread.
/// <see cref="Run"/> publishes a job (one 64-bit word: epoch, end of the unclaimed chunks, next chunk) and the caller
/// takes chunks too; chunks are claimed by compare-and-swap on that word, so a worker that wakes late never runs
/// another job's chunk, and the caller waits only for chunks already claimed, never for a sleeping worker.
/// The caller claims from the front (0, 1, ...) and the workers from the back (last, last - 1, ...): the engine's ops
/// number their chunks in channel order, so on 2 threads the caller computes the low channels of every op, pass after
/// pass, and the worker the high ones; each thread then mostly reads what it wrote itself and writes cache lines it
/// already holds (on a 2-core AMD EPYC Zen 1, data another core wrote costs ~6 ns per line: V1 g3 at batch 1 gained
/// 4%, docs/performance.md). Claiming stays dynamic, so a slow thread still gets fewer chunks. Workers spin for
/// <see cref="SpinTime"/> after their last chunk (a forward pass is ~100 back-to-back jobs a few microseconds to
/// a millisecond long: waking a blocked thread costs tens of microseconds), then block on a monitor.
/// No allocation per job. Not reentrant: one <see cref="Run"/> at a time.
/// The workers hold only the <see cref="JobBoard"/>, never the pool: a pool its owner drops without disposing is
/// collected, and its finalizer stops the workers (a network nobody disposes does not keep threads for the process's life).
/// </summary>
internal sealed class CpuWorkerPool : IDisposable
{
    /// <summary>How long an idle worker spins before it blocks.</summary>
    public static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(200);

    public const int MaxChunks = ushort.MaxValue;

    static int s_liveWorkers;

    readonly Thread[] _workers;
    readonly JobBoard _board = new();
    readonly NativeBuffer?[] _scratch;
    readonly object?[] _scratchKeeper;
    bool _disposed;

    /// <param name="threads">Threads taking part, the caller included (at least 1).</param>
    public CpuWorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _scratch = new NativeBuffer?[threads];
        _scratchKeeper = new object?[threads];
        _workers = new Thread[threads - 1];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = StartWorker(_board, i + 1);
    }

    /// <summary>Starts worker <paramref name="index"/> on <paramref name="board"/>; static, so the thread cannot capture the pool.</summary>
    static Thread StartWorker(JobBoard board, int index)
    {
        Interlocked.Increment(ref s_liveWorkers);
        var thread = new Thread(() =>
        {
            try { board.WorkerLoop(index); }
            finally { Interlocked.Decrement(ref s_liveWorkers); }
        }) { IsBackground = true, Name = $"ShuffleNet CPU worker {index}" };
        thread.Start();
        return thread;
    }

    ~CpuWorkerPool() => _board.Stop();

    public int Threads { get; }

    /// <summary>The worker threads (the caller is not one of them).</summary>
    internal IReadOnlyList<Thread> WorkerThreads => _workers;

    /// <summary>Worker threads of every pool in the process that have not ended.</summary>
    public static int LiveWorkers => Volatile.Read(ref s_liveWorkers);

    /// <summary>Floats of scratch each thread has (see <see cref="EnsureScratch"/>).</summary>
    public long ScratchFloats { get; private set; }

    /// <summary>Bytes held by the scratch buffers.</summary>
    public long ScratchBytes => ScratchFloats * sizeof(float) * Threads;

    /// <summary>Grows every thread's scratch to at least <paramref name="floats"/> (call between jobs).</summary>
    public void EnsureScratch(long floats)
    {
        if (floats <= ScratchFloats) return;
        for (int i = 0; i < _scratch.Length; i++)
        {
            _scratch[i]?.Dispose();
            _scratch[i] = new NativeBuffer(floats);
            _scratchKeeper[i] = null;
        }
        ScratchFloats = floats;
    }

    /// <summary>Thread <paramref name="worker"/>'s scratch (64-byte aligned, <see cref="ScratchFloats"/> long).</summary>
    public unsafe float* Scratch(int worker)
    {
        _scratchKeeper[worker] = null;
        return _scratch[worker]!.Pointer;
    }

    /// <summary>Thread <paramref name="worker"/>'s scratch for <paramref name="keeper"/>, which keeps data in it from one
    /// chunk to the next (the padding of its planes): <paramref name="kept"/> says whether that data is still there,
    /// that is whether no other user took the scratch (through <see cref="Scratch(int)"/> or another keeper) since
    /// <paramref name="keeper"/> last did.</summary>
    public unsafe float* Scratch(int worker, object keeper, out bool kept)
    {
        kept = ReferenceEquals(_scratchKeeper[worker], keeper);
        _scratchKeeper[worker] = keeper;
        return _scratch[worker]!.Pointer;
    }

    /// <summary>Runs chunks 0..<paramref name="chunks"/>-1 of <paramref name="work"/> and returns when all are done.
    /// With <paramref name="parallel"/> false (or one thread, or one chunk) the caller runs them all in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(IParallelWork work, int chunks, bool parallel = true)
    {
        if (chunks <= 0) return;
        if (!parallel || Threads == 1 || chunks == 1)
        {
            for (int i = 0; i < chunks; i++) work.Execute(i, 0);
            return;
        }
        if (chunks > MaxChunks) throw new ArgumentOutOfRangeException(nameof(chunks), chunks, $"at most {MaxChunks} chunks");
        _board.Run(work, chunks);
        GC.KeepAlive(this);   // the scratch buffers the chunks used belong to this pool
    }

    /// <summary>Reads on every thread of the pool (index 0 = the caller) the managed bytes it has allocated so far, into
    /// <paramref name="probe"/> (tests: a warm run allocates nothing on any of the engine's threads; a process-wide count
    /// also sees the test host's threads). Allocates nothing.</summary>
    internal void ReadAllocatedBytes(AllocationProbe probe)
    {
        if (probe.Bytes.Length != Threads) throw new ArgumentException($"the probe is for {probe.Bytes.Length} threads, the pool has {Threads}", nameof(probe));
        probe.Reset();
        Run(probe, Threads);
    }

    /// <summary>One chunk per thread: each chunk reads its thread's count, then waits until every chunk has started, so
    /// no thread takes two.</summary>
    internal sealed class AllocationProbe(int threads) : IParallelWork
    {
        int _started;

        public long[] Bytes { get; } = new long[threads];

        public void Reset() => Volatile.Write(ref _started, 0);

        public void Execute(int chunk, int worker)
        {
            Bytes[worker] = GC.GetAllocatedBytesForCurrentThread();
            Interlocked.Increment(ref _started);
            var spin = new SpinWait();
            while (Volatile.Read(ref _started) < Bytes.Length) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _board.Stop();
        foreach (var t in _workers) t.Join();
        foreach (var s in _scratch) s?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What the caller and the workers share: the job word, the job and the wake-up monitor.</summary>
    sealed class JobBoard
    {
        readonly object _gate = new();
        readonly long _spinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
        IParallelWork? _work;
        long _state;      // epoch << 32 | end << 16 | next: chunks [next, end) are unclaimed
        int _pending;     // chunks of the current job not finished
        int _sleepers;
        volatile bool _stop;
        Exception? _failure;

        /// <summary>Publishes a job, takes chunks on the calling thread and waits for the claimed ones.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(IParallelWork work, int chunks)
        {
            _work = work;
            Volatile.Write(ref _pending, chunks);
            long epoch = (Volatile.Read(ref _state) >>> 32) + 1;
            // A full fence: the job is visible before the word, and the sleeper count is read after it (see WorkerLoop).
            Interlocked.Exchange(ref _state, epoch << 32 | (long)chunks << 16);
            if (Volatile.Read(ref _sleepers) > 0)
            {
                lock (_gate) Monitor.PulseAll(_gate);
            }
            Drain(epoch, 0);
            if (Volatile.Read(ref _pending) != 0)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            }
            _work = null;
            if (_failure is { } failure)
            {
                _failure = null;
                throw new InvalidOperationException("a CPU engine worker failed", failure);
            }
        }

        /// <summary>Ends the workers (each finishes the chunk it is running first).</summary>
        public void Stop()
        {
            _stop = true;
            lock (_gate) Monitor.PulseAll(_gate);
        }

        /// <summary>Claims and runs chunks of job <paramref name="epoch"/> until none is left: the caller (worker 0) from
        /// the front, the workers from the back.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Drain(long epoch, int worker)
        {
            while (true)
            {
                long s = Volatile.Read(ref _state);
                if (s >>> 32 != epoch) return;
                int end = (int)(s >> 16) & 0xFFFF, next = (int)s & 0xFFFF;
                if (next >= end) return;
                int chunk = worker == 0 ? next : end - 1;
                if (Interlocked.CompareExchange(ref _state, worker == 0 ? s + 1 : s - (1L << 16), s) != s) continue;
                // The claim succeeded while the job was current, and the caller does not replace the job before every
                // claimed chunk is finished, so _work is this job's.
                try
                {
                    _work!.Execute(chunk, worker);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
                Interlocked.Decrement(ref _pending);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void WorkerLoop(int index)
        {
            long seen = 0;
            while (!_stop)
            {
                long epoch = Volatile.Read(ref _state) >>> 32;
                if (epoch != seen)
                {
                    seen = epoch;
                    Drain(epoch, index);
                    continue;
                }
                long deadline = Stopwatch.GetTimestamp() + _spinTicks;
                bool changed = false;
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    for (int i = 0; i < 16; i++)
                    {
                        if (Volatile.Read(ref _state) >>> 32 != seen || _stop) { changed = true; break; }
                        Thread.SpinWait(8);
                    }
                    if (changed) break;
                }
                if (changed) continue;
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _state) >>> 32 == seen && !_stop) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
        }
    }
}
