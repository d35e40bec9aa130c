namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// Shape of a 3x3 stride-2 pad-1 pooling (<see cref="MaxPool3x3s2"/>, <see cref="AvgPool3x3s2"/>):
/// Ho = (H - 1) / 2 + 1, Wo = (W - 1) / 2 + 1. Input element (n, c, y, x) is
/// <c>in[((n * InTotalChannels) + InMap.Source(c)) * H * W + y * W + x]</c>; output element (n, c, y, x) is
/// <c>out[((n * OutTotalChannels) + OutChannelOffset + c) * Ho * Wo + y * Wo + x]</c>. Build with <see cref="Create"/>.
/// </summary>
public record struct PoolParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Channels pooled.</summary>
    public int C;
    /// <summary>Input height.</summary>
    public int H;
    /// <summary>Input width.</summary>
    public int W;
    /// <summary>Output height, (H - 1) / 2 + 1.</summary>
    public int Ho;
    /// <summary>Output width, (W - 1) / 2 + 1.</summary>
    public int Wo;
    /// <summary>Channels per image of the input buffer.</summary>
    public int InTotalChannels;
    /// <summary>How logical channels map to input-buffer channels.</summary>
    public ChannelMap InMap;
    /// <summary>Channels per image of the output buffer.</summary>
    public int OutTotalChannels;
    /// <summary>First output-buffer channel written.</summary>
    public int OutChannelOffset;

    /// <summary>A pooling shape; totals default to <paramref name="c"/>.</summary>
    public static PoolParams Create(int n, int c, int h, int w, ChannelMap inMap = default, int inTotalChannels = 0,
        int outTotalChannels = 0, int outChannelOffset = 0) => new()
    {
        N = n, C = c, H = h, W = w, Ho = (h - 1) / 2 + 1, Wo = (w - 1) / 2 + 1,
        InTotalChannels = inTotalChannels > 0 ? inTotalChannels : c, InMap = inMap,
        OutTotalChannels = outTotalChannels > 0 ? outTotalChannels : c, OutChannelOffset = outChannelOffset,
    };

    /// <summary>Elements of the logical output, N * C * Ho * Wo.</summary>
    public readonly long OutputElements => (long)N * C * Ho * Wo;

    /// <summary>Minimum input buffer length.</summary>
    public readonly long InputBufferLength => (long)N * InTotalChannels * H * W;

    /// <summary>Minimum output buffer length.</summary>
    public readonly long OutputBufferLength => (long)N * OutTotalChannels * Ho * Wo;

    internal readonly void Validate(string op)
    {
        Checks.Map(N, C, H, W, op);
        if (Ho != (H - 1) / 2 + 1 || Wo != (W - 1) / 2 + 1)
            throw new ArgumentException($"{op}: output must be {(H - 1) / 2 + 1}x{(W - 1) / 2 + 1}. {this}");
        Checks.Input(InMap, C, InTotalChannels, InputBufferLength, "In", op);
        Checks.OutputSlice(C, OutTotalChannels, OutChannelOffset, OutputBufferLength, op);
    }
}
