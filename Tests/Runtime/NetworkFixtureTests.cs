using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>A theory that skips (with the reason) when OpenCL is absent, unless <c>SHUFFLENET_REQUIRE_OPENCL=1</c>.</summary>
public sealed class OpenCLTheoryAttribute : TheoryAttribute
{
    public OpenCLTheoryAttribute()
    {
        if (!OpenCLEnvironment.Required && OpenCLEnvironment.AbsentReason is { } reason)
            Skip = OpenCLEnvironment.SkipMessage(reason);
    }
}

/// <summary>Every tiny fixture through the ILGPU kernels: logits within the fixture tolerance of PyTorch's float64 run.
/// With <c>devices</c>, the networks are built on the collection's shared device (kernels compiled once, see
/// <see cref="SharedDevices"/>); without, each on its own.</summary>
public abstract class NetworkFixtureTests(ITestOutputHelper log, SharedDevices? devices = null)
{
    protected void FixtureLogitsMatch(BackendKind backend, string id)
    {
        var (_, weights, input, batch, expected) = Fixtures.Load(id);
        using var net = devices is null ? ShuffleNet.FromWeights(weights, backend) : ShuffleNet.FromWeights(weights, devices.Get(backend));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var logits = net.Run(input);
        double error = ReferenceExecutorTests.RelativeL2(logits, expected);
        log.WriteLine($"{id} on {net.DeviceDescription}: relative L2 {error:E3} (tolerance {ReferenceExecutorTests.Tolerance(id):E3}), " +
                      $"kernels compiled in {net.CompileTime.TotalSeconds:F1} s, {batch} images in {watch.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(expected.Length, logits.Length);
        if (error > ReferenceExecutorTests.Tolerance(id))
        {
            // Name the first block that goes wrong, comparing image 0 of each named tensor with the fixture's act/ files.
            var named = weights.Graph.NamedTensors.Select(k => k.Value).Distinct().ToArray();
            var values = net.RunTensors(input, named);
            var byTensor = named.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => values[x.i]);
            ActivationReport.ThrowFirstDivergence(id, weights.Graph, t => byTensor[t], error);
        }
    }
}

[Collection(SharedDeviceCollection.Name)]
public sealed class IlgpuCpuNetworkTests(ITestOutputHelper log, SharedDevices devices) : NetworkFixtureTests(log, devices)
{
    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void FixtureLogitsMatchOnIlgpuCpu(string id) => FixtureLogitsMatch(BackendKind.IlgpuCpu, id);
}

[Collection(SharedDeviceCollection.Name)]
public sealed class OpenCLNetworkTests(ITestOutputHelper log, SharedDevices devices) : NetworkFixtureTests(log, devices)
{
    [OpenCLTheory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void FixtureLogitsMatchOnOpenCL(string id) => FixtureLogitsMatch(BackendKind.OpenCL, id);
}
