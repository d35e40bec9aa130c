using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Planning;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Planning;

/// <summary>The CPU engine reads the input where the caller's array is, so its plans give the input no arena space;
/// the ILGPU executors upload the input into the arena and keep it there. For V2 1.0x at batch 256 the input (154 MB)
/// and the stem's output (308 MB) were the arena's peak (462 MB); without the input the peak is the stem's output and
/// the max pool's (385 MB).</summary>
public class InputInPlacePlanTests(ITestOutputHelper output)
{
    [Fact]
    public void APlanForAnInPlaceInputLeavesItOutOfTheArena()
    {
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2-1.0x"));
        var uploaded = MemoryPlanner.Plan(graph, 256, [graph.OutputTensor]);
        var inPlace = MemoryPlanner.Plan(graph, 256, [graph.OutputTensor], inputInArena: false);
        long input = inPlace.ElementsOf(NetworkGraph.InputTensor);
        output.WriteLine($"arena {uploaded.ArenaBytes / 1e6:F1} MB with the input, {inPlace.ArenaBytes / 1e6:F1} MB without; input {input * 4 / 1e6:F1} MB");

        Assert.True(uploaded.Uses(NetworkGraph.InputTensor));
        Assert.False(inPlace.Uses(NetworkGraph.InputTensor));
        // Both arenas are exactly their live peaks, the input counted only where it is in the arena.
        Assert.Equal(uploaded.PeakLiveElements, uploaded.ArenaElements);
        Assert.Equal(inPlace.PeakLiveElements, inPlace.ArenaElements);
        Assert.True(uploaded.ArenaElements - inPlace.ArenaElements >= input / 2, "the arena did not shrink by the input's share of the peak");
        Assert.Equal(graph.Ops.Count, inPlace.Ops.Count);
        // Every other tensor keeps its place rules: no two live tensors overlap.
        var used = Enumerable.Range(0, graph.Tensors.Count).Where(inPlace.Uses).ToArray();
        foreach (int a in used)
            foreach (int b in used.Where(b => b > a && inPlace.LifetimeOf(a).Overlaps(inPlace.LifetimeOf(b))))
                Assert.True(inPlace.OffsetOf(a) + inPlace.ElementsOf(a) <= inPlace.OffsetOf(b) || inPlace.OffsetOf(b) + inPlace.ElementsOf(b) <= inPlace.OffsetOf(a),
                    $"tensors {a} and {b} overlap");
    }

    [Fact]
    public void TheCpuEnginePlansWithoutTheInput()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-1.0x"), seed: 3);
        using var cpu = new CpuExecutor(weights, threads: 1);
        var graph = weights.Graph;
        var plan = cpu.PlanFor(256, [graph.OutputTensor]).Plan;
        Assert.False(plan.Uses(NetworkGraph.InputTensor));
        Assert.Equal(MemoryPlanner.Plan(graph, 256, [graph.OutputTensor], inputInArena: false).ArenaElements, plan.ArenaElements);
        Assert.True(plan.ArenaElements < MemoryPlanner.Plan(graph, 256, [graph.OutputTensor]).ArenaElements);
    }
}
