using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// Shape of a <see cref="ScaleChannels"/>: x [N, C, H, W] read through <see cref="XMap"/>, gate s dense [N, C],
/// optional residual r read through <see cref="RMap"/>, output channel slice.
/// </summary>
public record struct ScaleChannelsParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Channels.</summary>
    public int C;
    /// <summary>Height.</summary>
    public int H;
    /// <summary>Width.</summary>
    public int W;
    /// <summary>Channels per image of the x buffer.</summary>
    public int XTotalChannels;
    /// <summary>How logical channels map to x-buffer channels.</summary>
    public ChannelMap XMap;
    /// <summary>1 when the residual is added, 0 otherwise (set by the launcher from the residual view).</summary>
    public int HasResidual;
    /// <summary>Channels per image of the residual buffer.</summary>
    public int RTotalChannels;
    /// <summary>How logical channels map to residual-buffer channels.</summary>
    public ChannelMap RMap;
    /// <summary>Channels per image of the output buffer.</summary>
    public int OutTotalChannels;
    /// <summary>First output-buffer channel written.</summary>
    public int OutChannelOffset;

    /// <summary>A shape; totals default to <paramref name="c"/>. Without a residual, its map and total are ignored.</summary>
    public static ScaleChannelsParams Create(int n, int c, int h, int w, ChannelMap xMap = default,
        int xTotalChannels = 0, bool hasResidual = false, ChannelMap rMap = default, int rTotalChannels = 0,
        int outTotalChannels = 0, int outChannelOffset = 0) => new()
    {
        N = n, C = c, H = h, W = w, XMap = xMap, XTotalChannels = xTotalChannels > 0 ? xTotalChannels : c,
        HasResidual = hasResidual ? 1 : 0, RMap = rMap, RTotalChannels = rTotalChannels > 0 ? rTotalChannels : c,
        OutTotalChannels = outTotalChannels > 0 ? outTotalChannels : c, OutChannelOffset = outChannelOffset,
    };

    /// <summary>Elements of the logical output, N * C * H * W.</summary>
    public readonly long OutputElements => (long)N * C * H * W;

    /// <summary>Minimum x buffer length.</summary>
    public readonly long XBufferLength => (long)N * XTotalChannels * H * W;

    /// <summary>Minimum residual buffer length (0 without a residual).</summary>
    public readonly long RBufferLength => HasResidual != 0 ? (long)N * RTotalChannels * H * W : 0;

    /// <summary>Minimum output buffer length.</summary>
    public readonly long OutputBufferLength => (long)N * OutTotalChannels * H * W;

    internal readonly void Validate(string op)
    {
        Checks.Map(N, C, H, W, op);
        Checks.Input(XMap, C, XTotalChannels, XBufferLength, "X", op);
        if (HasResidual is not (0 or 1))
            throw new ArgumentException($"{op}: HasResidual must be 0 or 1. {this}");
        if (HasResidual != 0)
            Checks.Input(RMap, C, RTotalChannels, RBufferLength, "R", op);
        Checks.OutputSlice(C, OutTotalChannels, OutChannelOffset, OutputBufferLength, op);
    }
}

/// <summary>
/// Squeeze-excitation apply: <c>out[n, c, y, x] = act(x[n, c, y, x] * s[n, c] + (residual ? r[n, c, y, x] : 0))</c>
/// with x and r read through their channel maps and the output written into a channel slice. Covers V2+
/// (<c>x * s</c>), Large (<c>ReLU(x * s + x_in)</c>) and ExLarge (<c>ReLU(x_in + x * s)</c>). One thread per element.
/// </summary>
public sealed class ScaleChannels : ActivationLauncher<Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ScaleChannelsParams>>
{
    private const string Op = nameof(ScaleChannels);

    /// <summary>Creates the launcher; each activation's specialisation compiles on <c>Prepare</c> or first launch.</summary>
    public ScaleChannels(Accelerator accelerator)
        : base(accelerator)
    {
    }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ScaleChannelsParams> Load<TAct>() =>
        Accelerator.LoadImplicitlyGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ScaleChannelsParams>(Kernel<TAct>, KernelGeometry.ElementwiseGroupSize(Accelerator));

