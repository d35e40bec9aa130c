using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Reference;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// Released configurations at full size with generated weights: one 224x224 image through the ILGPU kernels on the CPU
/// accelerator against the independent double-precision reference executor. Slow (seconds to a minute each), so only
/// the five models the correctness issue names run; every one of the 24 ids is built and shape-checked.
/// </summary>
public class FullSizeTests(ITestOutputHelper log)
{
    /// <summary>A deterministic image-like input: smooth gradients plus a pattern, 0..255.</summary>
    public static float[] SyntheticImage(int seed = 1)
    {
        var rng = new Random(seed);
        var x = new float[3 * 224 * 224];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 224; y++)
                for (int xx = 0; xx < 224; xx++)
                    x[(c * 224 + y) * 224 + xx] = (float)Math.Clamp(128 + 60 * Math.Sin((xx + 3 * c) / 17.0) * Math.Cos(y / 23.0) + rng.Next(-20, 21), 0, 255);
        return x;
    }

    /// <summary>Two of the five in CI (the ILGPU CPU accelerator takes 20-50 s a model on 2 cores); all five run through
    /// the same kernels on PoCL in CI (<see cref="OpenCLFullSizeTests"/>).</summary>
    [Theory]
    [InlineData("shufflenetv2-1.0x")]
    [InlineData("shufflenetv1-g8-1.0x")]
    public void GeneratedWeightsAgreeWithTheReferenceAndStayOfOrderOne(string id) => AgreesWithTheReference(id);

    /// <summary>The other three on ilgpu-cpu: scripts/long-tests.sh.</summary>
    [LongTheory]
    [InlineData("shufflenetv2plus-large")]
    [InlineData("oneshot")]
    [InlineData("detnas-coco-fpn-300m")]
    public void LongGeneratedWeightsAgreeWithTheReferenceAndStayOfOrderOne(string id) => AgreesWithTheReference(id);

    void AgreesWithTheReference(string id)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 5);
        var input = SyntheticImage();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var reference = ReferenceExecutor.Run(weights, input, 1);
        var referenceTime = watch.Elapsed;
        using var net = ShuffleNet.FromWeights(weights, BackendKind.IlgpuCpu);
        watch.Restart();
        var logits = net.Run(input);
        double error = ReferenceExecutorTests.RelativeL2(logits, reference[weights.Graph.OutputTensor]);
        log.WriteLine($"{id}: relative L2 {error:E3}; ilgpu-cpu {watch.Elapsed.TotalSeconds:F1} s, reference {referenceTime.TotalSeconds:F1} s");
        Assert.InRange(error, 0, 1e-4);

        // The generator's promise: every named activation has an RMS of order 1 (not vanishing, not exploding).
        foreach (var (name, tensor) in weights.Graph.NamedTensors)
        {
            var v = reference[tensor];
            double rms = Math.Sqrt(v.Sum(x => (double)x * x) / v.Length);
            Assert.True(rms is > 0.02 and < 50, $"{id}: {name} has RMS {rms:G3}");
        }
    }

    public static IEnumerable<object[]> AllIds => ModelZoo.Ids.Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(AllIds))]
    public void EveryReleasedConfigurationBuildsWithConsistentShapes(string id)
    {
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        Assert.Equal([1000, 1, 1], new[] { graph.Output.Channels, graph.Output.Height, graph.Output.Width });
        foreach (var (name, t) in graph.NamedTensors.Where(k => k.Key.StartsWith("features.") && !k.Key.Contains("features.0")))
            Assert.True(graph.Tensors[t].Height is 56 or 28 or 14 or 7, $"{id}: {name} is {graph.Tensors[t].Height} high");
        // Every op's slice lies inside its output and every view inside its input.
        foreach (var op in graph.Ops)
            foreach (var read in op.Inputs)
            {
                int channels = op switch
                {
                    ConvOp c => c.InChannels, LinearOp l => l.InFeatures,
                    PoolOp p => p.Channels, ScaleOp s => s.Channels,
                    AddOp a => a.Channels, CopyOp c => c.Channels, _ => 0,
                };
                if (op is ScaleOp sc && read == sc.Gate) continue;
                Assert.True(read.View.SourceExtent(channels) <= graph.Tensors[read.Tensor].Channels, $"{id}: {op} reads past its input");
            }
    }
}
