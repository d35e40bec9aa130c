using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Depthwise k x k convolution (k = 3, 5, 7; stride 1 or 2; zero padding k / 2), vectorised along the output row, by
/// one of two kernels that give the same bits (each output sums its taps in (ky, kx) order from 0 with fused
/// multiply-adds, then adds the bias; a tap in the padding adds w * 0, which leaves a sum that started from +0
/// unchanged):
/// <list type="bullet">
/// <item>In place (<see cref="StridedRows"/>): masks clip the borders (3x3: a whole load masked in a register where the
/// vector lies inside the plane, a masked load only on its first and last rows), stride 2 deinterleaves in registers,
/// four output rows per pass so each input row is loaded once for all of them. No copy, no scratch. Used for the rest (3x3
/// at stride 1 or on maps under 56 wide, any kernel on maps under 14 wide), where the copy costs more than it saves.</item>
/// <item>On padded phase planes (<see cref="PaddedPlanes"/>, in the thread's scratch; the padding is written once per
/// op and thread and only the interior is copied per plane): plain loads, no bounds, eight (or seven) output rows in
/// flight per weight broadcast. Used for 5x5 and 7x7 on maps at least 14 wide and for 3x3 at stride 2 on maps at least
/// 56 wide: there the in-place kernel's masks and four sums leave it latency-bound (DetNAS 300M, one thread, in place:
/// 56x56 7x7 stride 2 1.41 -> 0.86 ms, stride 1 0.46 -> 0.32 ms; OneShot 56x56 3x3 stride 2 0.66 -> 0.47 ms); on maps
/// under 14 wide and for the other 3x3 the copy cost more than it saved (docs/performance.md). Where masked loads
/// are slow (AMD Zen 1: 9x a plain load) also for 3x3 on maps at least 14 wide and for 5x5 and 7x7 on 7x7 maps
/// (<see cref="PaddedPlanesPay"/>: 3x3 0.46-0.78x the in-place time there).</item>
/// </list>
/// Chunks are ranges of channel planes.
/// </summary>
[SkipLocalsInit]
internal sealed unsafe class CpuDepthwiseConv : CpuWeightedOp
{
    readonly int _c, _k, _kk, _stride, _h, _w, _ho, _wo;
    readonly Activation _act;
    readonly NativeBuffer _weights, _bias;
    readonly StridedRows _rows;
    readonly bool _padded;
    readonly PaddedPlanes _planes;
    readonly int _phaseRows;
    readonly NativeBuffer? _taps;
    readonly int[] _sources;
    readonly OpIo _io;
    float* _x, _y;
    int _n, _parts;

    /// <summary>The op for <paramref name="op"/>; <paramref name="paddedPlanes"/> picks the kernel (see the class): null
    /// by kernel and map size, as the engine does; the tests force each.</summary>
    public CpuDepthwiseConv(ConvOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path,
        PackedWeights? packed = null, bool? paddedPlanes = null)
        : base(op, path, packed)
    {
        if (!op.IsDepthwise) throw new ArgumentException($"{op.Name}: not a depthwise convolution");
        if (op.Stride is not (1 or 2)) throw new ArgumentException($"{op.Name}: stride {op.Stride} (1 or 2 supported)");
        if (op.Kernel is not (3 or 5 or 7)) throw new ArgumentException($"{op.Name}: kernel {op.Kernel} (3, 5 or 7 supported)");
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        _c = op.OutChannels;
        _k = op.Kernel;
        _kk = _k * _k;
        _stride = op.Stride;
        _h = src.Height;
        _w = src.Width;
        _ho = dst.Height;
        _wo = dst.Width;
        if (_ho != (_h - 1) / _stride + 1 || _wo != (_w - 1) / _stride + 1)
            throw new ArgumentException($"{op.Name}: output {_ho}x{_wo} does not fit a stride-{_stride} convolution of {_h}x{_w}");
        _io = OpIo.Of(op.Input, op.Output, tensors);
        _act = op.Activation;
        _sources = Sources(op.Input.View, _c);
        _weights = Packed.Get(op.Name + ".weight", () => NativeBuffer.From(weights[op.Name + ".weight"]));
        _bias = Bias(op.Name, weights);
        _rows = new StridedRows(_w, _wo, _k, _stride, CpuFeatures.Width(path));
        _padded = paddedPlanes ?? PaddedPlanesPay(_k, _stride, _wo, MaskedLoadCost.Slow(path));
        _planes = new PaddedPlanes(_h, _w, _k / 2, _stride);
        if (!_padded) return;
        // Output rows go in blocks of RowBlock(ho): the planes hold every row the last block reads.
        int block = RowBlock(_ho);
        _phaseRows = (_ho + block - 1) / block * block + (_k - 1) / _stride;
        _taps = new NativeBuffer(_kk * (long)(sizeof(nint) / sizeof(float)));
        for (int ky = 0; ky < _k; ky++)
            for (int kx = 0; kx < _k; kx++) ((nint*)_taps.Pointer)[ky * _k + kx] = _planes.TapOffset(ky, kx, _phaseRows);
    }

