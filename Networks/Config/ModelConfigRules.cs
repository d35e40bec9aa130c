using System.Diagnostics.CodeAnalysis;

namespace ShuffleNetGpu.Networks.Config;

/// <summary>
/// Every rule a <see cref="ModelConfig"/> must keep before a graph is built from it: each field within its bounds,
/// the fields each family uses present (and the others absent), and the channel arithmetic of each family's blocks
/// (splits in half, group divisibility, widths that grow where a block concatenates). A configuration from a weights
/// file or a checkpoint is untrusted input; without these a bad one divided by zero, overflowed, or built billions of ops.
/// </summary>
static class ModelConfigRules
{
    public static void Check(ModelConfig c, string source)
    {
        [DoesNotReturn] void Fail(string what) => throw new ArchitectureException($"{source}: {what}");
        void InRange(string field, int value, int min, int max)
        {
            if (value < min || value > max) Fail($"{field} = {value} is outside {min}..{max}");
        }

        if (!Enum.IsDefined(c.Family))
            Fail($"family = {(int)c.Family} is not one of {ModelFamilyJsonConverter.Names}");
        var family = c.Family;
        InRange("num_classes", c.NumClasses, 1, ModelConfig.MaxClasses);
        if (c.StemChannels is null) Fail("stem_channels is required");
        if (c.StageRepeats is null) Fail("stage_repeats is required");
        if (c.StageChannels is null) Fail("stage_channels is required");
        int stages = family is ModelFamily.V1 or ModelFamily.V2 ? 3 : 4;
        if (c.StageRepeats.Length != stages) Fail($"stage_repeats has {c.StageRepeats.Length} entries, {family} has {stages} stages");
        if (c.StageChannels.Length != stages) Fail($"stage_channels has {c.StageChannels.Length} entries, {family} has {stages} stages");
        int stems = family is ModelFamily.Large or ModelFamily.ExLarge ? 3 : 1;
        if (c.StemChannels.Length != stems) Fail($"stem_channels has {c.StemChannels.Length} entries, {family} has {stems} stem convolutions");
        for (int i = 0; i < stems; i++) InRange($"stem_channels[{i}]", c.StemChannels[i], 1, ModelConfig.MaxChannels);
        for (int i = 0; i < stages; i++)
        {
            InRange($"stage_repeats[{i}]", c.StageRepeats[i], 1, ModelConfig.MaxStageRepeats);
            InRange($"stage_channels[{i}]", c.StageChannels[i], 1, ModelConfig.MaxChannels);
        }

        bool hasLast = family is not (ModelFamily.V1 or ModelFamily.ExLarge);
        if (hasLast) InRange("last_channels", c.LastChannels, family == ModelFamily.V2Plus ? 4 : 1, ModelConfig.MaxChannels);   // V2+'s LastSE squeezes it by 4
        else if (c.LastChannels != 0) Fail($"last_channels = {c.LastChannels}: {family} has no last convolution (must be 0)");

        CheckChoices(c, Fail);
        if (family == ModelFamily.OneShot)
        {
            if (c.MidChannels is null || c.MidChannels.Length != c.BlockCount)
                Fail($"mid_channels has {c.MidChannels?.Length ?? 0} entries, OneShot needs one per block ({c.BlockCount})");
            for (int i = 0; i < c.MidChannels!.Length; i++) InRange($"mid_channels[{i}]", c.MidChannels[i], 1, ModelConfig.MaxChannels);
        }
        else if (c.MidChannels is not null) Fail($"mid_channels: {family} has no per-block mid widths");

        if (family == ModelFamily.V1) InRange("groups", c.Groups, 1, ModelConfig.MaxV1Groups);
        else
        {
            int groups = family switch { ModelFamily.Large => 8, ModelFamily.ExLarge => 16, _ => 1 };
            if (c.Groups != groups) Fail($"groups = {c.Groups}: {family} has {groups}");
        }

        switch (family)
        {
            case ModelFamily.V1: CheckV1Channels(c, Fail); break;
            case ModelFamily.Large: CheckLargeChannels(c, Fail); break;
            case ModelFamily.ExLarge: CheckExLargeChannels(c, Fail); break;
            default: CheckSplitShuffleChannels(c, Fail); break;
        }
    }

