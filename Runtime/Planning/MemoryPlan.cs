using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>
/// Where every intermediate tensor of one forward pass lives in a single arena, for one batch size and one set of
/// requested outputs: which ops run (the graph cut after the last requested output), each tensor's lifetime in op
/// steps, and its offset in floats. Tensors whose lifetimes overlap never overlap in memory
/// (<see cref="MemoryPlanner"/> builds it; the planner tests check every zoo graph).
/// </summary>
public sealed class MemoryPlan
{
    internal MemoryPlan(NetworkGraph graph, int batch, IReadOnlyList<int> outputs, IReadOnlyList<GraphOp> ops,
        long[] offsets, Lifetime[] lifetimes, long arenaElements)
    {
        Graph = graph;
        Batch = batch;
        Outputs = outputs;
        Ops = ops;
        _offsets = offsets;
        _lifetimes = lifetimes;
        ArenaElements = arenaElements;
    }

    readonly long[] _offsets;
    readonly Lifetime[] _lifetimes;

    /// <summary>Floats per arena offset unit: every tensor starts on a 256-byte boundary (coalesced GPU loads,
    /// aligned CPU vectors).</summary>
    public const int AlignmentElements = 64;

    /// <summary>The graph planned.</summary>
    public NetworkGraph Graph { get; }
    /// <summary>Images per pass the offsets are sized for.</summary>
    public int Batch { get; }

    /// <summary>The requested tensors: alive until the end of the pass, so they can be read back.</summary>
    public IReadOnlyList<int> Outputs { get; }

    /// <summary>The ops to run, in graph order: only those the outputs depend on.</summary>
    public IReadOnlyList<GraphOp> Ops { get; }

    /// <summary>Size of the arena in floats (the plan's peak).</summary>
    public long ArenaElements { get; }
    /// <summary>Size of the arena in bytes.</summary>
    public long ArenaBytes => ArenaElements * sizeof(float);

    /// <summary>Whether <paramref name="tensor"/> has a place in the arena: written or read by this plan, or the input
    /// unless the plan was made for an executor that reads it in place.</summary>
    public bool Uses(int tensor) => _offsets[tensor] >= 0;

    /// <summary>Offset of <paramref name="tensor"/> in the arena, in floats.</summary>
    public long OffsetOf(int tensor) =>
        _offsets[tensor] >= 0 ? _offsets[tensor] : throw new ArgumentException($"tensor {tensor} is not part of this plan", nameof(tensor));

    /// <summary>Elements of <paramref name="tensor"/> for the whole batch.</summary>
    public long ElementsOf(int tensor) => Batch * Graph.Tensors[tensor].ElementsPerImage;

    /// <summary>The op steps during which <paramref name="tensor"/> must keep its contents.</summary>
    public Lifetime LifetimeOf(int tensor) => _lifetimes[tensor];

    /// <summary>The most floats alive at one step: a lower bound for any arena (the plan reaches it or comes close).</summary>
    public long PeakLiveElements
    {
        get
        {
            long peak = 0;
            for (int step = 0; step < Math.Max(1, Ops.Count); step++)
            {
                long live = 0;
                for (int t = 0; t < _offsets.Length; t++)
                    if (_offsets[t] >= 0 && _lifetimes[t].Contains(step)) live += ElementsOf(t);
                peak = Math.Max(peak, live);
            }
            return peak;
        }
    }

    /// <summary>The largest sum of two tensors alive at the same step (the yardstick for the arena).</summary>
    public long LargestPairAliveElements
    {
        get
        {
            long best = 0;
            for (int a = 0; a < _offsets.Length; a++)
            {
                if (_offsets[a] < 0) continue;
                best = Math.Max(best, ElementsOf(a));
                for (int b = a + 1; b < _offsets.Length; b++)
                    if (_offsets[b] >= 0 && _lifetimes[a].Overlaps(_lifetimes[b]))
                        best = Math.Max(best, ElementsOf(a) + ElementsOf(b));
            }
            return best;
        }
    }
}

/// <summary>Op steps [First, Last] (inclusive) during which a tensor holds data someone still needs.</summary>
public readonly record struct Lifetime(int First, int Last)
{
    /// <summary>Whether the tensor is alive at op step <paramref name="step"/>.</summary>
    public bool Contains(int step) => First <= step && step <= Last;
    /// <summary>Whether both lifetimes share a step (the tensors cannot share memory).</summary>
    public bool Overlaps(Lifetime o) => First <= o.Last && o.First <= Last;
}
