using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>A batch larger than a backend can index for this model; <see cref="MaxBatch"/> is the largest that works.</summary>
/// <param name="message">One line: the batch, the tensor that overflows, the limit and the largest batch that works.</param>
/// <param name="batch">The batch asked for.</param>
/// <param name="maxBatch">The largest batch this model runs at on this backend.</param>
public sealed class BatchSizeException(string message, int batch, int maxBatch) : ShuffleNetException(message)
{
    /// <summary>The batch asked for.</summary>
    public int Batch { get; } = batch;

    /// <summary>The largest batch this model runs at on this backend (for the outputs asked for).</summary>
    public int MaxBatch { get; } = maxBatch;
}

/// <summary>
/// The largest batch whose tensors a backend can address, checked when a plan is made (before any upload or launch):
/// the ILGPU kernels index each tensor they read or write with an int, and every backend returns a requested tensor
/// as one .NET array.
/// </summary>
internal static class BatchLimit
{
    /// <summary>Elements one array of floats may hold (what a requested tensor is copied into).</summary>
    public static long ArrayElements => Array.MaxLength;

    /// <summary>The largest batch for which every tensor <paramref name="ops"/> read or write holds at most
    /// <paramref name="kernelElements"/> floats and every one of <paramref name="outputs"/> (and the input) fits one array.</summary>
    public static int Largest(NetworkGraph graph, IReadOnlyList<GraphOp> ops, IReadOnlyList<int> outputs, long kernelElements) =>
        Limits(graph, ops, outputs, kernelElements).Min(l => l.MaxBatch);

    /// <summary>Throws <see cref="BatchSizeException"/> when <paramref name="batch"/> is over <see cref="Largest"/>,
    /// naming the tensor that overflows, the limit and the largest batch that works.</summary>
    public static void Check(NetworkGraph graph, IReadOnlyList<GraphOp> ops, IReadOnlyList<int> outputs, int batch, long kernelElements, string backend)
    {
        var limits = Limits(graph, ops, outputs, kernelElements).ToList();
        var worst = limits.MinBy(l => l.MaxBatch);
        if (batch <= worst.MaxBatch) return;
        var t = graph.Tensors[worst.Tensor];
        throw new BatchSizeException(
            $"batch {batch}: too large for this model on {backend}: tensor {worst.Tensor} ({t.Channels}x{t.Height}x{t.Width} per image) " +
            $"would hold {(long)batch * t.ElementsPerImage:N0} floats, more than {worst.Why} ({worst.Limit:N0}); " +
            $"the largest batch that works for this model is {worst.MaxBatch}", batch, worst.MaxBatch);
    }

    static IEnumerable<(int Tensor, long Limit, string Why, int MaxBatch)> Limits(NetworkGraph graph, IReadOnlyList<GraphOp> ops,
        IReadOnlyList<int> outputs, long kernelElements)
    {
        (int, long, string, int) Limit(int tensor, long limit, string why) =>
            (tensor, limit, why, (int)Math.Min(int.MaxValue, limit / Math.Max(1, graph.Tensors[tensor].ElementsPerImage)));
        foreach (var op in ops)
        {
            foreach (var read in op.Inputs) yield return Limit(read.Tensor, kernelElements, "a kernel indexes");
            yield return Limit(op.Output.Tensor, kernelElements, "a kernel indexes");
        }
        yield return Limit(NetworkGraph.InputTensor, ArrayElements, "one array holds");
        foreach (int t in outputs) yield return Limit(t, ArrayElements, "one array holds");
    }
}
