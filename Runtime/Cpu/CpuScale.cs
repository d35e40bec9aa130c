using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Squeeze-excitation apply, <c>out = act(x * gate[n, c] + residual)</c> (product rounded, then the sum, as the kernels).</summary>
internal sealed unsafe class CpuScale : CpuRowOp
{
    readonly int _xTotal, _gTotal, _rTotal, _outTotal, _outOffset;
    readonly ScaleOp _op;
    readonly Activation _act;
    readonly int[] _xSources, _gSources, _rSources;
    float* _x, _g, _r, _y;

    public CpuScale(ScaleOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path)
        : base(op, path, op.Channels, tensors[op.Input.Tensor].Height * tensors[op.Input.Tensor].Width)
    {
        _op = op;
        var dst = tensors[op.Output.Tensor];
        var gate = tensors[op.Gate.Tensor];
        if (gate.Height * gate.Width != 1) throw new ArgumentException("the gate must be [C, 1, 1]");
        if (dst.Height * dst.Width != Hw) throw new ArgumentException("scale output must have the input's size");
        _xTotal = tensors[op.Input.Tensor].Channels;
        _gTotal = gate.Channels;
        _rTotal = op.Residual is { } r ? tensors[r.Tensor].Channels : 0;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _act = op.Activation;
        _xSources = Sources(op.Input.View, Channels);
        _gSources = Sources(op.Gate.View, Channels);
        _rSources = op.Residual is { } rr ? Sources(rr.View, Channels) : [];
    }

    public override string Kernel => "ScaleChannels";

    protected override void Bind(float** tensors)
    {
        _x = tensors[_op.Input.Tensor];
        _g = tensors[_op.Gate.Tensor];
        _r = _op.Residual is { } r ? tensors[r.Tensor] : null;
        _y = tensors[_op.Output.Tensor];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (r0, r1) = Rows(chunk);
        for (int row = r0; row < r1; row++) Row<TS, TV>(row / Channels, row % Channels);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Row<TS, TV>(int img, int c) where TS : ISimd<TV> where TV : unmanaged
    {
        int hw = Hw, w = TS.Width;
        float* x = _x + ((long)img * _xTotal + _xSources[c]) * hw;
        float* o = _y + ((long)img * _outTotal + _outOffset + c) * hw;
        TV g = TS.Splat(_g[(long)img * _gTotal + _gSources[c]]);
        var mask = TS.Mask(hw % w);
        int i = 0;
        if (_r is null)
        {
            for (; i + w <= hw; i += w) TS.Store(o + i, Act.Apply<TS, TV>(TS.Mul(TS.Load(x + i), g), _act));
            if (i < hw) TS.StoreMasked(o + i, Act.Apply<TS, TV>(TS.Mul(TS.LoadMasked(x + i, mask), g), _act), mask);
            return;
        }
        float* r = _r + ((long)img * _rTotal + _rSources[c]) * hw;
        for (; i + w <= hw; i += w) TS.Store(o + i, Act.Apply<TS, TV>(TS.Add(TS.Mul(TS.Load(x + i), g), TS.Load(r + i)), _act));
        if (i < hw)
            TS.StoreMasked(o + i, Act.Apply<TS, TV>(TS.Add(TS.Mul(TS.LoadMasked(x + i, mask), g), TS.LoadMasked(r + i, mask)), _act), mask);
    }
}
