using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

public sealed class FeaturesCommandTests : IDisposable
{
    const string Id = "tiny-shufflenetv2";
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-features-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesOneNpyPerMapEqualToTheApiForABatchAndForAnImage()
    {
        string out1 = Path.Combine(_dir, "batch"), out2 = Path.Combine(_dir, "image");
        var batch = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), Path.Combine(Fixtures.TinyDir(Id), "input.npy"),
            "--stages", "2,5", "--embedding", "-o", out1, "--backend", "cpu");
        Assert.True(batch.Code == 0, batch.Err);
        Assert.Equal(["c2.npy", "c5.npy", "embedding.npy"], Directory.GetFiles(out1).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // An image goes through the upstream preprocessing: chelsea.png gives exactly the fixture's chelsea.input.npy.
        var image = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), Path.Combine(Fixtures.Root, "images", "chelsea.png"),
            "--stages", "c3", "-o", out2, "--backend", "cpu");
        Assert.True(image.Code == 0, image.Err);
        Assert.Equal(["c3.npy"], Directory.GetFiles(out2).Select(Path.GetFileName));

        using var net = ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint(Id)), BackendKind.Cpu);
        var (_, input) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(Id), "input.npy"));
        var expected = net.Features(input, [2, 5], embedding: true);
        foreach (var map in expected.All)
        {
            var (shape, data) = NpyFile.Read(Path.Combine(out1, map.Name + ".npy"));
            Assert.Equal(map.Shape, shape);
            Assert.True(ReferenceExecutorTests.RelativeL2(data, map.Data) <= 1e-6, map.Name);
        }
        Assert.Equal([2, 16, 56, 56], expected[2].Shape);
        Assert.Equal([2, 256], expected.Embedding!.Shape);

        var (_, chelsea) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", "chelsea.input.npy"));
        var c3 = net.Features(chelsea, 3)[3];
        var (c3Shape, c3Data) = NpyFile.Read(Path.Combine(out2, "c3.npy"));
        Assert.Equal([1, 32, 28, 28], c3Shape);
        Assert.Equal(c3.Shape, c3Shape);
        Assert.True(ReferenceExecutorTests.RelativeL2(c3Data, c3.Data) <= 1e-6);
    }

    [Theory]
    [InlineData("2,7", "stage 7 is not a backbone stage: valid stages are 2..5")]
    [InlineData("1", "stage 1 is not a backbone stage")]
    [InlineData("2,x", "stage 'x' is not a number")]
    [InlineData("", "nothing to write")]
    public void BadStagesAreOneLineErrorsAndWriteNothing(string stages, string message)
    {
        string output = Path.Combine(_dir, "out");
        var (code, _, err) = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), Path.Combine(Fixtures.TinyDir(Id), "input.npy"),
            "--stages", stages, "-o", output, "--backend", "cpu");
        Assert.Equal(2, code);   // a usage error
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AnNpyOfTheWrongShapeIsRefused()
    {
        string input = Path.Combine(_dir, "small.npy");
        // Any N x 3 x H x W is taken (issue 13); four channels are not.
        NpyFile.Write(input, [1, 4, 32, 32], new float[4 * 32 * 32]);
        var (code, _, err) = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), input, "-o", Path.Combine(_dir, "out"), "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("is not N x 3 x H x W", err);
    }
}
