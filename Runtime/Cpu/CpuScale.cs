using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Squeeze-excitation apply, <c>out = act(x * gate[n, c] + residual)</c> (product rounded, then the sum, as the kernels).</summary>
internal sealed unsafe class CpuScale : CpuRowOp
{
    readonly ChannelRows _x, _g, _y;
    readonly ChannelRows? _r;

    public CpuScale(ScaleOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path)
        : base(op, path, op.Channels, tensors[op.Input.Tensor].Height * tensors[op.Input.Tensor].Width, op.Activation)
    {
        var gate = tensors[op.Gate.Tensor];
        if (gate.Height * gate.Width != 1) throw new ArgumentException("the gate must be [C, 1, 1]");
        _x = Rows(op.Input, tensors);
        _g = Rows(op.Gate, tensors, hw: 1);
        _r = op.Residual is { } r ? Rows(r, tensors) : null;
        _y = Slice(op.Output, tensors);
    }

    public override string Kernel => "ScaleChannels";

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
        float* x = _x.Row(img, c), o = _y.Row(img, c);
        TV g = TS.Splat(*_g.Row(img, c));
        var mask = TS.Mask(hw % w);
        int i = 0;
        if (_r is null)
        {
            for (; i + w <= hw; i += w) TS.Store(o + i, Act.Apply<TS, TV>(TS.Mul(TS.Load(x + i), g), Activation));
            if (i < hw) TS.StoreMasked(o + i, Act.Apply<TS, TV>(TS.Mul(TS.LoadMasked(x + i, mask), g), Activation), mask);
            return;
        }
        float* r = _r.Row(img, c);
        for (; i + w <= hw; i += w) TS.Store(o + i, Act.Apply<TS, TV>(TS.Add(TS.Mul(TS.Load(x + i), g), TS.Load(r + i)), Activation));
        if (i < hw)
            TS.StoreMasked(o + i, Act.Apply<TS, TV>(TS.Add(TS.Mul(TS.LoadMasked(x + i, mask), g), TS.LoadMasked(r + i, mask)), Activation), mask);
    }
}
