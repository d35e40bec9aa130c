using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// 1x1 convolution (any groups) as one matrix product per group over the whole batch, in NCHW:
/// <c>Y[Mg, N*HW] = W[Mg, Kg] · X[Kg, N*HW]</c>, where row k of X is the input channel the channel view picks for
/// <c>g * Kg + k</c> (a whole contiguous H*W row per image: the view costs nothing) and the images are laid side by
/// side in the columns, so small maps fill the vectors. Output rows go straight into the output's channel slice.
/// See <see cref="Gemm"/> for the blocking and the micro-kernel. Chunks are ranges of column tiles (large maps) or of
/// output rows and column tiles (small maps), per group, numbered in channel order (group, row part, column part): the
/// pool's caller claims from the front and its workers from the back (<see cref="CpuWorkerPool"/>), so each thread
/// keeps the same output channels, and reads the same weight rows, from op to op and pass to pass.
/// </summary>
internal sealed unsafe class CpuPointwiseConv : CpuWeightedOp
{
    readonly int _groups, _k, _mg, _hw;
    readonly Activation _act;
    readonly NativeBuffer _weights, _bias, _rowOffsets;
    readonly long _groupFloats;
    readonly OpIo _io;
    float* _x, _y;
    int _n, _colParts, _mParts;
    ResidualAdd? _residual;   // set for one pass by a fused op
    float* _r;
    NativeBuffer? _residualRows;   // the fused add's residual channel rows (offsets within an image), by output channel
    ResidualAdd? _residualRowsOf;

    public CpuPointwiseConv(ConvOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path,
        PackedWeights? packed = null)
        : base(op, path, packed)
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
        _io = OpIo.Of(op.Input, op.Output, tensors);
        _act = op.Activation;

