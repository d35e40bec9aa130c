using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary><c>out = act(in)</c> through a channel view: the <c>proj</c> half of a stride-1 split-shuffle block.</summary>
internal sealed unsafe class CpuCopy : CpuRowOp
{
    readonly ChannelRows _x, _y;

    public CpuCopy(CopyOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path)
        : base(op, path, op.Channels, tensors[op.Input.Tensor].Height * tensors[op.Input.Tensor].Width, op.Activation)
    {
        _x = Rows(op.Input, tensors);
        _y = Slice(op.Output, tensors);
    }

    public override string Kernel => "CopyChannels";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (r0, r1) = Rows(chunk);
        for (int row = r0; row < r1; row++)
        {
            float* x = _x.Row(row / Channels, row % Channels), o = _y.Row(row / Channels, row % Channels);
            if (Activation == Activation.None) PaddedPlanes.Copy<TS, TV>(x, o, Hw);
            else Act.Activate<TS, TV>(x, o, Hw, Activation);
        }
    }
}
