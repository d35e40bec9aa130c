using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>Shape of an <see cref="AddActivation"/>: a and b [N, C, H, W] through their maps, output channel slice.</summary>
public record struct AddActivationParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Channels.</summary>
    public int C;
    /// <summary>Height.</summary>
    public int H;
    /// <summary>Width.</summary>
    public int W;
    /// <summary>Channels per image of the a buffer.</summary>
    public int ATotalChannels;
    /// <summary>How logical channels map to a-buffer channels.</summary>
    public ChannelMap AMap;
    /// <summary>Channels per image of the b buffer.</summary>
    public int BTotalChannels;
    /// <summary>How logical channels map to b-buffer channels.</summary>
    public ChannelMap BMap;
    /// <summary>Channels per image of the output buffer.</summary>
    public int OutTotalChannels;
    /// <summary>First output-buffer channel written.</summary>
    public int OutChannelOffset;

    /// <summary>A shape; totals default to <paramref name="c"/>.</summary>
    public static AddActivationParams Create(int n, int c, int h, int w, ChannelMap aMap = default,
        int aTotalChannels = 0, ChannelMap bMap = default, int bTotalChannels = 0, int outTotalChannels = 0,
        int outChannelOffset = 0) => new()
    {
        N = n, C = c, H = h, W = w, AMap = aMap, ATotalChannels = aTotalChannels > 0 ? aTotalChannels : c,
        BMap = bMap, BTotalChannels = bTotalChannels > 0 ? bTotalChannels : c,
        OutTotalChannels = outTotalChannels > 0 ? outTotalChannels : c, OutChannelOffset = outChannelOffset,
    };

    /// <summary>Elements of the logical output, N * C * H * W.</summary>
    public readonly long OutputElements => (long)N * C * H * W;

    /// <summary>Minimum a buffer length.</summary>
    public readonly long ABufferLength => (long)N * ATotalChannels * H * W;

    /// <summary>Minimum b buffer length.</summary>
    public readonly long BBufferLength => (long)N * BTotalChannels * H * W;

    /// <summary>Minimum output buffer length.</summary>
    public readonly long OutputBufferLength => (long)N * OutTotalChannels * H * W;

    internal readonly void Validate(string op)
    {
        Checks.Map(N, C, H, W, op);
        Checks.Input(AMap, C, ATotalChannels, ABufferLength, "A", op);
        Checks.Input(BMap, C, BTotalChannels, BBufferLength, "B", op);
        Checks.OutputSlice(C, OutTotalChannels, OutChannelOffset, OutputBufferLength, op);
    }
}

/// <summary>
/// <c>out[n, c, y, x] = act(a[n, AMap(c), y, x] + b[n, BMap(c), y, x])</c> into a channel slice (ShuffleNetV1's
/// stride-1 <c>ReLU(x + input)</c>). One thread per element.
/// </summary>
public sealed class AddActivation : ActivationLauncher<Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        AddActivationParams>>
{
    private const string Op = nameof(AddActivation);

    /// <summary>Creates the launcher; each activation's specialisation compiles on <c>Prepare</c> or first launch.</summary>
    public AddActivation(Accelerator accelerator)
        : base(accelerator)
    {
    }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        AddActivationParams> Load<TAct>() =>
        Accelerator.LoadImplicitlyGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            AddActivationParams>(Kernel<TAct>, KernelGeometry.ElementwiseGroupSize(Accelerator));

    /// <summary>
    /// Enqueues the op on <paramref name="stream"/> (default stream if null); does not synchronise. The output may
    /// alias an input only where each thread reads and writes the same element (identity map, same slice).
    /// </summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="a">a buffer, at least N * ATotalChannels * H * W elements.</param>
    /// <param name="b">b buffer, at least N * BTotalChannels * H * W elements.</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * H * W elements; only the slice is written.</param>
    /// <param name="p">Shape.</param>
    /// <param name="activation">Applied to the sum.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output,
        in AddActivationParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        Checks.View(a, p.ABufferLength, nameof(a), Op);
        Checks.View(b, p.BBufferLength, nameof(b), Op);
        Checks.View(output, p.OutputBufferLength, nameof(output), Op);
        Checks.FitsInt(p.OutputElements, "output", Op);
        KernelFor(activation)(stream ?? Accelerator.DefaultStream, (int)p.OutputElements, a, b, output, p);
    }

    /// <summary>The kernel: one thread per element (N x C x H x W).</summary>
    internal static void Kernel<TAct>(Index1D index, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> output, AddActivationParams p) where TAct : struct, IActivation
    {
        int idx = index.X;
        int hw = p.H * p.W;
        int s = idx % hw;
        int t = idx / hw;
        int c = t % p.C;
        int n = t / p.C;
        float v = a[(n * p.ATotalChannels + p.AMap.Source(c)) * hw + s]
            + b[(n * p.BTotalChannels + p.BMap.Source(c)) * hw + s];
        output[(n * p.OutTotalChannels + p.OutChannelOffset + c) * hw + s] = default(TAct).Apply(v);
    }

    /// <summary>Plain scalar reference; writes only the output slice.</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output,
        in AddActivationParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        ReferenceChecks.Span(a.Length, p.ABufferLength, nameof(a), Op);
        ReferenceChecks.Span(b.Length, p.BBufferLength, nameof(b), Op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), Op);
        int hw = p.H * p.W;
        for (int n = 0; n < p.N; n++)
        for (int c = 0; c < p.C; c++)
        {
            int aBase = (n * p.ATotalChannels + p.AMap.Source(c)) * hw;
            int bBase = (n * p.BTotalChannels + p.BMap.Source(c)) * hw;
            int oBase = (n * p.OutTotalChannels + p.OutChannelOffset + c) * hw;
            for (int s = 0; s < hw; s++)
                output[oBase + s] = activation.Apply(a[aBase + s] + b[bBase + s]);
        }
    }
}
