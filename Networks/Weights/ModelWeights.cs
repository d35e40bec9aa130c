using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Networks.Weights;

/// <summary>
/// A configuration, its graph and the weights of every op (batch norm folded), as stored in a converted
/// safetensors file. <see cref="Load"/> checks that the tensors are exactly the graph's, with the graph's shapes.
/// </summary>
public sealed class ModelWeights
{
    public const string FormatName = "shufflenetgpu-weights";
    public const string FormatVersion = "1";

    public ModelConfig Config { get; }
    public NetworkGraph Graph { get; }
    public IReadOnlyDictionary<string, float[]> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

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

    public float[] this[string name] => Tensors[name];

    /// <summary>Reads a converted file, checking the format, the configuration and every tensor's name and shape.</summary>
    public static ModelWeights Load(string path)
    {
        var (tensors, metadata) = SafetensorsFile.Read(path);
        if (!metadata.TryGetValue("format", out var format) || format != FormatName)
            throw new WeightsFormatException($"{path}: __metadata__.format is '{format}', expected '{FormatName}' (convert checkpoints with 'shufflenet convert')");
        if (!metadata.TryGetValue("format_version", out var version) || version != FormatVersion)
            throw new WeightsFormatException($"{path}: format_version '{version}' is not supported (this build reads {FormatVersion})");
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
        return new ModelWeights(config, byName, metadata, path);
    }

    /// <summary>Writes the file atomically (temp file, then rename). Metadata given here is merged with the format's own keys.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(Metadata);
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata[k] = v;
        metadata["format"] = FormatName;
        metadata["format_version"] = FormatVersion;
        metadata["family"] = JsonFamilyName(Config.Family);
        metadata["config"] = Config.ToJson();
        var tensors = Graph.WeightSpecs().Select(s => new NamedTensor(s.Name, s.Shape, Tensors[s.Name])).ToList();
        SafetensorsFile.Write(path, tensors, metadata);
    }

    public static string JsonFamilyName(ModelFamily f) => ModelFamilyJsonConverter.Name(f);
}
