using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// General grouped k x k convolution, stride 1 or 2 (the stems' 3x3 stride 2 on 3 channels, Large/ExLarge's dense
/// and grouped 3x3): per image, group and band of output rows, the band's input channels are padded and split into
/// phase planes (<see cref="PaddedPlanes"/>), in which every (channel, ky, kx) window over the band's output pixels
/// is a run of rows at a fixed offset. Those runs are the rows of B for the same matrix product as the 1x1
/// convolutions (<see cref="Gemm"/>, K = Cin/groups * k * k): the GEMM packs them straight from the planes (no
/// im2col copy) and writes into the output slice. Bands keep the planes in L2 and give the threads work at batch 1.
/// </summary>
internal sealed unsafe class CpuConv : CpuWeightedOp
{
    readonly int _groups, _cinG, _coutG, _k, _stride, _h, _w, _ho, _wo, _kdim, _bandRows, _bands, _bandPhaseRows;
    readonly PaddedPlanes _planes;
    readonly Activation _act;
    readonly NativeBuffer _weights, _bias, _rowOffsets;
    readonly long _groupFloats;
    readonly int[] _sources;
    readonly OpIo _io;
    float* _x, _y;
    int _n, _parts;
    long _units;

    /// <summary>Floats of phase planes a band aims at (192 KiB).</summary>
    const int PlanesTarget = 48 * 1024;

    public CpuConv(ConvOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path,
        PackedWeights? packed = null)
        : base(op, path, packed)
    {
        if (op.Stride is not (1 or 2)) throw new ArgumentException($"{op.Name}: stride {op.Stride} (1 or 2 supported)");
        var src = tensors[op.Input.Tensor];
        var dst = tensors[op.Output.Tensor];
        _groups = op.Groups;
        _cinG = op.InChannels / op.Groups;
        _coutG = op.OutChannels / op.Groups;
        _k = op.Kernel;
        _stride = op.Stride;
        _h = src.Height;
        _w = src.Width;
        _ho = dst.Height;
        _wo = dst.Width;
        if (_ho != (_h + 2 * (_k / 2) - _k) / _stride + 1 || _wo != (_w + 2 * (_k / 2) - _k) / _stride + 1)
            throw new ArgumentException($"{op.Name}: output {_ho}x{_wo} does not fit a {_k}x{_k} stride-{_stride} convolution of {_h}x{_w}");
        _io = OpIo.Of(op.Input, op.Output, tensors);
        _act = op.Activation;
        _sources = Sources(op.Input.View, op.InChannels);
        _planes = new PaddedPlanes(_h, _w, _k / 2, _stride);
        _kdim = _cinG * _k * _k;

        var w = weights[op.Name + ".weight"];
        _groupFloats = Gemm.PackedLength(_coutG, _kdim);
        _weights = Packed.GemmGroups(op.Name + ".weight", w, _groups, _coutG, _kdim);
        _bias = Bias(op.Name, weights);

        // Bands: as many output rows as keep the band's planes near the target, at least 8 bands when the map has rows
        // for them (work for the threads at batch 1), all with the same geometry (the last one padded).
        int rows = _ho;
        while (rows > 1 && _cinG * (long)_planes.Floats(rows + (_k - 1) / _stride) > PlanesTarget) rows = (rows + 1) / 2;
        rows = Math.Min(rows, Math.Max(1, (_ho + 7) / 8));
        _bands = (_ho + rows - 1) / rows;
        _bandRows = (_ho + _bands - 1) / _bands;
        _bandPhaseRows = _bandRows + (_k - 1) / _stride;

        // B's row (ci, ky, kx): phase (ky % s, kx % s) of channel ci, shifted down ky / s rows and right kx / s columns.
        int channelFloats = _planes.Floats(_bandPhaseRows);
        _rowOffsets = new NativeBuffer((long)_kdim * (sizeof(nint) / sizeof(float)));
        for (int ci = 0; ci < _cinG; ci++)
            for (int ky = 0; ky < _k; ky++)
                for (int kx = 0; kx < _k; kx++)
                    ((nint*)_rowOffsets.Pointer)[(ci * _k + ky) * _k + kx] = (nint)ci * channelFloats + _planes.TapOffset(ky, kx, _bandPhaseRows);
    }

