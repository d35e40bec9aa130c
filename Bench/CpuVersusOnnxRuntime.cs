using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ShuffleNetGpu.Bench.Peers;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Verification;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// The SIMD CPU engine against ONNX Runtime in the same process, same generated weights, same input, 2 threads each
/// (issue 5's comparison). BenchmarkDotNet form: ONNX Runtime is the baseline, so the Ratio column is time(cpu) /
/// time(ORT): below 0.83 means at least 1.2x ORT's throughput.
/// </summary>
[MemoryDiagnoser(false)]
public class CpuVersusOnnxRuntime
{
    [Params("shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m")]
    public string Model { get; set; } = "shufflenetv2-1.0x";

    [Params(1, 8)]
    public int Batch { get; set; } = 1;

    OnnxRuntimePeer? _ort;
    ShuffleNet? _cpu;
    float[] _input = [];

    [GlobalSetup]
    public void Setup() => (_ort, _cpu, _input) = CpuOrtPair.Create(Model, Batch);

    [Benchmark(Baseline = true, Description = "onnxruntime")]
    public void OnnxRuntime() => _ort!.Run();

    [Benchmark(Description = "cpu engine")]
    public float[] CpuEngine() => _cpu!.Run(_input);

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort?.Dispose();
        _cpu?.Dispose();
    }
}

/// <summary>Both engines on one model, and a quick interleaved comparison for iterating without BenchmarkDotNet
/// (<c>dotnet run -c Release --project Bench -- compare-ort [--runs N] [--batch 1,8] [model...]</c>).</summary>
public static class CpuOrtPair
{
    public static (OnnxRuntimePeer Ort, ShuffleNet Cpu, float[] Input) Create(string model, int batch, int threads = 2)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(model));
        var ort = new OnnxRuntimePeer(weights, batch, threads);
        var input = new float[batch * ShuffleNet.ImageElements];
        BenchInputs.Fill(input);
        input.CopyTo(ort.Input);
        var cpu = ShuffleNet.FromWeights(weights, BackendKind.Cpu);
        return (ort, cpu, input);
    }

    public static int Compare(string[] args)
    {
        int runs = 30;
        int[] batches = [1, 8];
        var models = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--runs") runs = int.Parse(args[++i]);
            else if (args[i] == "--batch") batches = args[++i].Split(',').Select(int.Parse).ToArray();
            else models.Add(args[i]);
        }
        if (models.Count == 0) models = ["shufflenetv2-1.0x", "shufflenetv1-g3-1.0x", "shufflenetv2plus-medium", "oneshot", "detnas-coco-fpn-300m"];
        Console.WriteLine($"ONNX Runtime {OnnxRuntimePeer.Version} vs the CPU engine, 2 threads each, median of {runs} interleaved runs after 5 warm-ups");
        Console.WriteLine($"{"model",-26} {"batch",5} {"ORT img/s",10} {"cpu img/s",10} {"ratio",6} {"logits rel. L2",15}");
        foreach (var model in models)
        {
            foreach (int batch in batches)
            {
                var (ort, cpu, input) = Create(model, batch);
                using (ort)
                using (cpu)
                {
                    for (int i = 0; i < 5; i++) { ort.Run(); cpu.Run(input); }
                    var tOrt = new double[runs];
                    var tCpu = new double[runs];
                    float[] logits = [];
                    for (int i = 0; i < runs; i++)
                    {
                        long s = Stopwatch.GetTimestamp();
                        ort.Run();
                        tOrt[i] = Stopwatch.GetElapsedTime(s).TotalSeconds;
                        s = Stopwatch.GetTimestamp();
                        logits = cpu.Run(input);
                        tCpu[i] = Stopwatch.GetElapsedTime(s).TotalSeconds;
                    }
                    double ortRate = batch / Median(tOrt), cpuRate = batch / Median(tCpu);
                    double error = RelativeError.L2(logits, ort.Logits.ToArray());
                    Console.WriteLine($"{model,-26} {batch,5} {ortRate,10:F1} {cpuRate,10:F1} {cpuRate / ortRate,6:F2} {error,15:E2}");
                }
            }
        }
        return 0;
    }

    static double Median(double[] v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
