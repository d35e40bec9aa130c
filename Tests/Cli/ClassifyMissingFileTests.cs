namespace ShuffleNetGpu.Tests.Cli;

/// <summary>
/// A missing image is a <see cref="FileNotFoundException"/> in the library (not a ShuffleNetException), so the commands
/// that report unreadable images one by one must count it with the others, not stop the run on it.
/// </summary>
public class ClassifyMissingFileTests
{
    [Fact]
    public void AMissingImageIsReportedAndTheOthersAreClassified()
    {
        string good = Path.Combine(Fixtures.Root, "images", "logo.png");
        string missing = Path.Combine(Path.GetTempPath(), $"shufflenet-missing-{Guid.NewGuid():N}.png");
        var (code, output, err) = CliRunner.Run(
            "classify", "--model", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), good, missing, "--backend", "cpu", "--json");
        Assert.NotEqual(0, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("logo.png", output);
        Assert.Contains(missing, err);
        Assert.Contains("1 of 2 images could not be read", err);
    }
}
