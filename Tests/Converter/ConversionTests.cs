using System.Security.Cryptography;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Converter;

public sealed class ConversionTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-convert-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void ConvertedFileRoundTripsWithConfigurationAndProvenance(string id)
    {
        string output = Path.Combine(_dir, id + ".safetensors");
        var converted = CheckpointConverter.ConvertToFile(Fixtures.Checkpoint(id), output);
        var loaded = ModelWeights.Load(output);

        Assert.Equal(ArchitectureInferenceTests.ExpectedTinyConfig(id).ToJson(), loaded.Config.ToJson());
        Assert.Equal(Fixtures.Spec(id).GetProperty("family").GetString(), loaded.Metadata["family"]);
        Assert.Equal("checkpoint.pth.tar", loaded.Metadata["source_file"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Fixtures.Checkpoint(id)))), loaded.Metadata["source_sha256"]);
        Assert.Equal(ModelWeights.FormatVersion, loaded.Metadata["format_version"]);
        foreach (var (name, data) in converted.Tensors) Assert.Equal(data, loaded.Tensors[name]);
        Assert.DoesNotContain(loaded.Tensors.Keys, k => k.StartsWith("predict_") || k.Contains("se_block"));
        Assert.Single(Directory.GetFiles(_dir)); // no temp file left beside it
    }

    [Theory]
    [InlineData("tiny-shufflenetv2", "features.0.branch_main.0", "features.0.branch_main.1", 1e-5)]
    [InlineData("tiny-shufflenetv2-large", "features.1.3a.branch_main.2.conv", "features.1.3a.branch_main.2.bn", 1e-9)]
    [InlineData("tiny-detnas", "first_conv.conv", "first_conv.bn", 1e-5)]
    public void BatchNormIsFoldedWithTheFamilysEpsilon(string id, string conv, string bn, double eps)
    {
        var ckpt = TorchCheckpointReader.Read(Fixtures.Checkpoint(id));
        float[] T(string n) => ckpt.Find(n)!.Data;
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint(id));
        var w = T(conv + ".weight");
        var ownBias = ckpt.Find(conv + ".bias")?.Data;
        int outChannels = T(bn + ".weight").Length, perOut = w.Length / outChannels;
        for (int o = 0; o < outChannels; o++)
        {
            double s = T(bn + ".weight")[o] / Math.Sqrt(T(bn + ".running_var")[o] + eps);
            double b = ((ownBias?[o] ?? 0) - T(bn + ".running_mean")[o]) * s + T(bn + ".bias")[o];
            Assert.Equal(b, weights[conv + ".bias"][o], 1e-4 * Math.Max(1, Math.Abs(b)));
            for (int i = 0; i < perOut; i++)
            {
                double expected = w[o * perOut + i] * s;
                Assert.Equal(expected, weights[conv + ".weight"][o * perOut + i], 1e-5 * Math.Max(1, Math.Abs(expected)));
            }
        }
    }

    [Fact]
    public void ReleasedModelCheckNamesTheFirstDisagreeingTensor()
    {
        var e = Assert.Throws<ArchitectureException>(() =>
            CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2"), new ConvertOptions { ExpectedModelId = "shufflenetv2-0.5x" }));
        Assert.Contains("first_conv.0.weight", e.Message);
        Assert.Contains("shufflenetv2-0.5x", e.Message);
    }

    [Fact]
    public void ShapeContradictingTheInferredArchitectureIsNamed()
    {
        var ckpt = TorchCheckpointReader.Read(Fixtures.Checkpoint("tiny-shufflenetv2"));
        var tensors = ckpt.Tensors.ToDictionary(t => t.Name);
        // A depthwise weight that claims two input channels per group cannot belong to the inferred graph.
        var dw = tensors["features.3.branch_main.3.weight"];
        tensors[dw.Name] = dw with { Shape = [dw.Shape[0], 2, 3, 3], Data = new float[dw.Shape[0] * 18] };
        var config = ArchitectureInference.Infer(tensors.ToDictionary(t => t.Key, t => t.Value.Shape), "v2.pth");
        var e = Assert.Throws<ArchitectureException>(() => CheckpointMatcher.Check(GraphFactory.Build(config), tensors, "v2.pth"));
        Assert.Contains("features.3.branch_main.3.weight", e.Message);
    }

    [Fact]
    public void UnexpectedExtraTensorIsRefused()
    {
        var tensors = TorchCheckpointReader.Read(Fixtures.Checkpoint("tiny-shufflenetv2")).Tensors.ToDictionary(t => t.Name);
        tensors["features.99.weight"] = new TorchTensor("features.99.weight", [1], [0f], TorchDType.Float32);
        var graph = GraphFactory.Build(ArchitectureInferenceTests.ExpectedTinyConfig("tiny-shufflenetv2"));
        var e = Assert.Throws<ArchitectureException>(() => CheckpointMatcher.Check(graph, tensors, "v2.pth"));
        Assert.Contains("features.99.weight", e.Message);
    }

    /// <summary>Overwrites the stored values of one tensor in a copy of a legacy checkpoint, found by their bytes.</summary>
    string CheckpointWithValue(string id, string tensor, float value)
    {
        var bytes = File.ReadAllBytes(Fixtures.Checkpoint(id));
        var data = TorchCheckpointReader.Read(Fixtures.Checkpoint(id)).Find(tensor)!.Data;
        var pattern = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan(0, 8)).ToArray();
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0, "tensor bytes not found in the file");
        BitConverter.TryWriteBytes(bytes.AsSpan(at + 4), value);
        string path = Path.Combine(_dir, "modified.pth.tar");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteWeightIsRefusedWithItsNameUnlessAllowed(float value)
    {
        string path = CheckpointWithValue("tiny-shufflenetv2", "features.1.branch_main.5.weight", value);
        string output = Path.Combine(_dir, "out.safetensors");
        var e = Assert.Throws<NonFiniteWeightException>(() => CheckpointConverter.ConvertToFile(path, output));
        Assert.Equal("features.1.branch_main.5.weight", e.TensorName);
        Assert.False(File.Exists(output));

        var weights = CheckpointConverter.ConvertToFile(path, output, new ConvertOptions { AllowNonFinite = true });
        Assert.Contains(weights["features.1.branch_main.5.weight"], v => !float.IsFinite(v));
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void OutputFolderThatDoesNotExistIsAClearError()
    {
        string output = Path.Combine(_dir, "missing", "out.safetensors");
        var e = Assert.Throws<ShuffleNetException>(() => CheckpointConverter.ConvertToFile(Fixtures.Checkpoint("tiny-shufflenetv2"), output));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void FailedConversionLeavesNothingBehind()
    {
        string bad = Path.Combine(_dir, "bad.pth.tar");
        File.WriteAllBytes(bad, File.ReadAllBytes(Fixtures.Checkpoint("tiny-shufflenetv2"))[..5000]);
        string output = Path.Combine(_dir, "out.safetensors");
        Assert.Throws<CheckpointFormatException>(() => CheckpointConverter.ConvertToFile(bad, output));
        Assert.Equal([bad], Directory.GetFiles(_dir));
    }
}
