using ShuffleNetGpu.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>The zero-copy API: <c>Run</c>, <c>RunLayer</c> and <c>Embed</c> into the caller's spans give the array API's
/// bits, allocate nothing per call on the cpu backend once warm, and name both lengths when the output does not fit.</summary>
public class SpanApiTests(ITestOutputHelper log)
{
    const string Layer = "features.1";

    [Theory]
    [InlineData(BackendKind.Cpu)]
    [InlineData(BackendKind.IlgpuCpu)]
    public void SpansGiveTheArrayApisBits(BackendKind backend)
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, backend, 2);
        int n = tiny.Batch;
        var logits = new float[n * net.Classes];
        net.Run(tiny.Input, logits);
        Assert.Equal(net.Run(tiny.Input), logits);

        var (c, h, w) = net.LayerShape(Layer);
        var layer = new float[n * c * h * w];
        net.RunLayer(tiny.Input.AsSpan(), Layer, layer);
        var (shape, data) = net.RunLayer(tiny.Input, Layer);
        Assert.Equal([n, c, h, w], shape);
        Assert.Equal(data, layer);

        var embedding = new float[n * net.EmbeddingSize];
        net.Embed(tiny.Input, embedding);
        Assert.Equal(net.Embed(tiny.Input), embedding);
        // One image out of the batch, from a slice of the caller's buffer.
        var one = new float[net.Classes];
        net.Run(tiny.Input.AsSpan(0, ShuffleNet.ImageElements), one);
        Assert.Equal(logits.AsSpan(0, net.Classes).ToArray(), one);
    }

    [Fact]
    public void AWarmSpanCallAllocatesNothingOnTheCpuBackend()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv1-g3");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        var input = TinyBatches.Of(tiny, 3);
        var logits = new float[3 * net.Classes];
        var (c, h, w) = net.LayerShape(Layer);
        var layer = new float[3 * c * h * w];
        var embedding = new float[3 * net.EmbeddingSize];
        void Calls()
        {
            net.Run(input, logits);
            net.RunLayer(input, Layer, layer);
            net.Embed(input, embedding);
        }
        for (int i = 0; i < 3; i++) Calls();
        // This thread only: the worker threads allocate nothing either, but other tests run beside this one.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Calls();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        log.WriteLine($"{allocated} bytes in 60 warm span calls");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void AnOutputOfTheWrongLengthNamesBothLengths()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 1);
        var input = TinyBatches.Of(tiny, 2);
        var e = Assert.Throws<ShuffleNetException>(() => net.Run(input, new float[2 * net.Classes + 1]));
        Assert.Contains($"output holds {2 * net.Classes + 1} values, expected {2 * net.Classes}", e.Message);
        e = Assert.Throws<ShuffleNetException>(() => net.Embed(input, new float[net.EmbeddingSize]));
        Assert.Contains($"output holds {net.EmbeddingSize} values, expected {2 * net.EmbeddingSize}", e.Message);
        e = Assert.Throws<ShuffleNetException>(() => net.RunLayer(input, Layer, []));
        Assert.Contains("output holds 0 values", e.Message);
        e = Assert.Throws<ShuffleNetException>(() => net.Run(input.AsSpan(1), new float[2 * net.Classes]));
        Assert.Contains($"input holds {input.Length - 1} values", e.Message);
        Assert.Throws<ShuffleNetException>(() => net.RunLayer(input, "no.such.layer", []));
        Assert.Equal(0, net.LastRunOps);
    }
}
