using BenchmarkDotNet.Attributes;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// One forward pass on the SIMD CPU engine (<c>--backend cpu</c>) of the models the speed target names, at batch 1 and
/// 8, with generated weights (the speed does not depend on the values). Images per second = Batch / Mean.
/// Run: <c>dotnet run -c Release --project Bench -- --filter '*CpuEngine*' --inProcess</c> (add <c>--job short</c> for a
/// quick look). <c>--inProcess</c> is needed: BenchmarkDotNet's default toolchain looks for a project file named after
/// the assembly (ShuffleNetGpu.Bench), and this one is Bench.csproj.
/// </summary>
[MemoryDiagnoser]
public class CpuEngineBenchmarks
{
    [Params("shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m")]
    public string Model { get; set; } = "shufflenetv2-1.0x";

    [Params(1, 8)]
    public int Batch { get; set; } = 1;

    /// <summary>Threads of the engine, the caller included (0: one per processor).</summary>
    [Params(0)]
    public int Threads { get; set; }

    ShuffleNet? _net;
    float[] _input = [];

    [GlobalSetup]
    public void Setup()
    {
        _net = ShuffleNet.FromWeights(WeightGenerator.Generate(ModelZoo.Get(Model), seed: 1), BackendKind.Cpu, Threads);
        var rng = new Random(1);
        _input = new float[Batch * ShuffleNet.ImageElements];
        for (int i = 0; i < _input.Length; i++) _input[i] = rng.NextSingle() * 255;
        _net.Run(_input);
    }

    [Benchmark]
    public float[] Forward() => _net!.Run(_input);

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}
