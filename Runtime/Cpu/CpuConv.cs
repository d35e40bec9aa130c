using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// General grouped k x k convolution, stride 1 or 2 (the stems' 3x3 stride 2 on 3 channels, Large/ExLarge's dense
/// and grouped 3x3): per image, group and band of output rows, the band's input channels are padded and split into
/// phase planes (<see cref="PaddedPlanes"/>), from which an im2col panel is copied with one contiguous run per
/// (channel, ky, kx, output row); the panel is then the B of the same matrix product as the 1x1 convolutions
/// (<see cref="Gemm"/>), K = Cin/groups * k * k, written straight into the output slice. Bands keep the panel
/// within L2 and give the threads work even at batch 1.
/// </summary>
internal sealed unsafe class CpuConv : CpuOp
{
    readonly int _groups, _cinG, _coutG, _k, _stride, _h, _w, _ho, _wo, _kdim, _bandRows, _bands, _bandPhaseRows;
    readonly int _inTotal, _outTotal, _outOffset, _input, _output;
    readonly PaddedPlanes _planes;
    readonly ActivationKind _act;
    readonly NativeBuffer _weights, _bias;
    readonly long _groupFloats;
    readonly int[] _sources;
    float* _x, _y;
    int _n;

    /// <summary>Floats of im2col panel a band aims at (128 KiB).</summary>
    const int PanelTarget = 32 * 1024;

    public CpuConv(ConvOp op, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> weights, CpuPath path)
        : base(op, path)
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
        _inTotal = src.Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _input = op.Input.Tensor;
        _output = op.Output.Tensor;
        _act = Kind(op.Activation);
        _sources = Sources(op.Input.View, op.InChannels);
        _planes = new PaddedPlanes(_h, _w, _k / 2, _stride);
        _kdim = _cinG * _k * _k;

        var w = weights[op.Name + ".weight"];
        _groupFloats = Gemm.PackedLength(_coutG, _kdim);
        _weights = new NativeBuffer(_groupFloats * _groups);
        for (int g = 0; g < _groups; g++)
            Gemm.PackWeights(w.AsSpan(g * _coutG * _kdim, _coutG * _kdim), _kdim, _coutG, _kdim, _weights.Pointer + g * _groupFloats);
        _bias = NativeBuffer.From(weights[op.Name + ".bias"]);

        _bandRows = Math.Clamp(PanelTarget / Math.Max(1, _kdim * _wo), 1, _ho);
        _bands = (_ho + _bandRows - 1) / _bandRows;
        _bandRows = (_ho + _bands - 1) / _bands;   // even bands
        _bandPhaseRows = _bandRows + (_k - 1) / _stride;
    }

    public override string Kernel => "Conv2d";
    public override long WeightBytes => _weights.Bytes + _bias.Bytes;
    public override long ScratchFloats => (long)_cinG * _planes.Floats(_bandPhaseRows) + PanelFloats;

    long PanelFloats => ((long)_kdim * _bandRows * _wo + 15) & ~15L;

    protected override int Prepare(float** tensors, int n, int threads, out bool parallel)
    {
        _x = tensors[_input];
        _y = tensors[_output];
        _n = n;
        long work = (long)n * _groups * _coutG * _kdim * _ho * _wo;
        parallel = threads > 1 && work >= ParallelThreshold;
        return n * _groups * _bands;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        int band = chunk % _bands;
        chunk /= _bands;
        int g = chunk % _groups, img = chunk / _groups;
        int y0 = band * _bandRows, y1 = Math.Min(_ho, y0 + _bandRows);
        if (y0 >= y1) return;
        int rows = y1 - y0, phaseRows = rows + (_k - 1) / _stride, pixels = rows * _wo;

        float* panel = Pool.Scratch(worker);
        float* planes = panel + PanelFloats;
        int planeFloats = _planes.PlaneFloats(phaseRows), channelFloats = _planes.Floats(phaseRows), pitch = _planes.Pitch;
        int hw = _h * _w;
        for (int ci = 0; ci < _cinG; ci++)
        {
            float* plane = planes + (long)ci * channelFloats;
            _planes.Build<TS, TV>(_x + ((long)img * _inTotal + _sources[g * _cinG + ci]) * hw, y0, phaseRows, 0f, plane);
            for (int ky = 0; ky < _k; ky++)
                for (int kx = 0; kx < _k; kx++)
                {
                    float* from = plane + ((ky % _stride) * _stride + kx % _stride) * planeFloats + ky / _stride * pitch + kx / _stride;
                    float* to = panel + (long)((ci * _k + ky) * _k + kx) * pixels;
                    for (int y = 0; y < rows; y++) PaddedPlanes.Copy<TS, TV>(from + y * pitch, to + y * _wo, _wo);
                }
        }
        float* c = _y + ((long)img * _outTotal + _outOffset + g * _coutG) * _ho * _wo + y0 * _wo;
        Gemm.Run<TS, TV>(_weights.Pointer + g * _groupFloats, _kdim, _bias.Pointer + g * _coutG, panel, pixels, c, (nint)_ho * _wo,
            0, _coutG, 0, pixels, _act);
    }

    public override void Dispose()
    {
        _weights.Dispose();
        _bias.Dispose();
    }
}
