using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// General grouped 2-D convolution (NCHW float32) with bias and an activation epilogue:
/// <c>out[n, co, y, x] = act(sum_{ci, ky, kx} w[co, ci, ky, kx] * in[n, g * Cin/G + ci, y * s - p + ky, x * s - p + kx] + b[co])</c>
/// (g = co / (Cout / Groups), zero padding), any groups, stride, kernel size and padding. Input read through
/// <see cref="ConvParams.InMap"/>, output written into a channel slice. One thread per output element.
/// </summary>
public sealed class Conv2d : DirectConvLauncher
{
    private const string Op = nameof(Conv2d);

    /// <summary>Creates the launcher; each activation's specialisation compiles on <c>Prepare</c> or first launch.</summary>
    public Conv2d(Accelerator accelerator)
        : base(accelerator, Op)
    {
    }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct>() => LoadPerOutput(Kernel<TAct>);

    /// <summary>The kernel: one thread per output element (index over N x Cout x Ho x Wo).</summary>
    internal static void Kernel<TAct>(Index1D index, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, ConvParams p) where TAct : struct, IActivation
    {
        int idx = index.X;
        int ox = idx % p.Wo;
        int t = idx / p.Wo;
        int oy = t % p.Ho;
        t /= p.Ho;
        int co = t % p.Cout;
        int n = t / p.Cout;

        int cinPerGroup = p.Cin / p.Groups;
        int g = co / (p.Cout / p.Groups);
        int hw = p.H * p.W;
        int kk = p.K * p.K;
        int iy0 = oy * p.Stride - p.Pad;
        int ix0 = ox * p.Stride - p.Pad;

        // The window clipped to the image up front (no per-tap bounds test): the same taps in the same order, and
        // loops without 'continue', which PoCL's work-group compiler handles far better.
        int kyStart = iy0 < 0 ? -iy0 : 0, kyEnd = p.H - iy0 < p.K ? p.H - iy0 : p.K;
        int kxStart = ix0 < 0 ? -ix0 : 0, kxEnd = p.W - ix0 < p.K ? p.W - ix0 : p.K;
        float acc = 0f;
        for (int ci = 0; ci < cinPerGroup; ci++)
        {
            int inBase = (n * p.InTotalChannels + p.InMap.Source(g * cinPerGroup + ci)) * hw;
            int wBase = (co * cinPerGroup + ci) * kk;
            for (int ky = kyStart; ky < kyEnd; ky++)
            {
                int rowBase = inBase + (iy0 + ky) * p.W + ix0;
                int wRow = wBase + ky * p.K;
                for (int kx = kxStart; kx < kxEnd; kx++)
                    acc += weight[wRow + kx] * input[rowBase + kx];
            }
        }

        int outIndex = ((n * p.OutTotalChannels + p.OutChannelOffset + co) * p.Ho + oy) * p.Wo + ox;
        output[outIndex] = default(TAct).Apply(acc + bias[co]);
    }

    /// <summary>
    /// Plain scalar reference (the test oracle; also usable by a full-network reference). Same formula, layout
    /// and summation order as the kernel (ci, ky, kx; bias added last). Writes only the output slice.
    /// </summary>
    /// <exception cref="ArgumentException">Inconsistent shape or too-short spans.</exception>
    public static void Reference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        ReferenceChecks.Span(input.Length, p.InputBufferLength, nameof(input), Op);
        ReferenceChecks.Exact(weight.Length, p.WeightLength, nameof(weight), Op);
        ReferenceChecks.Exact(bias.Length, p.Cout, nameof(bias), Op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), Op);

        int cinPerGroup = p.Cin / p.Groups, coutPerGroup = p.Cout / p.Groups;
        int hw = p.H * p.W, kk = p.K * p.K;
        for (int n = 0; n < p.N; n++)
        for (int co = 0; co < p.Cout; co++)
        {
            int g = co / coutPerGroup;
            for (int oy = 0; oy < p.Ho; oy++)
            for (int ox = 0; ox < p.Wo; ox++)
            {
                float acc = 0f;
                for (int ci = 0; ci < cinPerGroup; ci++)
                {
                    int inBase = (n * p.InTotalChannels + p.InMap.Source(g * cinPerGroup + ci)) * hw;
                    int wBase = (co * cinPerGroup + ci) * kk;
                    for (int ky = 0; ky < p.K; ky++)
                    {
                        int iy = oy * p.Stride - p.Pad + ky;
                        if (iy < 0 || iy >= p.H)
                            continue;
                        for (int kx = 0; kx < p.K; kx++)
                        {
                            int ix = ox * p.Stride - p.Pad + kx;
                            if (ix < 0 || ix >= p.W)
                                continue;
                            acc += weight[wBase + ky * p.K + kx] * input[inBase + iy * p.W + ix];
                        }
                    }
                }
                output[((n * p.OutTotalChannels + p.OutChannelOffset + co) * p.Ho + oy) * p.Wo + ox] =
                    activation.Apply(acc + bias[co]);
            }
        }
    }
}
