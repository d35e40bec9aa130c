using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>An element-wise op over channel rows (one row = one image's H*W plane of one channel): chunks are ranges
/// of rows, and small ops run on the calling thread.</summary>
internal abstract unsafe class CpuRowOp : CpuOp
{
    protected CpuRowOp(GraphOp op, CpuPath path, int channels, int hw) : base(op, path)
    {
        Channels = channels;
        Hw = hw;
    }

    protected int Channels { get; }
    protected int Hw { get; }
    protected int N { get; private set; }
    int _parts;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        N = n;
        Bind(tensors);
        parallel = threads > 1 && (long)n * Channels * Hw >= 2 * ParallelThreshold;
        _parts = parallel ? ChunkCount((long)n * Channels, threads, ChunksPerThread) : 1;
        return _parts;
    }

    /// <summary>Records this pass's tensor addresses.</summary>
    protected abstract void Bind(float** tensors);

    /// <summary>The rows (image * Channels + channel) of chunk <paramref name="chunk"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected (int Start, int End) Rows(int chunk) => Range(N * Channels, _parts, chunk);
}
