using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Runtime.IO;

/// <summary>A bad or unsupported .npy file.</summary>
public sealed class NpyFormatException(string message) : ShuffleNetException(message);

/// <summary>
/// NumPy .npy files holding float32, C order: what <c>shufflenet run</c> reads and writes. Reads format versions 1-3,
/// little-endian <c>&lt;f4</c> only (float64 <c>&lt;f8</c> is converted); writes version 1. Written by hand: the
/// format is a magic string, a Python-literal header and raw data, and no maintained .NET reader is served here.
/// </summary>
public static partial class NpyFile
{
    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a float32 (or float64, converted) C-order .npy file: its shape and values.</summary>
    public static (int[] Shape, float[] Data) Read(string path)
    {
        if (Directory.Exists(path)) throw new NpyFormatException($"{path}: is a directory, expected a .npy file");
        // A missing file is the usual FileNotFoundException (as for every reader of the library), not a format error.
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var f = File.OpenRead(path);
        return Read(f, path);
    }

    /// <summary>Reads a .npy from a seekable stream; <paramref name="name"/> names it in errors.</summary>
    public static (int[] Shape, float[] Data) Read(Stream f, string name)
    {
        string path = name;
        NpyFormatException Bad(string what) => new($"{path}: {what}");
        Span<byte> pre = stackalloc byte[10];
        if (f.Read(pre) < 10 || !pre[..6].SequenceEqual(Magic)) throw Bad("not a NumPy .npy file (bad magic)");
        int major = pre[6];
        long headerLength;
        if (major == 1) headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]);
        else if (major is 2 or 3)
        {
            Span<byte> two = stackalloc byte[2];
            if (f.ReadAtLeast(two, 2, throwOnEndOfStream: false) < 2) throw Bad($"header length: the file ends inside the version-{major} prelude");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian([pre[8], pre[9], two[0], two[1]]);
        }
        else throw Bad($"npy format version {major} is not supported");
        if (headerLength > 1 << 20 || headerLength > f.Length - f.Position) throw Bad($"header length {headerLength} does not fit the file");
        var headerBytes = new byte[headerLength];
        f.ReadExactly(headerBytes);
        string header = Encoding.Latin1.GetString(headerBytes);

        var descr = Descr().Match(header);
        var order = FortranOrder().Match(header);
        var shapeMatch = ShapeField().Match(header);
        if (!descr.Success || !order.Success || !shapeMatch.Success) throw Bad($"header '{Shorten(header.Trim())}' lacks descr, fortran_order or shape");
        if (order.Groups[1].Value != "False") throw Bad("fortran_order: Fortran-order arrays are not supported (save with C order)");
        string dtype = descr.Groups[1].Value;
        if (dtype is not ("<f4" or "<f8")) throw Bad($"descr '{dtype}' is not supported, expected float32 ('<f4')");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int d) ? d : throw Bad($"bad dimension '{s}' in shape"))
            .ToArray();
        // Bounded before any product is used: at most one .NET array of floats, so neither the element count nor
        // the byte count can overflow or wrap.
        long count = 1;
        foreach (int d in shape)
        {
            if (d != 0 && count > Array.MaxLength / d)
                throw Bad($"shape ({string.Join(", ", shape)}) holds more than {Array.MaxLength} values, the most one array takes");
            count *= d;
        }
        int size = dtype == "<f4" ? 4 : 8;
        long held = f.Length - f.Position;
        if (count * size != held)
            throw Bad($"data: shape ({string.Join(", ", shape)}) needs {count * size} bytes, the file holds {held}");
        var data = new float[count];
        if (size == 4) f.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        else
        {
            var doubles = new double[count];
            f.ReadExactly(MemoryMarshal.AsBytes(doubles.AsSpan()));
            for (long i = 0; i < count; i++) data[i] = (float)doubles[i];
        }
        return (shape, data);
    }

    /// <summary>Writes a version-1 float32 file through a temporary file and a rename (<see cref="AtomicFileWriter"/>).</summary>
    public static void Write(string path, ReadOnlySpan<int> shape, ReadOnlySpan<float> data)
    {
        using var writer = new AtomicFileWriter();
        Write(writer, path, shape, data);
        writer.Commit();
    }

    /// <summary>Adds <paramref name="path"/> to <paramref name="group"/>: it appears when the group commits, with the others.</summary>
    public static void Write(AtomicFileWriter group, string path, ReadOnlySpan<int> shape, ReadOnlySpan<float> data)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        if (count != data.Length) throw new ArgumentException($"{data.Length} values do not fill shape ({string.Join(", ", shape.ToArray())})");
        var f = group.Open(path);
        f.Write(Header(shape));
        f.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Magic, version 1, header length and a float32 C-order header for <paramref name="shape"/>, padded with
    /// spaces to a multiple of 64 bytes and at least <paramref name="minLength"/>.</summary>
    internal static byte[] Header(ReadOnlySpan<int> shape, int minLength = 0)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.ToArray());
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = Math.Max(10 + header.Length + 1, minLength);
        total += (64 - total % 64) % 64;
        header = header.PadRight(total - 11) + "\n";
        var bytes = new byte[total];
        Magic.CopyTo(bytes);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        return bytes;
    }

    /// <summary>At most 100 characters of a header, control characters shown as '?', for a one-line message.</summary>
    static string Shorten(string header) =>
        new((header.Length > 100 ? header[..100] + "..." : header).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [GeneratedRegex(@"'descr':\s*'([^']*)'")] private static partial Regex Descr();
    [GeneratedRegex(@"'fortran_order':\s*(True|False)")] private static partial Regex FortranOrder();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")] private static partial Regex ShapeField();
}
