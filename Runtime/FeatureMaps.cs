using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu;

/// <summary>
/// One output of <see cref="ShuffleNet.Features(float[], IReadOnlyList{int}, bool)"/>: float32, row-major.
/// A stage map has <see cref="Shape"/> [N, C, H, W] (NCHW); the embedding has [N, D].
/// </summary>
/// <param name="Name"><c>c2</c>..<c>c5</c> or <c>embedding</c> (the CLI's file names).</param>
public sealed record FeatureMap(string Name, int[] Shape, float[] Data)
{
    /// <summary>Images in the batch.</summary>
    public int Batch => Shape[0];

    /// <summary>Values per image (C x H x W, or D).</summary>
    public int ElementsPerImage => Data.Length / Shape[0];

    /// <summary>Image <paramref name="index"/>'s values.</summary>
    public ReadOnlySpan<float> Image(int index) => Data.AsSpan(index * ElementsPerImage, ElementsPerImage);
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
