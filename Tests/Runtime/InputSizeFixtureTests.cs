using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// Backbones at other input sizes (issue 13): every tiny fixture's C2..C5 at one even and one odd non-224 size
/// (<c>fixtures/tiny/*/sizes/96x160</c> and <c>129x97</c>) equal what the upstream PyTorch code computes for the same
/// input (made by <c>scripts/make-size-fixtures.py</c>, float64), within a relative L2 error of 1e-4, with upstream's
/// shapes. One network per family runs both sizes (two plans, two arenas' worth of sizes in one executor). On the ILGPU
/// backends every family's network is built on the collection's shared device (<see cref="SharedDevices"/>), so the
/// kernels are compiled once for all of them and for <see cref="NetworkFixtureTests"/>.
/// </summary>
public abstract class InputSizeFixtureTests(ITestOutputHelper log, SharedDevices? devices = null)
{
    /// <summary>The sizes the script wrote (height x width).</summary>
    public static readonly (int Height, int Width)[] Sizes = [(96, 160), (129, 97)];

    protected void BackboneMatchesUpstream(BackendKind backend, string id)
    {
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint(id));
        using var net = devices is null ? ShuffleNet.FromWeights(weights, backend) : ShuffleNet.FromWeights(weights, devices.Get(backend));
        Assert.Equal(backend, net.Backend);
        float[]? firstC5 = null;
        foreach (var (h, w) in Sizes)
        {
            string dir = Path.Combine(Fixtures.TinyDir(id), "sizes", $"{h}x{w}");
            var (inputShape, input) = NpyFile.Read(Path.Combine(dir, "input.npy"));
            Assert.Equal([1, 3, h, w], inputShape);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var maps = net.Features(input.AsSpan(), h, w);
            log.WriteLine($"{id} {h}x{w} on {backend}: {watch.Elapsed.TotalMilliseconds:F0} ms");
            foreach (int k in StageOutputs.All)
            {
                var (shape, expected) = NpyFile.Read(Path.Combine(dir, $"c{k}.npy"));
                Assert.Equal(shape, maps[k].Shape);
                Assert.Equal((shape[1], shape[2], shape[3]), net.StageShape(k, h, w));
                double error = ReferenceExecutorTests.RelativeL2(maps[k].Data, expected);
                log.WriteLine($"  c{k} [{string.Join(", ", shape)}]: relative L2 {error:E2}");
                Assert.True(error <= 1e-4, $"{id} {h}x{w} c{k}: relative L2 {error:E3} > 1e-4");
            }
            firstC5 ??= maps[5].Data;
        }
        // Back to the first size after the second: its cached plan and ops give the same bits.
        var (first, again) = (Sizes[0], NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "sizes", $"{Sizes[0].Height}x{Sizes[0].Width}", "input.npy")).Data);
        Assert.Equal(firstC5, net.Features(again, first.Height, first.Width, 5)[5].Data);
    }
}

/// <summary>All eight families on the SIMD CPU engine.</summary>
public sealed class CpuInputSizeFixtureTests(ITestOutputHelper log) : InputSizeFixtureTests(log)
{
    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void BackboneMatchesUpstreamOnCpu(string id) => BackboneMatchesUpstream(BackendKind.Cpu, id);
}

/// <summary>
/// ILGPU's CPU accelerator (the kernels CUDA runs), all eight families, one shared device: V1 runs the general
/// convolution in the stem, max and average pools, grouped 1x1 and the residual add at odd sizes, V2+ depthwise 3/5/7
/// at stride 1 and 2, squeeze-excitation and hard-swish, Large the grouped 3x3 convolutions and its projections,
/// ExLarge its stride-2 first blocks, DetNAS its stem without a max pool.
/// </summary>
[Collection(SharedDeviceCollection.Name)]
public sealed class IlgpuCpuInputSizeFixtureTests(ITestOutputHelper log, SharedDevices devices) : InputSizeFixtureTests(log, devices)
{
    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void BackboneMatchesUpstreamOnIlgpuCpu(string id) => BackboneMatchesUpstream(BackendKind.IlgpuCpu, id);
}

/// <summary>OpenCL (PoCL in CI), all eight families on one shared device (PoCL compiles each kernel once).</summary>
[Collection(SharedDeviceCollection.Name)]
public sealed class OpenCLInputSizeFixtureTests(ITestOutputHelper log, SharedDevices devices) : InputSizeFixtureTests(log, devices)
{
    [OpenCLTheory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void BackboneMatchesUpstreamOnOpenCL(string id) => BackboneMatchesUpstream(BackendKind.OpenCL, id);
}
