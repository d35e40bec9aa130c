using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// A batch of several images run one image per thread: every thread of the pool has a lane (its own ops for one input
/// size, sharing the packed weights, its own one-image arena, scratch and pointer table) and takes whole images, one
/// at a time, through the one-image plan. Measured on a 2-core AVX2 EPYC (docs/performance.md, issue 14): a whole
/// batch of 8 per op lets each op's input and output outgrow the caches (V2 1.0x: 10.5 ms per image with 1 thread
/// against 8.5 ms one image at a time, both timed in place), and splitting every op of a small map over the threads
/// costs a hand-off per op; a lane per thread keeps an image's maps in its core's cache and hands off once per image.
/// The bits are those of the whole-batch path: every op computes each image alone in a fixed order
/// (<c>CpuEngineTests.ResultsDoNotDependOnThreadsOrBatchSplit</c>). Not thread-safe: one pass at a time.
/// </summary>
internal sealed unsafe class CpuImageLanes : IParallelWork, IDisposable
{
    readonly Lane[] _lanes;
    readonly long _imageFloats;
    NativeBuffer _outputs = new(8 * OutputEntryFloats);   // per kept tensor: the caller's address, the bridge's, its floats per image

    /// <summary>Floats of <see cref="_outputs"/> per kept tensor: three 64-bit values.</summary>
    const int OutputEntryFloats = 3 * sizeof(long) / sizeof(float);
    IReadOnlyList<int> _requested = [];
    float* _input;

    /// <param name="sized">The network at this input size.</param>
    /// <param name="weights">The converted weights.</param>
    /// <param name="path">The instruction path.</param>
    /// <param name="packed">The executor's packed weights, shared by every lane.</param>
    /// <param name="lanes">One per thread of the pool that runs the images.</param>
    public CpuImageLanes(NetworkGraph sized, IReadOnlyDictionary<string, float[]> weights, CpuPath path, PackedWeights packed, int lanes)
    {
        _imageFloats = sized.Tensors[NetworkGraph.InputTensor].ElementsPerImage;
        _lanes = new Lane[lanes];
        try
        {
            for (int i = 0; i < lanes; i++) _lanes[i] = new Lane(new CpuShape(sized, weights, path, packed), sized.Tensors.Count);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Bytes the lanes hold beside the shared weights: arenas, scratch and pointer tables.</summary>
    public long AllocatedBytes
    {
        get
        {
            long sum = _outputs.Bytes;
            foreach (var lane in _lanes) sum += lane?.AllocatedBytes ?? 0;
            return sum;
        }
    }

    /// <summary>The one-image plan for <paramref name="outputs"/> (made and cached in every lane when new) and the
    /// arena bytes all lanes need for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long ArenaBytesFor(IReadOnlyList<int> outputs)
    {
        long bytes = 0;
        foreach (var lane in _lanes) bytes += lane.PlanFor(outputs).Plan.ArenaBytes;
        return bytes;
    }

    /// <summary>Runs images 0..<paramref name="n"/>-1 of <paramref name="input"/> (the executor checked its length) on
    /// <paramref name="pool"/>, one image per chunk, each on the lane of the thread that takes it, computing the
    /// tensors <paramref name="outputs"/>; tensor i of image j goes to <c>destinations[i] + j * (its floats per image)</c>
    /// and to <c>bridges[i]</c> the same way (each skipped where 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(CpuWorkerPool pool, float* input, int n, IReadOnlyList<int> outputs, ReadOnlySpan<nint> destinations,
        ReadOnlySpan<nint> bridges, NetworkGraph sized)
    {
        if (pool.Threads != _lanes.Length) throw new InvalidOperationException($"{_lanes.Length} lanes for a pool of {pool.Threads} threads");
        if (_outputs.Length < OutputEntryFloats * outputs.Count)
        {
            _outputs.Dispose();
            _outputs = new NativeBuffer(OutputEntryFloats * outputs.Count);
        }
        var table = (long*)_outputs.Pointer;
        for (int i = 0; i < outputs.Count; i++)
        {
            table[3 * i] = destinations[i];
            table[3 * i + 1] = bridges[i];
            table[3 * i + 2] = sized.Tensors[outputs[i]].ElementsPerImage;
        }
        foreach (var lane in _lanes) lane.Prepare(outputs);
        _requested = outputs;
        _input = input;
        try
        {
            pool.Run(this, n);
        }
        finally
        {
            _input = null;
            _requested = [];
        }
    }

    /// <summary>Image <paramref name="image"/> on the lane of thread <paramref name="worker"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int image, int worker)
    {
        var lane = _lanes[worker];
        var table = (long*)_outputs.Pointer;
        lane.Run(_input + image * _imageFloats, _requested, image, table);
    }

    /// <summary>Ops ran per image in the last pass.</summary>
    public int LastRunOps => _lanes[0].LastRunOps;

    public void Dispose()
    {
        foreach (var lane in _lanes) lane?.Dispose();
        _outputs.Dispose();
    }

    /// <summary>One thread's ops, one-image arena, pointer table and a one-thread pool (its scratch: no threads).</summary>
    sealed class Lane(CpuShape shape, int tensors) : IDisposable
    {
        readonly CpuShape _shape = shape;
        readonly CpuWorkerPool _pool = NewPool(shape);
        readonly NativeBuffer _pointers = new(tensors * (long)(sizeof(nint) / sizeof(float)));
        NativeBuffer? _arena;
        MemoryPlan? _plan;
        CpuExecutor.Step[] _steps = [];

        static CpuWorkerPool NewPool(CpuShape shape)
        {
            var pool = new CpuWorkerPool(1);
            pool.EnsureScratch(shape.ScratchFloats);
            return pool;
        }

        public int LastRunOps => _steps.Length;

        public long AllocatedBytes => (_arena?.Bytes ?? 0) + _pool.ScratchBytes + _pointers.Bytes;

        /// <summary>The one-image plan for <paramref name="outputs"/>, made and cached when new.</summary>
        public (MemoryPlan Plan, CpuExecutor.Step[] Steps) PlanFor(IReadOnlyList<int> outputs) => _shape.PlanFor(1, outputs);

        /// <summary>This pass's plan, and an arena for it (kept while large enough).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Prepare(IReadOnlyList<int> outputs)
        {
            (_plan, _steps) = PlanFor(outputs);
            long floats = Math.Max(1, _plan.ArenaElements);
            if (_arena is not null && _arena.Length >= floats) return;
            _arena?.Dispose();
            _arena = null;
            _arena = new NativeBuffer(floats, zero: false);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(float* input, IReadOnlyList<int> outputs, int image, long* table)
        {
            var tensors = (float**)_pointers.Pointer;
            CpuExecutor.BindTensors(_plan!, _arena!.Pointer, input, tensors);
            foreach (var step in _steps) step.Run(_pool, tensors, 1);
            for (int i = 0; i < outputs.Count; i++)
            {
                long length = table[3 * i + 2], bytes = length * sizeof(float);
                if (table[3 * i] != 0) Buffer.MemoryCopy(tensors[outputs[i]], (float*)table[3 * i] + image * length, bytes, bytes);
                if (table[3 * i + 1] != 0) Buffer.MemoryCopy(tensors[outputs[i]], (float*)table[3 * i + 1] + image * length, bytes, bytes);
            }
        }

        public void Dispose()
        {
            _shape.Dispose();
            _pool.Dispose();
            _pointers.Dispose();
            _arena?.Dispose();
        }
    }
}
