using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// 3x3 stride-2 pooling with padding 1, read in place like the depthwise convolution (<see cref="StridedRows"/>):
/// max pooling ignores the padding (out-of-range taps are replaced by -infinity, so padding never wins; a NaN in the
/// window gives NaN, as in the kernels), average pooling counts it as zeros and divides the 9-tap sum by 9
/// (count_include_pad). Average taps run in (ky, kx) order. Max pooling is separable (<see cref="MaxPlane{TS, TV}"/>):
/// each input row's three-tap maxima are computed once and shared by the two output rows that read the row.
/// Where masked loads are slow (<see cref="MaskedLoadCost"/>: the in-place form clips every border vector with them,
/// and the average's every load) the plane is first copied into padded phase planes and read with plain loads
/// (<see cref="OnPlanes{TS, TV, TMax}"/>; same bits; on AMD EPYC Zen 1, V1 g3's average pools 0.35-0.54x and the
/// 56x56 max pool 0.54-0.89x the in-place time, docs/performance.md).
/// </summary>
internal sealed unsafe class CpuPool3x3 : CpuOp
{
    readonly bool _max;
    readonly int _c, _h, _w, _ho, _wo;
    readonly StridedRows _rows;
    readonly int[] _sources;
    readonly OpIo _io;
    readonly PaddedPlanes _planes;
    readonly bool _padded;
    readonly int _phaseRows;
    readonly nint[] _taps = [];
    float* _x, _y;
    int _n, _parts;

