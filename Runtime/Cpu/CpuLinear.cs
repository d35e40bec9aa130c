using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Fully connected layer on [C, 1, 1] tensors: dot products of four weight rows ([Out, In] as stored) with up to four
/// images at a time, so each weight row is read once per four images and each input vector once per four rows (the
/// layer is bound by reading its weights: 4 MB for a 1024 x 1000 classifier). Each dot product keeps one partial sum
/// per lane over the inputs in order, then adds the lanes and the bias. Chunks are ranges of outputs.
/// </summary>
internal sealed unsafe class CpuLinear : CpuWeightedOp
{
    readonly int _in, _out, _stride;
    readonly Activation _act;
    readonly NativeBuffer _weights;
    readonly NativeBuffer? _bias;
    readonly int[] _sources;
    readonly OpIo _io;
    float* _x, _y;
    int _n, _parts;

    public CpuLinear(LinearOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path,
        PackedWeights? packed = null)
        : base(op, path, packed)
    {
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        if (src.Height * src.Width != 1 || dst.Height * dst.Width != 1) throw new ArgumentException($"{op.Name}: linear layers take [C, 1, 1] tensors");
        _in = op.InFeatures;
        _out = op.OutFeatures;
        _stride = (_in + 15) & ~15;
        _io = OpIo.Of(op.Input, op.Output, tensors);
        _act = op.Activation;
        _sources = Sources(op.Input.View, _in);
        // Rows padded with zeros to whole vectors (the inputs are padded the same way in scratch): no tails.
        var w = weights[op.Name + ".weight"];
        (int inFeatures, int outFeatures, int stride) = (_in, _out, _stride);
        _weights = Packed.Get(op.Name + ".weight", () =>
        {
            var packedWeights = new NativeBuffer((long)outFeatures * stride);
            for (int o = 0; o < outFeatures; o++)
                w.AsSpan(o * inFeatures, inFeatures).CopyTo(new Span<float>(packedWeights.Pointer + (long)o * stride, inFeatures));
            return packedWeights;
        });
        _bias = op.HasBias ? Bias(op.Name, weights) : null;
    }

