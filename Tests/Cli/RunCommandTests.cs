using ShuffleNetGpu.Cli;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

public sealed class RunCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-run-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void RunOnAFixtureCheckpointReproducesItsLogits()
    {
        const string id = "tiny-shufflenetv1-g3";
        string output = Path.Combine(_dir, "logits.npy");
        var (code, _, err) = Run("run", "--model", Fixtures.Checkpoint(id), "--input", Path.Combine(Fixtures.TinyDir(id), "input.npy"),
            "--output", output, "--backend", "ilgpu-cpu");
        Assert.True(code == 0, err);
        var (shape, logits) = NpyFile.Read(output);
        var (expectedShape, expected) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "logits.npy"));
        Assert.Equal(expectedShape, shape);
        Assert.InRange(ReferenceExecutorTests.RelativeL2(logits, expected), 0, ReferenceExecutorTests.Tolerance(id));
    }

    [Fact]
    public void RunOnTheCpuBackendWithThreadsAndProfile()
    {
        const string id = "tiny-shufflenetv2";
        string output = Path.Combine(_dir, "cpu.npy");
        string input = Path.Combine(Fixtures.TinyDir(id), "input.npy");
        var (code, text, err) = Run("run", "--model", Fixtures.Checkpoint(id), "--input", input, "--output", output, "--backend", "cpu", "--threads", "1", "--profile");
        Assert.True(code == 0, err);
        Assert.Contains("CPU SIMD engine", text);
        Assert.Contains("1 thread", text);
        Assert.Contains("PointwiseConv2d", text);   // the profile table
        var (_, logits) = NpyFile.Read(output);
        var (_, expected) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "logits.npy"));
        Assert.InRange(ReferenceExecutorTests.RelativeL2(logits, expected), 0, ReferenceExecutorTests.Tolerance(id));

        var bad = Run("run", "--model", Fixtures.Checkpoint(id), "--input", input, "--output", output, "--backend", "cpu", "--threads", "-2");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("threads", bad.Err);
    }

    [Fact]
    public void LayerOptionWritesTheIntermediateActivation()
    {
        const string id = "tiny-shufflenetv1-g3";
        string output = Path.Combine(_dir, "layer.npy");
        var (code, _, err) = Run("run", "--model", Fixtures.Checkpoint(id), "--input", Path.Combine(Fixtures.TinyDir(id), "input.npy"),
            "--output", output, "--backend", "ilgpu-cpu", "--layer", "first_conv");
        Assert.True(code == 0, err);
        var (shape, _) = NpyFile.Read(output);
        Assert.Equal([2, 12, 112, 112], shape);
    }

    [Fact]
    public void WrongInputShapeUnknownBackendAndUnknownLayerAreOneLineErrors()
    {
        string input = Path.Combine(_dir, "small.npy");
        NpyFile.Write(input, [1, 3, 32, 32], new float[3 * 32 * 32]);
        string output = Path.Combine(_dir, "out.npy");
        string ckpt = Fixtures.Checkpoint("tiny-shufflenetv1-g3");
        var good = Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy");

        var shape = Run("run", "--model", ckpt, "--input", input, "--output", output, "--backend", "ilgpu-cpu");
        Assert.Equal(1, shape.Code);
        Assert.Contains("N x 3 x 224 x 224", shape.Err);

        var backend = Run("run", "--model", ckpt, "--input", good, "--output", output, "--backend", "tpu");
        Assert.Equal(2, backend.Code);   // a usage error
        Assert.Contains("ilgpu-cpu", backend.Err);

        var layer = Run("run", "--model", ckpt, "--input", good, "--output", output, "--backend", "ilgpu-cpu", "--layer", "features.99");
        Assert.Equal(1, layer.Code);
        Assert.Contains("features.99", layer.Err);
        Assert.False(File.Exists(output));
    }
}
