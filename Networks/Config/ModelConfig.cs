using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShuffleNetGpu.Networks.Config;

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

    /// <summary>Upper bound of <see cref="NumClasses"/> (ImageNet-21k has 21,841 classes).</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Upper bound of every width (stem, stage, last, mid); the released models reach 3,072. With it, no
    /// tensor of weights exceeds an array's length.</summary>
    public const int MaxChannels = 8192;

    /// <summary>Upper bound of each <see cref="StageRepeats"/> entry; the released models reach 36.</summary>
    public const int MaxStageRepeats = 64;

    /// <summary>Upper bound of a graph's parameters (4 GB of float32); the largest released model has 255 million.
    /// Checked when the graph is built (<see cref="Families.GraphFactory.Build"/>), as it depends on every field.</summary>
    public const long MaxParameters = 1_000_000_000;

    /// <summary>Upper bound of V1's <see cref="Groups"/> (upstream offers 1, 2, 3, 4 and 8).</summary>
    public const int MaxV1Groups = 64;

    /// <summary>Blocks in all stages.</summary>
    [JsonIgnore] public int BlockCount => StageRepeats.Sum();

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Canonical JSON (stable field order): stored in converted files and used for equality.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>A stored configuration (a weights file's <c>__metadata__.config</c>), validated.</summary>
    /// <exception cref="WeightsFormatException">the JSON does not describe a valid configuration; the message names the field.</exception>
    public static ModelConfig FromJson(string json, string source)
    {
        ModelConfig? config;
        try { config = JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions); }
        catch (JsonException e) when (e.Path is { Length: > 2 } path)
        {
            throw new WeightsFormatException($"{source}: configuration field {path[2..]} is not valid ({e.Message})");
        }
        catch (JsonException e) { throw new WeightsFormatException($"{source}: configuration is not valid JSON ({e.Message})"); }
        if (config is null) throw new WeightsFormatException($"{source}: configuration is empty");
        try { return config.Validate(source); }
        catch (ArchitectureException e) { throw new WeightsFormatException(e.Message); }
    }

    /// <summary>Structural equality (the arrays compared by value).</summary>
    public bool SameAs(ModelConfig other) => ToJson() == other.ToJson();

    /// <summary>Checks every field against its bounds and the family's rules (<see cref="ModelConfigRules"/>); throws
    /// <see cref="ArchitectureException"/> naming the field, its value and what is allowed. Every graph is built
    /// from a configuration that passed here (<see cref="Families.GraphFactory.Build"/> calls it).</summary>
    public ModelConfig Validate(string source = "configuration")
    {
        ModelConfigRules.Check(this, source);
        return this;
    }
}
