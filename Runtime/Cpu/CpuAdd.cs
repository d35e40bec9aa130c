using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary><c>out = act(a + b)</c> (V1's residual), both inputs through their channel views.</summary>
internal sealed unsafe class CpuAdd : CpuRowOp
{
    readonly int _aTotal, _bTotal, _outTotal, _outOffset;
    readonly AddOp _op;
    readonly Activation _act;
    readonly int[] _aSources, _bSources;
    float* _a, _b, _y;

    public CpuAdd(AddOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path)
        : base(op, path, op.Channels, tensors[op.A.Tensor].Height * tensors[op.A.Tensor].Width)
    {
        _op = op;
        var dst = tensors[op.Output.Tensor];
        if (tensors[op.B.Tensor].Height * tensors[op.B.Tensor].Width != Hw || dst.Height * dst.Width != Hw)
            throw new ArgumentException("add inputs and output must have the same size");
        _aTotal = tensors[op.A.Tensor].Channels;
        _bTotal = tensors[op.B.Tensor].Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _act = op.Activation;
        _aSources = Sources(op.A.View, Channels);
        _bSources = Sources(op.B.View, Channels);
    }

    public override string Kernel => "AddActivation";

    protected override void Bind(float** tensors)
    {
        _a = tensors[_op.A.Tensor];
        _b = tensors[_op.B.Tensor];
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
        float* a = _a + ((long)img * _aTotal + _aSources[c]) * Hw;
        float* b = _b + ((long)img * _bTotal + _bSources[c]) * Hw;
        Act.AddActivate<TS, TV>(a, b, _y + ((long)img * _outTotal + _outOffset + c) * Hw, Hw, _act);
    }
}
