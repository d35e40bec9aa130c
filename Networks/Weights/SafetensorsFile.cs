using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Networks.Weights;

/// <summary>One float32 tensor of a safetensors file.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header with dtype/shape/
/// data_offsets and a <c>__metadata__</c> string map, then raw little-endian data), float32 tensors only.
/// Written by hand rather than through a package: the format is one page long and no maintained .NET package is served here.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Headers of these models are well under 1 MB; anything far larger is a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 16 << 20;

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it (<see cref="AtomicFileWriter"/>):
    /// a failure leaves nothing behind.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata) json.WriteString(k, v);
            json.WriteEndObject();
            long offset = 0;
            foreach (var t in tensors)
            {
                long bytes = 4L * t.Data.Length;
                if (t.Shape.Aggregate(1L, (a, b) => a * b) != t.Data.Length)
                    throw new ArgumentException($"tensor {t.Name}: {t.Data.Length} values do not fill shape [{string.Join(", ", t.Shape)}]");
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad the JSON with spaces so the data starts 8-byte aligned, as the reference writer does.
        while ((header.Length & 7) != 0) header.WriteByte((byte)' ');

        AtomicFileWriter.Write(path, f =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            f.Write(len);
            header.Position = 0;
            header.CopyTo(f);
            foreach (var t in tensors)
            {
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
                f.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            }
        });
    }

    /// <summary>Reads every tensor and the metadata, checking the header field by field and that the tensors cover the
    /// data exactly.</summary>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="WeightsFormatException">the file is not a well-formed float32 safetensors file; the message
    /// names the file and the field.</exception>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        if (Directory.Exists(path)) throw new WeightsFormatException($"{path}: is a directory, expected a .safetensors file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        long length = f.Length;
        WeightsFormatException Bad(string what) => new($"{path}: {what}");
        if (length < 8) throw Bad($"file is {length} bytes, too short for a safetensors header");
        Span<byte> len = stackalloc byte[8];
        f.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n > (ulong)MaxHeaderBytes || 8 + (long)n > length) throw Bad($"header length {n} does not fit the file ({length} bytes)");
        var headerBytes = new byte[n];
        f.ReadExactly(headerBytes);
        long dataStart = 8 + (long)n, dataLength = length - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw Bad($"header is not valid JSON ({e.Message})"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("header is not a JSON object");

        Dictionary<string, string>? metadata = null;
        var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            string name = Text(() => prop.Name, $"tensor name of header entry {index++}", Bad);
            if (name == "__metadata__")
            {
                if (metadata is not null) throw Bad("__metadata__ appears twice in the header");
                metadata = ParseMetadata(prop.Value, Bad);
                continue;
            }
            if (!names.Add(name)) throw Bad($"tensor {name} appears twice in the header");
            entries.Add(ParseEntry(name, prop.Value, Bad));
        }
        // The data must be covered exactly: sorted by offset, contiguous from 0, ending at the file's end. Ties are
        // broken by end (an empty tensor first) and name, so the verdict does not depend on the header's order.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        long expected = 0;
        foreach (var e in entries)
        {
            if (e.Begin != expected) throw Bad($"tensor {e.Name} starts at byte {e.Begin}, expected {expected} (gap or overlap)");
            expected = e.End;
        }
        if (expected != dataLength) throw Bad($"tensors cover {expected} bytes of data but the file holds {dataLength}");

        var tensors = new List<NamedTensor>(entries.Count);
        foreach (var e in entries)
        {
            var data = new float[(e.End - e.Begin) / 4];
            f.Position = dataStart + e.Begin;
            f.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
            tensors.Add(new NamedTensor(e.Name, e.Shape, data));
        }
        return (tensors, metadata ?? []);
    }

    /// <summary>
    /// A string of the header. <see cref="JsonDocument"/> checks structure only and transcodes strings when they are
    /// read: invalid UTF-8, or an escaped lone surrogate, surfaces here as an <see cref="InvalidOperationException"/>.
    /// </summary>
    static string Text(Func<string> read, string field, Func<string, WeightsFormatException> bad)
    {
        try { return read(); }
        catch (InvalidOperationException) { throw bad($"{field} is not valid text (invalid UTF-8 or a lone surrogate escape)"); }
    }

    /// <summary>A number as written (ASCII, so always readable); any other value by its kind, never its text.</summary>
    static string Describe(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetRawText() : $"<{e.ValueKind.ToString().ToLowerInvariant()}>";

    static Dictionary<string, string> ParseMetadata(JsonElement value, Func<string, WeightsFormatException> bad)
    {
        if (value.ValueKind != JsonValueKind.Object) throw bad("__metadata__ is not an object");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        int index = 0;
        foreach (var m in value.EnumerateObject())
        {
            string key = Text(() => m.Name, $"__metadata__ key {index++}", bad);
            if (m.Value.ValueKind != JsonValueKind.String) throw bad($"__metadata__.{key} is not a string");
            if (!metadata.TryAdd(key, Text(() => m.Value.GetString()!, $"__metadata__.{key}", bad)))
                throw bad($"__metadata__.{key} appears twice in the header");
        }
        return metadata;
    }

    static (string, int[], long, long) ParseEntry(string name, JsonElement v, Func<string, WeightsFormatException> bad)
    {
        if (v.ValueKind != JsonValueKind.Object) throw bad($"entry {name} is not an object");
        if (!v.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw bad($"tensor {name} has no dtype");
        string type = Text(() => dtype.GetString()!, $"tensor {name} dtype", bad);
        if (type != "F32") throw bad($"tensor {name} has dtype {type}, expected F32");
        if (!v.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
            throw bad($"tensor {name} has no shape");
        var shape = new List<int>();
        long count = 1;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0) throw bad($"tensor {name} has an invalid dimension {Describe(d)}");
            shape.Add(dim);
            count = checked(count * dim);
            if (count > int.MaxValue) throw bad($"tensor {name} has more than {int.MaxValue} elements");
        }
        if (!v.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw bad($"tensor {name} has no data_offsets pair");
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number ||
            !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw bad($"tensor {name} data_offsets [{Describe(offsets[0])}, {Describe(offsets[1])}] are not two integers 0 <= begin <= end");
        if (end - begin != 4 * count) throw bad($"tensor {name}: data_offsets span {end - begin} bytes but shape [{string.Join(", ", shape)}] needs {4 * count}");
        return (name, shape.ToArray(), begin, end);
    }
}
