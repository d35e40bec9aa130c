using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// How a 3x3 stride-2 pooling reduces the in-range taps of its window: the struct type parameter of
/// <see cref="Pool3x3s2{TReduction}"/>, so ILGPU compiles one kernel per reduction with no branch or virtual call.
/// </summary>
public interface IPoolReduction
{
    /// <summary>The accumulator before the first tap; <paramref name="centre"/> indexes the window's centre tap in
    /// <paramref name="input"/> (always in range).</summary>
    float Start(ArrayView<float> input, int centre);

    /// <summary>The accumulator after one more tap.</summary>
    float Add(float acc, float tap);

    /// <summary>The pooled value of the accumulator.</summary>
    float Finish(float acc);
}

/// <summary>
/// What the 3x3 stride-2 pad-1 poolings share (<see cref="MaxPool3x3s2"/>, <see cref="AvgPool3x3s2"/>): the launcher
/// and the kernel, one thread per output element, the input read through <see cref="PoolParams.InMap"/> and the output
/// written into a channel slice; each op brings its <typeparamref name="TReduction"/> and its reference.
/// </summary>
/// <typeparam name="TReduction">How the window's taps are reduced.</typeparam>
public abstract class Pool3x3s2<TReduction> where TReduction : struct, IPoolReduction
{
    private readonly string op;

    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, PoolParams> kernel;

    /// <summary>Compiles the kernel on <paramref name="accelerator"/>; <paramref name="op"/> names the op in errors.</summary>
    private protected Pool3x3s2(Accelerator accelerator, string op)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        this.op = op;
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
        p.Validate(op);
        Checks.View(input, p.InputBufferLength, nameof(input), op);
        Checks.View(output, p.OutputBufferLength, nameof(output), op);
        Checks.FitsInt(p.OutputElements, "output", op);
        kernel(stream ?? Accelerator.DefaultStream, (int)p.OutputElements, input, output, p);
    }

    /// <summary>The kernel: one thread per output element (N x C x Ho x Wo); taps in row-major order.</summary>
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
        float acc = default(TReduction).Start(input, inBase + cy * p.W + cx);
        // The window clipped to the image up front: no 'continue' in the loops (PoCL compiles those badly).
        int yStart = cy > 0 ? cy - 1 : 0, yEnd = cy + 1 < p.H ? cy + 1 : p.H - 1;
        int xStart = cx > 0 ? cx - 1 : 0, xEnd = cx + 1 < p.W ? cx + 1 : p.W - 1;
        for (int iy = yStart; iy <= yEnd; iy++)
        {
            for (int ix = xStart; ix <= xEnd; ix++)
                acc = default(TReduction).Add(acc, input[inBase + iy * p.W + ix]);
        }
        output[((n * p.OutTotalChannels + p.OutChannelOffset + c) * p.Ho + oy) * p.Wo + ox] = default(TReduction).Finish(acc);
    }

    /// <summary>
    /// The host references' loop: every output of the slice is <paramref name="pool"/> of its window's in-range taps,
    /// row-major (each op states its reduction there on its own, apart from the kernel's <typeparamref name="TReduction"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    private protected static void ReferenceOverWindows(ReadOnlySpan<float> input, Span<float> output, in PoolParams p,
        string op, Func<ReadOnlySpan<float>, float> pool)
    {
        p.Validate(op);
        ReferenceChecks.Span(input.Length, p.InputBufferLength, nameof(input), op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), op);
        Span<float> taps = stackalloc float[9];
        for (int n = 0; n < p.N; n++)
        for (int c = 0; c < p.C; c++)
        {
            int inBase = (n * p.InTotalChannels + p.InMap.Source(c)) * p.H * p.W;
            for (int oy = 0; oy < p.Ho; oy++)
            for (int ox = 0; ox < p.Wo; ox++)
            {
                int count = 0;
                for (int iy = 2 * oy - 1; iy <= 2 * oy + 1; iy++)
                for (int ix = 2 * ox - 1; ix <= 2 * ox + 1; ix++)
                {
                    if (iy >= 0 && iy < p.H && ix >= 0 && ix < p.W)
                        taps[count++] = input[inBase + iy * p.W + ix];
                }
                output[((n * p.OutTotalChannels + p.OutChannelOffset + c) * p.Ho + oy) * p.Wo + ox] = pool(taps[..count]);
            }
        }
    }
}
