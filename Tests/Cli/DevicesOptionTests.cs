using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary><c>--devices</c>: a run over two ilgpu-cpu contexts writes the fixture's logits and names both devices;
/// bad lists and several cpu devices are usage errors (exit 2) naming the option.</summary>
public sealed class DevicesOptionTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-devices-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const string Id = "tiny-shufflenetv1-g3";
    static string Input => Path.Combine(Fixtures.TinyDir(Id), "input.npy");

    /// <summary>Long (two ilgpu-cpu contexts compile their kernels in a CLI process: 15-35 s on 2 cores); in CI,
    /// <see cref="RunOnAChosenCpuDeviceWritesTheFixturesLogits"/> checks the option's path to the network and
    /// MultiDeviceTests the two-device bits.</summary>
    [Runtime.LongFact]
    public void RunOverTwoDevicesWritesTheFixturesLogits()
    {
        string output = Path.Combine(_dir, "logits.npy");
        var (code, text, err) = CliRunner.Run("run", "--model", Fixtures.Checkpoint(Id), "--input", Input, "--output", output,
            "--backend", "ilgpu-cpu", "--devices", "0,0");
        Assert.True(code == 0, err);
        Assert.Contains("device: 2 devices: [0] ILGPU CPU accelerator", text);
        Assert.Contains("[1] ILGPU CPU accelerator", text);
        var (_, logits) = NpyFile.Read(output);
        var (_, expected) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(Id), "logits.npy"));
        Assert.InRange(ReferenceExecutorTests.RelativeL2(logits, expected), 0, ReferenceExecutorTests.Tolerance(Id));
    }

    /// <summary><c>--devices 0</c> on cpu: the option's path (DeviceSelection, ShuffleNetOptions.Devices) to the network.</summary>
    [Fact]
    public void RunOnAChosenCpuDeviceWritesTheFixturesLogits()
    {
        string output = Path.Combine(_dir, "cpu.npy");
        var (code, text, err) = CliRunner.Run("run", "--model", Fixtures.Checkpoint(Id), "--input", Input, "--output", output,
            "--backend", "cpu", "--devices", "0");
        Assert.True(code == 0, err);
        var (_, logits) = NpyFile.Read(output);
        var (_, expected) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(Id), "logits.npy"));
        Assert.InRange(ReferenceExecutorTests.RelativeL2(logits, expected), 0, ReferenceExecutorTests.Tolerance(Id));
        Assert.Contains("device: ", text);
    }

    [Theory]
    [InlineData("cpu", "0,0", "the cpu backend is one engine")]
    [InlineData("cpu", "0,x", "expected 'all' or device indices")]
    [InlineData("ilgpu-cpu", "-1", "expected 'all' or device indices")]
    public void BadDeviceListsAreUsageErrors(string backend, string devices, string message)
    {
        var (code, _, err) = CliRunner.Run("run", "--model", Fixtures.Checkpoint(Id), "--input", Input, "--output",
            Path.Combine(_dir, "x.npy"), "--backend", backend, "--devices", devices);
        Assert.Equal(2, code);
        Assert.Contains("--devices:", err);
        Assert.Contains(message, err);
    }
}