    public override string Kernel => "Conv2d";
    public override long WeightBytes => _weights.Bytes + _bias.Bytes + _rowOffsets.Bytes;
    public override long ScratchFloats => (long)_cinG * _planes.Floats(_bandPhaseRows) + Gemm.ScratchFloats;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_io.Input];
        _y = tensors[_io.Output];
        _n = n;
        long work = (long)n * _groups * _coutG * _kdim * _ho * _wo;
        parallel = threads > 1 && work >= ParallelThreshold;
        // Units are (image, group, band); a chunk runs a range of whole units, so the split never changes the bits.
        _units = (long)n * _groups * _bands;
        _parts = parallel ? ChunkCount(_units, threads, ChunksPerThread * 2) : 1;
        return _parts;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        long start = _units * chunk / _parts, end = _units * (chunk + 1) / _parts;
        for (long unit = start; unit < end; unit++) Unit<TS, TV>(unit, worker);
    }

    /// <summary>One band of output rows of one group of one image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Unit<TS, TV>(long unit, int worker) where TS : ISimd<TV> where TV : unmanaged
    {
        int band = (int)(unit % _bands);
        unit /= _bands;
        int g = (int)(unit % _groups), img = (int)(unit / _groups);
        int y0 = band * _bandRows, y1 = Math.Min(_ho, y0 + _bandRows);
        if (y0 >= y1) return;
        int pixels = (y1 - y0) * _wo;

        float* gemmScratch = Pool.Scratch(worker);
        float* planes = gemmScratch + Gemm.ScratchFloats;
        int channelFloats = _planes.Floats(_bandPhaseRows), hw = _h * _w;
        for (int ci = 0; ci < _cinG; ci++)
            _planes.Build<TS, TV>(_x + ((long)img * _io.InTotal + _sources[g * _cinG + ci]) * hw, y0, _bandPhaseRows, 0f, planes + (long)ci * channelFloats);
        // On the planes' pitch grid every B row of the band is one contiguous run, packed with whole vectors, and the
        // GEMM drops the pitch - width columns when it stores (two masked stores for a vector that spans grid rows).
        // That pays on narrow maps (a tile spans several rows), not on wide ones: there B's rows are gathered in runs of
        // the output width (one or two per tile) and C is stored whole: the stems' 112-wide output, in-process A/B,
        // one thread: V2 1.0x 0.63 -> 0.47 ms, DetNAS 0.75 -> 0.67 ms.
        int pitch = _planes.Pitch;
        bool grid = pitch >= TS.Width && _wo < 4 * TS.Width;
        int columns = grid ? (y1 - y0) * pitch : pixels;
        var b = grid
            ? new GemmB { Base = planes, RowOffsets = (nint*)_rowOffsets.Pointer, Columns = columns, RowLength = columns, RowPitch = columns }
            : new GemmB { Base = planes, RowOffsets = (nint*)_rowOffsets.Pointer, Columns = pixels, RowLength = _wo, RowPitch = pitch };
        var c = new GemmC
        {
            Base = _y + ((long)img * _io.OutTotal + _io.OutOffset + g * _coutG) * _ho * _wo + y0 * _wo,
            RowStride = (nint)_ho * _wo, Columns = columns, GridPitch = grid ? pitch : 0, GridWidth = _wo,
        };
        Gemm.Run<TS, TV>(_weights.Pointer + g * _groupFloats, _kdim, _bias.Pointer + g * _coutG, b, c, 0, _coutG, 0, columns, _act, gemmScratch);
    }

    public override void Dispose()
    {
        base.Dispose();
        _rowOffsets.Dispose();
    }
}
