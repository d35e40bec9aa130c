using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// Depthwise 2-D convolution (Groups = Cin = Cout, weight [C, 1, K, K]) with bias and an activation epilogue:
/// <c>out[n, c, y, x] = act(sum_{ky, kx} w[c, ky, kx] * in[n, c, y * s - p + ky, x * s - p + kx] + b[c])</c>
/// (zero padding). Input read through <see cref="ConvParams.InMap"/>, output written into a channel slice.
/// One thread per output element.
/// </summary>
public sealed class DepthwiseConv2d
{
    private const string Op = nameof(DepthwiseConv2d);

    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams>[] kernels;

    /// <summary>Compiles the kernel for every <see cref="ActivationKind"/> on <paramref name="accelerator"/>.</summary>
    public DepthwiseConv2d(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        kernels = [Load<Identity>(accelerator), Load<Relu>(accelerator), Load<HardSwish>(accelerator),
            Load<HardSigmoid>(accelerator), Load<Sigmoid>(accelerator)];
    }

    /// <summary>The accelerator the kernels were compiled for.</summary>
    public Accelerator Accelerator { get; }

    private static Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct>(Accelerator accelerator) where TAct : struct, IActivation =>
        accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ConvParams>(Kernel<TAct>);

    /// <summary>
    /// Enqueues the depthwise convolution on <paramref name="stream"/> (default stream if null); does not
    /// synchronise. Requires Groups = Cin = Cout. <paramref name="output"/> must not overlap the other views.
    /// </summary>
    /// <param name="stream">Stream to launch on, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="weight">Weight [C, 1, K, K], exactly C * K * K elements.</param>
    /// <param name="bias">Bias [C].</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * Ho * Wo elements; only the slice is written.</param>
    /// <param name="p">Shape: <c>ConvParams.Create(n, c, h, w, c, k, stride, groups: c, ...)</c>.</param>
    /// <param name="activation">Epilogue applied after the bias.</param>
    /// <exception cref="ArgumentException">Not depthwise, or inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, ActivationKind activation)
    {
        activation.ThrowIfUndefined();
        Validate(p);
        Checks.View(input, p.InputBufferLength, nameof(input), Op);
        Checks.ExactView(weight, p.WeightLength, nameof(weight), Op);
        Checks.ExactView(bias, p.Cout, nameof(bias), Op);
        Checks.View(output, p.OutputBufferLength, nameof(output), Op);
        Checks.FitsInt(p.OutputElements, "output", Op);
        kernels[(int)activation](stream ?? Accelerator.DefaultStream, (int)p.OutputElements, input, weight, bias,
            output, p);
    }

    private static void Validate(in ConvParams p)
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

        float acc = 0f;
        for (int ky = 0; ky < p.K; ky++)
        {
            int iy = iy0 + ky;
            if (iy < 0 || iy >= p.H)
                continue;
            int rowBase = inBase + iy * p.W;
            int wRow = wBase + ky * p.K;
            for (int kx = 0; kx < p.K; kx++)
            {
                int ix = ix0 + kx;
                if (ix < 0 || ix >= p.W)
                    continue;
                acc += weight[wRow + kx] * input[rowBase + ix];
            }
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
        Span<float> output, in ConvParams p, ActivationKind activation)
    {
        Validate(p);
        Conv2d.Reference(input, weight, bias, output, p, activation);
    }
}
