using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// 3x3 stride-2 pooling with padding 1, one channel plane at a time over its four phase planes
/// (<see cref="PaddedPlanes"/>): max pooling pads with -infinity (so padding never wins; a NaN in the window gives NaN,
/// as in the kernels), average pooling pads with zeros and divides the 9-tap sum by 9 (count_include_pad). Taps run
/// in (ky, kx) order.
/// </summary>
internal sealed unsafe class CpuPool3x3 : CpuOp
{
    readonly bool _max;
    readonly int _c, _ho, _wo, _inTotal, _outTotal, _outOffset, _input, _output, _planeSize;
    readonly PaddedPlanes _planes;
    readonly int[] _sources, _taps;
    float* _x, _y;
    int _n, _parts;

    public CpuPool3x3(PoolOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path) : base(op, path)
    {
        if (op.Kind is not (PoolKind.Max3x3S2 or PoolKind.Avg3x3S2)) throw new ArgumentException($"not a 3x3 pool: {op.Kind}");
        _max = op.Kind == PoolKind.Max3x3S2;
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        _c = op.Channels;
        _planes = new PaddedPlanes(src.Height, src.Width, 1, 2);
        _ho = dst.Height;
        _wo = dst.Width;
        if (_ho != (src.Height - 1) / 2 + 1 || _wo != (src.Width - 1) / 2 + 1)
            throw new ArgumentException($"pool output {_ho}x{_wo} does not fit {src.Height}x{src.Width}");
        _inTotal = src.Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _input = op.Input.Tensor;
        _output = op.Output.Tensor;
        _sources = Sources(op.Input.View, _c);
        _planeSize = _planes.PlaneFloats(_planes.Rows);
        _taps = new int[9];
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
                _taps[ky * 3 + kx] = ((ky % 2) * 2 + kx % 2) * _planeSize + ky / 2 * _planes.Pitch + kx / 2;
    }

    public override string Kernel => _max ? "Max3x3S2" : "Avg3x3S2";
    public override long ScratchFloats => _planes.Floats(_planes.Rows) + ((_ho * _planes.Pitch + 64 + 15) & ~15);

    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_input];
        _y = tensors[_output];
        _n = n;
        long work = (long)n * _c * _ho * _wo * 9;
        parallel = threads > 1 && work >= ParallelThreshold;
        _parts = parallel ? Math.Min(n * _c, threads * ChunksPerThread * 2) : 1;
        return _parts;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (p0, p1) = Range(_n * _c, _parts, chunk);
        float* planes = Pool.Scratch(worker);
        float* raw = planes + _planes.Floats(_planes.Rows);
        int pitch = _planes.Pitch, total = _ho * pitch, w = TS.Width, hwIn = _planes.H * _planes.W;
        TV nan = TS.Splat(float.NaN), ninth = TS.Splat(9f);
        for (int p = p0; p < p1; p++)
        {
            int img = p / _c, c = p % _c;
            _planes.Build<TS, TV>(_x + ((long)img * _inTotal + _sources[c]) * hwIn, 0, _planes.Rows, _max ? float.NegativeInfinity : 0f, planes);
            for (int i = 0; i < total; i += w)
            {
                TV acc = TS.Load(planes + _taps[0] + i);
                if (_max)
                {
                    TV isNaN = TS.IsNaN(acc);
                    for (int t = 1; t < 9; t++)
                    {
                        TV v = TS.Load(planes + _taps[t] + i);
                        isNaN = TS.Or(isNaN, TS.IsNaN(v));
                        acc = TS.MaxOrSecond(v, acc);
                    }
                    acc = TS.Select(isNaN, nan, acc);
                }
                else
                {
                    for (int t = 1; t < 9; t++) acc = TS.Add(acc, TS.Load(planes + _taps[t] + i));
                    acc = TS.Div(acc, ninth);
                }
                TS.Store(raw + i, acc);
            }
            float* o = _y + ((long)img * _outTotal + _outOffset + c) * _ho * _wo;
            CpuDepthwiseConv.RowEpilogue<TS, TV>(raw, pitch, o, _ho, _wo, 0f, Kernels.ActivationKind.None);
        }
    }
}
