using System.Buffers.Binary;
using ShuffleNetGpu.Cli;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Tests.Networks;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary><c>shufflenet run</c> on a damaged weights file: one typed error line, exit code 1, and no output file;
/// a file without digests runs with a one-line note.</summary>
public sealed class HostileWeightsCliTests : IDisposable
{
    readonly TempDirectory _dir = new("shufflenet-hostile-cli-");
    public void Dispose() => _dir.Dispose();

    const string Id = "tiny-shufflenetv2";
    static string Input => Path.Combine(Fixtures.TinyDir(Id), "input.npy");

    byte[] Converted()
    {
        string path = _dir["good.safetensors"];
        CheckpointConverter.Convert(Fixtures.Checkpoint(Id)).Save(path);
        return File.ReadAllBytes(path);
    }

    public static TheoryData<string> Damages => new() { "a flipped data byte", "a flipped header length", "truncated data" };

    [Theory]
    [MemberData(nameof(Damages))]
    public void RunOnADamagedWeightsFileFailsWithoutWritingTheOutput(string damage)
    {
        var bytes = Converted();
        switch (damage)
        {
            case "a flipped data byte": bytes[^5] ^= 0x40; break;
            case "a flipped header length": bytes[5] ^= 0x01; break;
            default: bytes = bytes[..^4]; break;
        }
        string bad = _dir["bad.safetensors"], output = _dir["y.npy"];
        File.WriteAllBytes(bad, bytes);
        var (code, _, err) = CliRunner.Run("run", "--model", bad, "--input", Input, "--output", output, "--backend", "cpu");
        Assert.True(code == ShuffleNetCli.RuntimeExitCode, $"{damage}: exit code {code}, stderr: {err}");
        Assert.StartsWith("error: ", err);
        Assert.Contains("bad.safetensors", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(output), $"{damage}: {output} was written");
        Assert.Equal(["bad.safetensors", "good.safetensors"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AFileWithoutDigestsRunsWithAOneLineNote()
    {
        Converted();
        string output = _dir["y.npy"];
        string plain = WeightsFileEdit.Rewrite(_dir["good.safetensors"], _dir["plain.safetensors"], m => m.Remove(TensorDigests.MetadataKey));

        var (code, _, err) = CliRunner.Run("run", "--model", plain, "--input", Input, "--output", output, "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(output));
        var notes = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("digest")).ToArray();
        Assert.Single(notes);
        Assert.Contains("plain.safetensors", notes[0]);

        var checkedRun = CliRunner.Run("run", "--model", _dir["good.safetensors"], "--input", Input, "--output", output, "--backend", "cpu");
        Assert.True(checkedRun.Code == 0, checkedRun.Err);
        Assert.DoesNotContain("digest", checkedRun.Err);
    }
}
