using System.Diagnostics;
using System.Reflection;
using ILGPU.Runtime.OpenCL;
using ShuffleNetGpu.Runtime.Backends;
using Xunit;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Backends;

public sealed class ComputeDeviceTests(ITestOutputHelper output)
{
    [Fact]
    public void ProbeListsEveryBackendAndBothCpuBackendsArePresent()
    {
        var sw = Stopwatch.StartNew();
        var infos = ComputeDevice.Probe();
        output.WriteLine($"probe took {sw.ElapsedMilliseconds} ms");
        foreach (var info in infos)
            output.WriteLine(info.ToString());

        Assert.Equal([BackendKind.Cuda, BackendKind.OpenCL, BackendKind.Cpu, BackendKind.IlgpuCpu], infos.Select(i => i.Kind));
        var ilgpuCpu = Assert.Single(infos, i => i.Kind == BackendKind.IlgpuCpu);
        Assert.True(ilgpuCpu.IsPresent);
        Assert.StartsWith("ilgpu-cpu: present: ", ilgpuCpu.ToString());
        var cpu = Assert.Single(infos, i => i.Kind == BackendKind.Cpu);
        Assert.True(cpu.IsPresent);
        Assert.StartsWith("cpu: present: SIMD CPU engine: ", cpu.ToString());
        foreach (var info in infos)
            Assert.False(string.IsNullOrWhiteSpace(info.Detail), $"{info.Name} has no detail");
    }

    [Fact]
    public void IlgpuCpuRunsTrivialKernel()
    {
        using var device = ComputeDevice.Create(BackendKind.IlgpuCpu);
        output.WriteLine(device.ToString());
        Assert.Equal(BackendKind.IlgpuCpu, device.Kind);
        Assert.False(device.OpenCLCompatibilityMode);
        Assert.Null(device.FallbackReason);
        Assert.Contains("ILGPU CPU", device.Description);
        Assert.Equal(4, device.Accelerator.WarpSize);
        Assert.Equal(16, device.Accelerator.MaxNumThreadsPerGroup);

        var (a, b, expected) = TestKernels.AddInputs(1000);
        Assert.Equal(expected, TestKernels.Add(device, a, b));
    }

    [Fact]
    public void IlgpuCpuRunsSharedMemoryKernel()
    {
        using var device = ComputeDevice.Create(BackendKind.IlgpuCpu);
        var (input, expectedOut, expectedTotals) = TestKernels.GroupSumInputs(groups: 5);
        var (actualOut, actualTotals) = TestKernels.GroupSum(device, input);
        Assert.Equal(expectedTotals, actualTotals);
        Assert.Equal(expectedOut, actualOut);
    }

    [Fact]
    public void OptimizationLevelIsPassedToTheContext()
    {
        using var device = ComputeDevice.Create(BackendKind.IlgpuCpu, ILGPU.OptimizationLevel.O2);
        Assert.Equal(ILGPU.OptimizationLevel.O2, device.Context.Properties.OptimizationLevel);
        device.Dispose();
        device.Dispose(); // idempotent
    }

    /// <summary>Auto: CUDA, then an OpenCL GPU, then the SIMD CPU engine; never a CPU OpenCL device or ilgpu-cpu.</summary>
    [Fact]
    public void AutoPicksCudaThenAnOpenCLGpuThenTheSimdCpuEngine()
    {
        var infos = ComputeDevice.Probe();
        using var device = ComputeDevice.Create(BackendKind.Auto);
        output.WriteLine(device.ToString());
        output.WriteLine($"fallback reason: {device.FallbackReason ?? "(none)"}");
        Assert.NotEqual(BackendKind.Auto, device.Kind);
        Assert.NotEqual(BackendKind.IlgpuCpu, device.Kind);
        if (infos.Single(i => i.Kind == BackendKind.Cuda).IsPresent)
        {
            Assert.Equal(BackendKind.Cuda, device.Kind);
        }
        else if (device.Kind == BackendKind.Cpu)
        {
            Assert.False(device.IsIlgpu);
            Assert.NotNull(device.FallbackReason);
            Assert.Contains("cuda: ", device.FallbackReason);
            Assert.Contains("opencl: ", device.FallbackReason);
            return;
        }
        else
        {
            Assert.Equal(BackendKind.OpenCL, device.Kind);
            Assert.Contains(", GPU,", device.Description);
        }
        var (a, b, expected) = TestKernels.AddInputs(300);
        Assert.Equal(expected, TestKernels.Add(device, a, b));
    }

