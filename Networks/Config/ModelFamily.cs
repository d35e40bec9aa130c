using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShuffleNetGpu.Networks.Config;

/// <summary>The seven model families of ShuffleNet-Series. JSON names match the fixtures' <c>family</c> field.</summary>
[JsonConverter(typeof(ModelFamilyJsonConverter))]
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

/// <summary>
/// Reads and writes a family by its exact JSON name only. Written here rather than with
/// <see cref="JsonStringEnumConverter{TEnum}"/>: even without integers, that one reads <c>"v2, v1"</c> as a
/// combination of flags, and a family read from an untrusted file must be one of the seven names or an error.
/// </summary>
public sealed class ModelFamilyJsonConverter : JsonConverter<ModelFamily>
{
    static readonly Dictionary<string, ModelFamily> ByName = Enum.GetValues<ModelFamily>().ToDictionary(Name, StringComparer.Ordinal);

    /// <summary>The JSON name of a family (<c>v1</c>, <c>v2plus</c>, ...).</summary>
    public static string Name(ModelFamily family) =>
        typeof(ModelFamily).GetField(family.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
        ?? throw new ArgumentOutOfRangeException(nameof(family), family, "not a model family");

    /// <summary>The seven names, for messages.</summary>
    public static string Names => string.Join(", ", ByName.Keys);

    /// <inheritdoc/>
    public override ModelFamily Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && ByName.TryGetValue(reader.GetString()!, out var family) ? family
            : throw new JsonException($"family must be one of {Names}");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ModelFamily value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Enum.IsDefined(value) ? Name(value) : throw new JsonException($"{(int)value} is not a model family"));
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
