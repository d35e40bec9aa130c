using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>Shape of a <see cref="CopyChannels"/>: input [N, C, H, W] through a map, output channel slice.</summary>
public record struct CopyChannelsParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Channels copied.</summary>
    public int C;
    /// <summary>Height.</summary>
    public int H;
    /// <summary>Width.</summary>
    public int W;
    /// <summary>Channels per image of the input buffer.</summary>
    public int InTotalChannels;
    /// <summary>How logical channels map to input-buffer channels.</summary>
    public ChannelMap InMap;
    /// <summary>Channels per image of the output buffer.</summary>
    public int OutTotalChannels;
    /// <summary>First output-buffer channel written.</summary>
    public int OutChannelOffset;

    /// <summary>A shape; totals default to <paramref name="c"/>.</summary>
    public static CopyChannelsParams Create(int n, int c, int h, int w, ChannelMap inMap = default,
        int inTotalChannels = 0, int outTotalChannels = 0, int outChannelOffset = 0) => new()
    {
        N = n, C = c, H = h, W = w, InMap = inMap, InTotalChannels = inTotalChannels > 0 ? inTotalChannels : c,
        OutTotalChannels = outTotalChannels > 0 ? outTotalChannels : c, OutChannelOffset = outChannelOffset,
    };

    /// <summary>Elements of the logical output, N * C * H * W.</summary>
    public readonly long OutputElements => (long)N * C * H * W;

    /// <summary>Minimum input buffer length.</summary>
    public readonly long InputBufferLength => (long)N * InTotalChannels * H * W;

    /// <summary>Minimum output buffer length.</summary>
    public readonly long OutputBufferLength => (long)N * OutTotalChannels * H * W;

    internal readonly void Validate(string op)
    {
        Checks.Map(N, C, H, W, op);
        Checks.Input(InMap, C, InTotalChannels, InputBufferLength, "In", op);
        Checks.OutputSlice(C, OutTotalChannels, OutChannelOffset, OutputBufferLength, op);
    }
}

/// <summary>
/// <c>out[n, c, y, x] = act(in[n, InMap(c), y, x])</c> into a channel slice: the stand-alone pass where a fused
/// read is impossible (the split-shuffle 'proj' half of a stride-1 V2 block). One thread per element.
/// </summary>
public sealed class CopyChannels : ActivationLauncher<Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, CopyChannelsParams>>
{
    private const string Op = nameof(CopyChannels);

    /// <summary>Creates the launcher; each activation's specialisation compiles on <c>Prepare</c> or first launch.</summary>
    public CopyChannels(Accelerator accelerator)
        : base(accelerator)
    {
    }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, CopyChannelsParams> Load<TAct>() =>
        Accelerator.LoadImplicitlyGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, CopyChannelsParams>(Kernel<TAct>, KernelGeometry.ElementwiseGroupSize(Accelerator));

    /// <summary>
    /// Enqueues the copy on <paramref name="stream"/> (default stream if null); does not synchronise.
    /// <paramref name="output"/> must not overlap <paramref name="input"/>.
    /// </summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * H * W elements; only the slice is written.</param>
    /// <param name="p">Shape.</param>
    /// <param name="activation">Applied to each element.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> output,
        in CopyChannelsParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        Checks.View(input, p.InputBufferLength, nameof(input), Op);
        Checks.View(output, p.OutputBufferLength, nameof(output), Op);
        Checks.FitsInt(p.OutputElements, "output", Op);
        KernelFor(activation)(stream ?? Accelerator.DefaultStream, (int)p.OutputElements, input, output, p);
    }

    /// <summary>The kernel: one thread per element (N x C x H x W).</summary>
    internal static void Kernel<TAct>(Index1D index, ArrayView<float> input, ArrayView<float> output,
        CopyChannelsParams p) where TAct : struct, IActivation
    {
        int idx = index.X;
        int hw = p.H * p.W;
        int s = idx % hw;
        int t = idx / hw;
        int c = t % p.C;
        int n = t / p.C;
        output[(n * p.OutTotalChannels + p.OutChannelOffset + c) * hw + s] =
            default(TAct).Apply(input[(n * p.InTotalChannels + p.InMap.Source(c)) * hw + s]);
    }

    /// <summary>Plain scalar reference; writes only the output slice.</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, Span<float> output, in CopyChannelsParams p,
        Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        ReferenceChecks.Span(input.Length, p.InputBufferLength, nameof(input), Op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), Op);
        int hw = p.H * p.W;
        for (int n = 0; n < p.N; n++)
        for (int c = 0; c < p.C; c++)
        {
            int iBase = (n * p.InTotalChannels + p.InMap.Source(c)) * hw;
            int oBase = (n * p.OutTotalChannels + p.OutChannelOffset + c) * hw;
            for (int s = 0; s < hw; s++)
                output[oBase + s] = activation.Apply(input[iBase + s]);
        }
    }
}
