using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>
/// <c>features</c>, <c>embed</c> and <c>export-onnx</c> at other input sizes (issue 13): .npy batches of any N x 3 x H x W,
/// images at their own size with the detection options (checked against OpenCV's resize of the same image, made by
/// <c>scripts/make-detection-input-fixture.py</c>), the shapes printed per map, and the errors.
/// </summary>
public sealed class FeaturesAtAnySizeTests : IDisposable
{
    const string Id = "tiny-shufflenetv2";
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-sizes-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string SizeDir => Path.Combine(Fixtures.TinyDir(Id), "sizes", "129x97");

    [Fact]
    public void AnOddSizedNpyGivesUpstreamsMapsAndPrintsTheirShapes()
    {
        string output = Path.Combine(_dir, "maps");
        var (code, stdout, err) = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), Path.Combine(SizeDir, "input.npy"),
            "-o", output, "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("input: 1 x 3 x 129 x 97", stdout);
        Assert.Contains("c2.npy: 1 x 16 x 33 x 25", stdout);
        Assert.Contains("c5.npy: 1 x 128 x 5 x 4", stdout);
        foreach (int k in new[] { 2, 3, 4, 5 })
        {
            var (shape, data) = NpyFile.Read(Path.Combine(output, $"c{k}.npy"));
            var (expectedShape, expected) = NpyFile.Read(Path.Combine(SizeDir, $"c{k}.npy"));
            Assert.Equal(expectedShape, shape);
            Assert.True(ReferenceExecutorTests.RelativeL2(data, expected) <= 1e-4, $"c{k}");
        }
    }

    [Fact]
    public void AnImageAtItsOwnSizeIsResizedPaddedAndNormalisedAsOpenCVDoes()
    {
        string output = Path.Combine(_dir, "image");
        var (code, stdout, err) = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), Path.Combine(Fixtures.Root, "images", "chelsea.png"),
            "--resize-short", "100", "--max-long", "140", "--pad-to", "32", "--mean", "104,117,123", "--std", "57,57,58",
            "--stages", "2,5", "-o", output, "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("input: 1 x 3 x 96 x 160", stdout);
        // The reference input (cv2.resize, float normalisation, zero padding) through the library gives the same maps.
        var (_, reference) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", "chelsea.detection.npy"));
        using var net = ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint(Id)), BackendKind.Cpu);
        var expected = net.Features(reference, 96, 160, 2, 5);
        foreach (int k in new[] { 2, 5 })
        {
            var (shape, data) = NpyFile.Read(Path.Combine(output, $"c{k}.npy"));
            Assert.Equal(expected[k].Shape, shape);
            Assert.True(ReferenceExecutorTests.RelativeL2(data, expected[k].Data) <= 1e-6, $"c{k}");
        }
        Assert.Equal([1, 16, 24, 40], expected[2].Shape);
    }

    [Theory]
    [InlineData("--max-long", "140", "--max-long needs --resize-short")]
    [InlineData("--mean", "1,2", "--mean: expected three numbers B,G,R")]
    [InlineData("--std", "1,0,1", "each value must be finite and above 0")]
    [InlineData("--resize-short", "0", "--resize-short")]
    public void BadSizeOptionsAreUsageErrors(string option, string value, string message)
    {
        var (code, _, err) = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), Path.Combine(Fixtures.Root, "images", "chelsea.png"),
            option, value, "-o", Path.Combine(_dir, "bad"), "--backend", "cpu");
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad")));
    }

    [Fact]
    public void ATooSmallInputIsAnErrorNamingTheMinimum()
    {
        string npy = Path.Combine(_dir, "small.npy");
        NpyFile.Write(npy, [1, 3, 31, 64], new float[3 * 31 * 64]);
        var (code, _, err) = CliRunner.Run("features", "--model", Fixtures.Checkpoint(Id), npy, "-o", Path.Combine(_dir, "small"), "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("input 31x64 is too small: height and width must be at least 32 pixels", err);
    }

    [Fact]
    public void EmbedTakesANpyOfAnySizeAndImagesAtTheirOwnSize()
    {
        string rows = Path.Combine(_dir, "rows.npy");
        var (code, stdout, err) = CliRunner.Run("embed", "--model", Fixtures.Checkpoint(Id), Path.Combine(SizeDir, "input.npy"), "-o", rows, "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("1 x 256 embeddings", stdout);
        using var net = ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint(Id)), BackendKind.Cpu);
        var (_, x) = NpyFile.Read(Path.Combine(SizeDir, "input.npy"));
        Assert.Equal(net.Embed(x, 129, 97), NpyFile.Read(rows).Data);
        Assert.Equal(["input.npy[0]"], File.ReadAllLines(Path.ChangeExtension(rows, ".txt")));

        // A folder of images of different sizes at their own size (short side 64): one row each.
        string images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(images);
        foreach (var name in new[] { "chelsea.png", "camera.png", "coffee.png" }) File.Copy(Path.Combine(Fixtures.Root, "images", name), Path.Combine(images, name));
        string folderRows = Path.Combine(_dir, "folder.npy");
        var folder = CliRunner.Run("embed", "--model", Fixtures.Checkpoint(Id), images, "--resize-short", "64", "--pad-to", "32", "-o", folderRows, "--backend", "cpu");
        Assert.True(folder.Code == 0, folder.Err);
        Assert.Equal([3, 256], NpyFile.Read(folderRows).Shape);
    }

    [Fact]
    public void ExportOnnxDynamicSizeSaysWhatItWrote()
    {
        string onnx = Path.Combine(_dir, "backbone.onnx");
        var (code, stdout, err) = CliRunner.Run("export-onnx", Fixtures.Checkpoint(Id), "-o", onnx, "--dynamic-size");
        Assert.True(code == 0, err);
        Assert.Contains("height and width dynamic, outputs c2..c5", stdout);
        Assert.True(new FileInfo(onnx).Length > 0);
    }
}
