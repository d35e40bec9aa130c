using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Global average pooling to [C, 1, 1]: each channel row summed with vector accumulators, then divided by H*W.</summary>
internal sealed unsafe class CpuGlobalAvgPool : CpuOp
{
    readonly int _c, _hw;
    readonly int[] _sources;
    readonly OpIo _io;
    float* _x, _y;
    int _n, _parts;

    public CpuGlobalAvgPool(PoolOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path) : base(op, path)
    {
        if (op.Kind != PoolKind.GlobalAverage) throw new ArgumentException($"not a global average pool: {op.Kind}");
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        if (dst.Height != 1 || dst.Width != 1) throw new ArgumentException("global pool output must be [C, 1, 1]");
        _c = op.Channels;
        _hw = src.Height * src.Width;
        _io = OpIo.Of(op.Input, op.Output, tensors);
        _sources = Sources(op.Input.View, _c);
    }

    public override string Kernel => "GlobalAvgPool";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_io.Input];
        _y = tensors[_io.Output];
        _n = n;
        parallel = threads > 1 && (long)n * _c * _hw >= 4 * ParallelThreshold;
        _parts = parallel ? ChunkCount((long)n * _c, threads, ChunksPerThread) : 1;
        return _parts;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (p0, p1) = Range(_n * _c, _parts, chunk);
        int w = TS.Width;
        for (int p = p0; p < p1; p++)
        {
            int img = p / _c, c = p % _c;
            float* r = _x + ((long)img * _io.InTotal + _sources[c]) * _hw;
            TV a0 = TS.Zero, a1 = TS.Zero;
            int i = 0;
            for (; i + 2 * w <= _hw; i += 2 * w)
            {
                a0 = TS.Add(a0, TS.Load(r + i));
                a1 = TS.Add(a1, TS.Load(r + i + w));
            }
            for (; i + w <= _hw; i += w) a0 = TS.Add(a0, TS.Load(r + i));
            if (i < _hw) a1 = TS.Add(a1, TS.LoadMasked(r + i, TS.Mask(_hw - i)));
            _y[(long)img * _io.OutTotal + _io.OutOffset + c] = TS.Sum(TS.Add(a0, a1)) / _hw;
        }
    }
}
