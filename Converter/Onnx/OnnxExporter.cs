using System.Reflection;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using GraphActivation = ShuffleNetGpu.Networks.Graph.Activation;

namespace ShuffleNetGpu.Converter.Onnx;

/// <summary>
/// Writes a network as an ONNX model (opset <see cref="Opset"/>): input <c>input</c> [N, 3, 224, 224] float32 NCHW
/// (the graph's input: BGR 0..255, Large's mean image already subtracted), output <c>logits</c> [N, classes].
/// The batch dimension is the symbol <c>N</c> unless a fixed batch is asked for. Weights are initializers under their
/// canonical names (<c>{layer}.weight</c>, <c>{layer}.bias</c>, batch norm folded).
/// With <c>dynamicSize</c> the height and width are the symbols <c>H</c> and <c>W</c> too, and the model is the
/// backbone: outputs <c>c2</c>..<c>c5</c> (<see cref="StageOutputs"/>) instead of logits, because every family's head
/// pools with a fixed 7x7 window (upstream's <c>AvgPool2d(7)</c>), which a global average equals only at 224.
/// </summary>
/// <remarks>
/// The messages are OnnxSharp's generated <c>onnx.proto</c> classes (serialised by Google.Protobuf). The graph IR
/// reads inputs through channel views and writes channel slices; here a view becomes a Slice (offset and stride),
/// a Reshape-Transpose-Reshape (a whole-tensor group shuffle) or a Gather with constant indices (anything else), and a
/// tensor written in slices becomes a Concat of its writers, built only where a reader needs more than one writer's
/// slice (see <c>docs/onnx.md</c>).
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX opset the exported model uses.</summary>
    public const int Opset = 17;
    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    public const long IrVersion = 8;
    /// <summary>Names in the exported model: the input, the output and the symbolic batch dimension.</summary>
    public const string InputName = "input", OutputName = "logits", BatchDimension = "N";
    /// <summary>The symbolic input height and width of a dynamic-size export.</summary>
    public const string HeightDimension = "H", WidthDimension = "W";

    /// <summary>The output holding Ck in a dynamic-size export: <c>c2</c>..<c>c5</c>.</summary>
    public static string StageOutputName(int stage) => $"c{stage}";

    /// <summary>Writes the model to <paramref name="path"/> atomically (temp file beside it, then a rename): a failure leaves nothing behind.</summary>
    /// <exception cref="ShuffleNetException">The batch is below 1, the output folder does not exist or the path is a folder.</exception>
    public static void Export(ModelWeights weights, string path, int? batch = null, bool dynamicSize = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new ShuffleNetException($"{path}: output folder {dir} does not exist");
        if (Directory.Exists(full)) throw new ShuffleNetException($"{path}: is a folder, expected an .onnx file name");
        var model = ToModel(weights, batch, dynamicSize);

        AtomicFileWriter.Write(full, model.WriteTo);
    }

    /// <summary>The model in memory (for callers that hand the bytes to a runtime directly).</summary>
    public static ModelProto ToModel(ModelWeights weights, int? batch = null, bool dynamicSize = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var model = ToModel(weights.Graph, name => weights[name], batch, dynamicSize);
        foreach (var key in new[] { "model_id", "source_file", "source_sha256" })
            if (weights.Metadata.TryGetValue(key, out var value))
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>The model of <paramref name="graph"/> with weights from <paramref name="weight"/> (by canonical name).</summary>
    /// <exception cref="ShuffleNetException">The batch is below 1.</exception>
    /// <exception cref="InvalidOperationException">The graph writes a tensor incompletely, twice, or after reading it (a graph bug).</exception>
    public static ModelProto ToModel(NetworkGraph graph, Func<string, float[]> weight, int? batch = null, bool dynamicSize = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(weight);
        if (batch is < 1) throw new ShuffleNetException($"batch {batch} must be at least 1");
        graph = graph.Canonical;
        var onnxGraph = new GraphBuilder(graph, weight, dynamicSize).Build(batch);
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ShuffleNetGpu",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            Domain = "shufflenetgpu",
            ModelVersion = 1,
            DocString = dynamicSize
                ? $"{ModelWeights.JsonFamilyName(graph.Config.Family)} backbone exported by ShuffleNetGpu: input N x 3 x H x W float32 NCHW " +
                  "(any H, W >= 32), BGR 0..255, outputs c2..c5 (strides 4..32, N x C x H' x W' as upstream's layers compute them)."
                : $"{ModelWeights.JsonFamilyName(graph.Config.Family)} exported by ShuffleNetGpu: input N x 3 x 224 x 224 float32 NCHW, BGR 0..255 " +
                  "(upstream preprocessing; ShuffleNetV2.Large: mean image already subtracted), output logits N x classes.",
            Graph = onnxGraph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "family", Value = ModelWeights.JsonFamilyName(graph.Config.Family) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "config", Value = graph.Config.ToJson() });
        return model;
    }

    /// <summary>One op's output slice of a tensor and the ONNX value holding it.</summary>
    sealed record Slice(int Op, int Offset, int Count)
    {
        public string Value { get; set; } = "";
    }

    sealed class GraphBuilder
    {
        readonly NetworkGraph _g;
        readonly Func<string, float[]> _weight;
        readonly GraphProto _out = new();
        readonly HashSet<string> _names = [];
        readonly List<Slice>[] _slices;
        readonly string?[] _whole;
        readonly Dictionary<(string, ChannelView, int), string> _reads = [];
        readonly bool _dynamic;
        readonly IReadOnlyList<GraphOp> _ops;

        public GraphBuilder(NetworkGraph g, Func<string, float[]> weight, bool dynamicSize)
        {
            _g = g;
            _weight = weight;
            _dynamic = dynamicSize;
            _ops = dynamicSize ? BackboneOps(g) : g.Ops;
            _slices = new List<Slice>[g.Tensors.Count];
            _whole = new string?[g.Tensors.Count];
            for (int t = 0; t < _slices.Length; t++) _slices[t] = [];
            PlanSlices();
        }

        /// <summary>The backbone: the ops up to the last writer of C5 (ops only read tensors written before them).</summary>
        static GraphOp[] BackboneOps(NetworkGraph g)
        {
            int c5 = StageOutputs.Tensor(g, StageOutputs.Last);
            int last = Enumerable.Range(0, g.Ops.Count).Last(i => g.Ops[i].Output.Tensor == c5);
            return g.Ops.Take(last + 1).ToArray();
        }

        /// <summary>
        /// Every op's output slice, checked: the input is never written, every other tensor is covered exactly
        /// (no gap, no overlap), and every read of a tensor comes after all of its writers.
        /// </summary>
        void PlanSlices()
        {
            for (int i = 0; i < _ops.Count; i++)
            {
                var op = _ops[i];
                int t = op.Output.Tensor;
                if (t == NetworkGraph.InputTensor) throw new InvalidOperationException($"ONNX export: op {i} ({op.GetType().Name}) writes the input tensor");
                _slices[t].Add(new Slice(i, op.Output.ChannelOffset, op.OutputChannels));
            }
            for (int t = 0; t < _slices.Length; t++)
            {
                if (t == NetworkGraph.InputTensor || (_dynamic && _slices[t].Count == 0)) continue;   // not in the backbone
                _slices[t].Sort((a, b) => a.Offset.CompareTo(b.Offset));
                int next = 0;
                foreach (var s in _slices[t])
                {
                    if (s.Offset != next)
                        throw new InvalidOperationException($"ONNX export: tensor {t} ({TensorName(t)}) has channels [{Math.Min(next, s.Offset)}, {Math.Max(next, s.Offset)}) " +
                                                            (s.Offset > next ? "that no op writes" : "written twice"));
                    next = s.Offset + s.Count;
                }
                if (next != _g.Tensors[t].Channels)
                    throw new InvalidOperationException($"ONNX export: tensor {t} ({TensorName(t)}) has {_g.Tensors[t].Channels} channels but its ops write {next}");
            }
            for (int i = 0; i < _ops.Count; i++)
                foreach (var read in _ops[i].Inputs)
                    foreach (var s in _slices[read.Tensor])
                        if (s.Op >= i)
                            throw new InvalidOperationException($"ONNX export: op {i} reads tensor {read.Tensor} ({TensorName(read.Tensor)}) before op {s.Op} writes it");
        }

        string TensorName(int t)
        {
            if (t == NetworkGraph.InputTensor) return InputName;
            foreach (var (name, id) in _g.NamedTensors) if (id == t) return name;
            return $"t{t}";
        }

        public GraphProto Build(int? batch)
        {
            _out.Name = ModelWeights.JsonFamilyName(_g.Config.Family);
            _names.Add(InputName);
            _names.Add(OutputName);
            _out.Input.Add(_dynamic
                ? ValueInfo(InputName, batch, Fixed(NetworkGraph.InputChannels), Symbol(HeightDimension), Symbol(WidthDimension))
                : ValueInfo(InputName, batch, NetworkGraph.InputChannels, NetworkGraph.InputSize, NetworkGraph.InputSize));
            _whole[NetworkGraph.InputTensor] = InputName;

            for (int i = 0; i < _ops.Count; i++)
            {
                var op = _ops[i];
                string value = op switch
                {
                    ConvOp c => Conv(c),
                    LinearOp l => Linear(l),
                    PoolOp p => Pool(p),
                    ScaleOp s => Scale(s),
                    AddOp a => Activate(Node("Add", [Read(a.A, a.Channels), Read(a.B, a.Channels)], "add"), a.Activation),
                    CopyOp c => Activate(Read(c.Input, c.Channels), c.Activation),
                    _ => throw new NotSupportedException($"ONNX export: op {op.GetType().Name} is not supported"),
                };
                _slices[op.Output.Tensor].Single(s => s.Op == i).Value = value;
            }

            if (_dynamic)
            {
                foreach (int k in StageOutputs.All)
                {
                    int t = StageOutputs.Tensor(_g, k);
                    string name = StageOutputName(k);
                    _names.Add(name);
                    AddNode("Identity", [Whole(t)], name, name);
                    _out.Output.Add(ValueInfo(name, batch, Fixed(_g.Tensors[t].Channels), Symbol($"{name}_H"), Symbol($"{name}_W")));
                }
                return _out;
            }
            var output = _g.Output;
            if (output.Height != 1 || output.Width != 1)
                throw new InvalidOperationException($"ONNX export: the output tensor is {output.Channels}x{output.Height}x{output.Width}, expected C x 1 x 1");
            AddNode("Flatten", [Whole(_g.OutputTensor)], OutputName, "logits", Int("axis", 1));
            _out.Output.Add(ValueInfo(OutputName, batch, output.Channels));
            return _out;
        }

        // ---- ops ----

        string Conv(ConvOp c)
        {
            int pad = c.Kernel / 2;
            string w = Initializer(c.Name + ".weight", c.WeightShape, _weight(c.Name + ".weight"));
            string b = Initializer(c.Name + ".bias", [c.OutChannels], _weight(c.Name + ".bias"));
            string y = Node("Conv", [Read(c.Input, c.InChannels), w, b], c.Name,
                Ints("kernel_shape", c.Kernel, c.Kernel), Ints("strides", c.Stride, c.Stride),
                Ints("pads", pad, pad, pad, pad), Int("group", c.Groups));
            return Activate(y, c.Activation);
        }

        /// <summary>A fully connected layer on [N, C, 1, 1] as a 1x1 convolution: the tensor stays 4-D and the weight keeps its layout.</summary>
        string Linear(LinearOp l)
        {
            string w = Initializer(l.Name + ".weight", [l.OutFeatures, l.InFeatures, 1, 1], _weight(l.Name + ".weight"));
            List<string> inputs = [Read(l.Input, l.InFeatures), w];
            if (l.HasBias) inputs.Add(Initializer(l.Name + ".bias", [l.OutFeatures], _weight(l.Name + ".bias")));
            string y = Node("Conv", inputs, l.Name, Ints("kernel_shape", 1, 1));
            return Activate(y, l.Activation);
        }

        string Pool(PoolOp p)
        {
            string x = Read(p.Input, p.Channels);
            return p.Kind switch
            {
                PoolKind.Max3x3S2 => Node("MaxPool", [x], "maxpool", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)),
                PoolKind.Avg3x3S2 => Node("AveragePool", [x], "avgpool", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1),
                    Int("count_include_pad", 1)),
                PoolKind.GlobalAverage => Node("GlobalAveragePool", [x], "gap"),
                _ => throw new NotSupportedException($"ONNX export: pool {p.Kind} is not supported"),
            };
        }

        string Scale(ScaleOp s)
        {
            // The gate is [N, C, 1, 1]: Mul broadcasts it over H and W.
            string y = Node("Mul", [Read(s.Input, s.Channels), Read(s.Gate, s.Channels)], "se_scale");
            if (s.Residual is { } r) y = Node("Add", [y, Read(r, s.Channels)], "add");
            return Activate(y, s.Activation);
        }

        string Activate(string x, GraphActivation a) => a switch
        {
            GraphActivation.None => x,
            GraphActivation.Relu => Node("Relu", [x], x + "/relu"),
            // ONNX HardSwish is x * max(0, min(1, x/6 + 1/2)) = x * clamp(x + 3, 0, 6) / 6 (opset 14).
            GraphActivation.HardSwish => Node("HardSwish", [x], x + "/hswish"),
            GraphActivation.HardSigmoid => Node("HardSigmoid", [x], x + "/hsigmoid", Float("alpha", 1f / 6), Float("beta", 0.5f)),
            GraphActivation.Sigmoid => Node("Sigmoid", [x], x + "/sigmoid"),
            _ => throw new NotSupportedException($"ONNX export: activation {a} is not supported"),
        };

        // ---- channel views and slices ----

        /// <summary>
        /// The value of <paramref name="channels"/> logical channels of a tensor read through a view. When every channel
        /// read lies in one writer's slice the view is rebased onto that writer's value; otherwise the tensor is
        /// concatenated whole first.
        /// </summary>
        string Read(TensorRead read, int channels)
        {
            var info = _g.Tensors[read.Tensor];
            var view = read.View;
            int lo = int.MaxValue, hi = -1;
            for (int c = 0; c < channels; c++)
            {
                int s = view.Source(c);
                lo = Math.Min(lo, s);
                hi = Math.Max(hi, s);
            }
            if (channels < 1 || lo < 0 || hi >= info.Channels)
                throw new InvalidOperationException($"ONNX export: a view {view} of {channels} channels reads outside tensor {read.Tensor} ({info.Channels} channels)");
            if (read.Tensor != NetworkGraph.InputTensor)
                foreach (var s in _slices[read.Tensor])
                    if (s.Offset <= lo && hi < s.Offset + s.Count)
                        return Select(s.Value, s.Count, info, view with { Offset = view.Offset - s.Offset }, channels);
            return Select(Whole(read.Tensor), info.Channels, info, view, channels);
        }

        string Whole(int tensor)
        {
            if (_whole[tensor] is { } done) return done;
            var slices = _slices[tensor];
            string value = slices.Count == 1
                ? slices[0].Value
                : Node("Concat", slices.Select(s => s.Value).ToList(), TensorName(tensor), Int("axis", 1));
            return _whole[tensor] = value;
        }

        /// <summary>Logical channel c of the result is channel <c>view.Source(c)</c> of <paramref name="x"/> (which has <paramref name="total"/> channels).</summary>
        string Select(string x, int total, TensorInfo info, ChannelView view, int channels)
        {
            if (_reads.TryGetValue((x, view, channels), out var cached)) return cached;
            string y;
            if (view.ShuffleGroups <= 1)
            {
                if (view.Offset == 0 && view.Stride == 1 && channels == total) y = x;
                else
                    y = Node("Slice", [x,
                        Int64s("starts", view.Offset), Int64s("ends", view.Offset + (long)view.Stride * (channels - 1) + 1),
                        Int64s("axes", 1), Int64s("steps", view.Stride)], x + "/slice");
            }
            else if (view.Offset == 0 && view.Stride == 1 && channels == total && view.ShuffleGroups * view.ShuffleGroupSize == channels)
            {
                // Source channel i * groups + j becomes logical channel j * groupSize + i: [N, groupSize, groups, H, W] transposed.
                if (_dynamic)
                {
                    // The same with H x W as one axis of unknown length, and the input's own shape restored.
                    string r = Node("Reshape", [x, Int64s("shape", 0, view.ShuffleGroupSize, view.ShuffleGroups, -1)], x + "/shuffle_split");
                    string t = Node("Transpose", [r], x + "/shuffle_transpose", Ints("perm", 0, 2, 1, 3));
                    y = Node("Reshape", [t, Node("Shape", [x], x + "/shape")], x + "/shuffled");
                }
                else
                {
                    string r = Node("Reshape", [x, Int64s("shape", 0, view.ShuffleGroupSize, view.ShuffleGroups, info.Height, info.Width)], x + "/shuffle_split");
                    string t = Node("Transpose", [r], x + "/shuffle_transpose", Ints("perm", 0, 2, 1, 3, 4));
                    y = Node("Reshape", [t, Int64s("shape", 0, channels, info.Height, info.Width)], x + "/shuffled");
                }
            }
            else
            {
                var indices = Enumerable.Range(0, channels).Select(c => (long)view.Source(c)).ToArray();
                y = Node("Gather", [x, Int64s("indices", indices)], x + "/gather", Int("axis", 1));
            }
            return _reads[(x, view, channels)] = y;
        }

        // ---- protobuf helpers ----

        string Unique(string wanted)
        {
            if (_names.Add(wanted)) return wanted;
            for (int i = 1; ; i++)
                if (_names.Add($"{wanted}_{i}")) return $"{wanted}_{i}";
        }

        string Node(string opType, IReadOnlyList<string> inputs, string outputHint, params AttributeProto[] attributes)
        {
            string output = Unique(outputHint);
            AddNode(opType, inputs, output, output, attributes);
            return output;
        }

        void AddNode(string opType, IReadOnlyList<string> inputs, string output, string name, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = opType, Name = name };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            _out.Node.Add(node);
        }

        string Initializer(string name, int[] shape, float[] data)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (data.Length != count)
                throw new ShuffleNetException($"ONNX export: weight {name} holds {data.Length} values, shape [{string.Join(", ", shape)}] needs {count}");
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
            string unique = Unique(name);
            var t = new TensorProto { Name = unique, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
            t.Dims.AddRange(shape.Select(d => (long)d));
            _out.Initializer.Add(t);
            return unique;
        }

        /// <summary>A constant int64 vector (Slice bounds, Reshape shapes, Gather indices) as an initializer.</summary>
        string Int64s(string hint, params long[] values)
        {
            string name = Unique("const/" + hint);
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
            t.Dims.Add(values.Length);
            _out.Initializer.Add(t);
            return name;
        }

        static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
        static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

        static AttributeProto Ints(string name, params long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        static TensorShapeProto.Types.Dimension Fixed(int value) => new() { DimValue = value };
        static TensorShapeProto.Types.Dimension Symbol(string name) => new() { DimParam = name };

        static ValueInfoProto ValueInfo(string name, int? batch, params int[] dims) =>
            ValueInfo(name, batch, dims.Select(Fixed).ToArray());

        static ValueInfoProto ValueInfo(string name, int? batch, params TensorShapeProto.Types.Dimension[] dims)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(batch is { } b ? Fixed(b) : Symbol(BatchDimension));
            foreach (var d in dims) shape.Dim.Add(d);
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
            };
        }
    }
}
