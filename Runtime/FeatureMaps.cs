using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu;

/// <summary>
/// One output of <see cref="ShuffleNet.Features(float[], IReadOnlyList{int}, bool)"/>: float32, row-major.
/// A stage map has <see cref="Shape"/> [N, C, H, W] (NCHW); the embedding has [N, D].
/// </summary>
public sealed record FeatureMap
{
    /// <summary>Wraps <paramref name="data"/> (not copied) as a map of <paramref name="shape"/>.</summary>
    /// <param name="name"><c>c2</c>..<c>c5</c> or <c>embedding</c> (the CLI's file names).</param>
    /// <param name="shape">The dimensions, batch first; each at least 1.</param>
    /// <param name="data">The values, row-major: as many as the product of <paramref name="shape"/>.</param>
    /// <exception cref="ShuffleNetException">a dimension below 1, or a value count that is not the shape's product.</exception>
    public FeatureMap(string name, int[] shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        string shapeText = $"[{string.Join(", ", shape)}]";
        if (shape.Length == 0 || shape.Any(d => d < 1))
            throw new ShuffleNetException($"feature map {name}: shape {shapeText} needs one or more dimensions, each at least 1");
        long count = 1;
        foreach (int d in shape) count = Math.Min(count * d, Array.MaxLength + 1L); // saturates: no array holds more
        if (count != data.Length)
            throw new ShuffleNetException($"feature map {name}: shape {shapeText} holds {count} values, the data has {data.Length}");
        Name = name;
        Shape = shape;
        Data = data;
    }

    /// <summary><c>c2</c>..<c>c5</c> or <c>embedding</c> (the CLI's file names).</summary>
    public string Name { get; }

    /// <summary>The dimensions: [N, C, H, W] for a stage map, [N, D] for the embedding.</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major (image 0 first).</summary>
    public float[] Data { get; }

    /// <summary>Images in the batch.</summary>
    public int Batch => Shape[0];

    /// <summary>Values per image (C x H x W, or D).</summary>
    public int ElementsPerImage => Data.Length / Shape[0];

    /// <summary>Image <paramref name="index"/>'s values.</summary>
    /// <exception cref="ShuffleNetException"><paramref name="index"/> is not 0..<see cref="Batch"/> - 1.</exception>
    public ReadOnlySpan<float> Image(int index)
    {
        if ((uint)index >= (uint)Batch)
            throw new ShuffleNetException($"feature map {Name}: image {index} is not in the batch of {Batch} (0..{Batch - 1})");
        return Data.AsSpan(index * ElementsPerImage, ElementsPerImage);
    }

    /// <summary>The name, shape and values, as a positional record gives them.</summary>
    public void Deconstruct(out string name, out int[] shape, out float[] data) => (name, shape, data) = (Name, Shape, Data);
}

/// <summary>The stage maps (C2..C5) and the embedding of one batch, as requested from <see cref="ShuffleNet.Features(float[], IReadOnlyList{int}, bool)"/>.</summary>
public sealed class FeatureMaps
{
    readonly IReadOnlyList<FeatureMap> _inOrder;

    internal FeatureMaps(IReadOnlyList<(int Stage, FeatureMap Map)> stages, FeatureMap? embedding)
    {
        _inOrder = stages.Select(s => s.Map).ToArray();
        Stages = stages.ToDictionary(s => s.Stage, s => s.Map);
        StageNumbers = stages.Select(s => s.Stage).ToArray();
        Embedding = embedding;
    }

    /// <summary>The requested stage maps by stage number (2..5).</summary>
    public IReadOnlyDictionary<int, FeatureMap> Stages { get; }

    /// <summary>The requested stage numbers, in the order requested (duplicates dropped).</summary>
    public IReadOnlyList<int> StageNumbers { get; }

    /// <summary>The pooled embedding [N, D] (see <see cref="StageOutputs"/>), or null when not requested.</summary>
    public FeatureMap? Embedding { get; }

    /// <summary>Ck; throws <see cref="InvalidStageException"/> when k is not 2..5 or was not requested.</summary>
    public FeatureMap this[int stage]
    {
        get
        {
            StageOutputs.Check(stage);
            return Stages.TryGetValue(stage, out var map) ? map
                : throw new InvalidStageException($"stage {stage} was not requested (requested: {string.Join(", ", StageNumbers)})");
        }
    }

    /// <summary>Every map returned: the stages in request order, then the embedding.</summary>
    public IEnumerable<FeatureMap> All => Embedding is null ? _inOrder : _inOrder.Append(Embedding);
}