    /// <summary>The op for <paramref name="op"/>; <paramref name="paddedPlanes"/> picks the kernel (see the class): null
    /// by the cost of masked loads, as the engine does; the tests force each.</summary>
    public CpuPool3x3(PoolOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path, bool? paddedPlanes = null) : base(op, path)
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
        _padded = paddedPlanes ?? MaskedLoadCost.Slow(path);
        _planes = new PaddedPlanes(_h, _w, 1, 2);
        if (!_padded) return;
        // Output rows go in blocks of four: the planes hold every row the last block reads.
        _phaseRows = (_ho + 3) / 4 * 4 + 1;
        _taps = new nint[9];
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) _taps[ky * 3 + kx] = _planes.TapOffset(ky, kx, _phaseRows);
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
            if (_padded)
            {
                float* q = Pool.Scratch(worker, this, out bool kept);
                _planes.Build<TS, TV>(src, 0, _phaseRows, _max ? float.NegativeInfinity : 0f, q, padded: kept);
                if (_max) OnPlanes<TS, TV, C1>(q, dst);
                else OnPlanes<TS, TV, C0>(q, dst);
                continue;
            }
            if (_max)
            {
                MaxPlane<TS, TV>(src, dst, Pool.Scratch(worker), lastMask);
                continue;
            }
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

    /// <summary>A row of horizontal maxima (<see cref="MaxPlane{TS, TV}"/>), whole vectors of the widest path.</summary>
    public override long ScratchFloats => _padded ? _planes.Floats(_phaseRows) : (long)_rows.Vectors * 16;

    /// <summary>
    /// One plane from its padded phase planes at <paramref name="q"/> (padding 0 for average, -infinity for max: it never
    /// wins), four output rows at a time with plain loads: tap (ky, kx) of output (y, x) is phase (ky % 2, kx % 2), row
    /// y + ky / 2, column x + kx / 2. Taps in (ky, kx) order, as in the in-place form (same bits: an average's +0
    /// padding leaves a sum that started from +0 unchanged; a max's -infinity never wins or ties a later tap).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void OnPlanes<TS, TV, TMax>(float* q, float* dst) where TS : ISimd<TV> where TV : unmanaged where TMax : IConst
    {
        bool max = TMax.Value != 0;
        int width = TS.Width, wo = _wo, ho = _ho, vectors = (wo + width - 1) / width;
        nint pitch = _planes.Pitch;
        TV lastMask = TS.Mask(wo - (vectors - 1) * width);
        TV start = max ? TS.Splat(float.NegativeInfinity) : TS.Zero, nan = TS.Splat(float.NaN), nine = TS.Splat(9f);
        fixed (nint* taps = _taps)
        {
            for (int y0 = 0; y0 < ho; y0 += 4)
            {
                int rows = Math.Min(4, ho - y0);
                for (int step = 0; step < vectors; step++)
                {
                    int j = RowVector(step, vectors, wo, width);
                    float* at = q + y0 * pitch + j * width;
                    TV a0 = start, a1 = start, a2 = start, a3 = start;
                    TV n0 = TS.Zero, n1 = TS.Zero, n2 = TS.Zero, n3 = TS.Zero;
                    for (int t = 0; t < 9; t++)
                    {
                        float* p = at + taps[t];
                        TV t0 = TS.Load(p), t1 = TS.Load(p + pitch), t2 = TS.Load(p + 2 * pitch), t3 = TS.Load(p + 3 * pitch);
                        if (max)
                        {
                            n0 = TS.Or(n0, TS.IsNaN(t0)); n1 = TS.Or(n1, TS.IsNaN(t1)); n2 = TS.Or(n2, TS.IsNaN(t2)); n3 = TS.Or(n3, TS.IsNaN(t3));
                            a0 = TS.MaxOrSecond(t0, a0); a1 = TS.MaxOrSecond(t1, a1); a2 = TS.MaxOrSecond(t2, a2); a3 = TS.MaxOrSecond(t3, a3);
                        }
                        else
                        {
                            a0 = TS.Add(a0, t0); a1 = TS.Add(a1, t1); a2 = TS.Add(a2, t2); a3 = TS.Add(a3, t3);
                        }
                    }
                    bool last = j == vectors - 1;
                    float* o = dst + y0 * wo + j * width;
                    PoolPut<TS, TV, TMax>(o, a0, n0, nan, nine, last && MaskLastStore(y0, ho, wo, vectors, width), lastMask);
                    if (rows > 1) PoolPut<TS, TV, TMax>(o + wo, a1, n1, nan, nine, last && MaskLastStore(y0 + 1, ho, wo, vectors, width), lastMask);
                    if (rows > 2) PoolPut<TS, TV, TMax>(o + 2 * wo, a2, n2, nan, nine, last && MaskLastStore(y0 + 2, ho, wo, vectors, width), lastMask);
                    if (rows > 3) PoolPut<TS, TV, TMax>(o + 3 * wo, a3, n3, nan, nine, last && MaskLastStore(y0 + 3, ho, wo, vectors, width), lastMask);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PoolPut<TS, TV, TMax>(float* o, TV acc, TV isNaN, TV nan, TV nine, bool last, TV lastMask) where TS : ISimd<TV> where TV : unmanaged where TMax : IConst
    {
        TV v = TMax.Value != 0 ? TS.Select(isNaN, nan, acc) : TS.Div(acc, nine);
        if (last) TS.StoreMasked(o, v, lastMask);
        else TS.Store(o, v);
    }

    /// <summary>
    /// Max pooling of one plane, separably: <c>h[r][x]</c> is the maximum of input row r's columns 2x - 1, 2x, 2x + 1
    /// (NaN when one is NaN), each row once; output row y is the maximum of <c>h[2y - 1]</c>, <c>h[2y]</c>,
    /// <c>h[2y + 1]</c> (rows inside the map; NaN when one is NaN). Every maximum keeps the earlier operand on a tie,
    /// rows and taps in order, so the result is the row-major first maximum of the window, as in the one-pass form
    /// this replaced (same logits, bit for bit, on full networks; 2-4x faster on the 112x112 stem map). Interior
    /// vectors read with plain loads, border ones masked (-infinity outside the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void MaxPlane<TS, TV>(float* src, float* dst, float* scratch, TV lastMask) where TS : ISimd<TV> where TV : unmanaged
    {
        int width = TS.Width, vectors = _rows.Vectors, w = _w, h = _h, ho = _ho, wo = _wo;
        float* odd = scratch;   // h[2y + 1]: the next output row's h[2y - 1]
        TV minusInf = TS.Splat(float.NegativeInfinity), nan = TS.Splat(float.NaN);
        for (int y = 0; y < ho; y++)
        {
            // h[2y - 1] is the previous output row's h[2y + 1], still in odd (none for y = 0: the padding row).
            bool above = y > 0, below = 2 * y + 1 < h;
            for (int j = 0; j < vectors; j++)
            {
                int x0 = j * width;
                TV mid = RowMax<TS, TV>(src + 2 * y * w, x0, j, minusInf, nan);
                TV acc = mid;
                if (above)
                {
                    // First-wins order: h[2y - 1] before h[2y].
                    TV up = TS.Load(odd + x0);
                    acc = TS.Select(TS.Or(TS.IsNaN(up), TS.IsNaN(mid)), nan, TS.MaxOrSecond(mid, up));
                }
                if (below)
                {
                    TV down = RowMax<TS, TV>(src + (2 * y + 1) * w, x0, j, minusInf, nan);
                    TS.Store(odd + x0, down);
                    acc = TS.Select(TS.Or(TS.IsNaN(acc), TS.IsNaN(down)), nan, TS.MaxOrSecond(down, acc));
                }
                if (j == vectors - 1) TS.StoreMasked(dst + y * wo + x0, acc, lastMask);
                else TS.Store(dst + y * wo + x0, acc);
            }
        }
    }

    /// <summary>Maxima of columns 2x - 1, 2x, 2x + 1 of <paramref name="row"/> for the output vector at
    /// <paramref name="x0"/> (vector <paramref name="j"/>), first wins on a tie, NaN where a tap is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    TV RowMax<TS, TV>(float* row, int x0, int j, TV minusInf, TV nan) where TS : ISimd<TV> where TV : unmanaged
    {
        TV left, centre, right;
        if (2 * x0 - 2 >= 0 && 2 * x0 + 2 * TS.Width <= _w)
        {
            TS.Deinterleave(TS.Load(row + 2 * x0 - 2), TS.Load(row + 2 * x0 - 2 + TS.Width), out _, out left);
            TS.Deinterleave(TS.Load(row + 2 * x0), TS.Load(row + 2 * x0 + TS.Width), out centre, out right);
        }
        else
        {
            float* masks = _rows.Masks(j);
            StridedRows.Pair<TS, TV>(row, x0, -1, 0, masks, minusInf, out _, out left);
            StridedRows.Pair<TS, TV>(row, x0, 0, 1, masks, minusInf, out centre, out right);
        }
        TV max = TS.MaxOrSecond(right, TS.MaxOrSecond(centre, TS.MaxOrSecond(left, minusInf)));
        return TS.Select(TS.Or(TS.IsNaN(left), TS.Or(TS.IsNaN(centre), TS.IsNaN(right))), nan, max);
    }

    public override void Dispose() => _rows.Dispose();
}
