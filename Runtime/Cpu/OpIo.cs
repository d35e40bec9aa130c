using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Where an op with one input reads and writes: the two tensors, their channel counts, and the channel of
/// the output tensor the op's first output channel goes to (a concatenation's slice).</summary>
internal readonly record struct OpIo(int Input, int Output, int InTotal, int OutTotal, int OutOffset)
{
    public static OpIo Of(TensorRead input, TensorWrite output, IReadOnlyList<TensorInfo> tensors) =>
        new(input.Tensor, output.Tensor, tensors[input.Tensor].Channels, tensors[output.Tensor].Channels, output.ChannelOffset);
}
