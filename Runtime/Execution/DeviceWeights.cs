using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// The weights the ILGPU backends hold on the device for a graph: every tensor as stored, except the weight of each
/// 1x1 convolution the blocked kernel runs, which is held packed ([G][K padded][M padded]) instead. One place, so that the executor's
/// allocation and <c>info --memory</c>'s report cannot drift apart.
/// </summary>
public static class DeviceWeights
{
    /// <summary>Whether <paramref name="c"/> runs on <see cref="BlockedPointwiseConv2d"/> and so gets packed weights: a 1x1
    /// convolution whose input map does not shuffle.</summary>
    public static bool IsPacked(ConvOp c) => c.IsPointwise && c.Input.View.ShuffleGroups <= 1;

    /// <summary>Bytes of device memory the weights of <paramref name="graph"/> take on the ILGPU backends.</summary>
    public static long Bytes(NetworkGraph graph)
    {
        var packed = graph.Ops.OfType<ConvOp>().Where(IsPacked).ToList();
        var replaced = packed.Select(c => c.Name + ".weight").ToHashSet();
        long floats = graph.WeightSpecs().Where(s => !replaced.Contains(s.Name)).Sum(s => s.Elements);
        foreach (var c in packed) floats += BlockedPointwiseConv2d.PackedWeightLength(PointwiseShape(graph, c));
        return floats * sizeof(float);
    }

    /// <summary>The shape a pointwise op's weights are packed for (the packing depends on neither batch nor map size).</summary>
    internal static ConvParams PointwiseShape(NetworkGraph graph, ConvOp c)
    {
        var src = graph.Tensors[c.Input.Tensor];
        var dst = graph.Tensors[c.Output.Tensor];
        return ConvParams.Create(1, c.InChannels, src.Height, src.Width, c.OutChannels, c.Kernel, c.Stride, c.Groups,
            GraphExecutor.Map(c.Input.View), src.Channels, dst.Channels, c.Output.ChannelOffset);
    }
}
