using System.Buffers.Binary;
using System.Text;

namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>
/// Tensors as raw bytes, as the REST binary-data extension and gRPC's raw contents carry them: FP32 as little-endian
/// floats back to back, BYTES as elements each preceded by its length (4 bytes, little-endian).
/// </summary>
public static class TensorBytes
{
    /// <summary>Little-endian floats.</summary>
    /// <exception cref="InferenceException">the length is not 4 bytes per element of <paramref name="elements"/> (400).</exception>
    public static float[] ReadFloats(ReadOnlySpan<byte> raw, long elements, string tensor)
    {
        if (raw.Length != elements * sizeof(float))
            throw InferenceException.Bad($"input '{tensor}' has {raw.Length} bytes of FP32 data, its shape needs {elements} x 4 = {elements * 4}");
        var values = new float[elements];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
        return values;
    }

    /// <summary>Length-prefixed BYTES elements.</summary>
    /// <exception cref="InferenceException">a length runs past the end (400).</exception>
    public static byte[][] ReadElements(ReadOnlySpan<byte> raw, string tensor)
    {
        var elements = new List<byte[]>();
        while (raw.Length > 0)
        {
            if (raw.Length < 4)
                throw InferenceException.Bad($"input '{tensor}' element {elements.Count}: {raw.Length} bytes left, too few for a 4-byte length");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(raw);
            if (length > raw.Length - 4)
                throw InferenceException.Bad($"input '{tensor}' element {elements.Count} declares {length} bytes, only {raw.Length - 4} follow");
            elements.Add(raw.Slice(4, (int)length).ToArray());
            raw = raw[(4 + (int)length)..];
        }
        return [.. elements];
    }

    /// <summary>The raw bytes of an output tensor.</summary>
    public static byte[] Write(OutputTensor tensor)
    {
        if (tensor.Floats is { } floats)
        {
            var raw = new byte[floats.Length * sizeof(float)];
            for (int i = 0; i < floats.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), floats[i]);
            return raw;
        }
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var s in tensor.Strings!)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            stream.Write(length);
            stream.Write(bytes);
        }
        return stream.ToArray();
    }

    /// <summary>The element count a shape declares.</summary>
    /// <exception cref="InferenceException">a negative dimension, or more elements than one array holds (400).</exception>
    public static long Elements(IReadOnlyList<long> shape, string tensor)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw InferenceException.Bad($"input '{tensor}' has shape [{string.Join(",", shape)}]: a dimension below 0");
            count = d == 0 ? 0 : count > Array.MaxLength / d ? long.MaxValue : count * d;
        }
        if (count > Array.MaxLength)
            throw InferenceException.Bad($"input '{tensor}' has shape [{string.Join(",", shape)}]: more elements than the server accepts ({Array.MaxLength})");
        return count;
    }
}
