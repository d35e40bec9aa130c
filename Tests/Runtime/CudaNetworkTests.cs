using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Verification;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>Whether CUDA can start here; <c>SHUFFLENET_REQUIRE_CUDA=1</c> turns its absence into failures.</summary>
static class CudaEnvironment
{
    public const string RequireVariable = "SHUFFLENET_REQUIRE_CUDA";
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    static readonly Lazy<string?> Absent = new(() =>
    {
        var info = ComputeDevice.Probe().Single(i => i.Kind == BackendKind.Cuda);
        return info.IsPresent ? null : info.Detail;
    });

    /// <summary>Null if a CUDA device is present; otherwise why not (e.g. which driver library was looked for).</summary>
    public static string? AbsentReason => Absent.Value;
}

/// <summary>A theory that skips with the reason when no CUDA device is present, unless CUDA is required.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (!CudaEnvironment.Required && CudaEnvironment.AbsentReason is { } reason)
            Skip = $"no CUDA device: {reason}. The GPU check script (scripts/gpu-check.sh) runs the same checks through `shufflenet verify`.";
    }
}

/// <summary>The CUDA checks: every fixture, and the memory plan's cut and arena on a full-size network.</summary>
public sealed class CudaNetworkTests(ITestOutputHelper log) : NetworkFixtureTests(log)
{
    [CudaTheory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void FixtureLogitsMatchOnCuda(string id) => FixtureLogitsMatch(BackendKind.Cuda, id);

    [CudaTheory]
    [InlineData("shufflenetv2-1.0x", 64)]
    [InlineData("shufflenetv2plus-medium", 8)]
    public void EarlyOutputsEqualTheFullRunsIntermediates(string id, int batch)
    {
        using var net = ShuffleNet.FromWeights(WeightGenerator.Generate(ModelZoo.Get(id)), BackendKind.Cuda);
        PlannedCuts.AssertEachOutputAloneEqualsTheFullRun(net, batch, every: 5);
    }
}

/// <summary>The memory plan's graph cut checked on a real executor: a tensor requested alone (fewer ops, another arena
/// layout) equals the same tensor from a run that requests them all.</summary>
static class PlannedCuts
{
    public static void AssertEachOutputAloneEqualsTheFullRun(ShuffleNet net, int batch, int every)
    {
        var input = new float[batch * ShuffleNet.ImageElements];
        var random = new Random(3);
        for (int i = 0; i < input.Length; i++) input[i] = random.Next(256);
        var named = net.Graph.NamedTensors.Select(k => k.Value).Distinct().ToArray();
        var all = net.RunTensors(input, named);
        int fullOps = net.LastRunOps;
        for (int i = 0; i < named.Length; i += every)
        {
            var alone = net.RunTensors(input, [named[i]])[0];
            Assert.True(alone.AsSpan().SequenceEqual(all[i]), $"tensor {named[i]} differs when computed alone");
            Assert.True(net.LastRunOps <= fullOps);
        }
        int output = Array.IndexOf(named, net.Graph.OutputTensor);
        if (output >= 0) Assert.Equal(all[output], net.Run(input));
    }
}

public sealed class IlgpuCpuPlannedCutTests
{
    [Fact]
    public void EarlyOutputsEqualTheFullRunsIntermediates()
    {
        using var net = ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3")), BackendKind.IlgpuCpu);
        PlannedCuts.AssertEachOutputAloneEqualsTheFullRun(net, 1, every: 4);
    }
}
