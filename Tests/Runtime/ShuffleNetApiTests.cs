using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Runtime;

public class ShuffleNetApiTests
{
    static ShuffleNet TinyV1() => ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3")), BackendKind.IlgpuCpu);

    [Fact]
    public void WrongInputLengthIsATypedErrorNamingTheExpectedShape()
    {
        using var net = TinyV1();
        var e = Assert.Throws<ShuffleNetException>(() => net.Run(new float[3 * 224 * 223]));
        Assert.Contains("N x 3 x 224 x 224", e.Message);
        Assert.Throws<ShuffleNetException>(() => net.Run([]));
    }

    [Fact]
    public void NaNInAnImagePropagatesToThatImageOnly()
    {
        using var net = TinyV1();
        var (_, input) = NpyFile.Read(Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy"));
        input[3 * 224 * 224 + 1000] = float.NaN; // one pixel of image 1
        var logits = net.Run(input);
        Assert.All(logits.AsSpan(0, 10).ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Contains(logits.AsSpan(10, 10).ToArray(), float.IsNaN);
    }

    [Fact]
    public void WeightsThatDoNotFitTheirConfigurationAreRefused()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x", 10));
        var tensors = weights.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value);
        tensors["classifier.0.weight"] = new float[7];
        var e = Assert.Throws<WeightsFormatException>(() => new ModelWeights(weights.Config, tensors));
        Assert.Contains("classifier.0.weight", e.Message);
    }

    [Fact]
    public void UnknownAndAbsentBackendsAreClearErrors()
    {
        var unknown = Assert.Throws<BackendException>(() => BackendNames.Parse("tpu"));
        Assert.Contains("opencl", unknown.Message);
        if (ComputeDevice.Probe().Any(p => p.Kind == BackendKind.Cuda && p.IsPresent)) return; // a CUDA machine: nothing absent to ask for
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3"));
        var absent = Assert.Throws<BackendException>(() => ShuffleNet.FromWeights(weights, BackendKind.Cuda));
        Assert.Contains("ilgpu-cpu", absent.Message); // lists the backends that are present
    }
}
