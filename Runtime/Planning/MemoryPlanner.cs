using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>
/// Plans one forward pass: cuts the graph to the ops the requested outputs need, computes each tensor's lifetime
/// (first write to last read; the input from step 0, the outputs to the end) and assigns arena offsets greedily,
/// largest tensor first, each at the lowest aligned offset that does not overlap a tensor alive at the same time.
/// Greedy-by-size is the usual heuristic for this (it is within a few percent of the live peak on these chains of
/// blocks, see the planner tests); an exact assignment is NP-hard and gains nothing measurable here.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Plans the arena for a pass of <paramref name="batch"/> images that produces <paramref name="outputs"/> (tensor ids).</summary>
    /// <param name="graph">The network.</param>
    /// <param name="batch">Images per pass.</param>
    /// <param name="outputs">Tensors to read back; the graph is cut after the last of them.</param>
    /// <param name="inputInArena">Whether the input gets arena space: true for executors that upload it there (the ILGPU
    /// ones, and what <c>info --memory</c> reports); false for one that reads the caller's array in place (the CPU
    /// engine), whose arena is then smaller by the input.</param>
    public static MemoryPlan Plan(NetworkGraph graph, int batch, IReadOnlyList<int> outputs, bool inputInArena = true)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (outputs.Count == 0) throw new ArgumentException("at least one output is needed", nameof(outputs));
        foreach (int t in outputs)
            if (t < 0 || t >= graph.Tensors.Count) throw new ArgumentOutOfRangeException(nameof(outputs), t, "not a tensor of the graph");

        var ops = Cut(graph, outputs);
        int count = graph.Tensors.Count;
        var first = new int[count];
        var last = new int[count];
        Array.Fill(first, -1);
        Array.Fill(last, -1);
        first[NetworkGraph.InputTensor] = 0;
        last[NetworkGraph.InputTensor] = 0;
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            foreach (var read in op.Inputs)
            {
                if (first[read.Tensor] < 0) throw new InvalidOperationException($"op {step} ({op.GetType().Name}) reads tensor {read.Tensor} before any op writes it");
                last[read.Tensor] = step;
            }
            // A global average pool right after the convolution that writes its input runs fused with it on the ILGPU
            // backends (PointwisePoolFusion): that convolution's inputs stay alive through the pool, so the pool's
            // output never takes their room while the fused kernel still reads them.
            if (op is PoolOp { Kind: PoolKind.GlobalAverage } pool && step > 0 && ops[step - 1] is ConvOp conv &&
                conv.Output.Tensor == pool.Input.Tensor)
                foreach (var read in conv.Inputs) last[read.Tensor] = Math.Max(last[read.Tensor], step);
            int w = op.Output.Tensor;
            if (first[w] < 0) first[w] = step;
            last[w] = Math.Max(last[w], step);
        }
        int end = Math.Max(0, ops.Count - 1);
        foreach (int t in outputs) last[t] = end;

        var lifetimes = new Lifetime[count];
        var offsets = new long[count];
        Array.Fill(offsets, -1);
        var used = Enumerable.Range(0, count).Where(t => first[t] >= 0 && (inputInArena || t != NetworkGraph.InputTensor)).ToList();
        foreach (int t in used) lifetimes[t] = new Lifetime(first[t], last[t]);

        long Size(int t) => Align(batch * graph.Tensors[t].ElementsPerImage);
        var placed = new List<int>();
        long arena = 0;
        foreach (int t in used.OrderByDescending(Size).ThenBy(t => first[t]))
        {
            // Occupied intervals of tensors alive at the same time, by offset; take the first gap that fits.
            var busy = placed.Where(p => lifetimes[p].Overlaps(lifetimes[t]))
                .Select(p => (Start: offsets[p], End: offsets[p] + Size(p))).OrderBy(b => b.Start);
            long offset = 0;
            foreach (var (start, stop) in busy)
            {
                if (start - offset >= Size(t)) break;
                offset = Math.Max(offset, stop);
            }
            offsets[t] = offset;
            placed.Add(t);
            arena = Math.Max(arena, offset + Size(t));
        }
        return new MemoryPlan(graph, batch, outputs.ToArray(), ops, offsets, lifetimes, arena);
    }

    /// <summary>The ops the outputs depend on, in graph order: every writer of a needed tensor, transitively.</summary>
    public static IReadOnlyList<GraphOp> Cut(NetworkGraph graph, IReadOnlyList<int> outputs)
    {
        var needed = new bool[graph.Tensors.Count];
        foreach (int t in outputs) needed[t] = true;
        var keep = new bool[graph.Ops.Count];
        // Ops run in list order and only read tensors written earlier, so one backward sweep finds every dependency.
        for (int i = graph.Ops.Count - 1; i >= 0; i--)
        {
            var op = graph.Ops[i];
            if (!needed[op.Output.Tensor]) continue;
            keep[i] = true;
            foreach (var read in op.Inputs) needed[read.Tensor] = true;
        }
        return graph.Ops.Where((_, i) => keep[i]).ToArray();
    }

    static long Align(long elements) =>
        (elements + MemoryPlan.AlignmentElements - 1) / MemoryPlan.AlignmentElements * MemoryPlan.AlignmentElements;
}
