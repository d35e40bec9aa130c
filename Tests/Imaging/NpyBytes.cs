using System.Text;
using System.Text.RegularExpressions;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>Reads a uint8 (<c>|u1</c>) C-order .npy, version 1: the JPEG vectors store pixels as bytes (the runtime's
/// reader takes float32 only).</summary>
static partial class NpyBytes
{
    [GeneratedRegex(@"'shape': \(([0-9, ]*)\)")]
    private static partial Regex Shape();

    public static (int[] Shape, byte[] Data) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '|u1'", header);
        Assert.Contains("'fortran_order': False", header);
        int[] shape = Shape().Match(header).Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        var data = bytes[(10 + headerLength)..];
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), data.Length);
        return (shape, data);
    }
}
