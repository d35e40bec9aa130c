using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Devices;

namespace ShuffleNetGpu.Tests.Runtime.Devices;

/// <summary><see cref="DeviceSelection"/>: <c>all</c> or device indices, bad text and impossible choices refused with
/// messages that say what is expected.</summary>
public class DeviceSelectionTests
{
    [Fact]
    public void ParsesAllAndIndexLists()
    {
        Assert.Null(DeviceSelection.Parse(BackendKind.Cuda, "all").Indices);
        Assert.Equal([0, 0, 1], DeviceSelection.Parse(BackendKind.IlgpuCpu, " 0, 0,1 ").Indices);
        Assert.Equal("ilgpu-cpu:0,0", DeviceSelection.Of(BackendKind.IlgpuCpu, 0, 0).ToString());
        Assert.Equal("auto:all", DeviceSelection.All().ToString());
    }

    [Theory]
    [InlineData("", "not ''")]
    [InlineData("0,x", "not 'x'")]
    [InlineData("-1", "not '-1'")]
    [InlineData("0,,1", "not ''")]
    public void RefusesBadText(string text, string named)
    {
        var e = Assert.Throws<ShuffleNetException>(() => DeviceSelection.Parse(BackendKind.Cuda, text));
        Assert.Contains("expected 'all' or device indices", e.Message);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void RefusesImpossibleChoices()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        Assert.Throws<ShuffleNetException>(() => DeviceSelection.Of(BackendKind.Cuda));
        Assert.Throws<ShuffleNetException>(() => DeviceSelection.Of(BackendKind.Cuda, new int[DeviceSelection.MaxDevices + 1]));
        var cpu = Assert.Throws<ShuffleNetException>(() => ShuffleNet.FromWeights(tiny.Weights, DeviceSelection.Of(BackendKind.Cpu, 0, 0)));
        Assert.Contains("the cpu backend is one engine", cpu.Message);
        var index = Assert.Throws<BackendException>(() => ShuffleNet.FromWeights(tiny.Weights, DeviceSelection.Of(BackendKind.IlgpuCpu, 0, 1)));
        Assert.Contains("has 1 device here (0..0), no device 1", index.Message);
        using var one = ShuffleNet.FromWeights(tiny.Weights, DeviceSelection.All(BackendKind.Cpu), 1);
        Assert.Equal(1, one.DeviceCount);
        Assert.Equal(BackendKind.Cpu, one.Backend);
    }
}
