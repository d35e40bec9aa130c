using System.Buffers.Binary;
using System.Text;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Networks;

public sealed class WeightsFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-weights-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Path_(string name) => Path.Combine(_dir, name);

    [Fact]
    public void SafetensorsLayoutIsTheStandardOne()
    {
        string path = Path_("a.safetensors");
        SafetensorsFile.Write(path, [new("b", [2], [1f, 2f]), new("a", [1, 1], [3f])], new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", header);
        Assert.Equal(8 + (int)n + 12, bytes.Length);
        Assert.Equal(3f, BitConverter.ToSingle(bytes, 8 + (int)n + 8));
        var (tensors, metadata) = SafetensorsFile.Read(path);
        Assert.Equal("v", metadata["k"]);
        Assert.Equal([1f, 2f], tensors.Single(t => t.Name == "b").Data);
    }

    public static IEnumerable<object[]> Corruptions =>
    [
        ["empty", (Func<byte[], byte[]>)(_ => [])],
        ["short", (Func<byte[], byte[]>)(b => b[..5])],
        ["huge header length", (Func<byte[], byte[]>)(b => { var c = (byte[])b.Clone(); BinaryPrimitives.WriteUInt64LittleEndian(c, 1UL << 40); return c; })],
        ["truncated data", (Func<byte[], byte[]>)(b => b[..^4])],
        ["extra data", (Func<byte[], byte[]>)(b => [.. b, 0, 0, 0, 0])],
        ["not json", (Func<byte[], byte[]>)(b => { var c = (byte[])b.Clone(); c[8] = (byte)'x'; return c; })],
    ];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFilesGiveATypedErrorNamingTheFile(string what, Func<byte[], byte[]> corrupt)
    {
        string good = Path_("good.safetensors");
        SafetensorsFile.Write(good, [new("w", [3], [1f, 2f, 3f])], new Dictionary<string, string>());
        string bad = Path_("bad.safetensors");
        File.WriteAllBytes(bad, corrupt(File.ReadAllBytes(good)));
        var e = Assert.Throws<WeightsFormatException>(() => SafetensorsFile.Read(bad));
        Assert.Contains("bad.safetensors", e.Message);
        Assert.NotNull(what);
    }

    [Fact]
    public void WeightsWhoseTensorsDoNotFitTheirConfigurationAreRefused()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x", 10), seed: 1);
        string path = Path_("v2.safetensors");
        weights.Save(path);
        var (tensors, metadata) = SafetensorsFile.Read(path);
        var changed = tensors.Select(t => t.Name == "features.0.branch_main.0.weight" ? t with { Shape = [t.Shape[0] / 2, t.Shape[1] * 2, 1, 1] } : t).ToList();
        SafetensorsFile.Write(path, changed, metadata);
        var e = Assert.Throws<WeightsFormatException>(() => ModelWeights.Load(path));
        Assert.Contains("features.0.branch_main.0.weight", e.Message);
    }

    [Fact]
    public void GeneratedWeightsAreDeterministicPerSeed()
    {
        var config = ModelZoo.Get("oneshot");
        var a = WeightGenerator.Generate(config, 7);
        var b = WeightGenerator.Generate(config, 7);
        var c = WeightGenerator.Generate(config, 8);
        Assert.Equal(a["features.5.branch_main.0.weight"], b["features.5.branch_main.0.weight"]);
        Assert.NotEqual(a["features.5.branch_main.0.weight"], c["features.5.branch_main.0.weight"]);
        string path = Path_("o.safetensors");
        a.Save(path);
        Assert.Equal(config.ToJson(), ModelWeights.Load(path).Config.ToJson());
    }
}
