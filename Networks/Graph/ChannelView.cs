namespace ShuffleNetGpu.Networks.Graph;

/// <summary>
/// How an op reads its input channels out of a (possibly larger) tensor, so that split-shuffle and group shuffle
/// cost no copy: logical channel c reads source channel <c>Offset + Stride * t</c>, where t is c itself or,
/// for a group shuffle, <c>(c % GroupSize) * Groups + c / GroupSize</c>.
/// </summary>
public readonly record struct ChannelView(int Offset, int Stride, int ShuffleGroups, int ShuffleGroupSize)
{
    /// <summary>Every channel, in order.</summary>
    public static readonly ChannelView Identity = new(0, 1, 1, 0);

    /// <summary>Channels [offset, ...) of the source.</summary>
    public static ChannelView Slice(int offset) => new(offset, 1, 1, 0);

    /// <summary>Split-shuffle's first half (<c>proj</c>): channels 0, 2, 4, ...</summary>
    public static readonly ChannelView SplitEven = new(0, 2, 1, 0);

    /// <summary>Split-shuffle's second half (<c>x</c>): channels 1, 3, 5, ...</summary>
    public static readonly ChannelView SplitOdd = new(1, 2, 1, 0);

    /// <summary>V1's group shuffle of <paramref name="channels"/> = g x n channels: output j*n+i = input i*g+j.</summary>
    public static ChannelView GroupShuffle(int groups, int channels) =>
        groups <= 1 ? Identity : new(0, 1, groups, channels / groups);

    /// <summary>Reads channel c as c (no offset, stride or shuffle).</summary>
    public bool IsIdentity => Offset == 0 && Stride == 1 && ShuffleGroups <= 1;

    /// <summary>The source channel that logical channel <paramref name="c"/> reads.</summary>
    public int Source(int c)
    {
        int t = ShuffleGroups > 1 ? (c % ShuffleGroupSize) * ShuffleGroups + c / ShuffleGroupSize : c;
        return Offset + Stride * t;
    }

    /// <summary>The highest source channel read for <paramref name="channels"/> logical channels, plus one.</summary>
    public int SourceExtent(int channels) => channels == 0 ? 0 : Enumerable.Range(0, channels).Max(Source) + 1;
}
