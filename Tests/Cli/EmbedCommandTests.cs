using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

public sealed class EmbedCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-embed-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The fastest tiny fixture, converted to a weights file as a user would.</summary>
    string Model()
    {
        string model = Path.Combine(_dir, "v1.safetensors");
        var convert = CliRunner.Run("convert", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), "-o", model);
        Assert.True(convert.Code == 0, convert.Err);
        return model;
    }

    [Fact]
    public void EveryReadableImageGetsARowInSortedOrderAndUnreadableOnesAreListed()
    {
        string model = Model();
        string images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(Path.Combine(images, "sub"));
        // 9 readable images (so the progress line shows: more than a handful), one broken, one not an image.
        for (int i = 0; i < 5; i++) File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), Path.Combine(images, $"logo{i}.png"));
        for (int i = 0; i < 4; i++) File.Copy(Path.Combine(Fixtures.Root, "images", "chelsea.png"), Path.Combine(images, "sub", $"chelsea{i}.PNG"));
        File.WriteAllText(Path.Combine(images, "broken.jpg"), "not a jpeg");
        File.WriteAllText(Path.Combine(images, "notes.txt"), "ignored");
        string output = Path.Combine(_dir, "emb.npy");

        var (code, stdout, err) = CliRunner.Run("embed", "--model", model, images, "-o", output, "--batch", "4", "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("broken.jpg", err);
        Assert.Contains("error: 1 of 10 images could not be read", err);
        Assert.Contains("[4/10]", err);
        Assert.Contains("[10/10] 100%", err);
        Assert.Contains("9 x 96 embeddings", stdout);

        var lines = File.ReadAllLines(Path.Combine(_dir, "emb.txt"));
        string[] expectedFiles = [.. Enumerable.Range(0, 5).Select(i => $"logo{i}.png"), .. Enumerable.Range(0, 4).Select(i => Path.Combine("sub", $"chelsea{i}.PNG"))];
        Assert.Equal(expectedFiles, lines);

        var (shape, rows) = NpyFile.Read(output);
        Assert.Equal([9, 96], shape);
        // Each row is the embedding of the fixture's own preprocessed input for that image.
        using var net = ShuffleNet.FromWeights(ModelWeights.Load(model), BackendKind.Cpu);
        var (_, logo) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", "logo.input.npy"));
        var (_, chelsea) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", "chelsea.input.npy"));
        var expected = net.Embed([.. logo, .. chelsea]);
        for (int r = 0; r < 9; r++)
        {
            var want = expected.AsSpan(r < 5 ? 0 : 96, 96);
            Assert.True(ReferenceExecutorTests.RelativeL2(rows.AsSpan(r * 96, 96), want) <= 1e-5, $"row {r} ({lines[r]})");
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void BadArgumentsAreOneLineErrorsAndWriteNothing()
    {
        string model = Model();
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        string images = Directory.CreateDirectory(Path.Combine(_dir, "images")).FullName;
        File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), Path.Combine(images, "logo.png"));
        foreach (var (args, message, exitCode) in new (string[], string, int)[]
        {
            (["embed", "--model", model, Path.Combine(_dir, "missing"), "-o", Path.Combine(_dir, "e.npy")], "not a folder", 1),
            (["embed", "--model", model, empty, "-o", Path.Combine(_dir, "e.npy")], "holds no image files", 1),
            (["embed", "--model", model, images, "-o", Path.Combine(_dir, "e.bin"), "--backend", "cpu"], "must end in .npy", 2),
            (["embed", "--model", model, images, "-o", Path.Combine(_dir, "e.npy"), "--batch", "0"], "--batch: expected an integer >= 1, got '0'", 2),
        })
        {
            var (code, _, err) = CliRunner.Run(args);
            Assert.Equal(exitCode, code);   // 2: a usage error
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Contains(message, err);
        }
        Assert.Equal([Path.Combine(_dir, "v1.safetensors")], Directory.GetFiles(_dir));
    }
}
