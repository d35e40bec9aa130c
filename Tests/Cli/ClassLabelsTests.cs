using System.Text.Json;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Issue 19 item 14: generated weights are flagged, ImageNet's names go to 1000-class models only, and a
/// labels file names the classes.</summary>
public sealed class ClassLabelsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-labels-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly string Image = Path.Combine(Fixtures.Root, "images", "logo.png");
    static readonly string Tiny = Fixtures.Checkpoint("tiny-shufflenetv1-g3");   // 10 classes

    static JsonElement[] Top(string output) =>
        JsonDocument.Parse(output.Trim().Split('\n').Single()).RootElement.GetProperty("top").EnumerateArray().ToArray();

    [Fact]
    public void GeneratedWeightsSayTheyAreNotAPredictionOnStderrAndInJson()
    {
        var (code, output, err) = CliRunner.Run("classify", "--model", "shufflenetv2-0.5x", Image, "--json", "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("generated weights: not a prediction", err);
        var line = JsonDocument.Parse(output.Trim()).RootElement;
        Assert.Equal("generated weights: not a prediction", line.GetProperty("warning").GetString());
        foreach (var t in Top(output))   // a 1000-class model: ImageNet's names
            Assert.NotEqual($"class {t.GetProperty("class").GetInt32()}", t.GetProperty("label").GetString());
    }

    [Fact]
    public void AFileWrittenByInitIsFlaggedAsGeneratedToo()
    {
        string weights = Path.Combine(_dir, "init.safetensors");
        var (code, _, err) = CliRunner.Run("init", "shufflenetv2-0.5x", "-o", weights);
        Assert.True(code == 0, err);
        (code, var output, err) = CliRunner.Run("classify", "--model", weights, Image, "--json", "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("generated weights: not a prediction", err);
        Assert.Equal("generated weights: not a prediction", JsonDocument.Parse(output.Trim()).RootElement.GetProperty("warning").GetString());
        (code, _, err) = CliRunner.Run("eval", "--model", weights, Path.Combine(Fixtures.Root, "images"), "--labels", "index", "--backend", "cpu");
        Assert.Contains("generated weights: not a prediction", err);
    }

    [Fact]
    public void ATenClassModelIsLabelledWithClassNumbersNotImageNetNames()
    {
        var (code, output, err) = CliRunner.Run("classify", "--model", Tiny, Image, "--json", "--backend", "cpu", "--top", "10");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("warning", output);
        foreach (var t in Top(output))
            Assert.Equal($"class {t.GetProperty("class").GetInt32()}", t.GetProperty("label").GetString());
    }

    [Fact]
    public void ALabelsFileNamesTheClassesAndMustHaveOneLinePerClass()
    {
        string labels = Path.Combine(_dir, "labels.txt");
        File.WriteAllLines(labels, Enumerable.Range(0, 10).Select(i => $"thing {i}"));
        var (code, output, err) = CliRunner.Run("classify", "--model", Tiny, Image, "--json", "--backend", "cpu", "--labels", labels);
        Assert.True(code == 0, err);
        foreach (var t in Top(output))
            Assert.Equal($"thing {t.GetProperty("class").GetInt32()}", t.GetProperty("label").GetString());

        File.WriteAllLines(labels, ["a", "b", "c"]);
        var bad = CliRunner.Run("classify", "--model", Tiny, Image, "--backend", "cpu", "--labels", labels);
        Assert.Equal(1, bad.Code);
        Assert.Equal("", bad.Out);
        Assert.Single(bad.Err.TrimEnd().Split('\n'));
        Assert.Contains($"{labels}: 3 labels, but the model has 10 classes", bad.Err);
    }
}
