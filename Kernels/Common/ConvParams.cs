using ILGPU;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// Shape of a 2-D convolution (NCHW float32), shared by <see cref="Conv2d"/>, <see cref="DepthwiseConv2d"/> and
/// <see cref="PointwiseConv2d"/>. Input element (n, c, y, x) is
/// <c>in[((n * InTotalChannels) + InMap.Source(c)) * H * W + y * W + x]</c>; output element (n, co, y, x) is
/// <c>out[((n * OutTotalChannels) + OutChannelOffset + co) * Ho * Wo + y * Wo + x]</c>.
/// Weight <c>[Cout, Cin / Groups, K, K]</c>, bias <c>[Cout]</c> (folded batch norm: always present).
/// Blittable; passed to kernels by value. Build it with <see cref="Create"/>.
/// </summary>
public record struct ConvParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Logical input channels.</summary>
    public int Cin;
    /// <summary>Input height.</summary>
    public int H;
    /// <summary>Input width.</summary>
    public int W;
    /// <summary>Output channels.</summary>
    public int Cout;
    /// <summary>Output height: (H + 2 Pad - K) / Stride + 1.</summary>
    public int Ho;
    /// <summary>Output width: (W + 2 Pad - K) / Stride + 1.</summary>
    public int Wo;
    /// <summary>Kernel size (square).</summary>
    public int K;
    /// <summary>Stride (both axes).</summary>
    public int Stride;
    /// <summary>Zero padding (both axes), K / 2 for these networks.</summary>
    public int Pad;
    /// <summary>Convolution groups (divides Cin and Cout).</summary>
    public int Groups;
    /// <summary>Channels per image of the input buffer (at least the largest mapped channel + 1).</summary>
    public int InTotalChannels;
    /// <summary>How logical input channels map to the input buffer's channels.</summary>
    public ChannelMap InMap;
    /// <summary>Channels per image of the output buffer.</summary>
    public int OutTotalChannels;
    /// <summary>First output-buffer channel written (the slice is [offset, offset + Cout)).</summary>
    public int OutChannelOffset;

    /// <summary>
    /// A convolution with padding <c>k / 2</c>. <paramref name="inTotalChannels"/> defaults to <paramref name="cin"/>,
    /// <paramref name="outTotalChannels"/> to <paramref name="cout"/>.
    /// </summary>
    public static ConvParams Create(int n, int cin, int h, int w, int cout, int k, int stride = 1, int groups = 1,
        ChannelMap inMap = default, int inTotalChannels = 0, int outTotalChannels = 0, int outChannelOffset = 0)
    {
        int pad = k / 2;
        return new ConvParams
        {
            N = n, Cin = cin, H = h, W = w, Cout = cout, K = k, Stride = stride, Pad = pad, Groups = groups,
            Ho = stride > 0 ? (h + 2 * pad - k) / stride + 1 : 0,
            Wo = stride > 0 ? (w + 2 * pad - k) / stride + 1 : 0,
            InTotalChannels = inTotalChannels > 0 ? inTotalChannels : cin,
            InMap = inMap,
            OutTotalChannels = outTotalChannels > 0 ? outTotalChannels : cout,
            OutChannelOffset = outChannelOffset,
        };
    }

    /// <summary>Elements of the logical output (N * Cout * Ho * Wo).</summary>
    public readonly long OutputElements => (long)N * Cout * Ho * Wo;

    /// <summary>Minimum input buffer length: N * InTotalChannels * H * W.</summary>
    public readonly long InputBufferLength => (long)N * InTotalChannels * H * W;

    /// <summary>Minimum output buffer length: N * OutTotalChannels * Ho * Wo.</summary>
    public readonly long OutputBufferLength => (long)N * OutTotalChannels * Ho * Wo;

    /// <summary>Weight length: Cout * (Cin / Groups) * K * K.</summary>
    public readonly long WeightLength => Groups > 0 ? (long)Cout * (Cin / Groups) * K * K : 0;

    /// <summary>
    /// The views of a launch of this shape: input and output at least their buffer lengths, the bias exactly Cout and the
    /// weight exactly <paramref name="weightLength"/> (<see cref="WeightLength"/> unless the launcher reads it repacked).
    /// </summary>
    internal readonly void CheckViews(ArrayView<float> input, ArrayView<float> weight, long weightLength,
        ArrayView<float> bias, ArrayView<float> output, long outputLength, string op)
    {
        Checks.View(input, InputBufferLength, nameof(input), op);
        Checks.ExactView(weight, weightLength, nameof(weight), op);
        Checks.ExactView(bias, Cout, nameof(bias), op);
        Checks.View(output, outputLength, nameof(output), op);
    }

    /// <summary>The views of a launch of this shape with the weight as stored and the output a channel slice.</summary>
    internal readonly void CheckViews(ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> output, string op) =>
        CheckViews(input, weight, WeightLength, bias, output, OutputBufferLength, op);

    /// <summary>Throws <see cref="ArgumentException"/> unless the shape is consistent.</summary>
    internal readonly void Validate(string op)
    {
        Checks.Positive(N, nameof(N), op);
        Checks.Positive(Cin, nameof(Cin), op);
        Checks.Positive(H, nameof(H), op);
        Checks.Positive(W, nameof(W), op);
        Checks.Positive(Cout, nameof(Cout), op);
        Checks.Positive(K, nameof(K), op);
        Checks.Positive(Stride, nameof(Stride), op);
        Checks.NonNegative(Pad, nameof(Pad), op);
        Checks.Positive(Groups, nameof(Groups), op);
        if (Cin % Groups != 0 || Cout % Groups != 0)
            throw new ArgumentException($"{op}: Groups ({Groups}) must divide Cin ({Cin}) and Cout ({Cout}). {this}");
        if (Pad >= K)
            throw new ArgumentException($"{op}: Pad ({Pad}) must be smaller than K ({K}). {this}");
        int ho = (H + 2 * Pad - K) / Stride + 1, wo = (W + 2 * Pad - K) / Stride + 1;
        if (H + 2 * Pad < K || W + 2 * Pad < K || Ho != ho || Wo != wo)
            throw new ArgumentException($"{op}: output size must be {ho}x{wo} for this input, kernel, stride and pad. {this}");
        Checks.Input(InMap, Cin, InTotalChannels, InputBufferLength, "In", op);
        Checks.OutputSlice(Cout, OutTotalChannels, OutChannelOffset, OutputBufferLength, op);
        Checks.FitsInt(WeightLength, "weight", op);
    }
}