    /// <summary>
    /// Where the padded planes' plain loads outweigh the copy (measured in place, docs/performance.md): 5x5 and 7x7 on
    /// maps of at least 14 columns and 3x3 at stride 2 on maps of at least 56; where masked loads are slow
    /// (<see cref="MaskedLoadCost"/>: the in-place kernel clips every border vector with them, and on a 14-wide map
    /// every vector is a border one) also 3x3 on maps of at least 14 and 5x5 and 7x7 on 7x7 maps.
    /// </summary>
    internal static bool PaddedPlanesPay(int k, int stride, int wo, bool slowMaskedLoads) =>
        k >= 5 ? wo >= (slowMaskedLoads ? 7 : 14) : (stride == 2 && wo >= 56) || (slowMaskedLoads && wo >= 14);

    /// <summary>Output rows per block of the padded-plane kernel: 7 for maps of 7, 14, 28 rows (none computed in vain),
    /// else 8.</summary>
    static int RowBlock(int ho) => ho % 7 == 0 && ho % 8 != 0 ? 7 : 8;

    public override long ScratchFloats => _padded ? _planes.Floats(_phaseRows) : 0;

    public override string Kernel => "DepthwiseConv2d";
    public override long WeightBytes => _weights.Bytes + _bias.Bytes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_io.Input];
        _y = tensors[_io.Output];
        _n = n;
        return _parts = PlaneChunks((long)n * _c, (long)n * _c * _ho * _wo * _kk, threads, out parallel);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (p0, p1) = Range(_n * _c, _parts, chunk);
        for (int p = p0; p < p1; p++)
        {
            int img = p / _c, c = p % _c;
            float* src = _x + ((long)img * _io.InTotal + _sources[c]) * _h * _w;
            float* dst = _y + ((long)img * _io.OutTotal + _io.OutOffset + c) * _ho * _wo;
            float* w = _weights.Pointer + c * _kk;
            float bias = _bias.Pointer[c];
            switch (_act)
            {
                case Activation.None: Plane<TS, TV, ActNone>(src, dst, w, bias, worker); break;
                case Activation.Relu: Plane<TS, TV, ActRelu>(src, dst, w, bias, worker); break;
                case Activation.HardSwish: Plane<TS, TV, ActHardSwish>(src, dst, w, bias, worker); break;
                case Activation.HardSigmoid: Plane<TS, TV, ActHardSigmoid>(src, dst, w, bias, worker); break;
                default: Plane<TS, TV, ActSigmoid>(src, dst, w, bias, worker); break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Plane<TS, TV, TA>(float* src, float* dst, float* w, float bias, int worker) where TS : ISimd<TV> where TV : unmanaged where TA : IAct
    {
        if (_padded)
        {
            float* q = Pool.Scratch(worker, this, out bool kept);
            _planes.Build<TS, TV>(src, 0, _phaseRows, 0f, q, padded: kept);
            if (RowBlock(_ho) == 7) OnPlanes<TS, TV, TA, C7>(q, dst, w, bias);
            else OnPlanes<TS, TV, TA, C8>(q, dst, w, bias);
        }
        else if (_k == 3) Plane3<TS, TV, TA>(src, dst, w, bias);
        else if (_k == 5) PlaneK<TS, TV, TA, C5>(src, dst, w, bias);
        else PlaneK<TS, TV, TA, C7>(src, dst, w, bias);
    }

    /// <summary>
    /// k x k for k = 5 or 7 (TK), four output rows at a time like <see cref="Plane3{TS, TV, TA}"/>: each input row's k
    /// tap vectors (stride 1: k masked loads; stride 2: the even and odd halves of three or four pair runs) are loaded
    /// once into registers and feed every output row that uses the row, in (ky, kx) order; the weights come in as
    /// broadcasts from memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void PlaneK<TS, TV, TA, TK>(float* src, float* dst, float* w, float bias) where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TK : IConst
    {
        int width = TS.Width, k = TK.Value, pad = k / 2, s = _stride, h = _h, iw = _w, wo = _wo, ho = _ho, vectors = _rows.Vectors;
        TV bv = TS.Splat(bias);
        TV lastMask = TS.Mask(wo - (vectors - 1) * width);
        int rowsIn = 3 * s + k;   // input rows under four output rows
        for (int step = 0; step < vectors; step++)
        {
            int j = RowVector(step, vectors, wo, width);
            int x0 = j * width;
            float* m = _rows.Masks(j);
            // Stride 1: tap kx's mask at [kx]; stride 2: pair i's halves at [2 i], [2 i + 1] (7x7: 4 pairs, 5x5: 3).
            TV m0 = TS.Load(m), m1 = TS.Load(m + width), m2 = TS.Load(m + 2 * width), m3 = TS.Load(m + 3 * width);
            TV m4 = TS.Load(m + 4 * width), m5 = TS.Load(m + 5 * width), m6 = TS.Load(m + 6 * width), m7 = TS.Load(m + 7 * width);
            bool last = j == vectors - 1;
            for (int y0 = 0; y0 < ho; y0 += 4)
            {
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                int r0 = y0 * s - pad;
                for (int d = 0; d < rowsIn; d++)
                {
                    int r = r0 + d;
                    if ((uint)r >= (uint)h) continue;
                    float* row = src + r * iw;
                    TV t0, t1, t2, t3, t4, t5, t6;
                    if (s == 1)
                    {
                        float* p = row + x0 - pad;
                        t0 = TS.LoadMasked(p, m0);
                        t1 = TS.LoadMasked(p + 1, m1);
                        t2 = TS.LoadMasked(p + 2, m2);
                        t3 = TS.LoadMasked(p + 3, m3);
                        t4 = TS.LoadMasked(p + 4, m4);
                        t5 = k > 5 ? TS.LoadMasked(p + 5, m5) : TS.Zero;
                        t6 = k > 5 ? TS.LoadMasked(p + 6, m6) : TS.Zero;
                    }
                    else if (k == 7)
                    {
                        // Offsets -3..3: odd at shift -2, even and odd at -1, 0, and 1.
                        float* p = row + 2 * (x0 - 2);
                        TS.Deinterleave(TS.LoadMasked(p, m0), TS.LoadMasked(p + width, m1), out _, out t0);
                        TS.Deinterleave(TS.LoadMasked(p + 2, m2), TS.LoadMasked(p + 2 + width, m3), out t1, out t2);
                        TS.Deinterleave(TS.LoadMasked(p + 4, m4), TS.LoadMasked(p + 4 + width, m5), out t3, out t4);
                        TS.Deinterleave(TS.LoadMasked(p + 6, m6), TS.LoadMasked(p + 6 + width, m7), out t5, out t6);
                    }
                    else
                    {
                        // Offsets -2..2: even and odd at shift -1, 0, and even at 1.
                        float* p = row + 2 * (x0 - 1);
                        TS.Deinterleave(TS.LoadMasked(p, m0), TS.LoadMasked(p + width, m1), out t0, out t1);
                        TS.Deinterleave(TS.LoadMasked(p + 2, m2), TS.LoadMasked(p + 2 + width, m3), out t2, out t3);
                        TS.Deinterleave(TS.LoadMasked(p + 4, m4), TS.LoadMasked(p + 4 + width, m5), out t4, out _);
                        t5 = t6 = TS.Zero;
                    }
                    // Output t of the block uses this row as its ky = d - s t.
                    int ky = d;
                    if ((uint)ky < (uint)k) a0 = KRow<TS, TV, TK>(a0, w + ky * k, t0, t1, t2, t3, t4, t5, t6);
                    ky -= s;
                    if ((uint)ky < (uint)k) a1 = KRow<TS, TV, TK>(a1, w + ky * k, t0, t1, t2, t3, t4, t5, t6);
                    ky -= s;
                    if ((uint)ky < (uint)k) a2 = KRow<TS, TV, TK>(a2, w + ky * k, t0, t1, t2, t3, t4, t5, t6);
                    ky -= s;
                    if ((uint)ky < (uint)k) a3 = KRow<TS, TV, TK>(a3, w + ky * k, t0, t1, t2, t3, t4, t5, t6);
                }
                float* o = dst + y0 * wo + x0;
                Put<TS, TV, TA>(o, a0, bv, last && MaskLastStore(y0, ho, wo, vectors, width), lastMask);
                if (y0 + 1 < ho) Put<TS, TV, TA>(o + wo, a1, bv, last && MaskLastStore(y0 + 1, ho, wo, vectors, width), lastMask);
                if (y0 + 2 < ho) Put<TS, TV, TA>(o + 2 * wo, a2, bv, last && MaskLastStore(y0 + 2, ho, wo, vectors, width), lastMask);
                if (y0 + 3 < ho) Put<TS, TV, TA>(o + 3 * wo, a3, bv, last && MaskLastStore(y0 + 3, ho, wo, vectors, width), lastMask);
            }
        }
    }

    /// <summary>
    /// Any k and stride on the padded phase planes at <paramref name="q"/>: a block of TR output rows x one vector at a
    /// time, TR sums in flight; for each tap (ky, kx) in order one weight broadcast feeds TR fused multiply-adds, each
    /// reading its row's tap vector with a plain load (padding reads as 0: no masks, no bounds). Rows past the map
    /// (in the last block) and lanes past the row are computed and not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void OnPlanes<TS, TV, TA, TR>(float* q, float* dst, float* w, float bias) where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TR : IConst
    {
        int width = TS.Width, wo = _wo, ho = _ho, vectors = (wo + width - 1) / width;
        // Row r of a block is r pitches on: addressed as b0 or b1 = b0 + pitch, plus 0, 2 or 4 pitches (x86 scales the
        // pitch register by 2 or 4 in the load itself), so the loop holds one pitch register, not eight row pointers.
        nint pitch = (nint)_planes.Pitch * sizeof(float);
        nint* offsets = (nint*)_taps!.Pointer, end = offsets + _kk;
        TV bv = TS.Splat(bias);
        TV lastMask = TS.Mask(wo - (vectors - 1) * width);
        for (int y0 = 0; y0 < ho; y0 += TR.Value)
        {
            int rows = Math.Min(TR.Value, ho - y0);
            for (int step = 0; step < vectors; step++)
            {
                int j = RowVector(step, vectors, wo, width);
                float* at = q + y0 * _planes.Pitch + j * width;
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, a4 = TS.Zero, a5 = TS.Zero, a6 = TS.Zero, a7 = TS.Zero;
                float* wt = w;
                for (nint* tap = offsets; tap < end; tap++, wt++)
                {
                    TV weight = TS.Splat(*wt);
                    byte* b0 = (byte*)(at + *tap), b1 = b0 + pitch, b2 = b0 + 2 * pitch, b3 = b1 + 2 * pitch;
                    a0 = TS.Fma(weight, TS.Load((float*)b0), a0);
                    a1 = TS.Fma(weight, TS.Load((float*)b1), a1);
                    a2 = TS.Fma(weight, TS.Load((float*)b2), a2);
                    a3 = TS.Fma(weight, TS.Load((float*)b3), a3);
                    a4 = TS.Fma(weight, TS.Load((float*)(b0 + 4 * pitch)), a4);
                    a5 = TS.Fma(weight, TS.Load((float*)(b1 + 4 * pitch)), a5);
                    a6 = TS.Fma(weight, TS.Load((float*)(b2 + 4 * pitch)), a6);
                    if (TR.Value > 7) a7 = TS.Fma(weight, TS.Load((float*)(b3 + 4 * pitch)), a7);
                }
                bool last = j == vectors - 1;
                float* o = dst + y0 * wo + j * width;
                Put<TS, TV, TA>(o, a0, bv, last && MaskLastStore(y0, ho, wo, vectors, width), lastMask);
                if (rows > 1) Put<TS, TV, TA>(o + wo, a1, bv, last && MaskLastStore(y0 + 1, ho, wo, vectors, width), lastMask);
                if (rows > 2) Put<TS, TV, TA>(o + 2 * wo, a2, bv, last && MaskLastStore(y0 + 2, ho, wo, vectors, width), lastMask);
                if (rows > 3) Put<TS, TV, TA>(o + 3 * wo, a3, bv, last && MaskLastStore(y0 + 3, ho, wo, vectors, width), lastMask);
                if (rows > 4) Put<TS, TV, TA>(o + 4 * wo, a4, bv, last && MaskLastStore(y0 + 4, ho, wo, vectors, width), lastMask);
                if (rows > 5) Put<TS, TV, TA>(o + 5 * wo, a5, bv, last && MaskLastStore(y0 + 5, ho, wo, vectors, width), lastMask);
                if (rows > 6) Put<TS, TV, TA>(o + 6 * wo, a6, bv, last && MaskLastStore(y0 + 6, ho, wo, vectors, width), lastMask);
                if (TR.Value > 7 && rows > 7) Put<TS, TV, TA>(o + 7 * wo, a7, bv, last && MaskLastStore(y0 + 7, ho, wo, vectors, width), lastMask);
            }
        }
    }

    /// <summary>One kernel row: <c>acc += w[kx] * t_kx</c> for kx = 0..k-1, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV KRow<TS, TV, TK>(TV acc, float* w, TV t0, TV t1, TV t2, TV t3, TV t4, TV t5, TV t6) where TS : ISimd<TV> where TV : unmanaged where TK : IConst
    {
        acc = TS.Fma(TS.Splat(w[0]), t0, acc);
        acc = TS.Fma(TS.Splat(w[1]), t1, acc);
        acc = TS.Fma(TS.Splat(w[2]), t2, acc);
        acc = TS.Fma(TS.Splat(w[3]), t3, acc);
        acc = TS.Fma(TS.Splat(w[4]), t4, acc);
        if (TK.Value > 5)
        {
            acc = TS.Fma(TS.Splat(w[5]), t5, acc);
            acc = TS.Fma(TS.Splat(w[6]), t6, acc);
        }
        return acc;
    }

    /// <summary>
    /// 3x3, four output rows at a time: each input row's three tap vectors are loaded once and feed every output row
    /// that uses it (up to three at stride 1, two at stride 2), so four independent sums are in flight. Input rows are
    /// visited in order (unrolled: 6 at stride 1, 9 at stride 2), so each output still sums ky = 0, 1, 2 and
    /// kx = 0, 1, 2 in order; rows outside the map are skipped (they would add zeros).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Plane3<TS, TV, TA>(float* src, float* dst, float* w, float bias) where TS : ISimd<TV> where TV : unmanaged where TA : IAct
    {
        int width = TS.Width, h = _h, iw = _w, wo = _wo, ho = _ho, vectors = _rows.Vectors;
        TV bv = TS.Splat(bias);
        TV lastMask = TS.Mask(wo - (vectors - 1) * width);
        TV w0 = TS.Splat(w[0]), w1 = TS.Splat(w[1]), w2 = TS.Splat(w[2]), w3 = TS.Splat(w[3]), w4 = TS.Splat(w[4]);
        TV w5 = TS.Splat(w[5]), w6 = TS.Splat(w[6]), w7 = TS.Splat(w[7]), w8 = TS.Splat(w[8]);
        for (int step = 0; step < vectors; step++)
        {
            int j = RowVector(step, vectors, wo, width);
            int x0 = j * width;
            float* masks = _rows.Masks(j);
            // Stride 1: the three taps' masks; stride 2: the two pairs' halves (shift -1, then 0). Kept in registers.
            TV m0 = TS.Load(masks), m1 = TS.Load(masks + width), m2 = TS.Load(masks + 2 * width), m3 = TS.Load(masks + 3 * width);
            bool last = j == vectors - 1;
            // Rows whose tap vectors lie inside the plane load them whole and mask in a register (the same zeros):
            // a masked load costs about nine plain ones on AMD Zen 1. Rows [lo, hi) are those.
            int reach = _stride == 1 ? x0 + 1 + width : 2 * x0 + 2 * width, back = _stride == 1 ? x0 - 1 : 2 * x0 - 2;
            int lo = back >= 0 ? 0 : (-back + iw - 1) / iw, hi = h * iw >= reach ? Math.Min(h, (h * iw - reach) / iw + 1) : 0;
            for (int y0 = 0; y0 < ho; y0 += 4)
            {
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, t0, t1, t2;
                if (_stride == 1)
                {
                    int r0 = y0 - 1;
                    if ((uint)(r0 + 0) < (uint)h)
                    {
                        Taps1<TS, TV>(src + (r0 + 0) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 0, lo, hi), out t0, out t1, out t2);
                        a0 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a0)));
                    }
                    if ((uint)(r0 + 1) < (uint)h)
                    {
                        Taps1<TS, TV>(src + (r0 + 1) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 1, lo, hi), out t0, out t1, out t2);
                        a0 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a0)));
                        a1 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a1)));
                    }
                    if ((uint)(r0 + 2) < (uint)h)
                    {
                        Taps1<TS, TV>(src + (r0 + 2) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 2, lo, hi), out t0, out t1, out t2);
                        a0 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a0)));
                        a1 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a1)));
                        a2 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a2)));
                    }
                    if ((uint)(r0 + 3) < (uint)h)
                    {
                        Taps1<TS, TV>(src + (r0 + 3) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 3, lo, hi), out t0, out t1, out t2);
                        a1 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a1)));
                        a2 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a2)));
                        a3 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a3)));
                    }
                    if ((uint)(r0 + 4) < (uint)h)
                    {
                        Taps1<TS, TV>(src + (r0 + 4) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 4, lo, hi), out t0, out t1, out t2);
                        a2 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a2)));
                        a3 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a3)));
                    }
                    if ((uint)(r0 + 5) < (uint)h)
                    {
                        Taps1<TS, TV>(src + (r0 + 5) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 5, lo, hi), out t0, out t1, out t2);
                        a3 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a3)));
                    }
                }
                else
                {
                    int r0 = 2 * y0 - 1;
                    if ((uint)(r0 + 0) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 0) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 0, lo, hi), out t0, out t1, out t2);
                        a0 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a0)));
                    }
                    if ((uint)(r0 + 1) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 1) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 1, lo, hi), out t0, out t1, out t2);
                        a0 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a0)));
                    }
                    if ((uint)(r0 + 2) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 2) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 2, lo, hi), out t0, out t1, out t2);
                        a0 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a0)));
                        a1 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a1)));
                    }
                    if ((uint)(r0 + 3) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 3) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 3, lo, hi), out t0, out t1, out t2);
                        a1 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a1)));
                    }
                    if ((uint)(r0 + 4) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 4) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 4, lo, hi), out t0, out t1, out t2);
                        a1 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a1)));
                        a2 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a2)));
                    }
                    if ((uint)(r0 + 5) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 5) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 5, lo, hi), out t0, out t1, out t2);
                        a2 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a2)));
                    }
                    if ((uint)(r0 + 6) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 6) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 6, lo, hi), out t0, out t1, out t2);
                        a2 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a2)));
                        a3 = TS.Fma(w2, t2, TS.Fma(w1, t1, TS.Fma(w0, t0, a3)));
                    }
                    if ((uint)(r0 + 7) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 7) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 7, lo, hi), out t0, out t1, out t2);
                        a3 = TS.Fma(w5, t2, TS.Fma(w4, t1, TS.Fma(w3, t0, a3)));
                    }
                    if ((uint)(r0 + 8) < (uint)h)
                    {
                        Taps2<TS, TV>(src + (r0 + 8) * iw, x0, m0, m1, m2, m3, InPlane(r0 + 8, lo, hi), out t0, out t1, out t2);
                        a3 = TS.Fma(w8, t2, TS.Fma(w7, t1, TS.Fma(w6, t0, a3)));
                    }
                }
                float* o = dst + y0 * wo + x0;
                Put<TS, TV, TA>(o, a0, bv, last && MaskLastStore(y0, ho, wo, vectors, width), lastMask);
                if (y0 + 1 < ho) Put<TS, TV, TA>(o + wo, a1, bv, last && MaskLastStore(y0 + 1, ho, wo, vectors, width), lastMask);
                if (y0 + 2 < ho) Put<TS, TV, TA>(o + 2 * wo, a2, bv, last && MaskLastStore(y0 + 2, ho, wo, vectors, width), lastMask);
                if (y0 + 3 < ho) Put<TS, TV, TA>(o + 3 * wo, a3, bv, last && MaskLastStore(y0 + 3, ho, wo, vectors, width), lastMask);
            }
        }
    }

    /// <summary>Stride 1: the row's columns x - 1, x, x + 1 for the vector at <paramref name="x0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Taps1<TS, TV>(float* row, int x0, TV m0, TV m1, TV m2, TV m3, bool inPlane, out TV t0, out TV t1, out TV t2) where TS : ISimd<TV> where TV : unmanaged
    {
        float* p = row + x0;
        if (inPlane)
        {
            t0 = TS.Select(m0, TS.Load(p - 1), TS.Zero);
            t1 = TS.Select(m1, TS.Load(p), TS.Zero);
            t2 = TS.Select(m2, TS.Load(p + 1), TS.Zero);
            return;
        }
        t0 = TS.LoadMasked(p - 1, m0);
        t1 = TS.LoadMasked(p, m1);
        t2 = TS.LoadMasked(p + 1, m2);
    }

    /// <summary>Stride 2: columns 2x - 1 (odd element at shift -1), 2x and 2x + 1 (even and odd at shift 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Taps2<TS, TV>(float* row, int x0, TV m0, TV m1, TV m2, TV m3, bool inPlane, out TV t0, out TV t1, out TV t2) where TS : ISimd<TV> where TV : unmanaged
    {
        float* p = row + 2 * x0;
        if (inPlane)
        {
            TS.Deinterleave(TS.Select(m0, TS.Load(p - 2), TS.Zero), TS.Select(m1, TS.Load(p - 2 + TS.Width), TS.Zero), out _, out t0);
            TS.Deinterleave(TS.Select(m2, TS.Load(p), TS.Zero), TS.Select(m3, TS.Load(p + TS.Width), TS.Zero), out t1, out t2);
            return;
        }
        TS.Deinterleave(TS.LoadMasked(p - 2, m0), TS.LoadMasked(p - 2 + TS.Width, m1), out _, out t0);
        TS.Deinterleave(TS.LoadMasked(p, m2), TS.LoadMasked(p + TS.Width, m3), out t1, out t2);
    }

    /// <summary>Whether row <paramref name="r"/> is in [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool InPlane(int r, int lo, int hi) => r >= lo && r < hi;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put<TS, TV, TA>(float* o, TV acc, TV bias, bool last, TV lastMask) where TS : ISimd<TV> where TV : unmanaged where TA : IAct
    {
        TV v = TA.Apply<TS, TV>(TS.Add(acc, bias));
        if (last) TS.StoreMasked(o, v, lastMask);
        else TS.Store(o, v);
    }

    public override void Dispose()
    {
        base.Dispose();
        _rows.Dispose();
        _taps?.Dispose();
    }
}
