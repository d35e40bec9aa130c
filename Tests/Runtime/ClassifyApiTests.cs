using System.Text.Json;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Cli;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary><c>ShuffleNet.Classify</c> (path, bytes, stream) gives what <c>shufflenet classify --json</c> prints for the
/// same model and image: classes, ImageNet names and probabilities.</summary>
public sealed class ClassifyApiTests
{
    const string Model = "shufflenetv2-0.5x"; // generated weights: the CLI takes the zoo id, the library the same generator
    static readonly string Image = Path.Combine(Fixtures.Root, "images", "hubble_deep_field.jpg");

    [Fact]
    public void ClassifyMatchesTheCliOnAShippedImage()
    {
        var (code, output, err) = CliRunner.Run("classify", "--model", Model, Image, "--json", "--backend", "cpu", "--top", "5");
        Assert.True(code == 0, err);
        var cli = JsonDocument.Parse(output.Trim()).RootElement.GetProperty("top").EnumerateArray()
            .Select(t => (t.GetProperty("class").GetInt32(), t.GetProperty("label").GetString()!, t.GetProperty("probability").GetDouble()))
            .ToList();

        using var net = ShuffleNet.FromWeights(WeightGenerator.Generate(ModelZoo.Get(Model)), BackendKind.Cpu);
        var fromPath = net.Classify(Image);
        var fromBytes = net.Classify(File.ReadAllBytes(Image));
        using var stream = File.OpenRead(Image);
        var fromStream = net.Classify(stream);

        Assert.Equal(cli, fromPath.Select(p => (p.Class, p.Label, Math.Round(p.Probability, 6))).ToList());
        Assert.Equal(fromPath, fromBytes);
        Assert.Equal(fromPath, fromStream);
        Assert.DoesNotContain(fromPath, p => p.Label.StartsWith("class "));   // 1000 classes: ImageNet's names
    }

    [Fact]
    public void ANonImageIsTheTypedErrorNamingIt()
    {
        using var net = ShuffleNet.FromWeights(WeightGenerator.Generate(ModelZoo.Get(Model)), BackendKind.Cpu);
        var e = Assert.Throws<ImageFormatException>(() => net.Classify("not a picture"u8.ToArray(), name: "upload.jpg"));
        Assert.StartsWith("upload.jpg: ", e.Message);
        Assert.Throws<ShuffleNetException>(() => net.Classify(Image, top: 0));
    }
}
