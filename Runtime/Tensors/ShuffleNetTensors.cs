using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Runtime.Tensors;

/// <summary>
/// <see cref="ShuffleNet"/> over <c>System.Numerics.Tensors</c>: inputs are [N, 3, 224, 224] tensors (NCHW, BGR 0..255),
/// outputs come back shaped ([N, classes], [N, C, H, W], [N, D]). A dense row-major input is read in place; any other
/// layout (a transposed or sliced view) is copied once into row-major order first. The buffer forms write into a
/// dense row-major <see cref="TensorSpan{T}"/> the caller owns and, like the span API, allocate nothing per warm call on cpu.
/// </summary>
public static class ShuffleNetTensors
{
    /// <summary>The logits of a batch: [N, <see cref="ShuffleNet.Classes"/>].</summary>
    /// <exception cref="ShuffleNetException">the input is not [N, 3, 224, 224].</exception>
    public static Tensor<float> Run(this ShuffleNet net, in ReadOnlyTensorSpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(net);
        int n = BatchOf(input);
        var output = Zeros(n, net.Classes);
        net.Run(RowMajor(input), Span(output.AsTensorSpan(), "output"));
        return output;
    }

    /// <summary>The logits of a batch into <paramref name="output"/>, which must be a dense row-major [N, classes].</summary>
    /// <exception cref="ShuffleNetException">the input is not [N, 3, 224, 224] or the output not [N, classes] (the message
    /// names both shapes).</exception>
    public static void Run(this ShuffleNet net, in ReadOnlyTensorSpan<float> input, in TensorSpan<float> output)
    {
        ArgumentNullException.ThrowIfNull(net);
        int n = BatchOf(input);
        CheckShape(output.Lengths, [n, net.Classes], "output");
        net.Run(RowMajor(input), Span(output, "output"));
    }

    /// <summary>The output of upstream module <paramref name="layer"/>: [N, C, H, W].</summary>
    /// <exception cref="ShuffleNetException">the input is not [N, 3, 224, 224] or the layer is unknown.</exception>
    public static Tensor<float> RunLayer(this ShuffleNet net, in ReadOnlyTensorSpan<float> input, string layer)
    {
        ArgumentNullException.ThrowIfNull(net);
        int n = BatchOf(input);
        var (c, h, w) = net.LayerShape(layer);
        var output = Zeros(n, c, h, w);
        net.RunLayer(RowMajor(input), layer, Span(output.AsTensorSpan(), "output"));
        return output;
    }

    /// <summary>The embeddings of a batch: [N, <see cref="ShuffleNet.EmbeddingSize"/>].</summary>
    /// <exception cref="ShuffleNetException">the input is not [N, 3, 224, 224].</exception>
    public static Tensor<float> Embed(this ShuffleNet net, in ReadOnlyTensorSpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(net);
        int n = BatchOf(input);
        var output = Zeros(n, net.EmbeddingSize);
        net.Embed(RowMajor(input), Span(output.AsTensorSpan(), "output"));
        return output;
    }

    /// <summary>A new zero tensor (the lengths typed as <c>nint</c>: an int list would be taken for the values).</summary>
    static Tensor<float> Zeros(params ReadOnlySpan<nint> lengths) => Tensor.CreateFromShape<float>(lengths, false);

    /// <summary>N of an [N, 3, 224, 224] input.</summary>
    static int BatchOf(in ReadOnlyTensorSpan<float> input)
    {
        var lengths = input.Lengths;
        if (lengths.Length != 4 || lengths[0] < 1 || lengths[1] != ShuffleNet.ImageChannels
            || lengths[2] != ShuffleNet.ImageSize || lengths[3] != ShuffleNet.ImageSize)
            throw new ShuffleNetException($"input tensor is [{Shape(lengths)}], expected [N, {ShuffleNet.ImageChannels}, {ShuffleNet.ImageSize}, {ShuffleNet.ImageSize}]");
        return checked((int)lengths[0]);
    }

    static void CheckShape(ReadOnlySpan<nint> actual, ReadOnlySpan<nint> expected, string what)
    {
        if (!actual.SequenceEqual(expected))
            throw new ShuffleNetException($"{what} tensor is [{Shape(actual)}], expected [{Shape(expected)}]");
    }

    static string Shape(ReadOnlySpan<nint> lengths) => string.Join(", ", lengths.ToArray());

    /// <summary>The values of <paramref name="input"/> in row-major order: in place when it is laid out that way, else a copy.</summary>
    static ReadOnlySpan<float> RowMajor(in ReadOnlyTensorSpan<float> input)
    {
        if (IsRowMajor(input.Lengths, input.Strides))
            return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in input.GetPinnableReference()), checked((int)input.FlattenedLength));
        var copy = new float[input.FlattenedLength];
        input.FlattenTo(copy);
        return copy;
    }

    /// <summary>A dense row-major tensor's memory as a span; any other layout is refused (results are written in place).</summary>
    static Span<float> Span(in TensorSpan<float> output, string what)
    {
        if (!IsRowMajor(output.Lengths, output.Strides))
            throw new ShuffleNetException($"{what} tensor must be dense and row-major (strides [{Shape(output.Strides)}] for lengths [{Shape(output.Lengths)}])");
        return MemoryMarshal.CreateSpan(ref output.GetPinnableReference(), checked((int)output.FlattenedLength));
    }

    static bool IsRowMajor(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
    {
        nint expected = 1;
        for (int d = lengths.Length - 1; d >= 0; d--)
        {
            if (lengths[d] != 1 && strides[d] != expected) return false;
            expected *= lengths[d];
        }
        return true;
    }
}
