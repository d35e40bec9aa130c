namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// Arguments of the <see cref="BlockedPointwiseConv2d"/> kernel: the shape and the sizes derived from it, computed
/// on the host so the kernel divides by nothing that is not a constant (ILGPU at O2 moves computations used only
/// inside a loop into that loop, a division included).
/// </summary>
/// <param name="Conv">The convolution's shape.</param>
/// <param name="Pixels">N * H * W: the pixel axis with the batch folded in.</param>
/// <param name="KPadded">Cin / Groups rounded up to the K tile.</param>
/// <param name="MPadded">Cout / Groups rounded up to the channel padding of the packed weights.</param>
public readonly record struct BlockedPointwiseParams(ConvParams Conv, int Pixels, int KPadded, int MPadded)
{
    /// <summary>Input channels per group.</summary>
    public readonly int Kg = Conv.Cin / Conv.Groups;

    /// <summary>Output channels per group.</summary>
    public readonly int Mg = Conv.Cout / Conv.Groups;

    /// <summary>Pixels per image.</summary>
    public readonly int Hw = Conv.H * Conv.W;
}
