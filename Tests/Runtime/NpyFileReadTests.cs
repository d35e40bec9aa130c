using System.Buffers.Binary;
using System.Text;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Fuzzing;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>Reading hostile .npy files: every malformed header is an <see cref="NpyFormatException"/> naming the file
/// and the field, in bounded time and memory; never an overflow, a wrapped size or an end-of-stream.</summary>
public sealed class NpyFileReadTests(ITestOutputHelper output)
{
    /// <summary>A version-<paramref name="major"/> file with <paramref name="header"/> (padded as NumPy does) and
    /// <paramref name="dataBytes"/> bytes of data.</summary>
    static byte[] File(string header, int dataBytes, byte major = 1)
    {
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + header.Length + 1;
        total += (64 - total % 64) % 64;
        string padded = header.PadRight(total - prefix - 1) + "\n";
        var bytes = new byte[total + dataBytes];
        byte[] magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        magic.CopyTo(bytes, 0);
        bytes[6] = major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)padded.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)padded.Length);
        Encoding.Latin1.GetBytes(padded, bytes.AsSpan(prefix));
        return bytes;
    }

    static string Header(string shape, string descr = "<f4") => $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";

    static (int[] Shape, float[] Data) Read(byte[] bytes) => NpyFile.Read(new MemoryStream(bytes), "hostile.npy");

    /// <summary>What a refusal may allocate: the header (at most 1 MB) and the parse, never what the shape claims.</summary>
    const long MaxAllocation = 4 << 20;

    static NpyFormatException Refused(byte[] bytes, string field)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<NpyFormatException>(() => Read(bytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("hostile.npy", e.Message);
        Assert.Contains(field, e.Message);
        Assert.True(allocated < MaxAllocation, $"refusing a {bytes.Length}-byte file allocated {allocated} bytes");
        return e;
    }

    static readonly byte[] Valid = File(Header("(2, 3)"), 24);

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M' })]
    [InlineData(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Z', 1, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0 })]   // a zip (.npz), not a .npy
    [InlineData(new byte[] { (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0, 0, 0, 0, 0 })]
    public void ABadMagicIsRefused(byte[] bytes) => Refused(bytes, "bad magic");

    [Fact]
    public void AValidFileWithTheWrongMagicByteIsRefused()
    {
        var bytes = (byte[])Valid.Clone();
        bytes[0] = 0x92;
        Refused(bytes, "bad magic");
    }

    [Fact]
    public void FortranOrderIsRefused() =>
        Refused(File("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24), "fortran_order");

    [Theory]
    [InlineData(">f4")]   // big-endian float32
    [InlineData("<f2")]
    [InlineData("<i8")]
    [InlineData("|u1")]
    [InlineData("<c8")]
    [InlineData("|b1")]
    [InlineData("<U4")]
    [InlineData("|O")]
    public void WrongDtypesAreRefused(string descr) => Refused(File(Header("(2,)", descr), 8), $"descr '{descr}'");

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(23)]
    [InlineData(24)]   // the whole data section
    public void TruncatedDataIsRefused(int cut) => Refused(Valid[..^cut], "data");

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(40)]
    [InlineData(63)]
    public void ATruncatedHeaderIsRefused(int length) => Refused(Valid[..length], "header length");

    [Theory]
    [InlineData("(1073741824, 1073741824, 4)")]
    [InlineData("(65536, 65536)")]
    [InlineData("(9223372036854775807,)")]
    [InlineData("(2147483647, 2147483647, 2147483647, 2147483647)")]
    public void ASmallFileClaimingAHugeShapeIsRefusedWithoutAllocatingIt(string shape) =>
        Refused(File(Header(shape), 8), "shape");

    [Fact]
    public void AShapeWhoseByteCountWrapsToZeroIsRefused() =>
        // 2^30 * 2^30 * 4 floats = 2^62 elements, 2^64 bytes: wrapped to 0, it matched an empty data section.
        Refused(File(Header("(1073741824, 1073741824, 4)"), 0), "shape");

    [Fact]
    public void AShapeWhoseElementCountOverflowsIsRefused() =>
        Refused(File(Header("(2147483647, 2147483647, 2)"), 16), "shape");

    [Fact]
    public void AShapeBeyondTheLargestArrayIsRefused() =>
        // 2^31 floats is 8 GiB: more than one .NET array holds, whatever the file says.
        Refused(File(Header("(65536, 32768)"), 0), "shape");

    [Fact]
    public void ATruncatedVersion2PreludeIsRefused()
    {
        var bytes = File(Header("(2,)"), 8, major: 2);
        Refused(bytes[..10], "header length");
        Refused(bytes[..11], "header length");
    }

    [Fact]
    public void AValidVersion2FileReads()
    {
        var bytes = File(Header("(2, 1)"), 8, major: 2);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 8), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 4), -2f);
        var (shape, data) = Read(bytes);
        Assert.Equal([2, 1], shape);
        Assert.Equal([1.5f, -2f], data);
    }

    [Theory]
    [InlineData("(3, -1)", "shape")]
    [InlineData("(99999999999,)", "shape")]
    [InlineData("(3, x)", "shape")]
    [InlineData("(3,)", "data")]     // 12 bytes of data needed, 8 held
    [InlineData("(1,)", "data")]
    public void BadShapesNameTheField(string shape, string field) => Refused(File(Header(shape), 8), field);

    [Fact]
    public void AnUnsupportedDtypeNamesTheField() => Refused(File(Header("(2,)", "<i4"), 8), "descr");

    /// <summary>Seeded damage to a small valid file (byte flips, overwrites, truncations, inserts, deletes) and header
    /// edits (hostile shapes and dtypes in every version): each read gives a consistent array or an NpyFormatException
    /// naming the file, never another exception, each within seconds.</summary>
    [Fact]
    public void MutatedFilesReadOrFailWithATypedError()
    {
        var valid = File(Header("(2, 3)"), 24);
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(valid.AsSpan(valid.Length - 24 + 4 * i), i - 2.5f);
        var rng = new Random(19_5);
        var cases = new List<(string, MutantBuilder)>();
        for (int i = 0; i < 2000; i++)
        {
            // Most damage lands in the prelude and header, where the parsing is.
            var m = ByteMutation.Draw(rng, r => r.Next(2) == 0 ? r.Next(12) : r.Next(valid.Length));
            cases.Add((m.ToString(), scratch => m.Apply(valid, scratch)));
        }
        string[] shapes = ["()", "(0,)", "(6,)", "(3, 2)", "(1, 6)", "(2, 3, 1)", "(1073741824, 1073741824, 4)", "(2147483647, 2147483647, 2)",
            "(4611686018427387904,)", "(-6,)", "(6", "6,)", "(0, 2147483647, 2147483647)", "(2147483647, 2147483647, 0)", "(1, 1, 1, 1, 1, 1, 6)"];
        string[] descrs = ["<f4", "<f8", ">f4", "|u1", "<f2", "", "'"];
        for (int i = 0; i < 1000; i++)
        {
            string shape = shapes[rng.Next(shapes.Length)], descr = descrs[rng.Next(descrs.Length)];
            byte major = (byte)rng.Next(1, 4);
            var bytes = File(Header(shape, descr), rng.Next(3) switch { 0 => 0, 1 => 24, _ => rng.Next(64) }, major);
            cases.Add(($"v{major} shape {shape} descr {descr}, {bytes.Length} bytes", _ => bytes));
        }
        MutationRunner.Run(output, "npy", valid.Length + ByteMutation.MaxGrowth, cases.ToArray(), (file, _) => Check(file),
            e => e is NpyFormatException && e.Message.StartsWith("hostile.npy: ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    /// <summary>null when the file read into a consistent array, otherwise what is wrong.</summary>
    static string? Check(ArraySegment<byte> file)
    {
        var (shape, data) = Read(file.ToArray());
        long count = shape.Aggregate(1L, (a, d) => a * d);
        return shape.All(d => d >= 0) && count == data.Length ? null : $"shape ({string.Join(", ", shape)}) with {data.Length} values";
    }
}
