using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>A class count beyond <see cref="ModelConfig.MaxClasses"/> is one typed line from init, info and run,
/// whether it comes from an option, a candidate string or a weights file.</summary>
public sealed class ClassCountBoundTests : IDisposable
{
    readonly TempDirectory _dir = new("shufflenet-classes-");
    public void Dispose() => _dir.Dispose();

    const string DetNas = "detnas:2,1,0,3,1,3,0,3,2,0,1,1,3,3,3,3,3,3,3,1";

    static void AssertOneLineError((int Code, string Out, string Err) result)
    {
        Assert.True(result.Code != 0, $"exit 0: {result.Out}");
        string err = result.Err.TrimEnd();
        Assert.StartsWith("error:", err);
        Assert.DoesNotContain('\n', err);
        Assert.Contains("classes", err);   // num_classes, or the --classes option where the CLI checks it first
        Assert.Contains(ModelConfig.MaxClasses.ToString(), err);
    }

    [Theory]
    [InlineData("shufflenetv2-0.5x")]
    [InlineData(DetNas)]
    public void InitWithTooManyClassesIsOneLineAndWritesNothing(string model)
    {
        string path = _dir["x.safetensors"];
        AssertOneLineError(CliRunner.Run("init", model, "-o", path, "--classes", "2000000000"));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void InfoOfACandidateWithTooManyClassesIsOneLine() =>
        AssertOneLineError(CliRunner.Run("info", $"{DetNas}:classes=2000000000"));

    [Fact]
    public void RunOfAWeightsFileWithTooManyClassesIsOneLine()
    {
        string path = _dir["crafted.safetensors"];
        WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x", 10)).Save(path);
        var (tensors, metadata) = SafetensorsFile.Read(path);
        var edited = new Dictionary<string, string>(metadata) { ["config"] = metadata["config"].Replace("\"num_classes\":10", "\"num_classes\":2000000000") };
        SafetensorsFile.Write(path, tensors, edited);
        string input = _dir["in.npy"];
        ShuffleNetGpu.Runtime.IO.NpyFile.Write(input, [1, 3, 224, 224], new float[3 * 224 * 224]);
        AssertOneLineError(CliRunner.Run("run", "--model", path, "--input", input, "--output", _dir["out.npy"], "--backend", "cpu"));
        Assert.False(File.Exists(_dir["out.npy"]));
    }

    [Fact]
    public void TheLibraryRefusesTheSameCountsWithATypedError()
    {
        var e = Assert.ThrowsAny<ShuffleNetException>(() => WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x") with { NumClasses = 2_000_000_000 }));
        Assert.Contains("num_classes", e.Message);
        Assert.ThrowsAny<ShuffleNetException>(() => ModelZoo.Get("shufflenetv2-0.5x", ModelConfig.MaxClasses + 1));
        Assert.Equal(ModelConfig.MaxClasses, ModelZoo.Get("shufflenetv2-0.5x", ModelConfig.MaxClasses).Validate().NumClasses);
    }
}
