using System.Buffers;
using System.Numerics.Tensors;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Tensors;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>The <c>System.Numerics.Tensors</c> forms give the bits of the array forms, shaped; strided views are read in
/// logical order; wrong shapes name both shapes; the buffer form allocates nothing once warm.</summary>
public class TensorApiTests(ITestOutputHelper log)
{
    const string Layer = "features.1";

    [Fact]
    public void TensorsGiveTheBitsOfArraysShaped()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var input = TinyBatches.Of(tiny, 3);
        var tensor = Tensor.Create(input, [3, 3, 224, 224]);

        var logits = net.Run(tensor.AsReadOnlyTensorSpan());
        Assert.Equal([3, net.Classes], logits.Lengths.ToArray().Select(l => (int)l));
        Assert.Equal(net.Run(input), Flat(logits));

        var (shape, data) = net.RunLayer(input, Layer);
        var layer = net.RunLayer(tensor.AsReadOnlyTensorSpan(), Layer);
        Assert.Equal(shape, layer.Lengths.ToArray().Select(l => (int)l));
        Assert.Equal(data, Flat(layer));

        var embedding = net.Embed(tensor.AsReadOnlyTensorSpan());
        Assert.Equal([3, net.EmbeddingSize], embedding.Lengths.ToArray().Select(l => (int)l));
        Assert.Equal(net.Embed(input), Flat(embedding));

        var into = Tensor.CreateFromShape<float>((ReadOnlySpan<nint>)[3, net.Classes]);
        net.Run(tensor.AsReadOnlyTensorSpan(), into.AsTensorSpan());
        Assert.Equal(net.Run(input), Flat(into));
    }

    /// <summary>A view with strides that are not row-major (the first 224 columns of 230) is read in logical order.</summary>
    [Fact]
    public void AStridedViewIsReadInLogicalOrder()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var input = TinyBatches.Of(tiny, 2);
        var wide = new float[2 * 3 * 224 * 230];
        for (int row = 0; row < 2 * 3 * 224; row++) input.AsSpan(row * 224, 224).CopyTo(wide.AsSpan(row * 230, 224));
        var view = Tensor.Create(wide, [2, 3, 224, 230]).AsReadOnlyTensorSpan()
            .Slice(NRange.All, NRange.All, NRange.All, new NRange(0, 224));
        Assert.Equal(230, (int)view.Strides[2]);
        Assert.Equal(net.Run(input), Flat(net.Run(view)));
    }

    [Fact]
    public void WrongShapesNameBothShapes()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 1);
        var e = Assert.Throws<ShuffleNetException>(() => net.Run(Tensor.CreateFromShape<float>((ReadOnlySpan<nint>)[2, 224, 224, 3]).AsReadOnlyTensorSpan()));
        Assert.Contains("input tensor is [2, 224, 224, 3], expected [N, 3, 224, 224]", e.Message);
        var input = Tensor.Create(TinyBatches.Of(tiny, 2), [2, 3, 224, 224]);
        e = Assert.Throws<ShuffleNetException>(() => net.Run(input.AsReadOnlyTensorSpan(), Tensor.CreateFromShape<float>((ReadOnlySpan<nint>)[2, net.Classes + 1]).AsTensorSpan()));
        Assert.Contains($"output tensor is [2, {net.Classes + 1}], expected [2, {net.Classes}]", e.Message);
        var columnMajor = Tensor.Create(new float[2 * net.Classes], [2, net.Classes], [1, 2]);
        e = Assert.Throws<ShuffleNetException>(() => net.Run(input.AsReadOnlyTensorSpan(), columnMajor.AsTensorSpan()));
        Assert.Contains("must be dense and row-major", e.Message);
    }

    [Fact]
    public void AWarmTensorCallIntoABufferAllocatesNothingOnTheCpuBackend()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var input = Tensor.Create(TinyBatches.Of(tiny, 3), [3, 3, 224, 224]);
        var logits = Tensor.CreateFromShape<float>((ReadOnlySpan<nint>)[3, net.Classes]);
        for (int i = 0; i < 3; i++) net.Run(input.AsReadOnlyTensorSpan(), logits.AsTensorSpan());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.Run(input.AsReadOnlyTensorSpan(), logits.AsTensorSpan());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        log.WriteLine($"{allocated} bytes in 20 warm tensor calls");
        Assert.Equal(0, allocated);
    }

    static float[] Flat(Tensor<float> tensor)
    {
        var values = new float[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return values;
    }
}
