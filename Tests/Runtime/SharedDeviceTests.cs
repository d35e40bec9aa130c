using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// Networks sharing one <see cref="ComputeDevice"/> (<see cref="ShuffleNet.FromWeights(ShuffleNetGpu.Networks.Weights.ModelWeights, ComputeDevice, int)"/>):
/// each gives the bits it gives alone, callers of both at once take turns, disposing a network leaves the device and the
/// other networks working, disposing the device ends its networks. On ILGPU's CPU accelerator, at a small size (64x96)
/// so the runs take little time.
/// </summary>
public sealed class SharedDeviceTests
{
    const int H = 64, W = 96;
    static readonly Lazy<global::ShuffleNetGpu.Networks.Weights.ModelWeights> V1 = new(() => CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3")));
    static readonly Lazy<global::ShuffleNetGpu.Networks.Weights.ModelWeights> V2 = new(() => CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2")));

    static float[] Input(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 3 * H * W).Select(_ => (float)random.Next(256))];
    }

    static float[] C5(ShuffleNet net, float[] input) => net.Features(input, H, W, 5)[5].Data;

    [Fact]
    public async Task NetworksOnOneDeviceGiveTheirOwnBitsAlsoWhenCalledAtOnce()
    {
        var input = Input(1);
        float[] aloneV1, aloneV2;
        using (var own = ShuffleNet.FromWeights(V1.Value, BackendKind.IlgpuCpu)) aloneV1 = C5(own, input);
        using (var own = ShuffleNet.FromWeights(V2.Value, BackendKind.IlgpuCpu)) aloneV2 = C5(own, input);

        using var device = ComputeDevice.Create(BackendKind.IlgpuCpu);
        using var v1 = ShuffleNet.FromWeights(V1.Value, device);
        using var v2 = ShuffleNet.FromWeights(V2.Value, device);
        Assert.Equal(BackendKind.IlgpuCpu, v2.Backend);
        Assert.Equal(aloneV1, C5(v1, input));
        Assert.Equal(aloneV2, C5(v2, input));
        // Two callers per network at once: the device's gate makes them take turns, each gets the serial bits.
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => i % 2 == 0 ? C5(v1, input) : C5(v2, input))));
        for (int i = 0; i < results.Length; i++) Assert.Equal(i % 2 == 0 ? aloneV1 : aloneV2, results[i]);
    }

    [Fact]
    public void DisposingANetworkLeavesTheDeviceAndDisposingTheDeviceEndsItsNetworks()
    {
        var input = Input(2);
        var device = ComputeDevice.Create(BackendKind.IlgpuCpu);
        var v1 = ShuffleNet.FromWeights(V1.Value, device);
        using var v2 = ShuffleNet.FromWeights(V2.Value, device);
        var before = C5(v2, input);
        v1.Dispose();
        Assert.False(device.IsDisposed);
        Assert.Equal(before, C5(v2, input));
        using (var again = ShuffleNet.FromWeights(V1.Value, device)) Assert.NotEmpty(C5(again, input));

        device.Dispose();
        Assert.True(device.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => C5(v2, input));
        Assert.Throws<ObjectDisposedException>(() => ShuffleNet.FromWeights(V1.Value, device));
    }
}
