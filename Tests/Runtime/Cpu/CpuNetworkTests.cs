using ShuffleNetGpu.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>Every tiny fixture on the SIMD CPU engine: logits within the fixture tolerance of PyTorch's float64 run.</summary>
public sealed class CpuNetworkTests(ITestOutputHelper log) : NetworkFixtureTests(log)
{
    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void FixtureLogitsMatchOnCpu(string id) => FixtureLogitsMatch(BackendKind.Cpu, id);
}
