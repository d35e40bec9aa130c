using Google.Protobuf;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Converter.Onnx;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Runtime.Verification;
using ShuffleNetGpu.Tests.Reference;
using ShuffleNetGpu.Tests.Runtime;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Onnx;

/// <summary>Exported models run in ONNX Runtime (2 threads, ORT_ENABLE_ALL) against the fixtures and the reference executor.</summary>
public sealed class OnnxExportTests(ITestOutputHelper log) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-onnx-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void FixtureLogitsMatchInOnnxRuntime(string id)
    {
        var (_, weights, input, n, expected) = Fixtures.Load(id);
        string path = Path.Combine(_dir, id + ".onnx");
        OnnxExporter.Export(weights, path);
        using var session = new OrtSession(File.ReadAllBytes(path));
        var logits = session.Run(input, n);
        double error = RelativeError.L2(logits, expected);
        log.WriteLine($"{id}: ONNX Runtime relative L2 {error:E3} over {n} images ({new FileInfo(path).Length:N0} bytes)");
        Assert.InRange(error, 0, 1e-4);

        // A fixed batch gives the same numbers, and the batch is in the declared shapes.
        var fixedModel = OnnxExporter.ToModel(weights, batch: n);
        Assert.Equal(n, fixedModel.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);
        Assert.Equal(n, fixedModel.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimValue);
        using var fixedSession = new OrtSession(fixedModel);
        Assert.InRange(RelativeError.L2(fixedSession.Run(input, n), expected), 0, 1e-4);
    }

    [Fact]
    public void FullSizeGeneratedModelAgreesWithTheReferenceAtBatchTwo()
    {
        const string id = "shufflenetv2-1.0x";
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 5);
        var input = FullSizeTests.SyntheticImage(1).Concat(FullSizeTests.SyntheticImage(2)).ToArray();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var reference = ReferenceExecutor.Run(weights, input, 2)[weights.Graph.OutputTensor];
        var referenceTime = watch.Elapsed;
        watch.Restart();
        using var session = new OrtSession(OnnxExporter.ToModel(weights));
        var logits = session.Run(input, 2);
        double error = RelativeError.L2(logits, reference);
        log.WriteLine($"{id}: relative L2 {error:E3} against the reference (reference {referenceTime.TotalSeconds:F1} s, export + ONNX Runtime {watch.Elapsed.TotalSeconds:F1} s)");
        Assert.Equal(2 * 1000, logits.Length);
        Assert.InRange(error, 0, 1e-4);
    }

    public static IEnumerable<object[]> ZooIds => ModelZoo.Ids.Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(ZooIds))]
    public void EveryReleasedConfigurationExportsWithOneInitializerPerWeight(string id)
    {
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        var specs = graph.WeightSpecs().ToDictionary(s => s.Name);
        var model = OnnxExporter.ToModel(graph, name => new float[specs[name].Elements]);
        Assert.Equal(OnnxExporter.Opset, model.OpsetImport.Single().Version);
        Assert.Equal(OnnxExporter.InputName, model.Graph.Input.Single().Name);
        Assert.Equal(OnnxExporter.BatchDimension, model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal([1000L], model.Graph.Output.Single().Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        var floatInitializers = model.Graph.Initializer.Where(t => t.DataType == 1).ToDictionary(t => t.Name);
        Assert.Equal(specs.Keys.Order(), floatInitializers.Keys.Order());
        foreach (var (name, spec) in specs)
            Assert.Equal(spec.Elements, floatInitializers[name].Dims.Aggregate(1L, (a, b) => a * b));
        // Every node output is produced once, and every node input exists before its node.
        var known = new HashSet<string>(model.Graph.Initializer.Select(t => t.Name)) { OnnxExporter.InputName };
        foreach (var node in model.Graph.Node)
        {
            foreach (var i in node.Input) Assert.True(known.Contains(i), $"{id}: {node.Name} reads {i} before it exists");
            Assert.True(known.Add(node.Output.Single()), $"{id}: {node.Output[0]} is produced twice");
        }
        Assert.Contains(OnnxExporter.OutputName, known);
        log.WriteLine($"{id}: " + string.Join(", ", model.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}")));
    }

    /// <summary>
    /// Every kind of channel view, on a tensor written in two slices: stride 2 across both writers (Concat + Slice),
    /// a slice inside one writer (rebased, no copy), a whole-tensor group shuffle (Reshape/Transpose) and offset or
    /// strided shuffles (Gather). Checked value by value against <see cref="ChannelView.Source"/>.
    /// </summary>
    [Fact]
    public void ChannelViewsAndSlicedWritesMapExactly()
    {
        var views = new (ChannelView View, int Channels)[]
        {
            (ChannelView.SplitOdd, 6), (ChannelView.Slice(6), 6), (ChannelView.Slice(7), 4), (ChannelView.GroupShuffle(3, 12), 12),
            (new ChannelView(2, 1, 2, 3), 6), (new ChannelView(0, 2, 2, 3), 6), (ChannelView.SplitEven, 6),
        };
        int total = views.Sum(v => v.Channels);
        var tensors = new List<TensorInfo> { new(0, 3, 224, 224), new(1, 3, 1, 1), new(2, 12, 1, 1), new(3, total, 1, 1) };
        var ops = new List<GraphOp>
        {
            new PoolOp(PoolKind.GlobalAverage, 0, 1, 3),
            new LinearOp("a", true, 1, new TensorWrite(2, 6), 3, 6, Activation.None),
            new LinearOp("b", true, 1, new TensorWrite(2, 0), 3, 6, Activation.None),
        };
        int offset = 0;
        foreach (var (view, channels) in views)
        {
            ops.Add(new CopyOp(new TensorRead(2, view), new TensorWrite(3, offset), channels, Activation.None));
            offset += channels;
        }
        var graph = new NetworkGraph
        {
            Config = ModelZoo.Get("shufflenetv2-0.5x"), Tensors = tensors, Ops = ops, OutputTensor = 3,
            NamedTensors = [], UpstreamAliases = new Dictionary<string, string>(),
        };
        // Linear "b" writes channels 0..5 and "a" channels 6..11: channel k = (k + 1) * mean of input channel k % 3, plus k.
        static float[] Weight(int first)
        {
            var m = new float[6 * 3];
            for (int r = 0; r < 6; r++) m[r * 3 + (first + r) % 3] = first + r + 1;
            return m;
        }
        var w = new Dictionary<string, float[]>
        {
            ["b.weight"] = Weight(0), ["b.bias"] = Enumerable.Range(0, 6).Select(k => (float)k).ToArray(),
            ["a.weight"] = Weight(6), ["a.bias"] = Enumerable.Range(6, 6).Select(k => (float)k).ToArray(),
        };
        var model = OnnxExporter.ToModel(graph, name => w[name], batch: 2);
        var opTypes = model.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Contains("Concat", opTypes);
        Assert.Contains("Gather", opTypes);
        Assert.Contains("Transpose", opTypes);

        var input = new float[2 * 3 * 224 * 224];
        var rng = new Random(3);
        for (int i = 0; i < input.Length; i++) input[i] = rng.Next(0, 256);
        using var session = new OrtSession(model);
        var output = session.Run(input, 2);
        for (int img = 0; img < 2; img++)
        {
            var mean = new double[3];
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 224 * 224; p++) mean[c] += input[(img * 3 + c) * 224 * 224 + p] / (224.0 * 224);
            var t2 = Enumerable.Range(0, 12).Select(k => (k + 1) * mean[k % 3] + k).ToArray();
            int o = 0;
            foreach (var (view, channels) in views)
                for (int c = 0; c < channels; c++, o++)
                    Assert.True(Math.Abs(output[img * total + o] - t2[view.Source(c)]) < 1e-3 * (1 + Math.Abs(t2[view.Source(c)])),
                        $"image {img}, view {view}, channel {c}: {output[img * total + o]} vs {t2[view.Source(c)]}");
        }
    }

    [Fact]
    public void ExportWritesAtomicallyAndOverwrites()
    {
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2"));
        string path = Path.Combine(_dir, "model.onnx");
        File.WriteAllText(path, "old");
        OnnxExporter.Export(weights, path, batch: 1);
        Assert.Equal([path], Directory.GetFiles(_dir));
        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(1, model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);
        Assert.Contains(model.MetadataProps, p => p.Key == "family" && p.Value == "v2");
        Assert.Contains(model.MetadataProps, p => p.Key == "source_file" && p.Value == "checkpoint.pth.tar");
    }

    [Fact]
    public void BadOutputPathOrBatchIsATypedErrorAndLeavesNoFile()
    {
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2"));
        var missingFolder = Path.Combine(_dir, "missing", "model.onnx");
        var e = Assert.Throws<ShuffleNetException>(() => OnnxExporter.Export(weights, missingFolder));
        Assert.Contains("does not exist", e.Message);
        Assert.Throws<ShuffleNetException>(() => OnnxExporter.Export(weights, _dir));
        Assert.Throws<ShuffleNetException>(() => OnnxExporter.Export(weights, Path.Combine(_dir, "b.onnx"), batch: 0));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
