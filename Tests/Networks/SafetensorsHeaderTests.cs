using System.Buffers.Binary;
using System.Text;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>Hand-made safetensors headers that once crashed the reader or were accepted though ambiguous.</summary>
public sealed class SafetensorsHeaderTests : IDisposable
{
    readonly TempDirectory _dir = new("shufflenet-header-");
    public void Dispose() => _dir.Dispose();

    /// <summary>A file of <paramref name="header"/> (UTF-8, where "\xFF" stands for the raw byte 0xFF: invalid UTF-8)
    /// and <paramref name="dataBytes"/> zero bytes of data.</summary>
    string File_(string header, int dataBytes)
    {
        var json = new List<byte>();
        var parts = header.Split("\\xFF");
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0) json.Add(0xFF);
            json.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        var bytes = new byte[8 + json.Count + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Count);
        json.CopyTo(bytes, 8);
        string path = _dir["hostile.safetensors"];
        File.WriteAllBytes(path, bytes);
        return path;
    }

    const string W = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";

    public static TheoryData<string, string, int, string> Hostile => new()
    {
        { "invalid UTF-8 in a tensor name", $"{{\"w\\xFF\":{{{W}}}}}", 8, "tensor name" },
        { "a lone surrogate escape in a tensor name", $"{{\"w\\udc00\":{{{W}}}}}", 8, "tensor name" },
        { "invalid UTF-8 in a metadata key", $"{{\"__metadata__\":{{\"k\\xFF\":\"v\"}},\"w\":{{{W}}}}}", 8, "__metadata__" },
        { "invalid UTF-8 in a metadata value", $"{{\"__metadata__\":{{\"config\":\"v\\xFF\"}},\"w\":{{{W}}}}}", 8, "__metadata__.config" },
        { "a lone surrogate escape in a metadata value", $"{{\"__metadata__\":{{\"config\":\"\\ud800\"}},\"w\":{{{W}}}}}", 8, "__metadata__.config" },
        { "invalid UTF-8 in a dtype", "{\"w\":{\"dtype\":\"F3\\xFF\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "w dtype" },
        { "a string data_offsets element", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}}", 8, "w data_offsets" },
        { "a boolean data_offsets element", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,true]}}", 8, "w data_offsets" },
        { "an object data_offsets element", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[{},8]}}", 8, "w data_offsets" },
        { "a duplicate tensor name", $"{{\"w\":{{{W}}},\"w\":{{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}}}", 16, "tensor w appears twice" },
        { "a duplicate metadata key", $"{{\"__metadata__\":{{\"k\":\"a\",\"k\":\"b\"}},\"w\":{{{W}}}}}", 8, "__metadata__.k appears twice" },
        { "two __metadata__ objects", $"{{\"__metadata__\":{{}},\"__metadata__\":{{}},\"w\":{{{W}}}}}", 8, "__metadata__ appears twice" },
        // Offsets that overlap, leave a gap, or point outside the data.
        { "overlapping offsets", $"{{\"a\":{{{W}}},\"b\":{{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}}}", 12, "tensor b starts at byte 4, expected 8" },
        { "the same offsets twice", $"{{\"a\":{{{W}}},\"b\":{{{W}}}}}", 8, "tensor b starts at byte 0, expected 8" },
        { "offsets past the data", $"{{\"w\":{{{W}}}}}", 4, "cover 8 bytes of data but the file holds 4" },
        { "offsets far past the data", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1099511627776,1099511627784]}}", 8, "tensor w starts at byte 1099511627776" },
        { "offsets beyond a long", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,18446744073709551615]}}", 8, "w data_offsets" },
        { "negative offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8, "w data_offsets" },
        { "reversed offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "w data_offsets" },
        { "offsets spanning more than the shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", 8, "w: data_offsets span" },
        // Shapes that overflow or claim far more than the file holds (never allocated).
        { "a shape whose product overflows a long", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8, "more than 2147483647 elements" },
        { "a shape of 2^40 elements", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1048576,1048576],\"data_offsets\":[0,4398046511104]}}", 8, "more than 2147483647 elements" },
        { "a shape of 2 GB claimed by its offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[536870911],\"data_offsets\":[0,2147483644]}}", 8, "cover 2147483644 bytes of data but the file holds 8" },
        { "a dimension beyond an int", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", 8, "w has an invalid dimension 4294967296" },
        { "a negative dimension", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "w has an invalid dimension -2" },
        { "a fractional dimension", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "w has an invalid dimension 2.5" },
        // Other element types.
        { "dtype F16", "{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8, "w has dtype F16, expected F32" },
        { "dtype F64", "{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "w has dtype F64, expected F32" },
        { "dtype BF16", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8, "w has dtype BF16, expected F32" },
        { "dtype I32", "{\"w\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "w has dtype I32, expected F32" },
        { "a lower-case dtype", "{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "w has dtype f32, expected F32" },
        { "a numeric dtype", "{\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "w has no dtype" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileHeadersAreWeightsFormatErrorsNamingTheFileAndTheField(string what, string header, int dataBytes, string field) =>
        Refused(what, File_(header, dataBytes), field);

    /// <summary>What the reader may allocate refusing a small file: its 1 MB read buffer, the header and the parse;
    /// never what the file claims (gigabytes).</summary>
    const long MaxAllocation = 8 << 20;

    /// <summary>Reads <paramref name="path"/> on a watchdog: a <see cref="WeightsFormatException"/> naming the file and
    /// <paramref name="field"/>, within seconds, allocating less than <see cref="MaxAllocation"/>.</summary>
    static void Refused(string what, string path, string field)
    {
        Exception? e = null;
        long allocated = 0;
        var reader = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            e = Record.Exception(() => SafetensorsFile.Read(path));
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true };
        reader.Start();
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)), $"{what}: no answer within 10 s");
        Assert.True(e is WeightsFormatException, $"{what}: {e?.GetType().Name ?? "no exception"}: {e?.Message}");
        Assert.Contains(System.IO.Path.GetFileName(path), e!.Message);
        Assert.Contains(field, e.Message);
        Assert.True(allocated < MaxAllocation, $"{what}: allocated {allocated} bytes");
    }

    [Theory]
    [InlineData("arrays")]
    [InlineData("arrays in an entry")]
    [InlineData("objects in the metadata")]
    public void OneHundredThousandNestedLevelsAreRefusedAtOnce(string where)
    {
        const int depth = 100_000;
        string header = where switch
        {
            "arrays" => new string('[', depth) + new string(']', depth),
            "arrays in an entry" => "{\"w\":" + new string('[', depth) + new string(']', depth) + "}",
            _ => "{\"__metadata__\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth + 1),
        };
        // The JSON reader's depth limit (64) stops it: no recursion to overflow the stack, no time spent.
        Refused($"{depth} nested {where}", File_(header, 0), "header is not valid JSON");
    }

    [Theory]
    [InlineData(20UL, 12)]                 // claims a 20-byte header in a 20-byte file: 8 bytes short
    [InlineData(1UL << 31, 12)]            // 2 GB
    [InlineData((1UL << 31) - 1, 12)]
    [InlineData(1UL << 32, 12)]
    [InlineData(1UL << 63, 12)]            // negative as a long
    [InlineData(ulong.MaxValue, 12)]
    [InlineData((16UL << 20) + 1, 12)]     // just over the limit
    public void HugeHeaderLengthsInATwentyByteFileAreRefusedWithoutAllocatingThem(ulong length, int rest)
    {
        var bytes = new byte[8 + rest];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        "{}          "u8[..rest].CopyTo(bytes.AsSpan(8));
        string path = _dir["hostile.safetensors"];
        File.WriteAllBytes(path, bytes);
        Refused($"header length {length}", path, $"header length {length} does not fit the file (20 bytes)");
    }

    [Theory]
    [InlineData("{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"e\":{\"dtype\":\"F32\",\"shape\":[2,0],\"data_offsets\":[8,8]}}")]
    public void AnEmptyTensorSharingItsStartWithAnotherReadsInEitherOrder(string header)
    {
        var (tensors, _) = SafetensorsFile.Read(File_(header, 8));
        Assert.Equal(2, tensors.Single(t => t.Name == "w").Data.Length);
        Assert.Empty(tensors.Single(t => t.Name == "e").Data);
    }

    [Fact]
    public void AMissingFileIsFileNotFound()
    {
        string path = _dir["absent.safetensors"];
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Read(path));
        Assert.Contains("absent.safetensors", e.Message);
        Assert.Throws<FileNotFoundException>(() => ModelWeights.Load(path));
    }
}
