using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>One kernel launch of a forward pass on the ILGPU backends: an op, or a 1x1 convolution with the global
/// average pool that reads it (<see cref="PointwisePoolFusion"/>), whose output is then the pool's.</summary>
/// <param name="Op">The op launched (the convolution, for a fused pair).</param>
/// <param name="Pool">The global average pool folded into it, or null.</param>
public sealed record KernelLaunch(GraphOp Op, PoolOp? Pool);

/// <summary>
/// The one fusion the cost model showed paying for little code (docs/notes.md, issue 11): a global average pool folded
/// into the epilogue of the 1x1 convolution before it (<see cref="BlockedPointwiseConv2d.LaunchPooled"/>), so the
/// convolution's output (the largest tensor of the network's tail: N x 1024 x 7 x 7 for V2 1.0x) is never written or
/// read back. Taken when the pool reads exactly the convolution's whole output right after it, nothing else reads that
/// output, it is not a requested output, one image's pixels fit a tile, and the convolution's input and the pool's
/// output do not share memory (the memory plan may give a tensor the room of one that died before it was written; the
/// fused kernel reads the one while writing the other).
/// </summary>
public static class PointwisePoolFusion
{
    /// <summary>The launches of <paramref name="ops"/> (a plan's ops, in order) of <paramref name="graph"/>, with the tiles
    /// of the device and, from a memory plan, whether two tensors share memory (null: never).</summary>
    public static IReadOnlyList<KernelLaunch> Launches(NetworkGraph graph, IReadOnlyList<GraphOp> ops,
        IReadOnlyCollection<int> outputs, IReadOnlyList<BlockedTile> tiles, Func<int, int, bool>? overlap = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(ops);
        var readers = new Dictionary<int, int>();
        foreach (var op in ops)
        foreach (var r in op.Inputs)
            readers[r.Tensor] = readers.GetValueOrDefault(r.Tensor) + 1;
        var launches = new List<KernelLaunch>(ops.Count);
        for (int i = 0; i < ops.Count; i++)
        {
            if (i + 1 < ops.Count && ops[i] is ConvOp c && ops[i + 1] is PoolOp { Kind: PoolKind.GlobalAverage } pool &&
                Fuses(graph, c, pool, readers, outputs, tiles) && overlap?.Invoke(c.Input.Tensor, pool.Output.Tensor) != true)
            {
                launches.Add(new(c, pool));
                i++;
            }
            else
                launches.Add(new(ops[i], null));
        }
        return launches;
    }

    private static bool Fuses(NetworkGraph graph, ConvOp c, PoolOp pool, Dictionary<int, int> readers,
        IReadOnlyCollection<int> outputs, IReadOnlyList<BlockedTile> tiles)
    {
        int t = c.Output.Tensor;
        var tensor = graph.Tensors[t];
        return DeviceWeights.IsPacked(c) && c.Groups == 1 && pool.Input.Tensor == t && pool.Input.View.IsIdentity &&
               c.Output.ChannelOffset == 0 && tensor.Channels == c.OutChannels && pool.Channels == c.OutChannels &&
               pool.Output.ChannelOffset == 0 && graph.Tensors[pool.Output.Tensor].Channels == pool.Channels &&
               readers.GetValueOrDefault(t) == 1 && !outputs.Contains(t) &&
               tiles.Any(x => x.Pixels >= tensor.Height * tensor.Width);
    }
}
