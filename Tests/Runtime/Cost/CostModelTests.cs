using System.Text.Json.Nodes;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cost;
using ShuffleNetGpu.Tests.Cli;

namespace ShuffleNetGpu.Tests.Runtime.Cost;

/// <summary>The cost model against figures computed by hand (in the comments) for a small graph.</summary>
public sealed class CostModelTests
{
    /// <summary>
    /// t0 [3, 8, 8] -conv3x3 s2-> t1 [4, 4, 4] -1x1 g2-> t2 [6, 4, 4] -gap-> t3 [6, 1, 1] -fc-> t4 [5]; t2 + t2 -> t5.
    /// Shapes are the graph's (8x8 input), not 224x224.
    /// </summary>
    private static NetworkGraph SmallGraph()
    {
        TensorInfo[] tensors = [new(0, 3, 8, 8), new(1, 4, 4, 4), new(2, 6, 4, 4), new(3, 6, 1, 1), new(4, 5, 1, 1), new(5, 6, 4, 4)];
        GraphOp[] ops =
        [
            new ConvOp("c1", null, true, 0, 1, 3, 4, 3, 2, 1, Activation.Relu),
            new ConvOp("pw", null, true, 1, 2, 4, 6, 1, 1, 2, Activation.None),
            new PoolOp(PoolKind.GlobalAverage, 2, 3, 6),
            new LinearOp("fc", true, 3, 4, 6, 5, Activation.None),
            new AddOp(2, 2, 5, 6, Activation.Relu),
        ];
        return new NetworkGraph
        {
            Config = ModelZoo.Get(ModelZoo.Ids[0]),
            Tensors = tensors,
            Ops = ops,
            OutputTensor = 4,
            NamedTensors = [],
            UpstreamAliases = new Dictionary<string, string>(),
        };
    }

    [Fact]
    public void PerOpFiguresMatchHandComputation()
    {
        var cost = ModelCost.Of(SmallGraph(), 2);
        // (MACs, read, written) at batch 2, fp32:
        // c1: 2 x 4 x 3 x 9 x 4 x 4 = 3456; read (2 x 3 x 64 + 4 x 3 x 9 + 4) x 4 = 1984; written 2 x 4 x 16 x 4 = 512
        // pw: 2 x 6 x 2 x 16 = 384; read (2 x 4 x 16 + 6 x 2 + 6) x 4 = 584; written 2 x 6 x 16 x 4 = 768
        // gap: read 2 x 6 x 16 x 4 = 768; written 2 x 6 x 4 = 48
        // fc: 2 x 6 x 5 = 60; read (2 x 6 + 30 + 5) x 4 = 188; written 2 x 5 x 4 = 40
        // add: read 2 x 6 x 32 x 4 = 1536; written 768
        (long, long, long)[] expected = [(3456, 1984, 512), (384, 584, 768), (0, 768, 48), (60, 188, 40), (0, 1536, 768)];
        Assert.Equal(expected, cost.Ops.Select(o => (o.Macs, o.BytesRead, o.BytesWritten)));
        Assert.Equal(["Conv2d", "PointwiseConv2d", "GlobalAverage", "Linear", "AddActivation"], cost.Ops.Select(o => o.Kernel));
        Assert.Equal(5, cost.Kernels);
        Assert.Equal(3900, cost.Macs);
        Assert.Equal(7196, cost.Bytes);
        // Every op here is memory-bound: roofline 7196 B / 3.35 TB/s = 2.148 ns, plus 5 launches of 2 us.
        Assert.All(cost.Ops, o => Assert.True(o.MemoryBound));
        Assert.Equal(7196 / 3.35e12, cost.RooflineSeconds, 1e-15);
        Assert.Equal(7196 / 3.35e12 + 5 * 2e-6, cost.BoundSeconds, 1e-15);
    }

    [Fact]
    public void LargePointwiseIsComputeBound()
    {
        // 256 -> 256 channels on 28 x 28 at batch 1: 256 x 256 x 784 = 51,380,224 MACs / 33.5 T FMA/s = 1.5337 us;
        // (256 x 784 x 2 + 65536 + 256) x 4 = 1,868,800 B / 3.35 TB/s = 0.5578 us.
        TensorInfo[] tensors = [new(0, 256, 28, 28), new(1, 256, 28, 28)];
        var graph = new NetworkGraph
        {
            Config = ModelZoo.Get(ModelZoo.Ids[0]),
            Tensors = tensors,
            Ops = [new ConvOp("pw", null, true, 0, 1, 256, 256, 1, 1, 1, Activation.Relu)],
            OutputTensor = 1,
            NamedTensors = [],
            UpstreamAliases = new Dictionary<string, string>(),
        };
        var op = ModelCost.Of(graph, 1).Ops.Single();
        Assert.Equal(51_380_224, op.Macs);
        Assert.Equal(1_868_800, op.Bytes);
        Assert.False(op.MemoryBound);
        Assert.Equal(51_380_224 / 33.5e12, op.BoundSeconds, 1e-15);
    }

    [Fact]
    public void FoldsTheLastPoolIntoTheLastConvolution()
    {
        // V2 1.0x at batch 256: conv_last (464 -> 1024 on 7x7) and the global pool become one kernel: 72 -> 71. The pair
        // no longer writes and reads back the 256 x 1024 x 49 x 4 = 51,380,224 B activation; it keeps the pool's
        // 256 x 1024 x 4 B output.
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2-1.0x"));
        var cost = ModelCost.Of(graph, 256);
        Assert.Equal((71, 72), (cost.Kernels, cost.UnfusedKernels));
        var fused = cost.Ops.Single(o => o.Kernel == "PointwiseConv2d+GlobalAverage");
        Assert.Equal(256 * 1024 * 4, fused.BytesWritten);
        long unfusedBytes = graph.Ops.Select((op, i) => OpCost.Of(graph, i, op, 256, "").Bytes).Sum();
        Assert.Equal(2 * 51_380_224, unfusedBytes - cost.Bytes);
    }

    [Fact]
    public void InfoCostPrintsThePerOpTableAndJson()
    {
        string id = ModelZoo.Ids[0];
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        var (code, output, err) = CliRunner.Run("info", id, "--cost", "--batch", "3", "--json");
        Assert.True(code == 0, err);
        var cost = JsonNode.Parse(output)!["cost_model"]!;
        Assert.Equal(graph.Ops.Count, (int)cost["kernels"]!);
        Assert.Equal(graph.Ops.Count, cost["ops"]!.AsArray().Count);
        Assert.Equal(3 * graph.Macs, (long)cost["macs"]!);
        Assert.Equal(3 * graph.Macs, cost["ops"]!.AsArray().Sum(o => (long)o!["macs"]!));

        var (textCode, text, _) = CliRunner.Run("info", id, "--cost", "--batch", "3");
        Assert.Equal(0, textCode);
        Assert.Contains("cost at batch 3", text);
        Assert.Contains($"total: {graph.Ops.Count} kernels", text);
    }
}
