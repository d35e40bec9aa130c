using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary><c>out = act(a + b)</c> (V1's residual), both inputs through their channel views.</summary>
internal sealed unsafe class CpuAdd : CpuRowOp
{
    readonly ChannelRows _a, _b, _y;

    public CpuAdd(AddOp op, IReadOnlyList<TensorInfo> tensors, CpuPath path)
        : base(op, path, op.Channels, tensors[op.A.Tensor].Height * tensors[op.A.Tensor].Width, op.Activation)
    {
        if (tensors[op.B.Tensor].Height * tensors[op.B.Tensor].Width != Hw) throw new ArgumentException("add inputs must have the same size");
        _a = Rows(op.A, tensors);
        _b = Rows(op.B, tensors);
        _y = Slice(op.Output, tensors);
    }

    public override string Kernel => "AddActivation";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Body<TS, TV>(int chunk, int worker)
    {
        var (r0, r1) = Rows(chunk);
        for (int row = r0; row < r1; row++)
        {
            int img = row / Channels, c = row % Channels;
            Act.AddActivate<TS, TV>(_a.Row(img, c), _b.Row(img, c), _y.Row(img, c), Hw, Activation);
        }
    }
}
