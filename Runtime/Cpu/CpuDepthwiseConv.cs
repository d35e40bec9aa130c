using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Depthwise k x k convolution (k = 3, 5, 7; stride 1 or 2; zero padding k / 2), one channel plane at a time: the
/// plane is padded (and for stride 2 split into its four even/odd phases, see <see cref="PaddedPlanes"/>) in scratch,
/// then every output of the plane is a sum of k x k contiguous vector loads times broadcast weights, computed over
/// the flattened plane four vectors at a time (so small 7x7 maps still fill the vectors), and finally each output row
/// gets its bias and activation on its way into the output slice. Taps are summed in (ky, kx) order from 0 with
/// fused multiply-adds, bias last.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit]
internal sealed unsafe class CpuDepthwiseConv : CpuOp
{
    readonly int _c, _kk, _ho, _wo, _inTotal, _outTotal, _outOffset, _input, _output, _planeSize;
    readonly PaddedPlanes _planes;
    readonly ActivationKind _act;
    readonly NativeBuffer _weights, _bias;
    readonly int[] _sources, _taps;
    float* _x, _y;
    int _n, _parts;

    public CpuDepthwiseConv(ConvOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path)
        : base(op, path)
    {
        if (!op.IsDepthwise) throw new ArgumentException($"{op.Name}: not a depthwise convolution");
        if (op.Stride is not (1 or 2)) throw new ArgumentException($"{op.Name}: stride {op.Stride} (1 or 2 supported)");
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        _c = op.OutChannels;
        int k = op.Kernel;
        _kk = k * k;
        _planes = new PaddedPlanes(src.Height, src.Width, k / 2, op.Stride);
        _ho = dst.Height;
        _wo = dst.Width;
        if (_ho != (src.Height - 1) / op.Stride + 1 || _wo != (src.Width - 1) / op.Stride + 1)
            throw new ArgumentException($"{op.Name}: output {_ho}x{_wo} does not fit a stride-{op.Stride} convolution of {src.Height}x{src.Width}");
        _inTotal = src.Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _input = op.Input.Tensor;
        _output = op.Output.Tensor;
        _act = Kind(op.Activation);
        _sources = Sources(op.Input.View, _c);
        _weights = NativeBuffer.From(weights[op.Name + ".weight"]);
        _bias = NativeBuffer.From(weights[op.Name + ".bias"]);
        _planeSize = _planes.PlaneFloats(_planes.Rows);
        int s = op.Stride;
        _taps = new int[_kk];
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
                _taps[ky * k + kx] = ((ky % s) * s + kx % s) * _planeSize + ky / s * _planes.Pitch + kx / s;
    }

    public override string Kernel => "DepthwiseConv2d";
    public override long WeightBytes => _weights.Bytes + _bias.Bytes;

    /// <summary>The phase planes, then the raw sums over the flattened output (pitch = the planes' pitch).</summary>
    public override long ScratchFloats => _planes.Floats(_planes.Rows) + RawFloats;

