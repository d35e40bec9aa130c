using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// 3x3 max pooling, stride 2, padding 1; padding never wins (the max is over the in-range taps only, and every
/// window has at least its centre in range). NaN propagates. Input map, output channel slice; one thread per
/// output element.
/// </summary>
public sealed class MaxPool3x3s2
{
    private const string Op = nameof(MaxPool3x3s2);

    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, PoolParams> kernel;

    /// <summary>Compiles the kernel on <paramref name="accelerator"/>.</summary>
    public MaxPool3x3s2(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        kernel = accelerator.LoadImplicitlyGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolParams>(
            Kernel, KernelGeometry.ElementwiseGroupSize(accelerator));
    }

    /// <summary>The accelerator the kernel was compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Enqueues the pooling on <paramref name="stream"/> (default stream if null); does not synchronise.</summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * Ho * Wo elements; only the slice is written.</param>
    /// <param name="p">Shape (<see cref="PoolParams.Create"/>).</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> output, in PoolParams p)
    {
        p.Validate(Op);
        Checks.View(input, p.InputBufferLength, nameof(input), Op);
        Checks.View(output, p.OutputBufferLength, nameof(output), Op);
        Checks.FitsInt(p.OutputElements, "output", Op);
        kernel(stream ?? Accelerator.DefaultStream, (int)p.OutputElements, input, output, p);
    }

    /// <summary>The kernel: one thread per output element (N x C x Ho x Wo).</summary>
    internal static void Kernel(Index1D index, ArrayView<float> input, ArrayView<float> output, PoolParams p)
    {
        int idx = index.X;
        int ox = idx % p.Wo;
        int t = idx / p.Wo;
        int oy = t % p.Ho;
        t /= p.Ho;
        int c = t % p.C;
        int n = t / p.C;
        int inBase = (n * p.InTotalChannels + p.InMap.Source(c)) * p.H * p.W;
        int cy = 2 * oy, cx = 2 * ox;
        // The centre tap is always in range: start from it so padding never wins.
        float m = input[inBase + cy * p.W + cx];
        // The window clipped to the image up front: no 'continue' in the loops (PoCL compiles those badly).
        int yStart = cy > 0 ? cy - 1 : 0, yEnd = cy + 1 < p.H ? cy + 1 : p.H - 1;
        int xStart = cx > 0 ? cx - 1 : 0, xEnd = cx + 1 < p.W ? cx + 1 : p.W - 1;
        for (int iy = yStart; iy <= yEnd; iy++)
        {
            for (int ix = xStart; ix <= xEnd; ix++)
            {
                float v = input[inBase + iy * p.W + ix];
                m = v > m || float.IsNaN(v) ? v : m;
            }
        }
        output[((n * p.OutTotalChannels + p.OutChannelOffset + c) * p.Ho + oy) * p.Wo + ox] = m;
    }

    /// <summary>Plain scalar reference; writes only the output slice.</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, Span<float> output, in PoolParams p)
    {
        p.Validate(Op);
        ReferenceChecks.Span(input.Length, p.InputBufferLength, nameof(input), Op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), Op);
        for (int n = 0; n < p.N; n++)
        for (int c = 0; c < p.C; c++)
        {
            int inBase = (n * p.InTotalChannels + p.InMap.Source(c)) * p.H * p.W;
            for (int oy = 0; oy < p.Ho; oy++)
            for (int ox = 0; ox < p.Wo; ox++)
            {
                float m = float.NegativeInfinity;
                bool nan = false;
                for (int iy = 2 * oy - 1; iy <= 2 * oy + 1; iy++)
                for (int ix = 2 * ox - 1; ix <= 2 * ox + 1; ix++)
                {
                    if (iy < 0 || iy >= p.H || ix < 0 || ix >= p.W)
                        continue;
                    float v = input[inBase + iy * p.W + ix];
                    nan |= float.IsNaN(v);
                    m = Math.Max(m, v);
                }
                output[((n * p.OutTotalChannels + p.OutChannelOffset + c) * p.Ho + oy) * p.Wo + ox] = nan ? float.NaN : m;
            }
        }
    }
}
