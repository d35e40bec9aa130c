using System.Text.Json.Nodes;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cost;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary><c>bench --size HxW</c> and <c>info --size HxW</c> with <c>--cost</c> and <c>--memory</c> (issue 13): the
/// backbone where a size does not classify, the logits where it does, figures from the sized graph.</summary>
public sealed class BenchAndInfoAtOtherSizesTests
{
    const string Tiny = "tiny-shufflenetv2";

    [Fact]
    public void BenchAtAnOddSizeTimesTheBackboneAndSaysSo()
    {
        var (code, output, err) = CliRunner.Run("bench", "--model", Fixtures.Checkpoint(Tiny), "--backend", "cpu", "--size", "129x97",
            "--runs", "2", "--warmup", "1", "--json", "--quiet");
        Assert.True(code == 0, err);
        var line = JsonNode.Parse(output.Trim().Split('\n').Single())!;
        Assert.Equal(129, (int)line["height"]!);
        Assert.Equal(97, (int)line["width"]!);
        Assert.Equal("backbone", (string)line["output"]!);
        Assert.Equal(1, (int)line["batch"]!);   // the default at another size: one image, not 1,64,256
        Assert.Null(line["resident_median_ms"]);
        Assert.True((double)line["images_per_s"]! > 0);
        // The backbone's ops only: the head (pool, classifier) is not launched.
        var graph = GraphFactory.Build(ShuffleNetGpu.Converter.CheckpointConverter.Convert(Fixtures.Checkpoint(Tiny)).Config).AtInputSize(129, 97);
        var backbone = MemoryPlanner.Plan(graph, 1, [.. StageOutputs.All.Select(k => StageOutputs.Tensor(graph, k))]);
        Assert.Equal(backbone.Ops.Count, (int)line["kernels_per_forward"]!);
        Assert.True(backbone.Ops.Count < graph.Ops.Count);
    }

    [Fact]
    public void BenchAtAClassifyingSizeTimesLogitsAndBackboneWhenAsked()
    {
        var (code, output, err) = CliRunner.Run("bench", "--model", Fixtures.Checkpoint(Tiny), "--backend", "cpu", "--size", "200x210",
            "--batch", "2", "--runs", "1", "--warmup", "0");
        Assert.True(code == 0, err);
        Assert.Contains("input: 200x210, timed: logits", output);
        var (code2, output2, err2) = CliRunner.Run("bench", "--model", Fixtures.Checkpoint(Tiny), "--backend", "cpu", "--size", "200x210",
            "--backbone", "--batch", "2", "--runs", "1", "--warmup", "0");
        Assert.True(code2 == 0, err2);
        Assert.Contains("input: 200x210, timed: backbone C2..C5", output2);
    }

    [Theory]
    [InlineData("31x64")]
    [InlineData("800")]
    [InlineData("800x-3")]
    public void ABadSizeIsAUsageErrorNamingTheOption(string size)
    {
        var (code, _, err) = CliRunner.Run("bench", "--model", Fixtures.Checkpoint(Tiny), "--backend", "cpu", "--size", size);
        Assert.Equal(2, code);
        Assert.Contains("--size", err);
        if (size == "31x64") Assert.Contains("32..", err);
    }

    [Fact]
    public void InfoAtDetectionSizeGivesTheBackbonesShapesCostAndMemory()
    {
        const string id = "detnas-coco-fpn-300m";
        var (code, output, err) = CliRunner.Run("info", id, "--size", "800x1216", "--cost", "--memory", "--batch", "2", "--json");
        Assert.True(code == 0, err);
        var row = JsonNode.Parse(output)!;
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        var sized = graph.AtInputSize(800, 1216);
        int[] stages = [.. StageOutputs.All.Select(k => StageOutputs.Tensor(sized, k))];
        // Shapes from the graph at that size: strides 4, 8, 16, 32.
        Assert.Equal([200, 304], row["stages"]!["c2"]!.AsArray().Skip(1).Select(d => (int)d!));
        Assert.Equal([25, 38], row["stages"]!["c5"]!.AsArray().Skip(1).Select(d => (int)d!));
        Assert.Equal("backbone", (string)row["size"]!["output"]!);
        // The backbone's multiply-adds: every map of 800x1216 (both sides multiples of 32, as 224) has exactly
        // (800 x 1216) / (224 x 224) = 60800 / 3136 times the pixels of its 224 map, and each op's MACs are per output
        // pixel, so the backbone's MACs scale by exactly that.
        var plan = MemoryPlanner.Plan(sized, 1, stages);
        long expected = (long)row["size"]!["macs"]!;
        long at224 = ModelCost.Of(graph, 1, [.. StageOutputs.All.Select(k => StageOutputs.Tensor(graph, k))]).Macs;
        Assert.Equal(at224 * 60800, expected * 3136);
        Assert.True(at224 < graph.Macs);   // the head is left out
        var cost = row["cost_model"]!;
        Assert.Equal(plan.Ops.Count, (int)cost["kernels"]!);
        Assert.Equal(2 * expected, (long)cost["macs"]!);
        Assert.Equal(MemoryPlanner.Plan(sized, 2, stages).ArenaBytes, (long)row["memory"]!["arena_bytes"]!);
        Assert.Equal(graph.Macs, (long)row["macs"]!);   // the headline figure stays per 224x224 image

        var (textCode, text, _) = CliRunner.Run("info", id, "--size", "800x1216");
        Assert.Equal(0, textCode);
        Assert.Contains("at 800x1216: ", text);
        Assert.Contains("backbone to C5 (no logits at this size)", text);
        Assert.Matches(@"C2 \d+x200x304, C3 \d+x100x152, C4 \d+x50x76, C5 \d+x25x38", text);
    }
}
