using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Reference;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// <see cref="FullSizeTests"/> on PoCL: the five models the kernels issue names, at full size with generated weights,
/// through the OpenCL kernels (tiled depthwise, blocked pointwise with the fused pool, compatibility mode) against the
/// independent double-precision reference executor. On the collection's shared device, so each kernel compiles once.
/// </summary>
[Collection(SharedDeviceCollection.Name)]
public sealed class OpenCLFullSizeTests(ITestOutputHelper log, SharedDevices devices)
{
    [OpenCLTheory]
    [InlineData("shufflenetv2-1.0x")]
    [InlineData("shufflenetv1-g3-1.0x")]
    [InlineData("shufflenetv2plus-medium")]
    [InlineData("oneshot")]
    [InlineData("detnas-coco-fpn-300m")]
    public void GeneratedWeightsAgreeWithTheReferenceOnOpenCL(string id)
    {
        OpenCLEnvironment.AssertPresent();
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 5);
        var input = FullSizeTests.SyntheticImage();
        var reference = ReferenceExecutor.Run(weights, input, 1)[weights.Graph.OutputTensor];
        using var net = ShuffleNet.FromWeights(weights, devices.Get(BackendKind.OpenCL));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var logits = net.Run(input);
        double error = ReferenceExecutorTests.RelativeL2(logits, reference);
        log.WriteLine($"{id} on {net.DeviceDescription}: relative L2 {error:E3}, {watch.Elapsed.TotalSeconds:F1} s (compiles included)");
        Assert.InRange(error, 0, 1e-4);
    }
}
