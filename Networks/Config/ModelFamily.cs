using System.Text.Json.Serialization;

namespace ShuffleNetGpu.Networks;

/// <summary>The seven model families of ShuffleNet-Series. JSON names match the fixtures' <c>family</c> field.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFamily>))]
public enum ModelFamily
{
    /// <summary>ShuffleNetV1 (grouped 1x1 convolutions, channel shuffle).</summary>
    [JsonStringEnumMemberName("v1")] V1,
    /// <summary>ShuffleNetV2.</summary>
    [JsonStringEnumMemberName("v2")] V2,
    /// <summary>ShuffleNetV2+ (searched blocks, hard-swish, squeeze-excitation).</summary>
    [JsonStringEnumMemberName("v2plus")] V2Plus,
    /// <summary>ShuffleNetV2.Large.</summary>
    [JsonStringEnumMemberName("large")] Large,
    /// <summary>ShuffleNetV2.ExLarge.</summary>
    [JsonStringEnumMemberName("exlarge")] ExLarge,
    /// <summary>Single Path One-Shot (searched blocks and widths).</summary>
    [JsonStringEnumMemberName("oneshot")] OneShot,
    /// <summary>DetNAS (searched blocks, backbone for detection).</summary>
    [JsonStringEnumMemberName("detnas")] DetNas,
}

/// <summary>Block choices of the searched families (V2+, OneShot, DetNAS).</summary>
public static class BlockChoice
{
    /// <summary>The four choices: shuffle unit with a 3x3, 5x5 or 7x7 depthwise convolution, or the Xception unit.</summary>
    public const int Shuffle3 = 0, Shuffle5 = 1, Shuffle7 = 2, Xception = 3;

    /// <summary>Depthwise kernel size of a choice (Xception's depthwise convolutions are 3x3).</summary>
    public static int KernelSize(int choice) => choice switch
    {
        Shuffle3 or Xception => 3,
        Shuffle5 => 5,
        Shuffle7 => 7,
        _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "block choice must be 0..3"),
    };
}
