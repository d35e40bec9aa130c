using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// 3x3 stride-2 pooling with padding 1, read in place like the depthwise convolution (<see cref="StridedRows"/>):
/// max pooling ignores the padding (out-of-range taps are replaced by -infinity, so padding never wins; a NaN in the
/// window gives NaN, as in the kernels), average pooling counts it as zeros and divides the 9-tap sum by 9
/// (count_include_pad). Taps run in (ky, kx) order.
/// </summary>
internal sealed unsafe class CpuPool3x3 : CpuOp
{
    readonly bool _max;
    readonly int _c, _h, _w, _ho, _wo;
    readonly StridedRows _rows;
    readonly int[] _sources;
    readonly OpIo _io;
    float* _x, _y;
    int _n, _parts;

    public CpuPool3x3(PoolOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path) : base(op, path)
    {
        if (op.Kind is not (PoolKind.Max3x3S2 or PoolKind.Avg3x3S2)) throw new ArgumentException($"not a 3x3 pool: {op.Kind}");
        _max = op.Kind == PoolKind.Max3x3S2;
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        _c = op.Channels;
        _h = src.Height;
        _w = src.Width;
        _ho = dst.Height;
        _wo = dst.Width;
        if (_ho != (_h - 1) / 2 + 1 || _wo != (_w - 1) / 2 + 1)
            throw new ArgumentException($"pool output {_ho}x{_wo} does not fit {_h}x{_w}");
        _io = OpIo.Of(op.Input, op.Output, tensors);
        _sources = Sources(op.Input.View, _c);
        _rows = new StridedRows(_w, _wo, 3, 2, CpuFeatures.Width(path));
    }

    public override string Kernel => _max ? "Max3x3S2" : "Avg3x3S2";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_io.Input];
        _y = tensors[_io.Output];
        _n = n;
        return _parts = PlaneChunks((long)n * _c, (long)n * _c * _ho * _wo * 9, threads, out parallel);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (p0, p1) = Range(_n * _c, _parts, chunk);
        int width = TS.Width;
        TV lastMask = TS.Mask(_wo - (_rows.Vectors - 1) * width);
        TV minusInf = TS.Splat(float.NegativeInfinity), nan = TS.Splat(float.NaN), nine = TS.Splat(9f);
        for (int p = p0; p < p1; p++)
        {
            int img = p / _c, c = p % _c;
            float* src = _x + ((long)img * _io.InTotal + _sources[c]) * _h * _w;
            float* dst = _y + ((long)img * _io.OutTotal + _io.OutOffset + c) * _ho * _wo;
            for (int y = 0; y < _ho; y++)
            {
                int iy0 = 2 * y - 1;
                int kyStart = Math.Max(0, -iy0), kyEnd = Math.Min(3, _h - iy0);
                for (int j = 0; j < _rows.Vectors; j++)
                {
                    int x0 = j * width;
                    float* masks = _rows.Masks(j);
                    TV acc = _max ? minusInf : TS.Zero, isNaN = TS.Zero;
                    for (int ky = kyStart; ky < kyEnd; ky++)
                    {
                        float* row = src + (iy0 + ky) * _w;
                        if (_max)
                        {
                            // Columns outside the row read as -infinity: they never win.
                            StridedRows.Pair<TS, TV>(row, x0, -1, 0, masks, minusInf, out _, out TV left);
                            StridedRows.Pair<TS, TV>(row, x0, 0, 1, masks, minusInf, out TV centre, out TV right);
                            isNaN = TS.Or(isNaN, TS.Or(TS.IsNaN(left), TS.Or(TS.IsNaN(centre), TS.IsNaN(right))));
                            acc = TS.MaxOrSecond(left, acc);
                            acc = TS.MaxOrSecond(centre, acc);
                            acc = TS.MaxOrSecond(right, acc);
                        }
                        else
                        {
                            StridedRows.Pair<TS, TV>(row, x0, -1, 0, masks, out _, out TV left);
                            StridedRows.Pair<TS, TV>(row, x0, 0, 1, masks, out TV centre, out TV right);
                            acc = TS.Add(TS.Add(TS.Add(acc, left), centre), right);
                        }
                    }
                    TV v = _max ? TS.Select(isNaN, nan, acc) : TS.Div(acc, nine);
                    if (j == _rows.Vectors - 1) TS.StoreMasked(dst + y * _wo + x0, v, lastMask);
                    else TS.Store(dst + y * _wo + x0, v);
                }
            }
        }
    }

    public override void Dispose() => _rows.Dispose();
}
