using System.Text.Json.Serialization;

namespace ShuffleNetGpu.Networks;

/// <summary>The seven model families of ShuffleNet-Series. JSON names match the fixtures' <c>family</c> field.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFamily>))]
public enum ModelFamily
{
    [JsonStringEnumMemberName("v1")] V1,
    [JsonStringEnumMemberName("v2")] V2,
    [JsonStringEnumMemberName("v2plus")] V2Plus,
    [JsonStringEnumMemberName("large")] Large,
    [JsonStringEnumMemberName("exlarge")] ExLarge,
    [JsonStringEnumMemberName("oneshot")] OneShot,
    [JsonStringEnumMemberName("detnas")] DetNas,
}

/// <summary>Block choices of the searched families (V2+, OneShot, DetNAS).</summary>
public static class BlockChoice
{
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
