using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary><c>out = act(in)</c> through a channel view: the <c>proj</c> half of a stride-1 split-shuffle block.</summary>
internal sealed unsafe class CpuCopy : CpuRowOp
{
    readonly int _inTotal, _outTotal, _outOffset;
    readonly CopyOp _op;
    readonly Activation _act;
    readonly int[] _sources;
    float* _x, _y;

    public CpuCopy(CopyOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path)
        : base(op, path, op.Channels, tensors[op.Input.Tensor].Height * tensors[op.Input.Tensor].Width)
    {
        _op = op;
        var dst = tensors[op.Output.Tensor];
        if (dst.Height * dst.Width != Hw) throw new ArgumentException("copy output must have the input's size");
        _inTotal = tensors[op.Input.Tensor].Channels;
        _outTotal = dst.Channels;
        _outOffset = op.Output.ChannelOffset;
        _act = op.Activation;
        _sources = Sources(op.Input.View, Channels);
    }

    public override string Kernel => "CopyChannels";

    protected override void Bind(float** tensors)
    {
        _x = tensors[_op.Input.Tensor];
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
        float* x = _x + ((long)img * _inTotal + _sources[c]) * Hw;
        float* o = _y + ((long)img * _outTotal + _outOffset + c) * Hw;
        if (_act == Activation.None) PaddedPlanes.Copy<TS, TV>(x, o, Hw);
        else Act.Activate<TS, TV>(x, o, Hw, _act);
    }
}
