using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Fully connected layer on [C, 1, 1] tensors: dot products of weight rows ([Out, In] as stored) with up to four
/// images at a time, so each weight row is read once per four images (the layer is bound by reading its weights).
/// Chunks are ranges of outputs.
/// </summary>
internal sealed unsafe class CpuLinear : CpuOp
{
    readonly int _in, _out, _inTotal, _outTotal, _outOffset, _input, _output;
    readonly bool _identity;
    readonly ActivationKind _act;
    readonly NativeBuffer _weights;
    readonly NativeBuffer? _bias;
    readonly int[] _sources;
    float* _x, _y;
    int _n, _parts;

    public CpuLinear(LinearOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path)
        : base(op, path)
    {
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        if (src.Height * src.Width != 1 || dst.Height * dst.Width != 1) throw new ArgumentException($"{op.Name}: linear layers take [C, 1, 1] tensors");
        _in = op.InFeatures;
        _out = op.OutFeatures;
        _inTotal = src.Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _input = op.Input.Tensor;
        _output = op.Output.Tensor;
        _act = Kind(op.Activation);
        _sources = Sources(op.Input.View, _in);
        _identity = _sources.Select((s, i) => s == i).All(b => b);
        _weights = NativeBuffer.From(weights[op.Name + ".weight"]);
        _bias = op.HasBias ? NativeBuffer.From(weights[op.Name + ".bias"]) : null;
    }

    public override string Kernel => "Linear";
    public override long WeightBytes => _weights.Bytes + (_bias?.Bytes ?? 0);
    public override long ScratchFloats => _identity ? 0 : 4L * _in;

    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_input];
        _y = tensors[_output];
        _n = n;
        parallel = threads > 1 && (long)_in * _out >= ParallelThreshold;
        _parts = parallel ? Math.Min(_out, threads * ChunksPerThread) : 1;
        return _parts;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (o0, o1) = Range(_out, _parts, chunk);
        int w = TS.Width;
        var mask = TS.Mask(_in % w);
        int full = _in - _in % w;
        for (int img0 = 0; img0 < _n; img0 += 4)
        {
            int count = Math.Min(4, _n - img0);
            float* x0, x1, x2, x3;
            if (_identity)
            {
                x0 = _x + (long)img0 * _inTotal;
                x1 = count > 1 ? x0 + _inTotal : x0;
                x2 = count > 2 ? x0 + 2L * _inTotal : x0;
                x3 = count > 3 ? x0 + 3L * _inTotal : x0;
            }
            else
            {
                float* s = Pool.Scratch(worker);
                for (int j = 0; j < count; j++)
                    for (int i = 0; i < _in; i++) s[j * _in + i] = _x[(long)(img0 + j) * _inTotal + _sources[i]];
                x0 = s;
                x1 = count > 1 ? s + _in : s;
                x2 = count > 2 ? s + 2 * _in : s;
                x3 = count > 3 ? s + 3 * _in : s;
            }
            for (int o = o0; o < o1; o++)
            {
                float* wr = _weights.Pointer + (long)o * _in;
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                int i = 0;
                for (; i < full; i += w)
                {
                    TV wv = TS.Load(wr + i);
                    a0 = TS.Fma(wv, TS.Load(x0 + i), a0);
                    a1 = TS.Fma(wv, TS.Load(x1 + i), a1);
                    a2 = TS.Fma(wv, TS.Load(x2 + i), a2);
                    a3 = TS.Fma(wv, TS.Load(x3 + i), a3);
                }
                if (i < _in)
                {
                    TV wv = TS.LoadMasked(wr + i, mask);
                    a0 = TS.Fma(wv, TS.LoadMasked(x0 + i, mask), a0);
                    a1 = TS.Fma(wv, TS.LoadMasked(x1 + i, mask), a1);
                    a2 = TS.Fma(wv, TS.LoadMasked(x2 + i, mask), a2);
                    a3 = TS.Fma(wv, TS.LoadMasked(x3 + i, mask), a3);
                }
                float bias = _bias is null ? 0f : _bias.Pointer[o];
                Store(img0, o, TS.Sum(a0), bias);
                if (count > 1) Store(img0 + 1, o, TS.Sum(a1), bias);
                if (count > 2) Store(img0 + 2, o, TS.Sum(a2), bias);
                if (count > 3) Store(img0 + 3, o, TS.Sum(a3), bias);
            }
        }
    }

    void Store(int img, int o, float sum, float bias) =>
        _y[(long)img * _outTotal + _outOffset + o] = Act.Scalar(_bias is null ? sum : sum + bias, _act);

    public override void Dispose()
    {
        _weights.Dispose();
        _bias?.Dispose();
    }
}
