using ShuffleNetGpu.Cli.Pictures;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>The pictures: bench --plot, features --png, eval --confusion, each drawn by the command and checked for
/// size and content (docs/images/ holds one of each, made by the same commands).</summary>
public sealed class PictureCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-pictures-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string Tiny => Fixtures.Checkpoint("tiny-shufflenetv2");

    [Fact]
    public void BenchPlotDrawsThisRunAndTheComparedOnes()
    {
        string earlier = Path.Combine(_dir, "earlier.jsonl"), plot = Path.Combine(_dir, "bench.png");
        File.WriteAllLines(earlier,
        [
            """{"model":"other","backend":"cuda","batch":1,"images_per_s":100.5}""",
            """{"model":"other","backend":"cuda","batch":4,"images_per_s":350}""",
        ]);
        var (code, text, err) = CliRunner.Run("bench", "--model", Tiny, "--backend", "cpu", "--batch", "1,4", "--runs", "1", "--warmup", "0",
            "--plot", plot, "--compare", earlier);
        Assert.True(code == 0, err);
        Assert.Contains($"plot: {plot}", text);
        PngAssert.IsPicture(plot, BenchPlot.Width, BenchPlot.Height, maxBackground: 0.97); // a line chart: mostly white
    }

    [Fact]
    public void ABadCompareFileIsAnErrorNamingItsLine()
    {
        string earlier = Path.Combine(_dir, "earlier.jsonl");
        File.WriteAllLines(earlier, ["""{"model":"other","backend":"cuda","batch":1,"images_per_s":1}""", "{\"batch\": 2}"]);
        var (code, _, err) = CliRunner.Run("bench", "--model", Tiny, "--backend", "cpu", "--batch", "1", "--runs", "1",
            "--plot", Path.Combine(_dir, "b.png"), "--compare", earlier);
        Assert.Equal(1, code);
        Assert.Contains($"{earlier}:2:", err);
        Assert.False(File.Exists(Path.Combine(_dir, "b.png")));
    }

    [Fact]
    public void FeaturesPngDrawsEachRequestedStageMap()
    {
        string pictures = Path.Combine(_dir, "pictures");
        var (code, text, err) = CliRunner.Run("features", "--model", Tiny, Path.Combine(Fixtures.Root, "images", "chelsea.png"),
            "-o", Path.Combine(_dir, "maps"), "--backend", "cpu", "--png", pictures, "--stages", "2,5");
        Assert.True(code == 0, err);
        foreach (var stage in new[] { "c2", "c5" })
        {
            Assert.Contains($"{Path.Combine(pictures, stage + ".png")}: heat map", text);
            PngAssert.IsPicture(Path.Combine(pictures, stage + ".png"), StageHeatMap.Size, StageHeatMap.Size, minColours: 500);
        }
    }

    [Fact]
    public void EvalConfusionDrawsTheSubsetsMatrix()
    {
        foreach (var (label, image) in new[] { ("1", "chelsea"), ("1", "logo"), ("6", "coffee"), ("3", "camera") })
        {
            Directory.CreateDirectory(Path.Combine(_dir, "set", label));
            File.Copy(Path.Combine(Fixtures.Root, "images", image + ".png"), Path.Combine(_dir, "set", label, image + ".png"));
        }
        string matrix = Path.Combine(_dir, "confusion.png");
        var (code, _, err) = CliRunner.Run("eval", "--model", Tiny, Path.Combine(_dir, "set"), "--labels", "index", "--backend", "cpu", "--confusion", matrix);
        Assert.True(code == 0, err);
        PngAssert.IsPicture(matrix, 650, 500);
    }

    [Fact]
    public void ConfusionNeedsAPngName()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "set", "1"));
        var (code, _, err) = CliRunner.Run("eval", "--model", Tiny, Path.Combine(_dir, "set"), "--labels", "index", "--backend", "cpu",
            "--confusion", Path.Combine(_dir, "confusion.jpg"));
        Assert.Equal(2, code);
        Assert.Contains("--confusion", err);
    }
}
