using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// 1x1 convolution (any groups) as one matrix product per image and group, in NCHW:
/// <c>Y[Mg, HW] = W[Mg, Kg] · X[Kg, HW]</c>, where row k of X is the input channel the channel view picks for
/// <c>g * Kg + k</c>: a whole contiguous H*W row, read in place. When the view's rows are evenly spaced within a group
/// (offsets, split even/odd, and V1's group shuffle as seen by each group) B is the input tensor itself with a
/// row stride; otherwise the rows are copied to scratch first. Output rows go straight into the output's channel
/// slice. See <see cref="Gemm"/> for the micro-kernel.
/// </summary>
internal sealed unsafe class CpuPointwiseConv : CpuOp
{
    readonly int _groups, _k, _mg, _hw, _inTotal, _outTotal, _outOffset, _input, _output;
    readonly ActivationKind _act;
    readonly NativeBuffer _weights, _bias;
    readonly long _groupFloats;
    readonly int[] _sources, _first, _step;
    readonly bool[] _evenlySpaced;
    float* _x, _y;
    int _n, _colParts, _mParts;

    public CpuPointwiseConv(ConvOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path)
        : base(op, path)
    {
        if (!op.IsPointwise) throw new ArgumentException($"{op.Name}: not a 1x1 stride-1 convolution");
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        if (src.Height != dst.Height || src.Width != dst.Width)
            throw new ArgumentException($"{op.Name}: 1x1 convolution from {src.Height}x{src.Width} to {dst.Height}x{dst.Width}");
        _groups = op.Groups;
        _k = op.InChannels / op.Groups;
        _mg = op.OutChannels / op.Groups;
        _hw = src.Height * src.Width;
        _inTotal = src.Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _input = op.Input.Tensor;
        _output = op.Output.Tensor;
        _act = Kind(op.Activation);
        _sources = Sources(op.Input.View, op.InChannels);

        var w = weights[op.Name + ".weight"];
        _groupFloats = Gemm.PackedLength(_mg, _k);
        _weights = new NativeBuffer(_groupFloats * _groups);
        for (int g = 0; g < _groups; g++)
            Gemm.PackWeights(w.AsSpan(g * _mg * _k, _mg * _k), _k, _mg, _k, _weights.Pointer + g * _groupFloats);
        _bias = NativeBuffer.From(weights[op.Name + ".bias"]);

        _first = new int[_groups];
        _step = new int[_groups];
        _evenlySpaced = new bool[_groups];
        for (int g = 0; g < _groups; g++)
        {
            _first[g] = _sources[g * _k];
            _step[g] = _k > 1 ? _sources[g * _k + 1] - _sources[g * _k] : 1;
            _evenlySpaced[g] = Enumerable.Range(0, _k).All(k => _sources[g * _k + k] == _first[g] + k * _step[g]);
        }
    }

    public override string Kernel => "PointwiseConv2d";
    public override long WeightBytes => _weights.Bytes + _bias.Bytes;
    public override long ScratchFloats => _evenlySpaced.All(e => e) ? 0 : (long)_k * _hw;

    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_input];
        _y = tensors[_output];
        _n = n;
        _colParts = _mParts = 1;
        long work = (long)n * _groups * _mg * _k * _hw;
        parallel = threads > 1 && work >= ParallelThreshold;
        int pieces = n * _groups;
        if (parallel)
        {
            int target = threads * ChunksPerThread;
            int width = CpuFeatures.Width(Path) * TileVectors(Path);
            int colTiles = (_hw + width - 1) / width, rowBlocks = (_mg + TileRows(Path) - 1) / TileRows(Path);
            if (_hw >= 4 * width)
            {
                _colParts = PartsFor(target, pieces, colTiles);
                _mParts = PartsFor(target, pieces * _colParts, rowBlocks);
            }
            else
            {
                _mParts = PartsFor(target, pieces, rowBlocks);
                _colParts = PartsFor(target, pieces * _mParts, colTiles);
            }
        }
        return pieces * _colParts * _mParts;
    }

    static int TileVectors(CpuPath path) => path switch
    {
        CpuPath.Vector512 => Simd512.TileVectors,
        CpuPath.Vector256 => Simd256.TileVectors,
        _ => SimdScalar.TileVectors,
    };

    static int TileRows(CpuPath path) => path switch
    {
        CpuPath.Vector512 => Simd512.TileRows,
        CpuPath.Vector256 => Simd256.TileRows,
        _ => SimdScalar.TileRows,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        int mp = chunk % _mParts;
        chunk /= _mParts;
        int cp = chunk % _colParts;
        chunk /= _colParts;
        int img = chunk % _n, g = chunk / _n;

        int width = TS.TileVectors * TS.Width;
        var (t0, t1) = Range((_hw + width - 1) / width, _colParts, cp);
        int c0 = t0 * width, c1 = Math.Min(_hw, t1 * width);
        var (b0, b1) = Range((_mg + TS.TileRows - 1) / TS.TileRows, _mParts, mp);
        int m0 = b0 * TS.TileRows, m1 = Math.Min(_mg, b1 * TS.TileRows);
        if (c0 >= c1 || m0 >= m1) return;

        float* b;
        nint ldb;
        if (_evenlySpaced[g])
        {
            b = _x + ((long)img * _inTotal + _first[g]) * _hw;
            ldb = (nint)_step[g] * _hw;
        }
        else
        {
            // Rows the view scatters: copy this chunk's columns of each to scratch (column c0 at scratch[0]).
            float* s = Pool.Scratch(worker);
            int cols = c1 - c0;
            for (int k = 0; k < _k; k++)
                PaddedPlanes.Copy<TS, TV>(_x + ((long)img * _inTotal + _sources[g * _k + k]) * _hw + c0, s + (long)k * cols, cols);
            b = s - c0;
            ldb = cols;
        }
        float* c = _y + ((long)img * _outTotal + _outOffset + g * _mg) * _hw;
        Gemm.Run<TS, TV>(_weights.Pointer + g * _groupFloats, _k, _bias.Pointer + g * _mg, b, ldb, c, _hw, m0, m1, c0, c1, _act);
    }

    public override void Dispose()
    {
        _weights.Dispose();
        _bias.Dispose();
    }
}
