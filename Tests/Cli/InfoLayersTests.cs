using System.Text.Json.Nodes;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary><c>info --layers</c>: the per-block rows add up to the parameter and multiply-add counts that the upstream
/// models give (fixtures/model_counts.json, counted with PyTorch).</summary>
public sealed class InfoLayersTests
{
    [Fact]
    public void BlockTotalsEqualTheUpstreamCountsForEveryReleasedModel()
    {
        var counts = JsonNode.Parse(File.ReadAllText(Fixtures.ModelCounts))!.AsArray();
        var (code, text, err) = CliRunner.Run("info", "--all", "--layers", "--json");
        Assert.True(code == 0, err);
        var models = JsonNode.Parse(text)!.AsArray();
        Assert.Equal(counts.Count, models.Count);
        foreach (var expected in counts)
        {
            string id = (string)expected!["id"]!;
            var layers = models.Single(m => (string)m!["id"]! == id)!["layers"]!.AsArray();
            Assert.True((long)expected["params"]! == layers.Sum(l => (long)l!["params"]!), $"{id}: parameters");
            Assert.True((long)expected["macs"]! == layers.Sum(l => (long)l!["macs"]!), $"{id}: multiply-adds");
            Assert.Equal(["head"], layers.TakeLast(1).Select(l => (string)l!["stage"]!));
            Assert.Equal([ModelZoo.Get(id).NumClasses, 1, 1], layers[^1]!["output"]!.AsArray().Select(d => (int)d!));
        }
    }

    [Fact]
    public void TheTableNamesStagesBlocksAndShapes()
    {
        var (code, text, err) = CliRunner.Run("info", "shufflenetv2-1.0x", "--layers");
        Assert.True(code == 0, err);
        var lines = text.Split('\n');
        // ShuffleNetV2 1.0x (by hand from the paper's table 5): stem conv to 24x112x112, max pool to 56x56,
        // stages of 4, 8 and 4 units at 116, 232 and 464 channels, conv5 to 1024, pool, fc.
        Assert.Contains(lines, l => l.Contains("first_conv") && l.Contains("stem") && l.Contains("24x112x112"));
        Assert.Contains(lines, l => l.Contains("maxpool") && l.Contains("24x56x56"));
        Assert.Contains(lines, l => l.Contains(" features.0 ") && l.Contains("116x28x28") && l.Contains("s2"));
        Assert.Contains(lines, l => l.Contains(" features.15 ") && l.Contains("464x7x7"));
        Assert.Equal(16, lines.Count(l => l.Contains(" features.") && l.Contains("shuffle unit")));
        Assert.Contains(lines, l => l.Contains("total") && l.Contains("2,278,760") && l.Contains("145,814,296"));
    }
}
