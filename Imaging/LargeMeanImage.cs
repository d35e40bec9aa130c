using System.Runtime.InteropServices;
using System.Text;

namespace ShuffleNetGpu.Imaging;

/// <summary>
/// The ShuffleNetV2.Large mean image, <c>data/large_mean.npy</c> embedded: float32, shape (3, 224, 224). Read with a
/// fixed-layout check rather than the runtime's general .npy reader, which lives in a layer above this one.
/// </summary>
static class LargeMeanImage
{
    const string Name = "large_mean.npy";
    const int Size = ImagePreprocessor.OutputSize;

    static readonly Lazy<float[]> Mean = new(Load);

    /// <summary>The mean (B, G, R planes); shared, never to be written.</summary>
    public static float[] Data => Mean.Value;

    static float[] Load()
    {
        using Stream stream = typeof(LargeMeanImage).Assembly.GetManifestResourceStream(Name)
            ?? throw new ShuffleNetException($"embedded resource {Name} is missing from the imaging assembly");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        // Version 1 .npy: 6-byte magic, 2 version bytes, a 2-byte header length, the header, then the data.
        int headerLength = bytes.Length > 10 && bytes[6] == 1 ? BitConverter.ToUInt16(bytes, 8) : -1;
        string header = headerLength > 0 ? Encoding.ASCII.GetString(bytes, 10, headerLength) : "";
        int count = 3 * Size * Size;
        if (!header.Contains("'<f4'") || !header.Contains("'fortran_order': False") || !header.Contains($"(3, {Size}, {Size})")
            || bytes.Length != 10 + headerLength + count * 4)
            throw new ShuffleNetException($"embedded {Name} is not a version-1 float32 C-order .npy of shape (3, {Size}, {Size})");
        return MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLength)).ToArray();
    }
}