    int RawFloats => (_ho * _planes.Pitch + 64 + 15) & ~15;   // two vectors of slack past the last output

    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_input];
        _y = tensors[_output];
        _n = n;
        long work = (long)n * _c * _ho * _wo * _kk;
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
        int pitch = _planes.Pitch, total = _ho * pitch, hwIn = _planes.H * _planes.W;
        float** taps = stackalloc float*[_kk];
        for (int t = 0; t < _kk; t++) taps[t] = planes + _taps[t];
        for (int p = p0; p < p1; p++)
        {
            int img = p / _c, c = p % _c;
            _planes.Build<TS, TV>(_x + ((long)img * _inTotal + _sources[c]) * hwIn, 0, _planes.Rows, 0f, planes);
            if (_kk == 9) Taps9<TS, TV>(taps, _weights.Pointer + c * 9, raw, total);
            else TapsAny<TS, TV>(taps, _kk, _weights.Pointer + c * _kk, raw, total);
            float* o = _y + ((long)img * _outTotal + _outOffset + c) * _ho * _wo;
            RowEpilogue<TS, TV>(raw, pitch, o, _ho, _wo, _bias.Pointer[c], _act);
        }
    }

    /// <summary>raw[i] = sum_t w[t] * taps[t][i] for i in [0, total) rounded up to vectors (the buffers have slack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TapsAny<TS, TV>(float** taps, int kk, float* w, float* raw, int total) where TS : ISimd<TV> where TV : unmanaged
    {
        int v = TS.Width, i = 0;
        for (; i + 4 * v <= total; i += 4 * v)
        {
            TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
            for (int t = 0; t < kk; t++)
            {
                TV wt = TS.Splat(w[t]);
                float* q = taps[t] + i;
                a0 = TS.Fma(wt, TS.Load(q), a0);
                a1 = TS.Fma(wt, TS.Load(q + v), a1);
                a2 = TS.Fma(wt, TS.Load(q + 2 * v), a2);
                a3 = TS.Fma(wt, TS.Load(q + 3 * v), a3);
            }
            TS.Store(raw + i, a0);
            TS.Store(raw + i + v, a1);
            TS.Store(raw + i + 2 * v, a2);
            TS.Store(raw + i + 3 * v, a3);
        }
        for (; i < total; i += v)
        {
            TV a0 = TS.Zero;
            for (int t = 0; t < kk; t++) a0 = TS.Fma(TS.Splat(w[t]), TS.Load(taps[t] + i), a0);
            TS.Store(raw + i, a0);
        }
    }

    /// <summary><see cref="TapsAny{TS, TV}"/> for 3x3: the nine weights and tap addresses stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Taps9<TS, TV>(float** taps, float* w, float* raw, int total) where TS : ISimd<TV> where TV : unmanaged
    {
        TV w0 = TS.Splat(w[0]), w1 = TS.Splat(w[1]), w2 = TS.Splat(w[2]), w3 = TS.Splat(w[3]), w4 = TS.Splat(w[4]);
        TV w5 = TS.Splat(w[5]), w6 = TS.Splat(w[6]), w7 = TS.Splat(w[7]), w8 = TS.Splat(w[8]);
        float* t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4], t5 = taps[5], t6 = taps[6], t7 = taps[7], t8 = taps[8];
        int v = TS.Width;
        for (int i = 0; i < total; i += 2 * v)
        {
            // Two vectors at a time, each summed in tap order (no reassociation).
            int j = i + v;
            TV a = TS.Fma(w0, TS.Load(t0 + i), TS.Zero), b = TS.Fma(w0, TS.Load(t0 + j), TS.Zero);
            a = TS.Fma(w1, TS.Load(t1 + i), a); b = TS.Fma(w1, TS.Load(t1 + j), b);
            a = TS.Fma(w2, TS.Load(t2 + i), a); b = TS.Fma(w2, TS.Load(t2 + j), b);
            a = TS.Fma(w3, TS.Load(t3 + i), a); b = TS.Fma(w3, TS.Load(t3 + j), b);
            a = TS.Fma(w4, TS.Load(t4 + i), a); b = TS.Fma(w4, TS.Load(t4 + j), b);
            a = TS.Fma(w5, TS.Load(t5 + i), a); b = TS.Fma(w5, TS.Load(t5 + j), b);
            a = TS.Fma(w6, TS.Load(t6 + i), a); b = TS.Fma(w6, TS.Load(t6 + j), b);
            a = TS.Fma(w7, TS.Load(t7 + i), a); b = TS.Fma(w7, TS.Load(t7 + j), b);
            a = TS.Fma(w8, TS.Load(t8 + i), a); b = TS.Fma(w8, TS.Load(t8 + j), b);
            TS.Store(raw + i, a);
            TS.Store(raw + j, b);
        }
    }

    /// <summary><c>out[y * wo + x] = act(raw[y * pitch + x] + bias)</c> for every output row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowEpilogue<TS, TV>(float* raw, int pitch, float* o, int ho, int wo, float bias, ActivationKind act)
        where TS : ISimd<TV> where TV : unmanaged
    {
        TV bv = TS.Splat(bias);
        int w = TS.Width;
        var mask = TS.Mask(wo % w);
        for (int y = 0; y < ho; y++)
        {
            float* r = raw + y * pitch, d = o + y * wo;
            int x = 0;
            for (; x + w <= wo; x += w) TS.Store(d + x, Act.Apply<TS, TV>(TS.Add(TS.Load(r + x), bv), act));
            if (x < wo) TS.StoreMasked(d + x, Act.Apply<TS, TV>(TS.Add(TS.Load(r + x), bv), act), mask);
        }
    }

    public override void Dispose()
    {
        _weights.Dispose();
        _bias.Dispose();
    }
}
