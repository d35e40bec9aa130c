using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Planning;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Planning;

public class MemoryPlannerTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> ZooAtBatch1And64()
    {
        var data = new TheoryData<string, int>();
        foreach (var id in ModelZoo.Ids) { data.Add(id, 1); data.Add(id, 64); }
        return data;
    }

    [Theory]
    [MemberData(nameof(ZooAtBatch1And64))]
    public void NoTwoLiveTensorsOverlapAndThePeakIsNearTheLiveBound(string id, int batch)
    {
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        var plan = MemoryPlanner.Plan(graph, batch, [graph.OutputTensor]);

        AssertNoLiveOverlap(plan);
        Assert.Equal(graph.Ops.Count, plan.Ops.Count);   // logits need every op

        long weights = graph.WeightSpecs().Sum(s => s.Elements);
        long peak = weights + plan.ArenaElements;
        long yardstick = weights + plan.LargestPairAliveElements;
        output.WriteLine($"{id} b{batch}: arena {plan.ArenaBytes / 1e6:F2} MB, live peak {plan.PeakLiveElements * 4 / 1e6:F2} MB, " +
                         $"weights {weights * 4 / 1e6:F2} MB, peak/yardstick {(double)peak / yardstick:F3}");
        Assert.True(plan.ArenaElements >= plan.PeakLiveElements);
        Assert.True(peak <= 1.5 * yardstick, $"peak {peak} floats > 1.5 x (weights + two largest live) = {1.5 * yardstick}");
        // Far below one buffer per tensor, the executor's layout before the planner.
        long unplanned = graph.Tensors.Sum(t => batch * t.ElementsPerImage);
        Assert.True(plan.ArenaElements < unplanned / 3, $"arena {plan.ArenaElements} vs {unplanned} floats unplanned");
    }

    static void AssertNoLiveOverlap(MemoryPlan plan)
    {
        var used = Enumerable.Range(0, plan.Graph.Tensors.Count).Where(plan.Uses).ToArray();
        foreach (int a in used)
        {
            Assert.Equal(0, plan.OffsetOf(a) % MemoryPlan.AlignmentElements);
            Assert.True(plan.OffsetOf(a) + plan.ElementsOf(a) <= plan.ArenaElements);
            foreach (int b in used)
            {
                if (b <= a || !plan.LifetimeOf(a).Overlaps(plan.LifetimeOf(b))) continue;
                bool disjoint = plan.OffsetOf(a) + plan.ElementsOf(a) <= plan.OffsetOf(b) ||
                                plan.OffsetOf(b) + plan.ElementsOf(b) <= plan.OffsetOf(a);
                Assert.True(disjoint, $"tensors {a} and {b} are alive together ({plan.LifetimeOf(a)}, {plan.LifetimeOf(b)}) and overlap");
            }
        }
    }

    [Fact]
    public void LifetimesCoverEveryReadAndWrite()
    {
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2plus-small"));
        var plan = MemoryPlanner.Plan(graph, 2, [graph.OutputTensor]);
        for (int step = 0; step < plan.Ops.Count; step++)
        {
            var op = plan.Ops[step];
            Assert.True(plan.LifetimeOf(op.Output.Tensor).Contains(step));
            foreach (var read in op.Inputs) Assert.True(plan.LifetimeOf(read.Tensor).Contains(step));
        }
        Assert.Equal(plan.Ops.Count - 1, plan.LifetimeOf(graph.OutputTensor).Last);
        Assert.Equal(0, plan.LifetimeOf(NetworkGraph.InputTensor).First);
    }

    [Fact]
    public void AnEarlyOutputCutsTheGraphAfterIt()
    {
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2-1.0x"));
        int stem = graph.FindNamed("first_conv")!.Value;
        var plan = MemoryPlanner.Plan(graph, 1, [stem]);
        var only = Assert.Single(plan.Ops);
        Assert.Equal(stem, only.Output.Tensor);

        int block = graph.FindNamed("features.3")!.Value;
        var cut = MemoryPlanner.Plan(graph, 1, [block]);
        Assert.All(cut.Ops, op => Assert.True(graph.Ops.ToList().IndexOf(op) <= graph.Ops.ToList().FindLastIndex(o => o.Output.Tensor == block)));
        Assert.Contains(cut.Ops, op => op.Output.Tensor == block);
        Assert.False(cut.Uses(graph.OutputTensor));
    }

    [Fact]
    public void SeveralOutputsStayAliveToTheEnd()
    {
        var graph = GraphFactory.Build(ModelZoo.Get("detnas-coco-fpn-300m"));
        int[] outputs = graph.NamedTensors.Where(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal)).Select(kv => kv.Value).Take(4).ToArray();
        var plan = MemoryPlanner.Plan(graph, 3, outputs);
        foreach (int t in outputs) Assert.Equal(plan.Ops.Count - 1, plan.LifetimeOf(t).Last);
        AssertNoLiveOverlap(plan);
    }

    [Fact]
    public void BadRequestsAreRefused()
    {
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2-0.5x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryPlanner.Plan(graph, 0, [graph.OutputTensor]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryPlanner.Plan(graph, 1, [graph.Tensors.Count]));
        Assert.Throws<ArgumentException>(() => MemoryPlanner.Plan(graph, 1, []));
    }
}
