using System.Buffers.Binary;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>Every weights file this project writes records a digest per tensor, and loading checks each one: a flipped
/// data byte is an error naming the file and the tensor, where before it ran silently with wrong weights.</summary>
public sealed class TensorDigestTests : IDisposable
{
    readonly TempDirectory _dir = new("shufflenet-digest-");
    public void Dispose() => _dir.Dispose();

    const string Id = "tiny-shufflenetv2";

    string Saved(string name = "good.safetensors")
    {
        string path = _dir[name];
        CheckpointConverter.Convert(Fixtures.Checkpoint(Id)).Save(path);
        return path;
    }

    /// <summary>The byte range of each tensor's data in <paramref name="path"/>, as its header says.</summary>
    static Dictionary<string, (long Begin, long End)> DataRanges(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, headerEnd - 8));
        return header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToDictionary(p => p.Name,
            p => (headerEnd + p.Value.GetProperty("data_offsets")[0].GetInt64(), headerEnd + p.Value.GetProperty("data_offsets")[1].GetInt64()));
    }

    [Fact]
    public void AFlippedDataByteInAnyTensorIsAnErrorNamingTheFileAndTheTensor()
    {
        string good = Saved();
        byte[] original = File.ReadAllBytes(good);
        string bad = _dir["flipped.safetensors"];
        var rng = new Random(15_4);
        foreach (var (name, (begin, end)) in DataRanges(good).Where(r => r.Value.End > r.Value.Begin))
        {
            var copy = (byte[])original.Clone();
            copy[begin + rng.NextInt64(end - begin)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(bad, copy);
            var e = Record.Exception(() => ModelWeights.Load(bad));
            Assert.True(e is WeightsFormatException, $"{name}: {e?.GetType().Name ?? "loaded without an error"}");
            Assert.Contains("flipped.safetensors", e!.Message);
            Assert.Contains($"tensor {name} ", e.Message);
        }
    }

    [Fact]
    public void SavedFilesRecordAnXxHash64PerTensorAndLoadingChecksThem()
    {
        var weights = ModelWeights.Load(Saved());
        Assert.True(weights.DigestsChecked);
        using var digests = System.Text.Json.JsonDocument.Parse(weights.Metadata[TensorDigests.MetadataKey]);
        var recorded = digests.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(weights.Tensors.Keys.Order(), recorded.Keys.Order());
        foreach (var (name, data) in weights.Tensors)
        {
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
            Assert.Equal(System.IO.Hashing.XxHash64.HashToUInt64(bytes).ToString("x16"), recorded[name]);
        }
    }

    /// <summary>The file rewritten with <paramref name="digests"/> as its digest entry (null: none), the data unchanged.</summary>
    string Rewritten(string? digests) => WeightsFileEdit.Rewrite(Saved(), _dir["rewritten.safetensors"], metadata =>
    {
        metadata.Remove(TensorDigests.MetadataKey);
        if (digests is not null) metadata[TensorDigests.MetadataKey] = digests;
    });

    [Fact]
    public void AFileWithoutDigestsLoadsAndSaysSo()
    {
        var weights = ModelWeights.Load(Rewritten(null));
        Assert.False(weights.DigestsChecked);
        Assert.Equal(ModelWeights.Load(Saved()).Tensors["first_conv.0.weight"], weights.Tensors["first_conv.0.weight"]);
    }

    public static TheoryData<string, string, string> BadDigestEntries => new()
    {
        { "not JSON", "{", TensorDigests.MetadataKey },
        { "not an object", "[]", TensorDigests.MetadataKey },
        { "a number for a digest", "{\"first_conv.0.weight\":1}", "first_conv.0.weight" },
        { "too short", "{\"first_conv.0.weight\":\"abc\"}", "first_conv.0.weight" },
        { "not hex", "{\"first_conv.0.weight\":\"zzzzzzzzzzzzzzzz\"}", "first_conv.0.weight" },
        { "a digest for no tensor", "{\"nothing.weight\":\"0000000000000000\"}", "nothing.weight" },
        { "a tensor without a digest", "{}", "has no digest" },
        { "100,000 nested arrays", new string('[', 100_000) + new string(']', 100_000), "is not valid JSON" },
        { "a lone surrogate escape in a name", "{\"\\udc00\":\"0000000000000000\"}", "not valid text" },
    };

    [Theory]
    [MemberData(nameof(BadDigestEntries))]
    public void AMalformedDigestEntryIsAnErrorNamingTheField(string what, string digests, string field)
    {
        var e = Record.Exception(() => ModelWeights.Load(Rewritten(digests)));
        Assert.True(e is WeightsFormatException, $"{what}: {e?.GetType().Name ?? "loaded without an error"}");
        Assert.Contains("rewritten.safetensors", e!.Message);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void ADeeplyNestedConfigurationIsRefusedAtOnce()
    {
        string path = WeightsFileEdit.Rewrite(Saved(), _dir["nested.safetensors"],
            metadata => metadata["config"] = string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_000));
        var e = Assert.Throws<WeightsFormatException>(() => ModelWeights.Load(path));
        Assert.Contains("nested.safetensors: configuration", e.Message);
    }

    [Fact]
    public void ADigestRecordedForOtherDataIsRefused()
    {
        string good = Saved();
        var (_, metadata) = SafetensorsFile.Read(good);
        string digests = metadata[TensorDigests.MetadataKey];
        using var parsed = System.Text.Json.JsonDocument.Parse(digests);
        string first = parsed.RootElement.EnumerateObject().First(p => p.Name == "first_conv.0.weight").Value.GetString()!;
        string swapped = digests.Replace(first, first[..^1] + (first[^1] == '0' ? '1' : '0'));
        var e = Assert.Throws<WeightsFormatException>(() => ModelWeights.Load(Rewritten(swapped)));
        Assert.Contains("tensor first_conv.0.weight ", e.Message);
    }
}