    static void CheckChoices(ModelConfig c, Action<string> fail)
    {
        bool searched = c.Family is ModelFamily.V2Plus or ModelFamily.OneShot or ModelFamily.DetNas;
        if (!searched)
        {
            if (c.Choices is not null) fail($"choices: {c.Family} has no block choices");
            return;
        }
        if (c.Choices is null || c.Choices.Length != c.BlockCount)
            fail($"choices has {c.Choices?.Length ?? 0} entries, {c.Family} needs one block choice per block ({c.BlockCount})");
        for (int i = 0; i < c.Choices!.Length; i++)
            if (c.Choices[i] is < 0 or > 3) fail($"choices[{i}] = {c.Choices[i]} is not a block choice (0..3)");
        if (c.Family != ModelFamily.V2Plus) return;
        // V2+'s Xception block gives all three depthwise convolutions the block's stride: only valid at stride 1.
        int b = 0;
        foreach (int repeats in c.StageRepeats)
        {
            if (c.Choices[b] == BlockChoice.Xception)
                fail($"choices[{b}] = 3 (Xception) is not allowed on a stride-2 block in ShuffleNetV2+");
            b += repeats;
        }
    }

    /// <summary>The width a stage grows from: the stem's for the first, the stage before's otherwise.</summary>
    static (string Field, int Channels) Previous(ModelConfig c, int stage) =>
        stage == 0 ? ($"stem_channels[{c.StemChannels.Length - 1}]", c.StemChannels[^1]) : ($"stage_channels[{stage - 1}]", c.StageChannels[stage - 1]);

    /// <summary>
    /// V1 blocks: a stride-2 block concatenates its pooled input with a branch of <c>out - in</c> channels (so widths
    /// grow); the branch's 1x1 convolutions are grouped (the first block's first one excepted) with a mid width of
    /// <c>out / 4</c>, and its group shuffle splits mid into the groups.
    /// </summary>
    static void CheckV1Channels(ModelConfig c, Action<string> fail)
    {
        int g = c.Groups;
        for (int s = 0; s < c.StageChannels.Length; s++)
        {
            int output = c.StageChannels[s];
            var (previousField, input) = Previous(c, s);
            string field = $"stage_channels[{s}] = {output}";
            if (output <= input) fail($"{field} must exceed {previousField} = {input} (a stride-2 block concatenates a branch onto its input)");
            if (output / 4 < 1 || output / 4 % g != 0) fail($"{field}: its blocks' mid width {output} / 4 = {output / 4} is not a positive multiple of groups = {g}");
            if (output % g != 0) fail($"{field} is not a multiple of groups = {g}");
            if ((output - input) % g != 0) fail($"{field}: its first block's branch of {output} - {input} = {output - input} channels is not a multiple of groups = {g}");
        }
    }

    /// <summary>
    /// V2, V2+, OneShot, DetNAS blocks: stride 1 splits the width in half; stride 2 concatenates a projection of the
    /// input with a branch of <c>out - in</c> channels. V2+'s squeeze-excitation (stages 3 and 4) squeezes each branch by 4.
    /// </summary>
    static void CheckSplitShuffleChannels(ModelConfig c, Action<string> fail)
    {
        for (int s = 0; s < c.StageChannels.Length; s++)
        {
            int output = c.StageChannels[s];
            var (previousField, input) = Previous(c, s);
            string field = $"stage_channels[{s}] = {output}";
            if (output % 2 != 0) fail($"{field} must be even (its stride-1 blocks split it in half)");
            if (output <= input) fail($"{field} must exceed {previousField} = {input} (a stride-2 block concatenates a branch onto its input)");
            if (c.Family == ModelFamily.V2Plus && s >= 2 && Math.Min(output - input, output / 2) < 4)
                fail($"{field}: ShuffleNetV2+'s squeeze-excitation needs every block branch of this stage to have at least 4 channels " +
                     $"(the first has {output} - {input}, the others {output} / 2)");
        }
    }

    /// <summary>Large blocks: a split of the input in half, a branch of half the stage's width with a grouped 3x3.</summary>
    static void CheckLargeChannels(ModelConfig c, Action<string> fail)
    {
        if (c.StemChannels[^1] % 2 != 0) fail($"stem_channels[2] = {c.StemChannels[^1]} must be even (the first block splits it in half)");
        for (int s = 0; s < c.StageChannels.Length; s++)
        {
            int output = c.StageChannels[s];
            if (output % 2 != 0 || output / 2 % c.Groups != 0)
                fail($"stage_channels[{s}] = {output} must be even with half of it a multiple of groups = {c.Groups} (its blocks' grouped 3x3)");
        }
    }

    /// <summary>ExLarge blocks: a grouped 3x3 over the stage's width, then a squeeze-excitation of half of it squeezed by 4.</summary>
    static void CheckExLargeChannels(ModelConfig c, Action<string> fail)
    {
        for (int s = 0; s < c.StageChannels.Length; s++)
        {
            int output = c.StageChannels[s];
            if (output % c.Groups != 0 || output / 2 / 4 < 1)
                fail($"stage_channels[{s}] = {output} must be a multiple of groups = {c.Groups} and at least 8 (its blocks' grouped 3x3 and squeeze-excitation)");
        }
    }
}
