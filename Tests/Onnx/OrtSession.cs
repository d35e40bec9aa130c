using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ShuffleNetGpu.Converter.Onnx;

namespace ShuffleNetGpu.Tests.Onnx;

/// <summary>An exported model in ONNX Runtime as the tests use it: two threads, every graph optimisation on.</summary>
sealed class OrtSession : IDisposable
{
    readonly InferenceSession _session;

    public OrtSession(byte[] model)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = 2,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(model, options);
    }

    public OrtSession(global::Onnx.ModelProto model) : this(model.ToByteArray()) { }

    public InferenceSession Session => _session;

    /// <summary>Logits of <paramref name="n"/> NCHW images (<c>input</c> [n, C, H, W] → <c>logits</c>).</summary>
    public float[] Run(float[] input, int n, int channels = 3, int size = 224)
    {
        using var x = OrtValue.CreateTensorValueFromMemory(input, [n, channels, size, size]);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [OnnxExporter.InputName], [x], [OnnxExporter.OutputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
