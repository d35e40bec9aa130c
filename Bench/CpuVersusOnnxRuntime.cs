using BenchmarkDotNet.Attributes;
using ShuffleNetGpu.Bench.Peers;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// The SIMD CPU engine against ONNX Runtime, same generated weights, same input, 2 threads each. Each benchmark sets
/// up only its own engine (target-specific setup and cleanup): with both alive, each one's spinning workers took the
/// cores the other needed, and the table measured contention (issue 14). ONNX Runtime is the baseline, so the Ratio
/// column is time(cpu) / time(ORT): below 0.83 means at least 1.2x ORT's throughput. scripts/cpu-vs-ort.sh measures
/// the same with each engine in its own process.
/// </summary>
[MemoryDiagnoser(false)]
public class CpuVersusOnnxRuntime
{
    const int Threads = 2;

    [Params("shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m")]
    public string Model { get; set; } = "shufflenetv2-1.0x";

    [Params(1, 8)]
    public int Batch { get; set; } = 1;

    OnnxRuntimePeer? _ort;
    ShuffleNet? _cpu;
    float[] _input = [], _logits = [];

    ModelWeights Weights()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(Model));
        _input = new float[Batch * ShuffleNet.ImageElements];
        BenchInputs.Fill(_input);
        _logits = new float[Batch * weights.Graph.Output.Channels];
        return weights;
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        _ort = new OnnxRuntimePeer(Weights(), Batch, Threads);
        _input.CopyTo(_ort.Input);
    }

    [GlobalSetup(Target = nameof(CpuEngine))]
    public void SetupCpuEngine() => _cpu = ShuffleNet.FromWeights(Weights(), BackendKind.Cpu, Threads);

    [Benchmark(Baseline = true, Description = "onnxruntime")]
    public void OnnxRuntime() => _ort!.Run();

    [Benchmark(Description = "cpu engine")]
    public void CpuEngine() => _cpu!.Run(_input, _logits);

    /// <summary>Disposes the engine of the benchmark that ran (the cpu engine's dispose joins its worker threads).</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ort?.Dispose();
        _ort = null;
        _cpu?.Dispose();
        _cpu = null;
    }
}
