using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>An element-wise op over channel rows (one row = one image's H*W plane of one channel): chunks are ranges
/// of rows, and small ops run on the calling thread. The tensors an op reads and writes are <see cref="ChannelRows"/>
/// made by <see cref="Rows(TensorRead, IReadOnlyList{TensorInfo}, int)"/> and <see cref="Slice"/>, bound here each pass.</summary>
internal abstract unsafe class CpuRowOp : CpuOp
{
    readonly List<ChannelRows> _bound = [];

    protected CpuRowOp(GraphOp op, CpuPath path, int channels, int hw, Activation activation) : base(op, path)
    {
        Channels = channels;
        Hw = hw;
        Activation = activation;
    }

    /// <summary>The activation applied to each result.</summary>
    protected Activation Activation { get; }

    protected int Channels { get; }
    protected int Hw { get; }
    protected int N { get; private set; }
    int _parts;

    /// <summary>The rows <paramref name="read"/> picks (through its view), <paramref name="hw"/> floats each (the op's
    /// H*W unless given: a [C, 1, 1] gate has 1).</summary>
    protected ChannelRows Rows(TensorRead read, IReadOnlyList<TensorInfo> tensors, int hw = -1) =>
        Bound(new ChannelRows(read.Tensor, tensors[read.Tensor].Channels, Sources(read.View, Channels), hw < 0 ? Hw : hw));

    /// <summary>The output slice <paramref name="write"/> names.</summary>
    protected ChannelRows Slice(TensorWrite write, IReadOnlyList<TensorInfo> tensors)
    {
        if (tensors[write.Tensor].Height * tensors[write.Tensor].Width != Hw)
            throw new ArgumentException("an element-wise op's output must have its input's size");
        return Bound(ChannelRows.Slice(write.Tensor, tensors[write.Tensor].Channels, write.ChannelOffset, Channels, Hw));
    }

    ChannelRows Bound(ChannelRows rows)
    {
        _bound.Add(rows);
        return rows;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        N = n;
        foreach (var rows in _bound) rows.Bind(tensors);
        parallel = threads > 1 && (long)n * Channels * Hw >= 2 * ParallelThreshold;
        _parts = parallel ? ChunkCount((long)n * Channels, threads, ChunksPerThread) : 1;
        return _parts;
    }

    /// <summary>The rows (image * Channels + channel) of chunk <paramref name="chunk"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected (int Start, int End) Rows(int chunk) => Range(N * Channels, _parts, chunk);
}
