using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// Depthwise 2-D convolution (Groups = Cin = Cout, weight [C, 1, K, K]) with bias and an activation epilogue:
/// <c>out[n, c, y, x] = act(sum_{ky, kx} w[c, ky, kx] * in[n, c, y * s - p + ky, x * s - p + kx] + b[c])</c>
/// (zero padding). Input read through <see cref="ConvParams.InMap"/>, output written into a channel slice.
/// One thread per output element.
/// </summary>
public sealed class DepthwiseConv2d : DirectConvLauncher
{
    private const string Op = nameof(DepthwiseConv2d);

    /// <summary>Creates the launcher; each activation's specialisation compiles on <c>Prepare</c> or first launch.</summary>
    public DepthwiseConv2d(Accelerator accelerator)
        : base(accelerator, Op)
    {
    }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct>() => LoadPerOutput(Kernel<TAct>);

    /// <summary>Takes only depthwise shapes: Groups = Cin = Cout (weight [C, 1, K, K]).</summary>
    private protected override void Validate(in ConvParams p) => ValidateDepthwise(p);

    private static void ValidateDepthwise(in ConvParams p)
    {
        p.Validate(Op);
        if (p.Groups != p.Cin || p.Cout != p.Cin)
            throw new ArgumentException($"{Op}: needs Groups = Cin = Cout. {p}");
    }

    /// <summary>The kernel: one thread per output element (index over N x C x Ho x Wo).</summary>
    internal static void Kernel<TAct>(Index1D index, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, ConvParams p) where TAct : struct, IActivation
    {
        int idx = index.X;
        int ox = idx % p.Wo;
        int t = idx / p.Wo;
        int oy = t % p.Ho;
        t /= p.Ho;
        int c = t % p.Cout;
        int n = t / p.Cout;

        int iy0 = oy * p.Stride - p.Pad;
        int ix0 = ox * p.Stride - p.Pad;
        int inBase = (n * p.InTotalChannels + p.InMap.Source(c)) * p.H * p.W;
        int wBase = c * p.K * p.K;

        // The window clipped to the image up front (see Conv2d.Kernel).
        int kyStart = iy0 < 0 ? -iy0 : 0, kyEnd = p.H - iy0 < p.K ? p.H - iy0 : p.K;
        int kxStart = ix0 < 0 ? -ix0 : 0, kxEnd = p.W - ix0 < p.K ? p.W - ix0 : p.K;
        float acc = 0f;
        for (int ky = kyStart; ky < kyEnd; ky++)
        {
            int rowBase = inBase + (iy0 + ky) * p.W + ix0;
            int wRow = wBase + ky * p.K;
            for (int kx = kxStart; kx < kxEnd; kx++)
                acc += weight[wRow + kx] * input[rowBase + kx];
        }

        int outIndex = ((n * p.OutTotalChannels + p.OutChannelOffset + c) * p.Ho + oy) * p.Wo + ox;
        output[outIndex] = default(TAct).Apply(acc + bias[c]);
    }

    /// <summary>
    /// Plain scalar reference (summation order ky, kx; bias last). Same result as <see cref="Conv2d.Reference"/>
    /// with Groups = C.
    /// </summary>
    /// <exception cref="ArgumentException">Not depthwise, or inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in ConvParams p, Activation activation)
    {
        ValidateDepthwise(p);
        Conv2d.Reference(input, weight, bias, output, p, activation);
    }
}
