using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ShuffleNetGpu.Networks.Weights;

/// <summary>
/// A digest per tensor in a weights file's <c>__metadata__</c>, so that a damaged data byte (which no structural
/// check can see) is an error naming the tensor. The key <see cref="MetadataKey"/> holds a JSON object mapping every
/// tensor's name to the XxHash64 (seed 0) of its data bytes as stored (little-endian float32, the bytes between its
/// <c>data_offsets</c>), written as 16 lowercase hex digits of the 64-bit value. XxHash64 because it runs at memory
/// speed (a 1 GB file costs a fraction of a second) and is what the safetensors ecosystem's tools can compute.
/// </summary>
public static class TensorDigests
{
    /// <summary>The <c>__metadata__</c> key holding the digests.</summary>
    public const string MetadataKey = "tensor_xxhash64";

    /// <summary>The digest of one tensor's data as stored.</summary>
    public static string Of(float[] data) => Hash(data).ToString("x16", CultureInfo.InvariantCulture);

    static ulong Hash(float[] data)
    {
        // The bytes in memory are the bytes as stored only on a little-endian host (as SafetensorsFile requires).
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        return XxHash64.HashToUInt64(MemoryMarshal.AsBytes(data.AsSpan()));
    }

    /// <summary>The <see cref="MetadataKey"/> value for <paramref name="tensors"/>.</summary>
    public static string Record(IReadOnlyList<NamedTensor> tensors)
    {
        var digests = new string[tensors.Count];
        Parallel.For(0, tensors.Count, i => digests[i] = Of(tensors[i].Data));
        using var text = new MemoryStream();
        using (var json = new Utf8JsonWriter(text))
        {
            json.WriteStartObject();
            for (int i = 0; i < tensors.Count; i++) json.WriteString(tensors[i].Name, digests[i]);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }

    /// <summary>Checks every tensor against the digests in <paramref name="metadata"/>: false when the file records
    /// none (written by another tool, or by this project before digests), true when all match.</summary>
    /// <exception cref="WeightsFormatException">a digest does not match its tensor's data, a tensor has none, or the
    /// entry is malformed; the message names the file and the tensor.</exception>
    public static bool Verify(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(MetadataKey, out var text)) return false;
        var recorded = Parse(text, what => new WeightsFormatException($"{path}: __metadata__.{MetadataKey} {what}"));
        var names = tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in recorded.Keys)
            if (!names.Contains(name))
                throw new WeightsFormatException($"{path}: __metadata__.{MetadataKey} has a digest for {name}, a tensor the file does not hold");
        foreach (var t in tensors)
            if (!recorded.ContainsKey(t.Name))
                throw new WeightsFormatException($"{path}: tensor {t.Name} has no digest in __metadata__.{MetadataKey}");

        var actual = new ulong[tensors.Count];
        Parallel.For(0, tensors.Count, i => actual[i] = Hash(tensors[i].Data));
        for (int i = 0; i < tensors.Count; i++)
            if (actual[i] != recorded[tensors[i].Name])
                throw new WeightsFormatException(
                    $"{path}: tensor {tensors[i].Name} does not match its recorded digest (xxhash64 {actual[i]:x16}, recorded {recorded[tensors[i].Name]:x16}): the file is damaged");
        return true;
    }

    /// <summary>The JSON object of names and 16-hex-digit digests; anything else is an error naming the entry.</summary>
    static Dictionary<string, ulong> Parse(string text, Func<string, WeightsFormatException> bad)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException) { throw bad("is not valid JSON"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw bad("is not a JSON object");
        var digests = new Dictionary<string, ulong>(StringComparer.Ordinal);
        int index = 0;
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            // Strings are transcoded when read: a lone surrogate escape surfaces as an InvalidOperationException.
            string name, hex;
            try { name = entry.Name; }
            catch (InvalidOperationException) { throw bad($"entry {index} has a name that is not valid text"); }
            index++;
            try { hex = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : ""; }
            catch (InvalidOperationException) { hex = ""; }
            if (hex.Length != 16 || !ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong digest))
                throw bad($"entry {name} is not 16 hex digits");
            if (!digests.TryAdd(name, digest)) throw bad($"entry {name} appears twice");
        }
        return digests;
    }
}
