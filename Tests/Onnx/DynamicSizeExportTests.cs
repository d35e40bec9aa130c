using Microsoft.ML.OnnxRuntime;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Converter.Onnx;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;
using ShuffleNetGpu.Tests.Runtime;

namespace ShuffleNetGpu.Tests.Onnx;

/// <summary>
/// <c>export-onnx --dynamic-size</c>: one exported backbone, run by ONNX Runtime at both fixture sizes (96x160 and
/// 129x97), gives upstream's C2..C5 (<c>fixtures/tiny/*/sizes</c>, made by the PyTorch code) within 1e-4. V1 covers the
/// group shuffle's Reshape-Transpose-Reshape with a spatial size unknown at export, V2+ the squeeze-excitation pools.
/// </summary>
public sealed class DynamicSizeExportTests
{
    [Theory]
    [InlineData("tiny-shufflenetv1-g3")]
    [InlineData("tiny-shufflenetv2plus")]
    public void OneExportMatchesUpstreamAtBothSizes(string id)
    {
        var model = OnnxExporter.ToModel(CheckpointConverter.Convert(Fixtures.Checkpoint(id)), dynamicSize: true);
        var input = model.Graph.Input.Single();
        Assert.Equal(["N", "", "H", "W"], input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
        Assert.Equal(["c2", "c3", "c4", "c5"], model.Graph.Output.Select(o => o.Name));
        using var session = new OrtSession(model);
        foreach (var (h, w) in InputSizeFixtureTests.Sizes)
        {
            string dir = Path.Combine(Fixtures.TinyDir(id), "sizes", $"{h}x{w}");
            var (_, x) = NpyFile.Read(Path.Combine(dir, "input.npy"));
            using var value = OrtValue.CreateTensorValueFromMemory(x, [1, 3, h, w]);
            using var runOptions = new RunOptions();
            string[] names = [.. StageOutputs.All.Select(OnnxExporter.StageOutputName)];
            using var results = session.Session.Run(runOptions, [OnnxExporter.InputName], [value], names);
            for (int i = 0; i < names.Length; i++)
            {
                var (shape, expected) = NpyFile.Read(Path.Combine(dir, $"{names[i]}.npy"));
                Assert.Equal(shape.Select(d => (long)d), results[i].GetTensorTypeAndShape().Shape);
                double error = ReferenceExecutorTests.RelativeL2(results[i].GetTensorDataAsSpan<float>().ToArray(), expected);
                Assert.True(error <= 1e-4, $"{id} {h}x{w} {names[i]}: relative L2 {error:E3} > 1e-4");
            }
        }
    }
}
