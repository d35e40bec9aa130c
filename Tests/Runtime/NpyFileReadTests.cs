using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ShuffleNetGpu.Runtime.IO;
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

    static NpyFormatException Refused(byte[] bytes, string field)
    {
        var e = Assert.Throws<NpyFormatException>(() => Read(bytes));
        Assert.Contains("hostile.npy", e.Message);
        Assert.Contains(field, e.Message);
        return e;
    }

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

    /// <summary>Seeded damage to a small valid file (byte flips, overwrites, truncations, header edits): each read
    /// gives a consistent array or an NpyFormatException, never another exception, and all of them finish in seconds.</summary>
    [Fact]
    public void MutatedFilesReadOrFailWithATypedError()
    {
        var valid = File(Header("(2, 3)"), 24);
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(valid.AsSpan(valid.Length - 24 + 4 * i), i - 2.5f);
        var rng = new Random(19_5);
        string[] shapes = ["()", "(0,)", "(6,)", "(3, 2)", "(1, 6)", "(2, 3, 1)", "(1073741824, 1073741824, 4)", "(2147483647, 2147483647, 2)",
            "(4611686018427387904,)", "(-6,)", "(6", "6,)", "(0, 2147483647, 2147483647)", "(2147483647, 2147483647, 0)", "(1, 1, 1, 1, 1, 1, 6)"];
        string[] descrs = ["<f4", "<f8", ">f4", "|u1", "<f2", "", "'"];
        var cases = new List<(string What, byte[] Bytes)>();
        for (int i = 0; i < 3000; i++)
        {
            var bytes = (byte[])valid.Clone();
            string what;
            switch (i % 5)
            {
                case 0:
                    int at = rng.Next(bytes.Length);
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    what = $"flip at {at}";
                    break;
                case 1:
                    int over = rng.Next(12);
                    bytes[over] = (byte)rng.Next(256);
                    what = $"prelude byte {over} = {bytes[over]}";
                    break;
                case 2:
                    int length = rng.Next(bytes.Length);
                    bytes = bytes[..length];
                    what = $"truncated to {length}";
                    break;
                case 3:
                    string shape = shapes[rng.Next(shapes.Length)], descr = descrs[rng.Next(descrs.Length)];
                    byte major = (byte)rng.Next(1, 4);
                    bytes = File(Header(shape, descr), rng.Next(3) switch { 0 => 0, 1 => 24, _ => rng.Next(64) }, major);
                    what = $"v{major} shape {shape} descr {descr} data {bytes.Length}";
                    break;
                default:
                    int count = rng.Next(1, 9);
                    for (int k = 0; k < count; k++) bytes[rng.Next(10, 64)] = (byte)"(),' 0123456789-:{}"[rng.Next(19)];
                    what = $"{count} header characters";
                    break;
            }
            cases.Add((what, bytes));
        }

        var failures = new List<string>();
        int read = 0, refused = 0;
        var watch = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            foreach (var (what, bytes) in cases)
            {
                try
                {
                    var (shape, data) = Read(bytes);
                    long count = shape.Aggregate(1L, (a, d) => a * d);
                    if (shape.Any(d => d < 0) || count != data.Length) failures.Add($"{what}: shape ({string.Join(", ", shape)}) with {data.Length} values");
                    else read++;
                }
                catch (NpyFormatException e)
                {
                    if (!e.Message.StartsWith("hostile.npy: ", StringComparison.Ordinal)) failures.Add($"{what}: message '{e.Message}' does not name the file");
                    else refused++;
                }
                catch (Exception e)
                {
                    failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
                }
            }
        }) { IsBackground = true, Name = "npy mutation reader" };
        worker.Start();
        Assert.True(worker.Join(TimeSpan.FromSeconds(30)), "the mutated files were not read within 30 s");
        output.WriteLine($"{read} read, {refused} refused, {failures.Count} wrong in {watch.ElapsedMilliseconds} ms");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(read > 0 && refused > 0);
    }
}
