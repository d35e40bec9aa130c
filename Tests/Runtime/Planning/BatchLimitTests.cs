using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Tests.Runtime.Planning;

/// <summary>
/// A batch too large for the backend's indices is refused when the plan is made, with the largest batch that works:
/// the ILGPU kernels index every tensor with an int (ExLarge's stem output, 256 x 112 x 112 floats an image, passes
/// 2^31 - 1 at batch 669), and the check used to fire in a launch, after the upload and the earlier launches; the CPU
/// engine returns each requested tensor as one .NET array.
/// </summary>
public class BatchLimitTests
{
    [Fact]
    public void TheGpuExecutorRefusesExLargeOverItsIndexLimitBeforeAllocatingOrLaunching()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-exlarge"), seed: 1);
        using var device = ComputeDevice.Create(BackendKind.IlgpuCpu);
        using var executor = new GraphExecutor(device.Accelerator, weights);
        long weightBytes = executor.AllocatedBytes;

        // The check needs no input: a batch of 669 is refused before the (one-float) input is looked at.
        var e = Assert.Throws<BatchSizeException>(() => executor.Run(new float[1], 669, weights.Graph, [weights.Graph.OutputTensor], new RunOutputs(new float[1])));
        Assert.Equal(668, e.MaxBatch);
        Assert.Contains("batch 669", e.Message);
        Assert.Contains("largest batch that works for this model is 668", e.Message);
        Assert.Throws<BatchSizeException>(() => executor.TimeResident(new float[1], 669, weights.Graph, 1));
        Assert.Equal(0, executor.Launches);
        Assert.Equal(weightBytes, executor.AllocatedBytes);   // no arena
        Assert.Equal(weightBytes, executor.PeakAllocatedBytes);
    }

    [Fact]
    public void TheLargestBatchFollowsTheLargestTensorTheOpsTouch()
    {
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2-exlarge"));
        Assert.Equal(668, BatchLimit.Largest(graph, graph.Ops, [graph.OutputTensor], int.MaxValue));
        // Cut after the stem: its largest tensor (before the max pool) still sets the limit; the input alone would allow 14,266.
        int stem = graph.StageEnds[0];
        var stemOps = MemoryPlanner.Cut(graph, [stem]);
        long largest = stemOps.SelectMany(o => o.Inputs.Select(r => r.Tensor).Append(o.Output.Tensor)).Max(t => graph.Tensors[t].ElementsPerImage);
        Assert.Equal(256L * 112 * 112, largest);
        Assert.Equal(668, BatchLimit.Largest(graph, stemOps, [stem], int.MaxValue));
        Assert.Equal(14266, BatchLimit.Largest(graph, [], [NetworkGraph.InputTensor], long.MaxValue));
    }

    [Fact]
    public void TheCpuEngineRefusesARequestedTensorNoArrayCanHold()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x"), seed: 1);
        using var cpu = new CpuExecutor(weights, threads: 1);
        var graph = weights.Graph;
        // The largest tensor: the stem convolution's output, 24 x 112 x 112 floats an image (twice the input).
        int stem = Enumerable.Range(0, graph.Tensors.Count).MaxBy(t => graph.Tensors[t].ElementsPerImage);
        long perImage = graph.Tensors[stem].ElementsPerImage;
        Assert.True(perImage > NetworkGraph.InputChannels * NetworkGraph.InputSize * NetworkGraph.InputSize);
        int max = (int)(Array.MaxLength / perImage);
        long before = cpu.AllocatedBytes;
        var e = Assert.Throws<BatchSizeException>(() => cpu.Run(new float[1], max + 1, graph, [stem], new RunOutputs(new float[1])));
        Assert.Equal(max, e.MaxBatch);
        Assert.Contains($"largest batch that works for this model is {max}", e.Message);
        Assert.Equal(before, cpu.AllocatedBytes);   // no arena
        Assert.Equal(0, cpu.LastRunOps);
    }
}
