using BenchmarkDotNet.Attributes;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// End-to-end forward passes through the public API (<see cref="ShuffleNet.Run"/>: upload, every kernel, logits
/// download) on every backend present, generated weights. Images per second = Batch / Mean.
/// </summary>
public class ModelBenchmarks
{
    public static IEnumerable<string> Backends => BenchBackends.Present();

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    [Params("shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m")]
    public string Model { get; set; } = "shufflenetv2-1.0x";

    [Params(1, 8)]
    public int Batch { get; set; } = 1;

    ShuffleNet? _net;
    float[] _input = [];

    [GlobalSetup]
    public void Setup()
    {
        _net = ShuffleNet.FromWeights(WeightGenerator.Generate(ModelZoo.Get(Model)), BackendNames.Parse(Backend));
        _input = new float[Batch * ShuffleNet.ImageElements];
        BenchInputs.Fill(_input);
    }

    [Benchmark]
    public float[] Forward() => _net!.Run(_input);

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}
