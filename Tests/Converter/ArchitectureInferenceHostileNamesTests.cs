using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu.Tests.Converter;

/// <summary>Tensor names come from the checkpoint: many blocks, out-of-range or non-ASCII block numbers must end
/// in an <see cref="ArchitectureException"/> quickly, never another exception or a quadratic scan.</summary>
public class ArchitectureInferenceHostileNamesTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    [Fact]
    public void TwoHundredThousandBlocksAreCountedInOnePass()
    {
        var shapes = new Dictionary<string, int[]> { ["first_conv.0.weight"] = [16, 3, 3, 3] };
        for (int i = 0; i < 200_000; i++) shapes[$"features.{i}.x"] = [0];
        var e = Deadline.Within(Limit, () => Assert.Throws<ArchitectureException>(() => ArchitectureInference.Infer(shapes, "many.pth")));
        Assert.Contains("many.pth", e.Message);
        Assert.Contains("features.0.branch_main", e.Message);
    }

    [Theory]
    [InlineData("12345678901")]   // more digits than an int holds
    [InlineData("2147483648")]    // int.MaxValue + 1
    public void DetNasBlockIndexBeyondAnIntIsATypedErrorNamingTheTensor(string index)
    {
        string name = $"features.{index}.conv.0.interstellar1a_shufflenet_3x3_branch2a.weight";
        var shapes = new Dictionary<string, int[]> { ["first_conv.conv.weight"] = [16, 3, 3, 3], [name] = [8, 8, 1, 1] };
        var e = Assert.Throws<ArchitectureException>(() => ArchitectureInference.Infer(shapes, "detnas.pth"));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void NonAsciiDigitsAreNotBlockNumbers()
    {
        // .NET's \d matches ARABIC-INDIC DIGIT ONE, which int.Parse then rejects with a FormatException.
        string name = "features.\u0661.conv.0.interstellar1a_shufflenet_3x3_branch2a.weight";
        var shapes = new Dictionary<string, int[]> { ["first_conv.conv.weight"] = [16, 3, 3, 3], [name] = [8, 8, 1, 1] };
        var e = Assert.Throws<ArchitectureException>(() => ArchitectureInference.Infer(shapes, "detnas.pth"));
        Assert.Contains("detnas.pth", e.Message);
    }
}