    /// <summary>Here (no NVIDIA driver) asking for cuda must name the missing libcuda; on a machine with the
    /// driver it must instead work and run the kernel.</summary>
    [Fact]
    public void CudaIsAbsentWithAReasonNamingLibcudaOrWorks()
    {
        var cudaInfo = ComputeDevice.Probe().Single(i => i.Kind == BackendKind.Cuda);
        output.WriteLine(cudaInfo.ToString());
        if (cudaInfo.IsPresent)
        {
            using var device = ComputeDevice.Create(BackendKind.Cuda);
            output.WriteLine(device.ToString());
            Assert.Contains("PTX ISA", device.Description);
            Assert.Contains("driver", device.Description);
            var (a, b, expected) = TestKernels.AddInputs(1 << 16);
            Assert.Equal(expected, TestKernels.Add(device, a, b));
            var (input, expectedOut, expectedTotals) = TestKernels.GroupSumInputs(groups: 100);
            var (actualOut, actualTotals) = TestKernels.GroupSum(device, input);
            Assert.Equal(expectedTotals, actualTotals);
            Assert.Equal(expectedOut, actualOut);
            return;
        }

        var e = Assert.Throws<BackendException>(() => ComputeDevice.Create(BackendKind.Cuda));
        output.WriteLine(e.Message);
        Assert.Contains("libcuda", e.Message);
        Assert.Contains("backend 'cuda' is not present", e.Message);
        Assert.Contains("present backends:", e.Message);
        Assert.Contains("cpu, ilgpu-cpu", e.Message);
        Assert.Contains("libcuda", cudaInfo.Detail);
    }

    [Fact]
    public void NativeLibraryResolverIsRegistered()
    {
        IlgpuNativeLibraries.EnsureRegistered();
        IlgpuNativeLibraries.EnsureRegistered();
        Assert.Null(IlgpuNativeLibraries.RegistrationError);
    }

    /// <summary>OpenCL compatibility mode depends on ILGPU 1.5.3 internals (see OpenCLCompatibility.cs): this fails
    /// loudly when ILGPU is upgraded, so that the bypass is re-checked against the new source.</summary>
    [Fact]
    public void IlgpuVersionIsTheOneTheOpenCLBypassWasWrittenFor()
    {
        var assembly = typeof(ILGPU.Context).Assembly;
        Assert.Equal(new Version(1, 5, 3, 0), assembly.GetName().Version);
        Assert.Equal(OpenCLCompatibility.SupportedIlgpuVersion, OpenCLCompatibility.LoadedIlgpuVersion);
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        output.WriteLine($"ILGPU {assembly.GetName().Version}, informational '{informational}'");
        Assert.Equal("1.5.3+2efd942cf020da83c32278a6666d57c1d8505077", informational);
        Assert.Equal(OpenCLCompatibility.SupportedIlgpuInformationalVersion, informational);
        OpenCLCompatibility.EnsureSupportedIlgpuVersion();

        // The member the bypass sets: public getter, internal (non-public) setter.
        var property = typeof(CLCapabilityContext).GetProperty(nameof(CLCapabilityContext.GenericAddressSpace));
        Assert.NotNull(property);
        Assert.Null(property.GetSetMethod(nonPublic: false));
        Assert.NotNull(property.GetSetMethod(nonPublic: true));
    }
}
