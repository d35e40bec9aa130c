using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// How a kernel reads its logical input channels from a (possibly larger) NCHW tensor.
/// Logical channel <c>c</c> reads the source channel
/// <c>Offset + Stride * t</c> with <c>t = ShuffleGroups &gt; 1 ? (c % ShuffleGroupSize) * ShuffleGroups + c / ShuffleGroupSize : c</c>.
/// </summary>
/// <remarks>
/// Blittable and passed to kernels by value. <c>default(ChannelMap)</c> is <see cref="Identity"/>
/// (the stride is stored minus one so that the zero value is meaningful).
/// A map with <c>ShuffleGroups &gt; 1</c> is a permutation only of exactly
/// <c>ShuffleGroups * ShuffleGroupSize</c> logical channels; launchers check that.
/// </remarks>
public readonly struct ChannelMap : IEquatable<ChannelMap>
{
    /// <summary>First source channel.</summary>
    public readonly int Offset;
    /// <summary>Source stride minus one (0 for a dense map).</summary>
    public readonly int StrideMinusOne;
    /// <summary>Number of shuffle groups (0 or 1: no shuffle).</summary>
    public readonly int ShuffleGroups;
    /// <summary>Channels per shuffle group (n = channels / groups).</summary>
    public readonly int ShuffleGroupSize;

    /// <summary>Creates a map; <paramref name="stride"/> must be at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative offset, a stride below 1, or an inconsistent shuffle.</exception>
    public ChannelMap(int offset, int stride, int shuffleGroups = 0, int shuffleGroupSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(shuffleGroups);
        if (shuffleGroups > 1)
            ArgumentOutOfRangeException.ThrowIfLessThan(shuffleGroupSize, 1);
        Offset = offset;
        StrideMinusOne = stride - 1;
        ShuffleGroups = shuffleGroups;
        ShuffleGroupSize = shuffleGroups > 1 ? shuffleGroupSize : 0;
    }

    /// <summary>Source channel stride (at least 1).</summary>
    public int Stride
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => StrideMinusOne + 1;
    }

    /// <summary>
    /// What <see cref="Source"/> divides by: the group size, and 1 for an unshuffled map (whose ShuffleGroupSize is 0).
    /// Never zero because PoCL's work-group vectoriser evaluates both sides of the select in <see cref="Source"/>, and
    /// each division by zero then costs a SIGFPE that PoCL traps and skips: 1.7 million signals, 92 s instead of 0.5 s
    /// for the tiny ExLarge fixture on 2 cores.
    /// </summary>
    public int ShuffleDivisor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ShuffleGroupSize > 1 ? ShuffleGroupSize : 1;
    }

    /// <summary>Whether the map shuffles (ShuffleGroups &gt; 1).</summary>
    public bool IsShuffled => ShuffleGroups > 1;

    /// <summary>Logical channel c reads source channel c.</summary>
    public static ChannelMap Identity => default;

    /// <summary>Logical channel c reads source channel <paramref name="offset"/> + c.</summary>
    public static ChannelMap Slice(int offset) => new(offset, 1);

    /// <summary>The 'proj' half of split-shuffle: channels 0, 2, 4, ...</summary>
    public static ChannelMap SplitEven => new(0, 2);

    /// <summary>The 'x' half of split-shuffle: channels 1, 3, 5, ...</summary>
    public static ChannelMap SplitOdd => new(1, 2);

    /// <summary>
    /// ShuffleNetV1 channel shuffle of <paramref name="channels"/> = groups * n channels: output channel
    /// <c>j * n + i</c> is input channel <c>i * groups + j</c>; i.e. logical channel c reads
    /// <c>(c % n) * groups + c / n</c>. One group (or none) is the identity.
    /// </summary>
    /// <exception cref="ArgumentException">channels is not a positive multiple of groups.</exception>
    public static ChannelMap GroupShuffle(int groups, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (channels % groups != 0)
            throw new ArgumentException($"GroupShuffle: channels ({channels}) must be a multiple of groups ({groups}).");
        return groups == 1 ? Identity : new ChannelMap(0, 1, groups, channels / groups);
    }

    /// <summary>The source channel of logical channel <paramref name="c"/> (usable in kernels and on the host).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Source(int c)
    {
        int n = ShuffleDivisor;
        int t = ShuffleGroups > 1 ? (c % n) * ShuffleGroups + c / n : c;
        return Offset + (StrideMinusOne + 1) * t;
    }

    /// <summary>
    /// Checks that the map is usable for <paramref name="channels"/> logical channels read from a tensor with
    /// <paramref name="totalChannels"/> channels per image; returns an error message or null.
    /// </summary>
    public string? Validate(int channels, int totalChannels)
    {
        if (Offset < 0 || StrideMinusOne < 0 || ShuffleGroups < 0)
            return $"invalid channel map {this}";
        if (ShuffleGroups > 1 && (ShuffleGroupSize < 1 || (long)ShuffleGroups * ShuffleGroupSize != channels))
            return $"channel map {this} shuffles {(long)ShuffleGroups * ShuffleGroupSize} channels, not {channels}";
        // Offset + Stride * t is increasing in t and t covers 0..channels-1.
        long maxSource = Offset + (long)Stride * (channels - 1);
        if (maxSource >= totalChannels)
            return $"channel map {this} reads channel {maxSource} of a tensor with {totalChannels} channels";
        return null;
    }

    /// <inheritdoc/>
    public bool Equals(ChannelMap other) =>
        Offset == other.Offset && StrideMinusOne == other.StrideMinusOne &&
        ShuffleGroups == other.ShuffleGroups && ShuffleGroupSize == other.ShuffleGroupSize;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ChannelMap m && Equals(m);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Offset, StrideMinusOne, ShuffleGroups, ShuffleGroupSize);

    /// <summary>Equality.</summary>
    public static bool operator ==(ChannelMap a, ChannelMap b) => a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ChannelMap a, ChannelMap b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => ShuffleGroups > 1
        ? $"ChannelMap(Offset={Offset}, Stride={Stride}, Shuffle={ShuffleGroups}x{ShuffleGroupSize})"
        : $"ChannelMap(Offset={Offset}, Stride={Stride})";
}
