using ShuffleNetGpu.Cli.Progress;
using Spectre.Console.Testing;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Progress: the terminal bar (through Spectre's test console), the plain lines of a redirected run (what
/// CI logs show), and --quiet.</summary>
public sealed class ProgressReportTests
{
    [Fact]
    public void TheTerminalBarShowsCountRateAndTimeLeft()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences().Width(120);
        using (var report = ProgressReport.Bar(console, "eval", 40))
            for (int i = 1; i <= 40; i++) report.Report(i, $"top-1 {i}%");
        string text = console.Output;
        Assert.Contains("40/40", text);
        Assert.Contains("images/s", text);
        Assert.Contains("100%", text);
        Assert.Contains("eval top-1 40%", text);
        Assert.Contains("\u001b[", text); // drawn in place with escape sequences, as on a terminal
    }

    [Fact]
    public void ARedirectedRunGetsAFewPlainLines()
    {
        var error = new StringWriter();
        using (var report = ProgressReport.Start(error, quiet: false, "classify", 1000))
            for (int i = 1; i <= 1000; i++) report.Report(i);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 10, 11); // each tenth, and the end
        Assert.StartsWith("classify: [100/1000] 10%", lines[0]);
        Assert.StartsWith("classify: [1000/1000] 100%", lines[^1]);
        Assert.Contains("images/s", lines[^1]);
        Assert.DoesNotContain('\u001b', error.ToString());
    }

    [Fact]
    public void QuietAndTinyRunsShowNothing()
    {
        var error = new StringWriter();
        using (var report = ProgressReport.Start(error, quiet: true, "embed", 1000)) report.Report(1000);
        using (var report = ProgressReport.Start(error, quiet: false, "embed", ProgressReport.Handful)) report.Report(ProgressReport.Handful);
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void ClassifyQuietWritesNoProgress()
    {
        var images = Path.Combine(Fixtures.Root, "images");
        var args = new[] { "classify", "--model", Fixtures.Checkpoint("tiny-shufflenetv2"), images, images, "--backend", "cpu", "--batch", "4" };
        var (code, _, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("classify: [10/10] 100%", err);
        (code, _, err) = CliRunner.Run([.. args, "--quiet"]);
        Assert.True(code == 0, err);
        Assert.Equal("", err);
    }

    [Fact]
    public void ASmallConversionShowsNoProgress()
    {
        using var dir = new TempDirectory("shufflenet-convert-progress-");
        var (code, _, err) = CliRunner.Run("convert", Fixtures.Checkpoint("tiny-shufflenetv2"), "-o", dir["tiny.safetensors"]);
        Assert.True(code == 0, err);
        Assert.True(new FileInfo(Fixtures.Checkpoint("tiny-shufflenetv2")).Length < ShuffleNetGpu.Cli.Commands.ConvertCommand.ProgressBytes);
        Assert.Equal("", err);
    }
}
