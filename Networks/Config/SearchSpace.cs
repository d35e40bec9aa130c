namespace ShuffleNetGpu.Networks.Config;

/// <summary>A candidate architecture outside its search space, or a candidate string that does not parse.</summary>
public sealed class CandidateException(string message) : ShuffleNetException(message);

/// <summary>
/// The search spaces of the searched families (SPEC), one configuration per candidate. Every block picks a choice
/// 0..3 (<see cref="BlockChoice"/>: shuffle 3x3/5x5/7x7, Xception); the rest is fixed by the family and its width:
/// <list type="bullet">
/// <item>ShuffleNetV2+: 20 blocks (repeats 4, 4, 8, 4), widths <c>small</c>/<c>medium</c>/<c>large</c>; Xception is
/// refused on the first block of each stage (stride 2; V2+'s Xception strides all three depthwise convolutions).</item>
/// <item>OneShot: 20 blocks, one width (the supernet's), plus a channel scale per block from
/// <see cref="OneShotScales"/> (block mid = <c>int((out / 2) * scale)</c>).</item>
/// <item>DetNAS: width <c>300m</c> (20 blocks, 4, 4, 8, 4) or <c>1.3g</c>/<c>3.8g</c> (40 blocks, 8, 8, 16, 8).</item>
/// </list>
/// The factories throw <see cref="CandidateException"/> naming the bad entry (index and value).
/// </summary>
public static class SearchSpace
{
    /// <summary>OneShot's channel-scale choices, <c>[0.2, 0.4, ..., 1.6]</c>.</summary>
    public static IReadOnlyList<double> OneShotScales { get; } = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6];

    /// <summary>Stem and stage channels (<c>c1; c2..c5</c>) of each V2+ width; <c>conv_last</c> is 1280 wide in all.</summary>
    public static IReadOnlyDictionary<string, int[]> V2PlusWidths { get; } = new Dictionary<string, int[]>
    {
        ["small"] = [16, 36, 104, 208, 416], ["medium"] = [16, 48, 128, 256, 512], ["large"] = [16, 68, 168, 336, 672],
    };

    /// <summary>Stage repeats and channels (<c>c1; c2..c5; clast</c>) of each DetNAS width.</summary>
    public static IReadOnlyDictionary<string, (int[] Repeats, int[] Channels)> DetNasWidths { get; } = new Dictionary<string, (int[], int[])>
    {
        ["300m"] = ([4, 4, 8, 4], [16, 64, 160, 320, 640, 1024]),
        ["1.3g"] = ([8, 8, 16, 8], [48, 96, 240, 480, 960, 1024]),
        ["3.8g"] = ([8, 8, 16, 8], [72, 172, 432, 864, 1728, 1728]),
    };

    static readonly int[] TwentyBlocks = [4, 4, 8, 4];
    static readonly int[] OneShotChannels = [16, 64, 160, 320, 640, 1024];

    /// <summary>The block choices a family's search space takes for a width (null for OneShot, which has one).</summary>
    public static int BlockCount(ModelFamily family, string? width = null) => family switch
    {
        ModelFamily.DetNas => DetNasWidths[width ?? "300m"].Repeats.Sum(),
        ModelFamily.V2Plus or ModelFamily.OneShot => TwentyBlocks.Sum(),
        _ => throw new CandidateException($"{family} has no search space (searched families: v2plus, oneshot, detnas)"),
    };

    /// <summary>A ShuffleNetV2+ candidate of width <c>small</c>, <c>medium</c> or <c>large</c>.</summary>
    public static ModelConfig V2Plus(string width, IReadOnlyList<int> choices, int numClasses = ModelZoo.ImageNetClasses)
    {
        var ch = Width(V2PlusWidths, "v2plus", width);
        CheckChoices("v2plus", choices, TwentyBlocks.Sum(), $"width {width}");
        // V2+'s Xception block strides all three depthwise convolutions: only valid where the block's stride is 1.
        for (int s = 0, b = 0; s < TwentyBlocks.Length; b += TwentyBlocks[s++])
            if (choices[b] == BlockChoice.Xception)
                throw new CandidateException($"v2plus: entry {b} = 3 (Xception) is not allowed on a stride-2 block (the first of each stage: entries {FirstBlocks(TwentyBlocks)}); " +
                                             "V2+'s Xception block strides all three depthwise convolutions");
        return new ModelConfig
        {
            Family = ModelFamily.V2Plus, NumClasses = numClasses, StemChannels = [ch[0]], StageRepeats = [.. TwentyBlocks],
            StageChannels = ch[1..], LastChannels = 1280, Choices = [.. choices],
        }.Validate("v2plus candidate");
    }

    /// <summary>A OneShot candidate: a block choice and a channel scale (one of <see cref="OneShotScales"/>) per block.</summary>
    public static ModelConfig OneShot(IReadOnlyList<int> choices, IReadOnlyList<double> scales, int numClasses = ModelZoo.ImageNetClasses)
    {
        int blocks = TwentyBlocks.Sum();
        CheckChoices("oneshot", choices, blocks, "the search space");
        if (scales.Count != blocks)
            throw new CandidateException($"oneshot: takes {blocks} channel scales (one per block), got {scales.Count}");
        int[] stageChannels = OneShotChannels[1..5];
        var mids = new int[blocks];
        for (int s = 0, i = 0; s < TwentyBlocks.Length; s++)
            for (int r = 0; r < TwentyBlocks[s]; r++, i++)
            {
                // Compared within 1e-9 so that "1.40" or a computed 0.6000000000000001 picks the exact float64 of the choice.
                int k = OneShotScales.ToList().FindIndex(v => Math.Abs(v - scales[i]) < 1e-9);
                if (k < 0)
                    throw new CandidateException($"oneshot: scales entry {i} = {scales[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a channel-scale choice " +
                                                 $"({string.Join(", ", OneShotScales.Select(v => v.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture)))})");
                mids[i] = ModelZoo.OneShotMid(stageChannels[s], OneShotScales[k]);
            }
        return new ModelConfig
        {
            Family = ModelFamily.OneShot, NumClasses = numClasses, StemChannels = [OneShotChannels[0]], StageRepeats = [.. TwentyBlocks],
            StageChannels = stageChannels, LastChannels = OneShotChannels[5], Choices = [.. choices], MidChannels = mids,
        }.Validate("oneshot candidate");
    }

    /// <summary>A DetNAS candidate of width <c>300m</c> (20 choices) or <c>1.3g</c>/<c>3.8g</c> (40 choices).</summary>
    public static ModelConfig DetNas(string width, IReadOnlyList<int> choices, int numClasses = ModelZoo.ImageNetClasses)
    {
        var (repeats, ch) = Width(DetNasWidths, "detnas", width);
        CheckChoices("detnas", choices, repeats.Sum(), $"width {width}");
        return new ModelConfig
        {
            Family = ModelFamily.DetNas, NumClasses = numClasses, StemChannels = [ch[0]], StageRepeats = [.. repeats],
            StageChannels = ch[1..5], LastChannels = ch[5], Choices = [.. choices],
        }.Validate("detnas candidate");
    }

    static T Width<T>(IReadOnlyDictionary<string, T> widths, string family, string width) =>
        widths.TryGetValue(width, out var value) ? value
            : throw new CandidateException($"{family}: width '{width}' is not one of {string.Join(", ", widths.Keys)}");

    static void CheckChoices(string family, IReadOnlyList<int> choices, int blocks, string what)
    {
        if (choices.Count != blocks)
            throw new CandidateException($"{family}: {what} takes {blocks} block choices (one per block), got {choices.Count}");
        for (int i = 0; i < choices.Count; i++)
            if (choices[i] is < 0 or > 3)
                throw new CandidateException($"{family}: entry {i} = {choices[i]} is not a block choice (0, 1, 2 = shuffle 3x3, 5x5, 7x7; 3 = Xception)");
    }

    static string FirstBlocks(int[] repeats)
    {
        var first = new List<int>();
        for (int s = 0, b = 0; s < repeats.Length; b += repeats[s++]) first.Add(b);
        return string.Join(", ", first);
    }
}