        var w = weights[op.Name + ".weight"];
        _groupFloats = Gemm.PackedLength(_mg, _k);
        _weights = Packed.GemmGroups(op.Name + ".weight", w, _groups, _mg, _k);
        _bias = Bias(op.Name, weights);
        // Offset of B's row k of group g within an image: the source channel's row.
        var sources = Sources(op.Input.View, op.InChannels);
        _rowOffsets = new NativeBuffer((long)op.InChannels * (sizeof(nint) / sizeof(float)));
        for (int c = 0; c < op.InChannels; c++) ((nint*)_rowOffsets.Pointer)[c] = (nint)sources[c] * _hw;
    }

    public override string Kernel => "PointwiseConv2d";
    public override long WeightBytes => _weights.Bytes + _bias.Bytes + _rowOffsets.Bytes;
    public override long ScratchFloats => Gemm.ScratchFloats;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_io.Input];
        _y = _residual is { } add ? tensors[add.Output] : tensors[_io.Output];
        _r = _residual is { } add2 ? tensors[add2.Input] : null;
        _n = n;
        _colParts = _mParts = 1;
        long work = (long)n * _groups * _mg * _k * _hw;
        parallel = threads > 1 && work >= ParallelThreshold;
        if (parallel)
        {
            int want = ChunkCount(long.MaxValue, threads, ChunksPerThread);
            int per = (want + _groups - 1) / _groups;
            int width = CpuFeatures.Width(Path) * TileVectors(Path), rows = TileRows(Path);
            int colTiles = SplitTiles(n * _hw, width, CpuFeatures.Width(Path)), rowBlocks = (_mg + rows - 1) / rows;
            // Split the columns when there are enough tiles for even parts. Otherwise (a small map: a few tiles, the
            // last often a sliver) split the rows too, but only one part per thread: each row part packs the same B
            // panels again.
            if (colTiles >= 2 * per) _colParts = per;
            else
            {
                _mParts = Math.Min(rowBlocks, threads);
                _colParts = Math.Clamp(per / _mParts, 1, colTiles);
            }
        }
        return _groups * _colParts * _mParts;
    }

    /// <summary>The column tiles a split divides: all of them, except that a last tile of a sliver (the columns
    /// <see cref="Gemm"/> computes one at a time, like a 7x7 map's 49th) goes with the part before it. As a part of its
    /// own it would stream the part's weight rows for one column; on a thread that claims from the back it would do so
    /// first, with the weights cold (V2 1.0x's 7x7 1x1s at batch 1 on 2 threads: 3-5% slower).</summary>
    internal static int SplitTiles(int columns, int width, int vector)
    {
        int tiles = (columns + width - 1) / width, last = columns - (tiles - 1) * width;
        return tiles > 1 && Gemm.IsSliver(last, vector) ? tiles - 1 : tiles;
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
        int cp = chunk % _colParts;
        chunk /= _colParts;
        int mp = chunk % _mParts, g = chunk / _mParts;
        int width = TS.TileVectors * TS.Width, columns = _n * _hw, tiles = (columns + width - 1) / width;
        var (t0, t1) = Range(SplitTiles(columns, width, TS.Width), _colParts, cp);
        if (cp == _colParts - 1) t1 = tiles;
        int c0 = t0 * width, c1 = Math.Min(columns, t1 * width);
        var (b0, b1) = Range((_mg + TS.TileRows - 1) / TS.TileRows, _mParts, mp);
        int m0 = b0 * TS.TileRows, m1 = Math.Min(_mg, b1 * TS.TileRows);
        if (c0 >= c1 || m0 >= m1) return;
        var b = new GemmB
        {
            Base = _x, ImageStride = (nint)_io.InTotal * _hw, RowOffsets = (nint*)_rowOffsets.Pointer + g * _k,
            Columns = _hw, RowLength = _hw, RowPitch = _hw,
        };
        if (_residual is { } add)
        {
            // Fused with the residual add that reads this output: the GEMM writes act((conv + bias) + residual) into the
            // add's output slice, the add in the micro-tile's epilogue (the same roundings as the separate add).
            var cf = new GemmC { Base = _y + ((nint)add.OutOffset + g * _mg) * _hw, ImageStride = (nint)add.OutTotal * _hw, RowStride = _hw, Columns = _hw };
            var r = new GemmResidual { Base = _r, ImageStride = (nint)add.InputTotal * _hw, RowOffsets = (nint*)_residualRows!.Pointer + g * _mg };
            Gemm.Run<TS, TV>(_weights.Pointer + g * _groupFloats, _k, _bias.Pointer + g * _mg, b, cf, r, m0, m1, c0, c1, add.Activation, Pool.Scratch(worker));
            return;
        }
        var c = new GemmC { Base = _y + ((nint)_io.OutOffset + g * _mg) * _hw, ImageStride = (nint)_io.OutTotal * _hw, RowStride = _hw, Columns = _hw };
        Gemm.Run<TS, TV>(_weights.Pointer + g * _groupFloats, _k, _bias.Pointer + g * _mg, b, c, m0, m1, c0, c1, _act, Pool.Scratch(worker));
    }

    public int InputTensor => _io.Input;
    public int OutputTensor => _io.Output;

    /// <summary>Whether <paramref name="add"/> can be fused into this convolution: it reads the whole output, in
    /// place, and the convolution has no activation of its own (the add's comes after the sum).</summary>
    public ResidualAdd? FusableWith(AddOp add, IReadOnlyList<TensorInfo> tensors)
    {
        if (_act != Activation.None || add.Activation == Activation.Sigmoid || _io.OutOffset != 0 || _io.OutTotal != _groups * _mg) return null;
        TensorRead mine, other;
        if (add.A.Tensor == _io.Output && add.A.View.IsIdentity) (mine, other) = (add.A, add.B);
        else if (add.B.Tensor == _io.Output && add.B.View.IsIdentity) (mine, other) = (add.B, add.A);
        else return null;
        if (add.Channels != _io.OutTotal || other.Tensor == _io.Output || add.Output.Tensor == _io.Output || add.Output.Tensor == other.Tensor) return null;
        var input = tensors[other.Tensor];
        if (input.Height * input.Width != _hw || tensors[add.Output.Tensor].Height * tensors[add.Output.Tensor].Width != _hw) return null;
        // The add's output must not be what the GEMM reads (the convolution's own input); the executor also checks
        // that their places in the arena do not overlap.
        if (add.Output.Tensor == _io.Input) return null;
        return new ResidualAdd(add.Output.Tensor, tensors[add.Output.Tensor].Channels, add.Output.ChannelOffset,
            other.Tensor, input.Channels, Sources(other.View, add.Channels), add.Activation);
    }

    /// <summary>Runs this convolution fused with <paramref name="add"/> (from <see cref="FusableWith"/>).</summary>
    public void RunFused(CpuWorkerPool pool, float** tensors, int n, ResidualAdd add)
    {
        if (!ReferenceEquals(add, _residualRowsOf))
        {
            // Once per fused add (the plan keeps it): where each output channel's residual row starts in an image.
            _residualRows?.Dispose();
            _residualRows = new NativeBuffer((long)add.Sources.Length * (sizeof(nint) / sizeof(float)));
            for (int ch = 0; ch < add.Sources.Length; ch++) ((nint*)_residualRows.Pointer)[ch] = (nint)add.Sources[ch] * _hw;
            _residualRowsOf = add;
        }
        _residual = add;
        try { Run(pool, tensors, n); }
        finally { _residual = null; }
    }

    public override void Dispose()
    {
        base.Dispose();
        _rowOffsets.Dispose();
        _residualRows?.Dispose();
    }
}

/// <summary>A residual add fused into the 1x1 convolution before it: <c>out[OutOffset + c] = act(conv[c] + input[Sources[c]])</c>.</summary>
internal sealed record ResidualAdd(int Output, int OutTotal, int OutOffset, int Input, int InputTotal, int[] Sources, Activation Activation);
