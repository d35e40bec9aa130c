using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using ShuffleNetGpu.Converter.Onnx;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Bench.Peers;

/// <summary>Throughput of a peer over a timed run.</summary>
public sealed record PeerTiming(int Batch, int Iterations, double Seconds, double MedianBatchMilliseconds)
{
    public double ImagesPerSecond => Batch * Iterations / Seconds;
    public override string ToString() => $"{ImagesPerSecond:F1} images/s (batch {Batch}, median {MedianBatchMilliseconds:F2} ms per batch over {Iterations} runs)";
}

/// <summary>
/// ONNX Runtime on the CPU as a comparison peer: the model exported (<see cref="OnnxExporter"/>) for a static batch to
/// a temporary file, one <see cref="InferenceSession"/> with every graph optimisation, sequential execution, one
/// inter-op thread and <c>intraOpThreads</c> (2 by default) intra-op threads. Input and output buffers are bound once,
/// so <see cref="Run()"/> measures only the session's work.
/// </summary>
public sealed class OnnxRuntimePeer : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();
    readonly float[] _input, _logits;
    readonly OrtValue _inputValue, _logitsValue;
    readonly string[] _inputNames = [OnnxExporter.InputName], _outputNames = [OnnxExporter.OutputName];

    public int Batch { get; }
    public int Classes { get; }
    public int IntraOpThreads { get; }
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <param name="weights">The network, exported to ONNX for the session.</param>
    /// <param name="batch">Images per run.</param>
    /// <param name="intraOpThreads">ORT's IntraOpNumThreads.</param>
    /// <param name="profilePrefix">When set, ORT's own profiler records every node's time per run into
    /// PREFIX_DATE.json, written when the session is disposed (see scripts/ort-profile.py).</param>
    public OnnxRuntimePeer(ModelWeights weights, int batch, int intraOpThreads = 2, string? profilePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        Batch = batch;
        Classes = weights.Graph.Output.Channels;
        IntraOpThreads = intraOpThreads;
        string path = Path.Combine(Path.GetTempPath(), $"shufflenet-ort-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(weights, path, batch);
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = 1,
            };
            if (profilePrefix is not null)
            {
                options.ProfileOutputPathPrefix = profilePrefix;   // before enabling: the prefix is passed when profiling is turned on
                options.EnableProfiling = true;
            }
            _session = new InferenceSession(path, options);
        }
        finally
        {
            File.Delete(path);
        }
        _input = new float[batch * NetworkGraph.InputChannels * NetworkGraph.InputSize * NetworkGraph.InputSize];
        _logits = new float[batch * Classes];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [batch, NetworkGraph.InputChannels, NetworkGraph.InputSize, NetworkGraph.InputSize]);
        _logitsValue = OrtValue.CreateTensorValueFromMemory(_logits, [batch, Classes]);
    }

    /// <summary>The bound input (Batch x 3 x 224 x 224, NCHW): fill it, then call <see cref="Run()"/>.</summary>
    public Span<float> Input => _input;

    /// <summary>The bound output (Batch x Classes) after the last <see cref="Run()"/>.</summary>
    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>Runs the session on <see cref="Input"/> into <see cref="Logits"/> (no allocation of tensors).</summary>
    public void Run() => _session.Run(_runOptions, _inputNames, [_inputValue], _outputNames, [_logitsValue]);

    /// <summary>Logits of one batch of exactly <see cref="Batch"/> images.</summary>
    public float[] Run(float[] batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Length != _input.Length)
            throw new ArgumentException($"the session is for {Batch} images ({_input.Length} floats), got {batch.Length} floats", nameof(batch));
        batch.CopyTo(_input, 0);
        Run();
        return _logits.ToArray();
    }

    /// <summary>Runs <paramref name="warmup"/> batches untimed, then at least <paramref name="minIterations"/> batches and at least <paramref name="minDuration"/>.</summary>
    public PeerTiming Measure(int warmup = 3, int minIterations = 10, TimeSpan? minDuration = null)
    {
        var min = minDuration ?? TimeSpan.FromSeconds(2);
        for (int i = 0; i < warmup; i++) Run();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minIterations || total.Elapsed < min)
        {
            long start = Stopwatch.GetTimestamp();
            Run();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        double seconds = total.Elapsed.TotalSeconds;
        times.Sort();
        return new PeerTiming(Batch, times.Count, seconds, times[times.Count / 2]);
    }

    public void Dispose()
    {
        _inputValue.Dispose();
        _logitsValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
