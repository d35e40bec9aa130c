namespace ShuffleNetGpu.Tests.Cli;

/// <summary>
/// A missing image is a <see cref="FileNotFoundException"/> in the library (not a ShuffleNetException), so the commands
/// that report unreadable images one by one must count it with the others, not stop the run on it.
/// </summary>
public sealed class ClassifyMissingFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-classify-missing-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AMissingImageIsReportedAndTheOthersAreClassified()
    {
        string good = Path.Combine(_dir, "a.png"), missing = Path.Combine(_dir, "missing.png");
        File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), good);
        var (code, output, err) = CliRunner.Run(
            "classify", "--model", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), good, missing, "--backend", "cpu", "--json");
        Assert.NotEqual(0, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("a.png", output);
        Assert.Contains("missing.png", err);
        Assert.Contains("1 of 2 images could not be read", err);
    }
}
