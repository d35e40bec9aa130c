using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels.Common;
using System.Runtime.Intrinsics;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// One graph op prepared for the CPU engine: weights repacked once at load, shapes and channel views resolved.
/// <see cref="Run"/> takes the tensors' addresses for this pass (NCHW, [n, C, H, W] each) and splits the work into
/// chunks for the worker pool; a chunk always computes whole outputs (no reduction is split), so the result does not
/// depend on the number of threads. Ops hold the state of the pass in progress: one pass at a time.
/// </summary>
internal abstract unsafe class CpuOp : IParallelWork, IDisposable
{
    protected CpuOp(GraphOp op, CpuPath path)
    {
        Op = op;
        Path = path;
    }

    public GraphOp Op { get; }
    public CpuPath Path { get; }

    /// <summary>The name profiles give this op's kind.</summary>
    public abstract string Kernel { get; }

    /// <summary>Scratch floats a thread needs to run a chunk (independent of the batch size).</summary>
    public virtual long ScratchFloats => 0;

    /// <summary>Bytes of packed weights this op holds.</summary>
    public virtual long WeightBytes => 0;

    /// <summary>Below this many multiply-adds (or element operations) per pass an op runs on the calling thread.</summary>
    protected const long ParallelThreshold = 24_000;

    protected CpuWorkerPool Pool { get; private set; } = null!;

    /// <summary>Runs the op for <paramref name="n"/> images; <paramref name="tensors"/>[t] is tensor t's address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(CpuWorkerPool pool, float** tensors, int n)
    {
        Pool = pool;
        int chunks = Prepare(tensors, n, pool.Threads, out bool parallel);
        pool.Run(this, chunks, parallel);
    }

    /// <summary>The chunk count a pass of <paramref name="n"/> images on <paramref name="threads"/> threads asks the
    /// pool for, computed without running anything (the tests check it against <see cref="CpuWorkerPool.MaxChunks"/>).</summary>
    internal int ChunksFor(int n, int threads, int tensorCount)
    {
        var none = new nint[tensorCount];
        fixed (nint* t = none) return Prepare((float**)t, n, threads, out _);
    }

    /// <summary>Records this pass's addresses; returns the chunk count and whether to spread them over the threads.</summary>
    protected abstract int Prepare(float** tensors, int n, int threads, out bool parallel);

    /// <summary>Runs chunk <paramref name="chunk"/> on the path chosen at load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int chunk, int worker)
    {
        switch (Path)
        {
            case CpuPath.Vector512: Body<Simd512, Vector512<float>>(chunk, worker); break;
            case CpuPath.Vector256: Body<Simd256, Vector256<float>>(chunk, worker); break;
            default: Body<SimdScalar, float>(chunk, worker); break;
        }
    }

    /// <summary>Chunk <paramref name="chunk"/>, specialised for one path.</summary>
    protected abstract void Body<TS, TV>(int chunk, int worker) where TS : ISimd<TV> where TV : unmanaged;


    /// <summary>Source channel of every logical channel of a view.</summary>
    protected static int[] Sources(ChannelView view, int channels) => Enumerable.Range(0, channels).Select(view.Source).ToArray();

    /// <summary>How many parts to cut <paramref name="units"/> into so that, with <paramref name="base"/> independent
    /// pieces already, there are about <paramref name="target"/> chunks.</summary>
    protected static int PartsFor(int target, int @base, int units) =>
        Math.Clamp((target + @base - 1) / Math.Max(1, @base), 1, Math.Max(1, units));

    /// <summary>Chunks wanted per thread for balance (chunks are claimed dynamically).</summary>
    protected const int ChunksPerThread = 3;

    /// <summary>The most chunks an op cuts a pass into: a quarter of what the pool takes (<see cref="CpuWorkerPool.MaxChunks"/>),
    /// so an op that rounds a split up per group stays under it whatever the batch size or thread count.</summary>
    protected const int MaxChunks = CpuWorkerPool.MaxChunks / 4;

    /// <summary>How many chunks to cut <paramref name="units"/> independent pieces of work into: about
    /// <paramref name="perThread"/> per thread, at most one per piece, at most <see cref="MaxChunks"/>. A chunk computes
    /// whole pieces, so the count never changes a result.</summary>
    protected static int ChunkCount(long units, int threads, int perThread) =>
        (int)Math.Max(1, Math.Min(units, Math.Min((long)threads * perThread, MaxChunks)));

    /// <summary>Chunks for an op over <paramref name="planes"/> independent channel planes (depthwise, pools) doing
    /// <paramref name="work"/> operations in all: about two per chunk of the others per thread (planes vary less), on
    /// the calling thread when small.</summary>
    protected static int PlaneChunks(long planes, long work, int threads, out bool parallel)
    {
        parallel = threads > 1 && work >= ParallelThreshold;
        return parallel ? ChunkCount(planes, threads, ChunksPerThread * 2) : 1;
    }

    /// <summary>
    /// The order a per-plane kernel visits a row's <paramref name="vectors"/> output vectors in, step
    /// <paramref name="step"/>: the last vector first when it is partial (rows of <paramref name="rowLength"/> floats,
    /// <paramref name="width"/> lanes), so that a whole store of it (<see cref="MaskLastStore"/>) spills onto columns of
    /// the next rows that are stored after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static int RowVector(int step, int vectors, int rowLength, int width) =>
        rowLength % width != 0 ? vectors - 1 - step : step;

    /// <summary>
    /// Whether row <paramref name="y"/> of a <paramref name="rows"/> x <paramref name="rowLength"/> output plane must
    /// store its last vector masked: only when a whole one would reach past the plane. Other rows store it whole (the
    /// lanes past the row land on the next rows, stored later: <see cref="RowVector"/>); the engine's masked store costs
    /// several stores on AVX2 (depthwise and pools on 7x7-28x28 maps 0.84-0.97x the time, docs/performance.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static bool MaskLastStore(int y, int rows, int rowLength, int vectors, int width) =>
        (long)y * rowLength + (long)vectors * width > (long)rows * rowLength;

    /// <summary>Splits [0, <paramref name="count"/>) into <paramref name="parts"/> near-equal ranges; range <paramref name="part"/>.</summary>
    protected static (int Start, int End) Range(int count, int parts, int part) =>
        ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

    public virtual void Dispose()
    {
    }
}
