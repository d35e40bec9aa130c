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
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileHeadersAreWeightsFormatErrorsNamingTheFileAndTheField(string what, string header, int dataBytes, string field)
    {
        string path = File_(header, dataBytes);
        var e = Record.Exception(() => SafetensorsFile.Read(path));
        Assert.True(e is WeightsFormatException, $"{what}: {e?.GetType().Name ?? "no exception"}: {e?.Message}");
        Assert.Contains("hostile.safetensors", e!.Message);
        Assert.Contains(field, e.Message);
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
