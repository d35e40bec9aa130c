using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShuffleNetGpu.Networks;

/// <summary>
/// The complete configuration of one network: everything needed to build its graph, nothing about its weights.
/// The same record describes all seven families; <see cref="Validate"/> says which fields each family uses.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Which of the seven families.</summary>
    public required ModelFamily Family { get; init; }

    /// <summary>Classifier outputs (1000 for the released ImageNet models).</summary>
    public required int NumClasses { get; init; }

    /// <summary>Output channels of each stem convolution (<c>first_conv</c>): one for most families, three for Large/ExLarge.</summary>
    public required int[] StemChannels { get; init; }

    /// <summary>Blocks per stage.</summary>
    public required int[] StageRepeats { get; init; }

    /// <summary>Channels of each stage's output map (Large: 4x its <c>mid_outputs</c>; ExLarge: <c>outputs</c>).</summary>
    public required int[] StageChannels { get; init; }

    /// <summary>Output channels of <c>conv_last</c>/<c>last_conv</c>; 0 where the family has none (V1, ExLarge).</summary>
    public int LastChannels { get; init; }

    /// <summary>V1: the group count of its grouped 1x1 convolutions (3 or 8). Large: 8, ExLarge: 16 (grouped 3x3). Else 1.</summary>
    public int Groups { get; init; } = 1;

    /// <summary>V2+, OneShot, DetNAS: one block choice per block (0/1/2 = shuffle 3x3/5x5/7x7, 3 = Xception).</summary>
    public int[]? Choices { get; init; }

    /// <summary>OneShot: each block's mid width, <c>int((out / 2) * channels_scales[i])</c>.</summary>
    public int[]? MidChannels { get; init; }

    /// <summary>Blocks in all stages.</summary>
    [JsonIgnore] public int BlockCount => StageRepeats.Sum();

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Canonical JSON (stable field order): stored in converted files and used for equality.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses and validates the JSON of <see cref="ToJson"/>; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="WeightsFormatException">the text is not a JSON configuration.</exception>
    /// <exception cref="ArchitectureException">the configuration is invalid (the message names the field).</exception>
    public static ModelConfig FromJson(string json, string source)
    {
        ModelConfig? config;
        try { config = JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions); }
        catch (JsonException e) { throw new WeightsFormatException($"{source}: configuration is not valid JSON ({e.Message})"); }
        if (config is null) throw new WeightsFormatException($"{source}: configuration is empty");
        config.Validate(source);
        return config;
    }

    /// <summary>Structural equality (the arrays compared by value).</summary>
    public bool SameAs(ModelConfig other) => ToJson() == other.ToJson();

    /// <summary>Checks the fields against the family's rules; throws <see cref="ArchitectureException"/> naming the bad entry.</summary>
    public ModelConfig Validate(string source = "configuration")
    {
        void Fail(string what) => throw new ArchitectureException($"{source}: {what}");
        if (NumClasses < 1) Fail($"num_classes must be >= 1, got {NumClasses}");
        if (StageRepeats is null || StageChannels is null || StemChannels is null) Fail("stem_channels, stage_repeats and stage_channels are required");
        int stages = Family == ModelFamily.V1 || Family == ModelFamily.V2 ? 3 : 4;
        if (StageRepeats!.Length != stages) Fail($"{Family} has {stages} stages, stage_repeats has {StageRepeats.Length}");
        if (StageChannels!.Length != stages) Fail($"{Family} has {stages} stages, stage_channels has {StageChannels.Length}");
        int stems = Family is ModelFamily.Large or ModelFamily.ExLarge ? 3 : 1;
        if (StemChannels!.Length != stems) Fail($"{Family} has {stems} stem convolutions, stem_channels has {StemChannels.Length}");
        for (int i = 0; i < stages; i++)
        {
            if (StageRepeats[i] < 1) Fail($"stage_repeats[{i}] must be >= 1, got {StageRepeats[i]}");
            if (StageChannels[i] < 1) Fail($"stage_channels[{i}] must be >= 1, got {StageChannels[i]}");
        }
        if (StemChannels.Any(c => c < 1)) Fail("stem_channels must be >= 1");
        bool hasLast = Family is not (ModelFamily.V1 or ModelFamily.ExLarge);
        if (hasLast && LastChannels < 1) Fail($"{Family} needs last_channels >= 1");
        if (!hasLast && LastChannels != 0) Fail($"{Family} has no last convolution (last_channels must be 0)");
        bool searched = Family is ModelFamily.V2Plus or ModelFamily.OneShot or ModelFamily.DetNas;
        if (searched)
        {
            if (Choices is null || Choices.Length != BlockCount)
                Fail($"{Family} needs one block choice per block ({BlockCount}), got {Choices?.Length ?? 0}");
            for (int i = 0; i < Choices!.Length; i++)
                if (Choices[i] is < 0 or > 3) Fail($"choices[{i}] = {Choices[i]} is not a block choice (0..3)");
            if (Family == ModelFamily.V2Plus)
            {
                // V2+'s Xception block gives all three depthwise convolutions the block's stride: only valid at stride 1.
                int b = 0;
                foreach (int repeats in StageRepeats)
                {
                    if (Choices[b] == BlockChoice.Xception)
                        Fail($"choices[{b}] = 3 (Xception) is not allowed on a stride-2 block in ShuffleNetV2+");
                    b += repeats;
                }
            }
        }
        else if (Choices is not null) Fail($"{Family} has no block choices");
        if (Family == ModelFamily.OneShot)
        {
            if (MidChannels is null || MidChannels.Length != BlockCount)
                Fail($"OneShot needs one mid width per block ({BlockCount}), got {MidChannels?.Length ?? 0}");
            for (int i = 0; i < MidChannels!.Length; i++)
                if (MidChannels[i] < 1) Fail($"mid_channels[{i}] must be >= 1, got {MidChannels[i]}");
        }
        else if (MidChannels is not null) Fail($"{Family} has no per-block mid widths");
        int expectedGroups = Family switch { ModelFamily.Large => 8, ModelFamily.ExLarge => 16, ModelFamily.V1 => Groups, _ => 1 };
        if (Groups != expectedGroups || Groups < 1) Fail($"groups = {Groups} is not valid for {Family}");
        return this;
    }
}
