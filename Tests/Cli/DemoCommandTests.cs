using ShuffleNetGpu.Cli;

namespace ShuffleNetGpu.Tests.Cli;

public class DemoCommandTests
{
    /// <summary>The README's main command: every backend present matches PyTorch's logits and classifies the samples.</summary>
    [Fact]
    public void DemoMatchesTheReferenceOnEveryBackendPresentAndClassifiesTheSamples()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ShuffleNetCli.Run(["demo"], output, error);
        string text = output.ToString();
        Assert.True(code == 0, text + error);
        Assert.Contains("NOT", text); // says plainly that the sample weights are not ImageNet-trained
        Assert.Contains("ilgpu-cpu:", text);
        Assert.Contains("\ncpu: CPU SIMD engine: ", text);
        Assert.DoesNotContain("MISMATCH", text);
        int backends = text.Split('\n').Count(l => l.Contains("(match, tolerance 1e-4)"));
        Assert.True(backends >= 1, text);
        Assert.Equal(backends * 5, text.Split('\n').Count(l => l.TrimStart().StartsWith("camera.png") || l.TrimStart().StartsWith("chelsea.png")
            || l.TrimStart().StartsWith("coffee.png") || l.TrimStart().StartsWith("hubble_deep_field.jpg") || l.TrimStart().StartsWith("logo.png")));
    }
}