    /// <summary>
    /// Enqueues the op on <paramref name="stream"/> (default stream if null); does not synchronise.
    /// <see cref="ScaleChannelsParams.HasResidual"/> is taken from <paramref name="residual"/> (empty: none).
    /// The output may be the x buffer itself only where it reads and writes the same elements (identity maps and
    /// the same slice); otherwise it must not overlap the inputs.
    /// </summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="x">x buffer, at least N * XTotalChannels * H * W elements.</param>
    /// <param name="scale">s [N, C] (already activated), at least N * C elements.</param>
    /// <param name="residual">Residual buffer (at least N * RTotalChannels * H * W) or an empty view for none.</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * H * W elements; only the slice is written.</param>
    /// <param name="p">Shape.</param>
    /// <param name="activation">Applied after the residual add.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> x, ArrayView<float> scale,
        ArrayView<float> residual, ArrayView<float> output, ScaleChannelsParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        bool hasResidual = residual.IsValid && residual.Length > 0;
        p.HasResidual = hasResidual ? 1 : 0;
        p.Validate(Op);
        Checks.View(x, p.XBufferLength, nameof(x), Op);
        Checks.View(scale, (long)p.N * p.C, nameof(scale), Op);
        if (hasResidual)
            Checks.View(residual, p.RBufferLength, nameof(residual), Op);
        Checks.View(output, p.OutputBufferLength, nameof(output), Op);
        Checks.FitsInt(p.OutputElements, "output", Op);
        // Without a residual the kernel never reads it: pass x so no empty view reaches a backend.
        KernelFor(activation)(stream ?? Accelerator.DefaultStream, (int)p.OutputElements, x, scale,
            hasResidual ? residual : x, output, p);
    }

    /// <summary>The kernel: one thread per element (N x C x H x W).</summary>
    internal static void Kernel<TAct>(Index1D index, ArrayView<float> x, ArrayView<float> scale,
        ArrayView<float> residual, ArrayView<float> output, ScaleChannelsParams p) where TAct : struct, IActivation
    {
        int idx = index.X;
        int hw = p.H * p.W;
        int s = idx % hw;
        int t = idx / hw;
        int c = t % p.C;
        int n = t / p.C;
        float v = x[(n * p.XTotalChannels + p.XMap.Source(c)) * hw + s] * scale[t];
        if (p.HasResidual != 0)
            v += residual[(n * p.RTotalChannels + p.RMap.Source(c)) * hw + s];
        output[(n * p.OutTotalChannels + p.OutChannelOffset + c) * hw + s] = default(TAct).Apply(v);
    }

    /// <summary>Plain scalar reference; <paramref name="residual"/> empty means none (overrides HasResidual).</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> residual,
        Span<float> output, ScaleChannelsParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.HasResidual = residual.Length > 0 ? 1 : 0;
        p.Validate(Op);
        ReferenceChecks.Span(x.Length, p.XBufferLength, nameof(x), Op);
        ReferenceChecks.Span(scale.Length, (long)p.N * p.C, nameof(scale), Op);
        ReferenceChecks.Span(residual.Length, p.RBufferLength, nameof(residual), Op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), Op);
        int hw = p.H * p.W;
        for (int n = 0; n < p.N; n++)
        for (int c = 0; c < p.C; c++)
        {
            float g = scale[n * p.C + c];
            int xBase = (n * p.XTotalChannels + p.XMap.Source(c)) * hw;
            int rBase = (n * p.RTotalChannels + p.RMap.Source(c)) * hw;
            int oBase = (n * p.OutTotalChannels + p.OutChannelOffset + c) * hw;
            for (int s = 0; s < hw; s++)
            {
                float v = x[xBase + s] * g;
                if (p.HasResidual != 0)
                    v += residual[rBase + s];
                output[oBase + s] = activation.Apply(v);
            }
        }
    }
}