    public override string Kernel => "Linear";
    public override long WeightBytes => _weights.Bytes + (_bias?.Bytes ?? 0);
    public override long ScratchFloats => 4L * _stride;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_io.Input];
        _y = tensors[_io.Output];
        _n = n;
        parallel = threads > 1 && (long)_in * _out >= ParallelThreshold;
        _parts = parallel ? ChunkCount((_out + 3) / 4, threads, ChunksPerThread) : 1;
        return _parts;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        // Chunks of whole blocks of four outputs.
        var (q0, q1) = Range((_out + 3) / 4, _parts, chunk);
        int o0 = 4 * q0, o1 = Math.Min(_out, 4 * q1);
        int w = TS.Width, stride = _stride;
        float* x0 = Pool.Scratch(worker);
        for (int img0 = 0; img0 < _n; img0 += 4)
        {
            int count = Math.Min(4, _n - img0);
            // The images' inputs, through the view, zero-padded (absent images read as zeros).
            for (int j = 0; j < 4; j++)
            {
                float* d = x0 + j * stride;
                if (j < count)
                    for (int i = 0; i < _in; i++) d[i] = _x[(long)(img0 + j) * _io.InTotal + _sources[i]];
                else
                    for (int i = 0; i < _in; i++) d[i] = 0f;
                for (int i = _in; i < stride; i++) d[i] = 0f;
            }
            float* x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
            int o = o0;
            for (; o + 4 <= o1; o += 4)
            {
                // Four weight rows against up to four images: each vector of x is loaded once per four rows.
                float* w0 = _weights.Pointer + (long)o * stride, w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
                TV s00 = TS.Zero, s01 = TS.Zero, s02 = TS.Zero, s03 = TS.Zero, s10 = TS.Zero, s11 = TS.Zero, s12 = TS.Zero, s13 = TS.Zero;
                TV s20 = TS.Zero, s21 = TS.Zero, s22 = TS.Zero, s23 = TS.Zero, s30 = TS.Zero, s31 = TS.Zero, s32 = TS.Zero, s33 = TS.Zero;
                // The next four rows follow these in memory: fetch them while these are summed (each row is only a
                // few KB, too short a stream for the hardware prefetcher to reach full speed on). V2+ Medium's two
                // layers at batch 1, in place: 1.6-2.4 ms before, 1.1-1.6 after, alternating, 7 pairs.
                float* ahead = w3 + stride;
                bool prefetch = Sse.IsSupported && o + 8 <= o1;
                for (int i = 0; i < stride; i += w)
                {
                    if (prefetch && (i & 15) == 0)
                    {
                        Sse.Prefetch0(ahead + i);
                        Sse.Prefetch0(ahead + stride + i);
                        Sse.Prefetch0(ahead + 2 * stride + i);
                        Sse.Prefetch0(ahead + 3 * stride + i);
                    }
                    TV a0 = TS.Load(w0 + i), a1 = TS.Load(w1 + i), a2 = TS.Load(w2 + i), a3 = TS.Load(w3 + i);
                    TV v = TS.Load(x0 + i);
                    s00 = TS.Fma(a0, v, s00); s10 = TS.Fma(a1, v, s10); s20 = TS.Fma(a2, v, s20); s30 = TS.Fma(a3, v, s30);
                    if (count > 1)
                    {
                        v = TS.Load(x1 + i);
                        s01 = TS.Fma(a0, v, s01); s11 = TS.Fma(a1, v, s11); s21 = TS.Fma(a2, v, s21); s31 = TS.Fma(a3, v, s31);
                    }
                    if (count > 2)
                    {
                        v = TS.Load(x2 + i);
                        s02 = TS.Fma(a0, v, s02); s12 = TS.Fma(a1, v, s12); s22 = TS.Fma(a2, v, s22); s32 = TS.Fma(a3, v, s32);
                    }
                    if (count > 3)
                    {
                        v = TS.Load(x3 + i);
                        s03 = TS.Fma(a0, v, s03); s13 = TS.Fma(a1, v, s13); s23 = TS.Fma(a2, v, s23); s33 = TS.Fma(a3, v, s33);
                    }
                }
                Store4<TS, TV>(img0, o, count, s00, s01, s02, s03);
                Store4<TS, TV>(img0, o + 1, count, s10, s11, s12, s13);
                Store4<TS, TV>(img0, o + 2, count, s20, s21, s22, s23);
                Store4<TS, TV>(img0, o + 3, count, s30, s31, s32, s33);
            }
            for (; o < o1; o++)
            {
                float* wr = _weights.Pointer + (long)o * stride;
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                for (int i = 0; i < stride; i += w)
                {
                    TV wv = TS.Load(wr + i);
                    a0 = TS.Fma(wv, TS.Load(x0 + i), a0);
                    a1 = TS.Fma(wv, TS.Load(x1 + i), a1);
                    a2 = TS.Fma(wv, TS.Load(x2 + i), a2);
                    a3 = TS.Fma(wv, TS.Load(x3 + i), a3);
                }
                Store4<TS, TV>(img0, o, count, a0, a1, a2, a3);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Store4<TS, TV>(int img0, int o, int count, TV a0, TV a1, TV a2, TV a3) where TS : ISimd<TV> where TV : unmanaged
    {
        float bias = _bias is null ? 0f : _bias.Pointer[o];
        Store(img0, o, TS.Sum(a0), bias);
        if (count > 1) Store(img0 + 1, o, TS.Sum(a1), bias);
        if (count > 2) Store(img0 + 2, o, TS.Sum(a2), bias);
        if (count > 3) Store(img0 + 3, o, TS.Sum(a3), bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Store(int img, int o, float sum, float bias) =>
        _y[(long)img * _io.OutTotal + _io.OutOffset + o] = Act.Scalar(_bias is null ? sum : sum + bias, _act);
}
