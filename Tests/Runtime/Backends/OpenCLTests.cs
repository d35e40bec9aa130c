using ShuffleNetGpu.Runtime.Backends;
using Xunit;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Backends;

/// <summary>
/// Whether this machine has an OpenCL device and whether CI demands one. xunit 2 has no dynamic skip, so
/// <see cref="OpenCLFactAttribute"/> decides at discovery time: with OpenCL absent and
/// <c>SHUFFLENET_REQUIRE_OPENCL</c> not <c>1</c>, the test is reported as Skipped with the reason; with the variable
/// set, the test runs and fails with the reason.
/// </summary>
internal static class OpenCLEnvironment
{
    public const string RequireVariable = "SHUFFLENET_REQUIRE_OPENCL";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    private static readonly Lazy<string?> Absent = new(() =>
    {
        try
        {
            var info = ComputeDevice.Probe().Single(i => i.Kind == BackendKind.OpenCL);
            return info.IsPresent ? null : info.Detail;
        }
        catch (Exception e)
        {
            return $"probing OpenCL failed: {e.GetType().Name}: {e.Message}";
        }
    });

    /// <summary>Null if an OpenCL device is present; otherwise why not.</summary>
    public static string? AbsentReason => Absent.Value;

    public static string SkipMessage(string reason) =>
        $"OpenCL absent: {reason}. Install PoCL with scripts/install-opencl.sh; set {RequireVariable}=1 to make this a failure.";

    /// <summary>Fails (when required) with the reason OpenCL is absent.</summary>
    public static void AssertPresent()
    {
        if (AbsentReason is { } reason)
            Assert.Fail($"{RequireVariable}=1 but OpenCL is absent: {reason}. Install PoCL with scripts/install-opencl.sh.");
    }
}

/// <summary>A <see cref="FactAttribute"/> that skips (with the reason) when OpenCL is absent, unless
/// <c>SHUFFLENET_REQUIRE_OPENCL=1</c>.</summary>
public sealed class OpenCLFactAttribute : FactAttribute
{
    public OpenCLFactAttribute()
    {
        if (!OpenCLEnvironment.Required && OpenCLEnvironment.AbsentReason is { } reason)
            Skip = OpenCLEnvironment.SkipMessage(reason);
    }
}

/// <summary>An OpenCL test too long for CI (minutes of PoCL compilation): runs only with <c>SHUFFLENET_LONG_TESTS=1</c>
/// (scripts/long-tests.sh sets it and requires OpenCL), and then like <see cref="OpenCLFactAttribute"/>.</summary>
public sealed class LongOpenCLFactAttribute : FactAttribute
{
    public LongOpenCLFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SHUFFLENET_LONG_TESTS") != "1")
            Skip = "a long OpenCL test (minutes of PoCL compilation): run scripts/long-tests.sh";
        else if (!OpenCLEnvironment.Required && OpenCLEnvironment.AbsentReason is { } reason)
            Skip = OpenCLEnvironment.SkipMessage(reason);
    }
}

public sealed class OpenCLTests(ITestOutputHelper output)
{
    [OpenCLFact]
    public void OpenCLIsPresent()
    {
        OpenCLEnvironment.AssertPresent();
        var info = ComputeDevice.Probe().Single(i => i.Kind == BackendKind.OpenCL);
        output.WriteLine(info.ToString());
        Assert.True(info.IsPresent);
        Assert.Contains("compatibility mode:", info.Detail);
    }

    [OpenCLFact]
    public void OpenCLRunsTrivialKernelLikeIlgpuCpu()
    {
        OpenCLEnvironment.AssertPresent();
        using var device = ComputeDevice.Create(BackendKind.OpenCL);
        output.WriteLine(device.ToString());
        Assert.Equal(BackendKind.OpenCL, device.Kind);
        Assert.Contains($"compatibility mode: {(device.OpenCLCompatibilityMode ? "yes" : "no")}", device.Description);
        if (device.Description.Contains("PoCL", StringComparison.OrdinalIgnoreCase) ||
            device.Description.Contains("Portable Computing Language", StringComparison.Ordinal))
        {
            // PoCL 3.1 reports OpenCL C 1.2 without generic address space: only compatibility mode can run it.
            Assert.True(device.OpenCLCompatibilityMode);
            Assert.Contains("OpenCL C 1.2", device.Description);
        }

        var (a, b, expected) = TestKernels.AddInputs(4099);
        var actual = TestKernels.Add(device, a, b);
        Assert.Equal(expected, actual);

        using var cpu = ComputeDevice.Create(BackendKind.IlgpuCpu);
        Assert.Equal(TestKernels.Add(cpu, a, b), actual);
    }

    [OpenCLFact]
    public void OpenCLRunsStaticSharedMemoryAndBarrierKernelLikeIlgpuCpu()
    {
        OpenCLEnvironment.AssertPresent();
        using var device = ComputeDevice.Create(BackendKind.OpenCL);
        output.WriteLine(device.ToString());
        var (input, expectedOut, expectedTotals) = TestKernels.GroupSumInputs(groups: 9);
        var (actualOut, actualTotals) = TestKernels.GroupSum(device, input);
        Assert.Equal(expectedTotals, actualTotals);
        Assert.Equal(expectedOut, actualOut);

        using var cpu = ComputeDevice.Create(BackendKind.IlgpuCpu);
        var (cpuOut, cpuTotals) = TestKernels.GroupSum(cpu, input);
        Assert.Equal(cpuTotals, actualTotals);
        Assert.Equal(cpuOut, actualOut);
    }

    [OpenCLFact]
    public void CompatibilityModeCompilesAtO2AndRefusesLowerLevels()
    {
        OpenCLEnvironment.AssertPresent();
        using (var device = ComputeDevice.Create(BackendKind.OpenCL))
        {
            if (!device.OpenCLCompatibilityMode)
            {
                output.WriteLine($"{device}: natively supported, nothing to check");
                return;
            }
            Assert.Equal(OpenCLCompatibility.RequiredLevel, device.Context.Properties.OptimizationLevel);
        }
        using (var device = ComputeDevice.Create(BackendKind.OpenCL, ILGPU.OptimizationLevel.O2))
            Assert.True(device.OpenCLCompatibilityMode);
        var e = Assert.Throws<BackendException>(() => ComputeDevice.Create(BackendKind.OpenCL, ILGPU.OptimizationLevel.O1));
        output.WriteLine(e.Message);
        Assert.Contains("compatibility mode", e.Message);
        Assert.Contains("O2", e.Message);
    }
}
