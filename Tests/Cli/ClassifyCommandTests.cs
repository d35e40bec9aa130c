using System.Text.Json;
using ShuffleNetGpu.Cli;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

public sealed class ClassifyCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-classify-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    static int[] TopFive(ReadOnlySpan<float> logits) =>
        logits.ToArray().Select((v, i) => (v, i)).OrderByDescending(x => x.v).ThenBy(x => x.i).Take(5).Select(x => x.i).ToArray();

    [Fact]
    public void ClassifyGivesTheTopFiveOfTheReferenceOnTheFixtureInput()
    {
        const string id = "tiny-shufflenetv2";
        string image = Path.Combine(Fixtures.Root, "images", "chelsea.png");
        // Independent expectation: the fixture's own network input for this image (made by upstream's preprocessing)
        // through the double-precision reference executor.
        var (_, input) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", "chelsea.input.npy"));
        var reference = ReferenceExecutor.Run(CheckpointConverter.Convert(Fixtures.Checkpoint(id)), input, 1);
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint(id));
        var expected = TopFive(reference[weights.Graph.OutputTensor]);

        var (code, output, err) = Run("classify", "--model", Fixtures.Checkpoint(id), image, "--backend", "ilgpu-cpu", "--json");
        Assert.True(code == 0, err);
        var row = JsonDocument.Parse(output.Trim()).RootElement;
        Assert.Equal(image, row.GetProperty("file").GetString());
        var top = row.GetProperty("top").EnumerateArray().ToArray();
        Assert.Equal(expected, top.Select(t => t.GetProperty("class").GetInt32()).ToArray());
        double sum = top.Sum(t => t.GetProperty("probability").GetDouble());
        Assert.InRange(sum, 0, 1.000001);
    }

    [Fact]
    public void FolderRunReportsBadImagesCompletesTheOthersAndExitsOne()
    {
        File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), Path.Combine(_dir, "a.png"));
        File.WriteAllText(Path.Combine(_dir, "b.jpg"), "this is not a jpeg");
        File.WriteAllBytes(Path.Combine(_dir, "c.png"), []);
        var (code, output, err) = Run("classify", "--model", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), _dir, "--backend", "ilgpu-cpu", "--json");
        Assert.Equal(1, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("a.png", output);
        Assert.Contains("b.jpg", err);
        Assert.Contains("c.png", err);
        Assert.Contains("2 of 3 images could not be read", err);
    }
}
