using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Runtime.Verification;
using ShuffleNetGpu.Tests.Cli;

namespace ShuffleNetGpu.Tests.Onnx;

public sealed class ExportOnnxCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-export-onnx-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ExportsACheckpointThatReproducesTheFixtureInOnnxRuntime()
    {
        const string id = "tiny-shufflenetv1-g8";
        string path = Path.Combine(_dir, "model.onnx");
        var (code, stdout, err) = CliRunner.Run("export-onnx", Fixtures.Checkpoint(id), "-o", path, "--batch", "2");
        Assert.True(code == 0, err);
        Assert.Contains("batch 2", stdout);
        var (_, input) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "input.npy"));
        var (_, expected) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "logits.npy"));
        using var session = new OrtSession(File.ReadAllBytes(path));
        Assert.Equal(2, session.Session.InputMetadata["input"].Dimensions[0]);
        Assert.InRange(RelativeError.L2(session.Run(input, 2), expected), 0, 1e-4);
    }

    [Fact]
    public void ExportsAZooIdWithADynamicBatch()
    {
        string path = Path.Combine(_dir, "v2.onnx");
        var (code, stdout, err) = CliRunner.Run("export-onnx", "shufflenetv2-0.5x", "-o", path);
        Assert.True(code == 0, err);
        Assert.Contains("generated weights", stdout);
        Assert.Contains("batch dynamic", stdout);
        using var session = new OrtSession(File.ReadAllBytes(path));
        Assert.Equal(-1, session.Session.InputMetadata["input"].Dimensions[0]);
        Assert.Equal([-1, 1000], session.Session.OutputMetadata["logits"].Dimensions);
    }

    [Theory]
    [InlineData("missing-folder", 1)]
    [InlineData("folder", 2)]   // usage errors (the option's value is wrong on its face) exit 2, runtime errors 1
    [InlineData("batch", 2)]
    [InlineData("model", 1)]
    public void BadArgumentsAreOneErrorLineAndLeaveNoFile(string what, int exitCode)
    {
        string path = what switch
        {
            "missing-folder" => Path.Combine(_dir, "missing", "m.onnx"),
            "folder" => _dir,
            _ => Path.Combine(_dir, "m.onnx"),
        };
        string[] args = what switch
        {
            "batch" => ["export-onnx", "shufflenetv2-0.5x", "-o", path, "--batch", "0"],
            "model" => ["export-onnx", Path.Combine(_dir, "nothing.pth.tar"), "-o", path],
            _ => ["export-onnx", "shufflenetv2-0.5x", "-o", path],
        };
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(exitCode, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
