using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Networks.Weights;

/// <summary>
/// A configuration, its graph and the weights of every op (batch norm folded), as stored in a converted
/// safetensors file. <see cref="Load"/> checks that the tensors are exactly the graph's, with the graph's shapes.
/// </summary>
public sealed class ModelWeights
{
    /// <summary>The <c>__metadata__.format</c> value of a converted file.</summary>
    public const string FormatName = "shufflenetgpu-weights";
    /// <summary>The <c>__metadata__.format_version</c> this build reads and writes.</summary>
    public const string FormatVersion = "1";

    /// <summary>The <c>__metadata__</c> key that <see cref="WeightGenerator"/> sets (to its seed): weights with it are
    /// random, so their outputs are not predictions.</summary>
    public const string GeneratedSeedKey = "generated_seed";

    /// <summary>The network's configuration.</summary>
    public ModelConfig Config { get; }
    /// <summary>The graph built from <see cref="Config"/>.</summary>
    public NetworkGraph Graph { get; }
    /// <summary>Weights by name (<c>{op}.weight</c>, <c>{op}.bias</c>), float32 row-major in the shapes of <see cref="NetworkGraph.WeightSpecs"/>.</summary>
    public IReadOnlyDictionary<string, float[]> Tensors { get; }
    /// <summary>The file's <c>__metadata__</c> (source file, hash, model id...).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Checks that <paramref name="tensors"/> holds every weight of <paramref name="config"/>'s graph, each of the right size.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="tensors">Weights by name (not copied).</param>
    /// <param name="metadata">Extra <c>__metadata__</c> entries to keep.</param>
    /// <param name="source">Names the weights in errors.</param>
    /// <exception cref="WeightsFormatException">a weight is missing or has the wrong number of values.</exception>
    public ModelWeights(ModelConfig config, IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string>? metadata = null, string source = "weights")
    {
        Config = config;
        Graph = GraphFactory.Build(config);
        foreach (var spec in Graph.WeightSpecs())
        {
            if (!tensors.TryGetValue(spec.Name, out var data))
                throw new WeightsFormatException($"{source}: lacks tensor {spec.Name} {spec.ShapeText} that the {config.Family} configuration needs");
            if (data.Length != spec.Elements)
                throw new WeightsFormatException($"{source}: tensor {spec.Name} holds {data.Length} values, the configuration needs {spec.ShapeText}");
        }
        Tensors = tensors;
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    /// <summary>True when <see cref="Load"/> checked every tensor against the file's recorded digest
    /// (<see cref="TensorDigests"/>); false for a file without digests (written by another tool, or by this project
    /// before it recorded them), whose damaged data nothing can detect, and for weights made in memory.</summary>
    public bool DigestsChecked { get; private init; }

    /// <summary>True for generated (random) weights, in memory or saved by <c>shufflenet init</c>.</summary>
    public bool IsGenerated => Metadata.ContainsKey(GeneratedSeedKey);

    /// <summary>The weight named <paramref name="name"/>.</summary>
    public float[] this[string name] => Tensors[name];

    /// <summary>Reads a converted file, checking the format, every tensor's recorded digest (where the file has them:
    /// <see cref="DigestsChecked"/>), the configuration and every tensor's name and shape.</summary>
    public static ModelWeights Load(string path)
    {
        var (tensors, metadata) = SafetensorsFile.Read(path);
        if (!metadata.TryGetValue("format", out var format) || format != FormatName)
            throw new WeightsFormatException($"{path}: __metadata__.format is '{format}', expected '{FormatName}' (convert checkpoints with 'shufflenet convert')");
        if (!metadata.TryGetValue("format_version", out var version) || version != FormatVersion)
            throw new WeightsFormatException($"{path}: format_version '{version}' is not supported (this build reads {FormatVersion})");
        bool digestsChecked = TensorDigests.Verify(path, tensors, metadata);
        if (!metadata.TryGetValue("config", out var json)) throw new WeightsFormatException($"{path}: __metadata__ has no config");
        var config = ModelConfig.FromJson(json, path);

        NetworkGraph graph;
        try { graph = GraphFactory.Build(config); }
        catch (ArchitectureException e) { throw new WeightsFormatException($"{path}: {e.Message}"); }
        var expected = graph.WeightSpecs().ToDictionary(s => s.Name);
        var byName = new Dictionary<string, float[]>();
        foreach (var t in tensors)
        {
            if (!expected.TryGetValue(t.Name, out var spec))
                throw new WeightsFormatException($"{path}: tensor {t.Name} is not part of the {config.Family} configuration");
            if (!t.Shape.SequenceEqual(spec.Shape))
                throw new WeightsFormatException($"{path}: tensor {t.Name} has shape [{string.Join(", ", t.Shape)}], the configuration needs {spec.ShapeText}");
            byName[t.Name] = t.Data;
        }
        return new ModelWeights(config, byName, metadata, path) { DigestsChecked = digestsChecked };
    }

    /// <summary>Writes the file atomically (temp file, then rename), with a digest per tensor (<see cref="TensorDigests"/>).
    /// Metadata given here is merged with the format's own keys.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(Metadata);
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata[k] = v;
        metadata["format"] = FormatName;
        metadata["format_version"] = FormatVersion;
        metadata["family"] = JsonFamilyName(Config.Family);
        metadata["config"] = Config.ToJson();
        var tensors = Graph.WeightSpecs().Select(s => new NamedTensor(s.Name, s.Shape, Tensors[s.Name])).ToList();
        metadata[TensorDigests.MetadataKey] = TensorDigests.Record(tensors);
        SafetensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>The JSON name of a family (<c>v2plus</c>, <c>exlarge</c>...).</summary>
    public static string JsonFamilyName(ModelFamily f) => ModelFamilyJsonConverter.Name(f);
}
