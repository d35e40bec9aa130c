using ILGPU;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Runtime.Backends;

/// <summary><c>SHUFFLENET_ILGPU_OPTIMIZATION</c> picks ILGPU's level when the caller does not (tests run serially,
/// so setting the variable here affects no other test while it is set).</summary>
public class OptimizationLevelTests
{
    static T WithVariable<T>(string? value, Func<T> body)
    {
        var old = Environment.GetEnvironmentVariable(ComputeDevice.OptimizationVariable);
        Environment.SetEnvironmentVariable(ComputeDevice.OptimizationVariable, value);
        try { return body(); }
        finally { Environment.SetEnvironmentVariable(ComputeDevice.OptimizationVariable, old); }
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("O0", OptimizationLevel.O0)]
    [InlineData(" o2 ", OptimizationLevel.O2)]
    public void TheVariableSetsTheLevel(string? value, OptimizationLevel? expected) =>
        Assert.Equal(expected, WithVariable(value, ComputeDevice.LevelFromEnvironment));

    [Fact]
    public void TheDeviceSaysWhichLevelItCompiledAt()
    {
        string description = WithVariable("O2", () =>
        {
            using var device = ComputeDevice.Create(BackendKind.IlgpuCpu);
            return device.Description;
        });
        Assert.EndsWith("ILGPU O2", description);
        using var plain = ComputeDevice.Create(BackendKind.IlgpuCpu);
        Assert.EndsWith("ILGPU O1", plain.Description);   // ILGPU's default, which its enum also calls Release
    }

    [Fact]
    public void ABadValueIsNamed()
    {
        var e = Assert.Throws<BackendException>(() => WithVariable("fast", ComputeDevice.LevelFromEnvironment));
        Assert.Contains("SHUFFLENET_ILGPU_OPTIMIZATION='fast'", e.Message);
    }
}
