using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Where an element-wise op reads or writes channel rows (one image's H*W plane of one channel) of one tensor: logical
/// channel c of image i is the tensor's channel <c>Sources[c]</c> (a channel view, or an output slice's offset + c),
/// <c>Hw</c> floats. Bound to the tensor's address at the start of each pass (<see cref="CpuRowOp"/> does it).
/// </summary>
internal sealed unsafe class ChannelRows(int tensor, int totalChannels, int[] sources, int hw)
{
    float* _base;

    /// <summary>The tensor's address for this pass.</summary>
    public void Bind(float** tensors) => _base = tensors[tensor];

    /// <summary>Row of logical channel <paramref name="c"/> of image <paramref name="img"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Row(int img, int c) => _base + ((long)img * totalChannels + sources[c]) * hw;

    /// <summary>An output slice: logical channel c is the tensor's channel <paramref name="offset"/> + c.</summary>
    public static ChannelRows Slice(int tensor, int totalChannels, int offset, int channels, int hw) =>
        new(tensor, totalChannels, Enumerable.Range(offset, channels).ToArray(), hw);
}
