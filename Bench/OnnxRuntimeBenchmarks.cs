using BenchmarkDotNet.Attributes;
using ShuffleNetGpu.Bench.Peers;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// ONNX Runtime (CPU, 2 intra-op threads, ORT_ENABLE_ALL) on exported models with generated weights: the peer the
/// engines are compared with. Images per second = Batch / Mean.
/// </summary>
[MemoryDiagnoser(false)]
public class OnnxRuntimeBenchmarks
{
    [Params("shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m")]
    public string Model { get; set; } = "shufflenetv2-1.0x";

    [Params(1, 8)]
    public int Batch { get; set; } = 1;

    OnnxRuntimePeer? _peer;

    [GlobalSetup]
    public void Setup()
    {
        _peer = new OnnxRuntimePeer(WeightGenerator.Generate(ModelZoo.Get(Model)), Batch);
        BenchInputs.Fill(_peer.Input);
    }

    [Benchmark(Description = "onnxruntime")]
    public void Run() => _peer!.Run();

    [GlobalCleanup]
    public void Cleanup() => _peer?.Dispose();
}
