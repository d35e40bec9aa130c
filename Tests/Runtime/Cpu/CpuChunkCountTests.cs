using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cpu;
using static ShuffleNetGpu.Tests.Runtime.Cpu.CpuOpHarness;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>
/// The worker pool takes at most <see cref="CpuWorkerPool.MaxChunks"/> chunks a job. Every op's chunk count must stay
/// under it at any batch size and thread count: the general convolution once asked for one chunk per image, group and
/// band, so ExLarge failed from batch 512 on 2+ threads (its stem from 586, Large from 1024).
/// </summary>
public class CpuChunkCountTests
{
    public static TheoryData<string> BigModels => new() { "shufflenetv2-exlarge", "shufflenetv2-large" };

    /// <summary>Every op of the full-size graph, built with zero weights, asked for its chunk count (no pass runs).</summary>
    [Theory]
    [MemberData(nameof(BigModels))]
    public void NoOpAsksForMoreChunksThanThePoolTakes(string id)
    {
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        int[] batches = [1, 511, 512, 586, 669, 1024, 4096, 14266];
        int[] threadCounts = [2, 3, 16, 64, 50_000];
        var worst = new List<string>();
        foreach (var op in graph.Ops)
        {
            using var cpu = CpuExecutor.Create(op, graph.Tensors, ZeroWeights(op), CpuPath.Scalar);
            foreach (int n in batches)
                foreach (int threads in threadCounts)
                {
                    int chunks = cpu.ChunksFor(n, threads, graph.Tensors.Count);
                    if (chunks < 1 || chunks > CpuWorkerPool.MaxChunks) worst.Add($"op {graph.Ops.ToList().IndexOf(op)} ({cpu.Kernel}) at batch {n}, {threads} threads: {chunks} chunks");
                }
        }
        Assert.True(worst.Count == 0, string.Join("\n", worst.Take(10)));
    }

    static Dictionary<string, float[]> ZeroWeights(GraphOp op) => op switch
    {
        ConvOp c => new() { [c.Name + ".weight"] = new float[c.WeightShape.Aggregate(1L, (a, b) => a * b)], [c.Name + ".bias"] = new float[c.OutChannels] },
        LinearOp l => new() { [l.Name + ".weight"] = new float[(long)l.InFeatures * l.OutFeatures], [l.Name + ".bias"] = new float[l.OutFeatures] },
        _ => [],
    };

    /// <summary>A real pass of a grouped 3x3 convolution with more (image, group, band) units than the pool takes
    /// chunks: it runs on 2 threads and gives the same bits as on 1 thread, and matches the reference.</summary>
    [Fact]
    public void AGroupedConvolutionWithMoreUnitsThanChunksRunsAndKeepsItsBits()
    {
        // 64 groups x 8 bands x 130 images = 66,560 units.
        const int n = 130, channels = 128, groups = 64, size = 16;
        var rng = new Random(8);
        var tensors = new[] { new TensorInfo(0, channels, size, size), new TensorInfo(1, channels, size, size) };
        var op = new ConvOp("c", null, false, new TensorRead(0, ChannelView.Identity), new TensorWrite(1, 0), channels, channels, 3, 1, groups, Activation.Relu);
        var weights = new Dictionary<string, float[]>
        {
            ["c.weight"] = CpuOpHarness.Random(rng, (long)channels * (channels / groups) * 9, 0.5f),
            ["c.bias"] = CpuOpHarness.Random(rng, channels, 1f),
        };
        var input = CpuOpHarness.Random(rng, (long)n * channels * size * size);
        var one = Filled(input.Length);
        var two = Filled(input.Length);
        Run(op, tensors, weights, [input, one], n, CpuFeatures.Best, threads: 1);
        Run(op, tensors, weights, [input, two], n, CpuFeatures.Best, threads: 2);
        Assert.Equal(one, two);
        var expected = Filled(input.Length);
        var p = ConvParams.Create(n, channels, size, size, channels, 3, 1, groups, Map(ChannelView.Identity), channels, channels, 0);
        Conv2d.Reference(input, weights["c.weight"], weights["c.bias"], expected, p, Activation.Relu);
        AssertSliceClose(two, expected, n, channels, 0, channels, size * size);
    }
}
