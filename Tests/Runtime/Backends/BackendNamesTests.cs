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
    [InlineData("cpu", BackendKind.Cpu)]
    [InlineData(" CPU ", BackendKind.Cpu)]
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
        Assert.Equal(["auto", "cuda", "opencl", "cpu", "ilgpu-cpu"], BackendNames.ValidNames);
        foreach (var kind in Enum.GetValues<BackendKind>())
            Assert.Equal(kind, BackendNames.Parse(kind.ToName()));
    }

    [Fact]
    public void CpuIsTheSimdEngineAndNotAnIlgpuAccelerator()
    {
        using var device = ComputeDevice.Create("cpu");
        Assert.Equal(BackendKind.Cpu, device.Kind);
        Assert.False(device.IsIlgpu);
        Assert.Null(device.FallbackReason);
        Assert.Contains("SIMD CPU engine", device.Description);
        var e = Assert.Throws<InvalidOperationException>(() => device.Accelerator);
        Assert.Contains("ilgpu-cpu", e.Message);
        Assert.Throws<InvalidOperationException>(() => device.Context);
        Assert.Equal("cpu", BackendKind.Cpu.ToName());
    }

    [Theory]
    [InlineData("vulkan")]
    [InlineData("")]
    [InlineData("ilgpu")]
    [InlineData("simd")]
    public void UnknownNameGivesBackendExceptionListingValidNames(string name)
    {
        var e = Assert.Throws<BackendException>(() => BackendNames.Parse(name));
        Assert.Contains("unknown backend", e.Message);
        Assert.Contains("auto, cuda, opencl, cpu, ilgpu-cpu", e.Message);
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
