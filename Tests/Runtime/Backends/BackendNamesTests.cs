using ShuffleNetGpu.Runtime.Backends;
using Xunit;

namespace ShuffleNetGpu.Tests.Runtime.Backends;

public sealed class BackendNamesTests
{
    [Theory]
    [InlineData("auto", BackendKind.Auto)]
    [InlineData("cuda", BackendKind.Cuda)]
    [InlineData("opencl", BackendKind.OpenCL)]
    [InlineData("ilgpu-cpu", BackendKind.IlgpuCpu)]
    [InlineData(" CUDA ", BackendKind.Cuda)]
    [InlineData("OpenCL", BackendKind.OpenCL)]
    public void ParsesValidNames(string name, BackendKind expected)
    {
        Assert.Equal(expected, BackendNames.Parse(name));
        Assert.True(BackendNames.TryParse(name, out var kind));
        Assert.Equal(expected, kind);
    }

    [Fact]
    public void NamesRoundTrip()
    {
        Assert.Equal(["auto", "cuda", "opencl", "ilgpu-cpu"], BackendNames.ValidNames);
        foreach (var kind in Enum.GetValues<BackendKind>())
            Assert.Equal(kind, BackendNames.Parse(kind.ToName()));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("CPU")]
    public void CpuIsReservedAndNotAvailableYet(string name)
    {
        var e = Assert.ThrowsAny<ShuffleNetException>(() => BackendNames.Parse(name));
        Assert.Contains("not available yet", e.Message);
        Assert.Contains("auto, cuda, opencl, ilgpu-cpu", e.Message);
        Assert.False(BackendNames.TryParse(name, out _));
    }

    [Theory]
    [InlineData("vulkan")]
    [InlineData("")]
    [InlineData("ilgpu")]
    public void UnknownNameGivesBackendExceptionListingValidNames(string name)
    {
        var e = Assert.Throws<BackendException>(() => BackendNames.Parse(name));
        Assert.Contains("unknown backend", e.Message);
        Assert.Contains("auto, cuda, opencl, ilgpu-cpu", e.Message);
        Assert.IsAssignableFrom<ShuffleNetException>(e);
        Assert.False(BackendNames.TryParse(name, out _));
    }

    [Fact]
    public void CreateByNameParses()
    {
        Assert.Throws<BackendException>(() => ComputeDevice.Create("vulkan"));
        using var device = ComputeDevice.Create("ilgpu-cpu");
        Assert.Equal(BackendKind.IlgpuCpu, device.Kind);
    }
}
